//! Automatic detection against servers on loopback: dnsmasq (scripts/dns.sh) serves the MX and
//! SRV records and the addresses of the test domains, an HTTPS server here serves autoconfig
//! files, the test Postfix and Dovecot answer the probes. Detection runs through the operator's
//! CLI (`pochta autoconfig detect`), exactly as the app runs it, and through the directory's
//! automatic mode with its live report.

use crate::support::forms::{automatic_account, manual_account};
use crate::support::mail_servers::{mail_args, silent_server, spawn_app_with_mail, tls_server, MailServers};
use crate::support::Browser;
use pochta::model::accounts::{AccountInput, AccountOutcome, ConnectionSource};
use pochta::model::check::{Method, MethodResult, ProgressEvent, Reason, Step, StepResult};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn client_config(host: &str, smtp: &str, imap_login: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="{host}">
    <domain>{host}</domain>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname><port>993</port><socketType>SSL</socketType>
      <username>{imap_login}</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{smtp}</hostname><port>465</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#
    )
}

/// The autoconfig web server: answers by the request's Host, remembers what was asked.
struct Autoconfig {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn autoconfig_server(mail: &MailServers) -> Autoconfig {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let port = tls_server(mail, "server", move |mut tls| {
        let seen = seen.clone();
        async move {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let path = head.split_whitespace().nth(1).unwrap_or_default().to_string();
            let host = head
                .lines()
                .find_map(|l| l.strip_prefix("host: ").or_else(|| l.strip_prefix("Host: ")))
                .unwrap_or_default()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string();
            seen.lock().unwrap().push(format!("{host}{path}"));
            let file = path.split('?').next().unwrap_or_default();
            let body = match (host.as_str(), file) {
                ("autoconfig.auto.detect.test", "/mail/config-v1.1.xml") => Some(client_config("auto.detect.test", "smtp.%EMAILDOMAIN%", "%EMAILADDRESS%")),
                ("wellknown.detect.test", "/.well-known/autoconfig/mail/config-v1.1.xml") => {
                    Some(client_config("wellknown.detect.test", "mail.wellknown.detect.test", "%EMAILLOCALPART%"))
                }
                ("autoconfig.prio.detect.test", "/mail/config-v1.1.xml") => {
                    // Slower than the SRV records of the same domain, and still the winner.
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                    Some(client_config("prio.detect.test", "smtp.prio.detect.test", "%EMAILADDRESS%"))
                }
                _ => None,
            };
            let response = match body {
                Some(body) => format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
            };
            let _ = tls.write_all(response.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    })
    .await;
    Autoconfig { port, requests }
}

/// Forwards `listen` to `target` byte for byte (a host name of a test domain on a standard
/// port, reaching the test servers).
async fn proxy(listen: &str, target: String) {
    let listener = TcpListener::bind(listen).await.unwrap_or_else(|e| panic!("bind {listen}: {e}"));
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
}

/// Accepts and never answers, at `address`.
async fn black_hole(address: &str) {
    let listener = TcpListener::bind(address).await.unwrap_or_else(|e| panic!("bind {address}: {e}"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
}

/// What `pochta autoconfig detect` printed: each method's line, the total time, the result.
#[derive(Debug)]
struct Detection {
    methods: Vec<String>,
    millis: u64,
    result: Option<Value>,
}

impl Detection {
    fn method(&self) -> &str {
        self.result.as_ref().and_then(|r| r["method"].as_str()).unwrap_or("none")
    }

    fn smtp(&self) -> String {
        let r = self.result.as_ref().expect("settings found");
        format!(
            "{}:{} {}",
            r["smtp"]["host"].as_str().unwrap(),
            r["smtp"]["port"],
            r["smtp"]["security"].as_str().unwrap()
        )
    }

    fn incoming(&self) -> String {
        let r = &self.result.as_ref().expect("settings found")["incoming"];
        format!(
            "{} {}:{} {}",
            r["protocol"].as_str().unwrap(),
            r["server"]["host"].as_str().unwrap(),
            r["server"]["port"],
            r["server"]["security"].as_str().unwrap()
        )
    }

    fn login(&self, side: &str) -> String {
        let r = self.result.as_ref().expect("settings found");
        let server = if side == "smtp" { &r["smtp"] } else { &r["incoming"]["server"] };
        server["login"].as_str().unwrap().to_string()
    }
}

/// The options that point the CLI at the test servers, with more host:port pairs allowed.
fn options(mail: &MailServers, allow: &[String], extra: &[&str]) -> Vec<String> {
    let mut args = mail_args(mail, &[]);
    let at = args.iter().position(|a| a == "--egress-allow").unwrap() + 1;
    for pair in allow {
        args[at] = format!("{},{pair}", args[at]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

async fn detect(options: &[String], address: &str) -> Detection {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_pochta"))
        .args(options)
        .args(["autoconfig", "detect", address])
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let (lines, json) = stdout.split_once("\n{").map_or((stdout.as_str(), None), |(l, j)| (l, Some(format!("{{{j}"))));
    let mut methods = Vec::new();
    let mut millis = 0;
    for line in lines.lines() {
        if let Some(total) = line.strip_prefix("finished in ") {
            millis = total.trim_end_matches(" ms").parse().unwrap();
        } else if !line.trim().is_empty() {
            methods.push(line.split_whitespace().skip(2).collect::<Vec<_>>().join(" "));
        }
    }
    let result = json.map(|j| serde_json::from_str(&j).unwrap_or_else(|e| panic!("{e}: {j}")));
    assert_eq!(output.status.success(), result.is_some(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    Detection { methods, millis, result }
}

#[tokio::test]
async fn each_method_finds_the_settings_of_its_domain() {
    let mail = MailServers::from_env();
    let web = autoconfig_server(&mail).await;
    // Likely hosts of probe.detect.test resolve to 127.0.0.2; the standard ports there lead to
    // the test Postfix (implicit TLS) and Dovecot (IMAPS).
    proxy("127.0.0.2:465", format!("127.0.0.1:{}", mail.smtps)).await;
    proxy("127.0.0.2:993", format!("127.0.0.1:{}", mail.imaps)).await;
    let allow = [
        format!("autoconfig.auto.detect.test:{}", web.port),
        format!("wellknown.detect.test:{}", web.port),
        "smtp.probe.detect.test:465".into(),
        "imap.probe.detect.test:993".into(),
    ];
    let port = web.port.to_string();
    let options = options(&mail, &allow, &["--autoconfig-https-port", &port]);

    // 1. The presets file: the operator's own entry, and a mail service it ships with.
    let found = detect(&options, &mail.address("anna")).await;
    assert_eq!(found.method(), "Preset");
    assert_eq!(found.smtp(), format!("localhost:{} ssl", mail.smtps));
    let found = detect(&options, "anna@yandex.ru").await;
    assert_eq!((found.method(), found.smtp().as_str()), ("Preset", "smtp.yandex.ru:465 ssl"));

    // 2. An autoconfig file at autoconfig.<domain>, asked with the address.
    let found = detect(&options, "anna@auto.detect.test").await;
    assert_eq!(found.method(), "Autoconfig", "{found:?}");
    assert_eq!(found.smtp(), "smtp.auto.detect.test:465 ssl");
    assert_eq!(found.incoming(), "imap imap.auto.detect.test:993 ssl");
    assert_eq!(found.login("smtp"), "anna@auto.detect.test");
    assert!(
        web.requests.lock().unwrap().contains(
            &"autoconfig.auto.detect.test/mail/config-v1.1.xml?emailaddress=anna%40auto.detect.test".to_string()
        ),
        "{:?}",
        web.requests.lock().unwrap()
    );
    // … and the domain's own .well-known file, placeholders filled.
    let found = detect(&options, "boris@wellknown.detect.test").await;
    assert_eq!(found.method(), "Autoconfig", "{found:?}");
    assert_eq!(found.smtp(), "mail.wellknown.detect.test:465 ssl");
    assert_eq!(found.incoming(), "imap imap.wellknown.detect.test:993 ssl");
    assert_eq!(found.login("imap"), "boris", "%EMAILLOCALPART%");

    // 3. The ISPDB files shipped with the app.
    let found = detect(&options, "anna@gmx.net").await;
    assert_eq!(found.method(), "Ispdb");
    assert_eq!(found.smtp(), "mail.gmx.net:465 ssl");
    assert_eq!(found.incoming(), "imap imap.gmx.net:993 ssl");

    // 4. A company domain whose MX is Google's: Google's settings.
    let found = detect(&options, "anna@mx.detect.test").await;
    assert_eq!(found.method(), "Mx", "{found:?}");
    assert_eq!(found.smtp(), "smtp.gmail.com:465 ssl");
    assert_eq!(found.login("smtp"), "anna@mx.detect.test");

    // 5. RFC 6186 SRV records.
    let found = detect(&options, "anna@srv.detect.test").await;
    assert_eq!(found.method(), "Srv", "{found:?}");
    assert_eq!(found.smtp(), format!("localhost:{} ssl", mail.smtps));
    assert_eq!(found.incoming(), format!("imap localhost:{} ssl", mail.imaps));

    // … for a Cyrillic domain too: asked in its ASCII form.
    let found = detect(&options, "anna@почта.рф").await;
    assert_eq!(found.method(), "Srv", "{found:?}");
    assert_eq!(found.smtp(), format!("smtp.xn--80a1acny.xn--p1ai:{} ssl", mail.smtps));
    assert_eq!(found.incoming(), format!("imap smtp.xn--80a1acny.xn--p1ai:{} ssl", mail.imaps));

    // 6. Probing likely hosts: the greeting over implicit TLS decides.
    let found = detect(&options, "anna@probe.detect.test").await;
    assert_eq!(found.method(), "Probe", "{found:?}");
    assert_eq!(found.smtp(), "smtp.probe.detect.test:465 ssl");
    assert_eq!(found.incoming(), "imap imap.probe.detect.test:993 ssl");

    // Nothing anywhere: said so, the CLI fails.
    let found = detect(&options, "anna@nothing.detect.test").await;
    assert!(found.result.is_none());
    assert_eq!(found.methods.len(), 6, "every method reported: {:?}", found.methods);
}

#[tokio::test]
async fn a_higher_ranked_method_wins_even_when_a_lower_one_answers_first() {
    let mail = MailServers::from_env();
    let web = autoconfig_server(&mail).await;
    let port = web.port.to_string();
    let options =
        options(&mail, &[format!("autoconfig.prio.detect.test:{}", web.port)], &["--autoconfig-https-port", &port]);
    let found = detect(&options, "anna@prio.detect.test").await;
    assert_eq!(found.method(), "Autoconfig", "{found:?}");
    assert_eq!(found.smtp(), "smtp.prio.detect.test:465 ssl");
    let srv = found.methods.iter().position(|m| m.starts_with("Srv found")).expect("SRV found its record");
    let autoconfig = found.methods.iter().position(|m| m.starts_with("Autoconfig found")).unwrap();
    assert!(srv < autoconfig, "SRV answered first and still lost: {:?}", found.methods);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn black_holed_look_ups_do_not_delay_the_answer_past_the_budget() {
    let mail = MailServers::from_env();
    let web = autoconfig_server(&mail).await;
    // Everything of slow.detect.test but its SRV record is a black hole on 127.0.0.3.
    let ports = [web.port, 465, 587, 993, 143, 995, 110];
    for port in ports {
        black_hole(&format!("127.0.0.3:{port}")).await;
    }
    let mut allow = vec![format!("autoconfig.slow.detect.test:{}", web.port)];
    for host in ["smtp", "mail", "imap"] {
        allow.extend(ports[1..].iter().map(|p| format!("{host}.slow.detect.test:{p}")));
    }
    let port = web.port.to_string();
    let options = options(&mail, &allow, &["--autoconfig-https-port", &port, "--detection-budget", "2"]);
    let found = detect(&options, "anna@slow.detect.test").await;
    assert_eq!(found.method(), "Srv", "{found:?}");
    assert_eq!(found.smtp(), format!("localhost:{} ssl", mail.smtps));
    // The budget is 2 s; a little for the process and the scheduler, far from the black holes'
    // own time-outs.
    assert!(found.millis < 2600, "answered after {} ms", found.millis);
    assert!(!found.methods.iter().any(|m| m.starts_with("Probe found")), "{:?}", found.methods);
}

#[tokio::test]
async fn the_cli_prints_the_servers_of_an_autoconfig_file() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_pochta"))
        .args(["autoconfig", "parse", concat!(env!("CARGO_MANIFEST_DIR"), "/src/server/detection/ispdb/gmx.net.xml")])
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let servers: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(servers.len(), 6);
    assert_eq!(
        servers[0],
        serde_json::json!({"type": "imap", "host": "imap.gmx.net", "port": 993, "socket_type": "SSL", "username": "%EMAILADDRESS%"})
    );
    assert_eq!(servers[5]["socket_type"], "STARTTLS");
    let broken = tokio::process::Command::new(env!("CARGO_BIN_EXE_pochta"))
        .args(["autoconfig", "parse", "/etc/hostname"])
        .output()
        .await
        .unwrap();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("/etc/hostname"));
}

/// The events of a run so far, as the browser polls them.
async fn events(browser: &Browser, run: &str) -> Vec<ProgressEvent> {
    let events: Vec<(i64, ProgressEvent)> =
        browser.call("progress", &[("run_id", run), ("after", "-1")]).await.unwrap();
    events.into_iter().map(|(_, e)| e).collect()
}

/// The step `step` among `events`, if it was reported.
fn step(events: &[ProgressEvent], step: Step) -> Option<&StepResult> {
    events.iter().find_map(|e| match e {
        ProgressEvent::Step(s) if s.step == step => Some(s),
        _ => None,
    })
}

/// The events of a run once `step` is among them (they are stored on their own task, so the
/// last may land just after the answer), or after 5 s.
async fn events_until(browser: &Browser, run: &str, wanted: Step) -> Vec<ProgressEvent> {
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen = events(browser, run).await;
        if step(&seen, wanted).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

#[tokio::test]
async fn the_report_shows_each_step_while_the_check_is_still_running() {
    let silent = silent_server().await;
    let (app, mail) = spawn_app_with_mail(&[silent]).await;
    let admin = app.first_run("Ромашка", "admin@romashka.test").await;
    // A server that accepts and then says nothing: the TLS step waits for its 5 s time-out.
    let account = AccountInput {
        use_for_receiving: String::new(),
        smtp_port: silent.to_string(),
        ..manual_account(&mail, "alice")
    };
    let submit = tokio::spawn({
        let admin = admin.clone();
        async move { admin.submit_with_run::<AccountOutcome>("accounts/submit", &account, "live-report-0001").await }
    });
    let mut seen = Vec::new();
    while !submit.is_finished() {
        seen = events(&admin, "live-report-0001").await;
        if step(&seen, Step::Connect).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!submit.is_finished(), "the check was still running");
    let connect = step(&seen, Step::Connect).expect("the connection step, shown before the check ended");
    assert!(connect.ok);
    assert!(step(&seen, Step::Resolve).is_some());
    assert!(submit.await.unwrap().is_err(), "the check failed in the end");
    let all = events_until(&admin, "live-report-0001", Step::Tls).await;
    let tls = step(&all, Step::Tls).expect("the failed step is reported too");
    assert!(!tls.ok);
}

#[tokio::test]
async fn servers_srv_names_outside_the_domain_get_no_password_until_the_user_confirms_them() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = app.first_run("Ромашка", "admin@romashka.test").await;
    // srv.detect.test's SRV records point at localhost, outside srv.detect.test (RFC 6186 §6):
    // the settings are offered, the password is not sent there.
    let account = AccountInput { address: "alice@srv.detect.test".into(), ..automatic_account(&mail, "alice") };
    let outcome = admin.submit_with_run("accounts/submit", &account, "automatic-setup-0001").await.unwrap();
    let AccountOutcome::Manual { connection, report, confirm_hosts } = outcome else {
        panic!("manual setup: {outcome:?}")
    };
    assert_eq!(connection.source, ConnectionSource::Found(Method::Srv), "{connection:?}");
    assert_eq!(connection.smtp.as_ref().unwrap().port, mail.smtps);
    assert_eq!(confirm_hosts, ["localhost"], "the user is asked about the host outside the domain");
    assert!(report.is_none(), "nothing was checked");
    let seen = events_until(&admin, "automatic-setup-0001", Step::Connect).await;
    let methods: Vec<&MethodResult> = seen
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Method(m) => Some(m),
            _ => None,
        })
        .collect();
    assert!(methods.iter().any(|m| m.method == Method::Srv && m.found), "{seen:?}");
    assert!(methods.iter().any(|m| m.method == Method::Preset && !m.found), "{seen:?}");
    assert!(step(&seen, Step::Login).is_none(), "no login was tried: {seen:?}");

    // Confirmed by creating it by hand with those servers: now the password goes there (and the
    // test servers have no such mailbox).
    let confirmed = AccountInput {
        mode: "manual".into(),
        smtp_host: "localhost".into(),
        smtp_port: mail.smtps.to_string(),
        smtp_security: "ssl".into(),
        smtp_login: "alice@srv.detect.test".into(),
        use_for_receiving: String::new(),
        ..account
    };
    let refused = admin.submit_account(&confirmed).await.unwrap_err();
    let pochta::model::error::AppError::CheckFailed(report) = refused else { panic!("a failed check") };
    assert_eq!(report.failure.unwrap().reason, Reason::WrongLoginOrPassword);
}
