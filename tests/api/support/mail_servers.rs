//! The real Postfix and Dovecot that `scripts/mail-servers.sh` starts on loopback, reading a
//! mailbox back over IMAP, and small fake servers for behaviour real ones do not show on demand
//! (silence, a connection dropped in the middle of DATA).

use super::app::{spawn_app_with, TestApp};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub struct MailServers {
    pub domain: String,
    pub password: String,
    pub ca_file: String,
    pub smtp_starttls: u16,
    pub smtps: u16,
    pub smtps_untrusted: u16,
    pub imap: u16,
    pub imaps: u16,
    pub pop3: u16,
    pub pop3s: u16,
    pub closed: u16,
    /// The company server with its own self-signed certificate: Postfix on implicit TLS and on
    /// STARTTLS at `office.pochta.test`, its certificate swappable (`OfficeCertificate`).
    pub office_smtps: u16,
    pub office_submission: u16,
    pub office_certs: std::path::PathBuf,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: the mail tests need the servers of scripts/mail-servers.sh; run `make test` or `scripts/test-servers.sh run -- cargo test`")
    })
}

fn port(name: &str) -> u16 {
    var(name).parse().expect("a port number")
}

impl MailServers {
    pub fn from_env() -> Self {
        Self {
            domain: var("POCHTA_TEST_MAIL_DOMAIN"),
            password: var("POCHTA_TEST_MAIL_PASSWORD"),
            ca_file: var("POCHTA_TEST_MAIL_CA"),
            smtp_starttls: port("POCHTA_TEST_SMTP_STARTTLS_PORT"),
            smtps: port("POCHTA_TEST_SMTPS_PORT"),
            smtps_untrusted: port("POCHTA_TEST_SMTPS_UNTRUSTED_PORT"),
            imap: port("POCHTA_TEST_IMAP_PORT"),
            imaps: port("POCHTA_TEST_IMAPS_PORT"),
            pop3: port("POCHTA_TEST_POP3_PORT"),
            pop3s: port("POCHTA_TEST_POP3S_PORT"),
            closed: port("POCHTA_TEST_CLOSED_PORT"),
            office_smtps: port("POCHTA_TEST_OFFICE_SMTPS_PORT"),
            office_submission: port("POCHTA_TEST_OFFICE_SUBMISSION_PORT"),
            office_certs: var("POCHTA_TEST_OFFICE_CERTS").into(),
        }
    }

    pub fn address(&self, user: &str) -> String {
        format!("{user}@{}", self.domain)
    }
}

/// The app, allowed to reach the test servers (and `extra` loopback ports) and trusting their CA.
/// Mail steps time out after 5 s so the silent-server cases stay quick.
pub async fn spawn_app_with_mail(extra_ports: &[u16]) -> (TestApp, MailServers) {
    let mail = MailServers::from_env();
    let app = app_with_mail(&mail, extra_ports, &[]).await;
    (app, mail)
}

/// The same, with more operator settings (`--name value` …).
pub async fn app_with_mail(mail: &MailServers, extra_ports: &[u16], settings: &[&str]) -> TestApp {
    let mut args = mail_args(mail, extra_ports);
    args.extend(settings.iter().map(|s| s.to_string()));
    spawn_app_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await
}

/// The operator settings that let the app reach the test servers and trust their CA; the
/// presets file makes `pochta.test` a known mail service on those servers (automatic setup).
pub fn mail_args(mail: &MailServers, extra_ports: &[u16]) -> Vec<String> {
    let ports = [
        mail.smtp_starttls,
        mail.smtps,
        mail.smtps_untrusted,
        mail.imap,
        mail.imaps,
        mail.pop3,
        mail.pop3s,
        mail.closed,
    ];
    let mut allow: Vec<String> = ports.iter().chain(extra_ports).map(|p| format!("localhost:{p}")).collect();
    for port in [mail.office_smtps, mail.office_submission, mail.imaps] {
        allow.push(format!("office.pochta.test:{port}"));
    }
    for port in [mail.office_smtps, mail.office_submission] {
        allow.push(format!("localhost:{port}"));
    }
    // Written once per test process: tests run in parallel, and a file rewritten while another
    // test's app reads it reads as empty.
    static PRESETS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let presets = PRESETS.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("pochta-test-presets-{}.json", std::process::id()));
        std::fs::write(
            &path,
            format!(
                r#"[{{"id":"pochta-test","name":"Pochta Test","domains":["{domain}"],"oauth":"microsoft",
                    "smtp":{{"host":"localhost","port":{smtps},"security":"Ssl"}},
                    "imap":{{"host":"localhost","port":{imaps},"security":"Ssl"}},
                    "pop3":{{"host":"localhost","port":{pop3s},"security":"Ssl"}}}},
                   {{"id":"pochta-test-yandex","name":"Pochta Test (Яндекс)","oauth":"yandex",
                    "smtp":{{"host":"localhost","port":{smtps},"security":"Ssl"}}}},
                   {{"id":"pochta-test-mailru","name":"Pochta Test (Mail.ru)","oauth":"mailru",
                    "smtp":{{"host":"localhost","port":{smtps},"security":"Ssl"}}}}]"#,
                domain = mail.domain,
                smtps = mail.smtps,
                imaps = mail.imaps,
                pop3s = mail.pop3s
            ),
        )
        .unwrap();
        path
    });
    vec![
        "--egress-allow".into(),
        allow.join(","),
        "--ca-file".into(),
        mail.ca_file.clone(),
        "--presets-file".into(),
        presets.display().to_string(),
        "--mail-step-timeout".into(),
        "5".into(),
        "--mail-total-timeout".into(),
        "20".into(),
        "--dns-server".into(),
        var("POCHTA_TEST_DNS"),
    ]
}

fn tls_connector(ca_file: &str) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(ca_file).unwrap();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// A letter as read back from a mailbox, headers and text decoded.
#[derive(Debug)]
pub struct Received {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
}

fn decode(raw: &[u8]) -> Option<Received> {
    let parsed = mailparse::parse_mail(raw).ok()?;
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let body = if parsed.subparts.is_empty() { parsed.get_body().ok()? } else { parsed.subparts[0].get_body().ok()? };
    Some(Received {
        from: header("From"),
        to: header("To"),
        subject: header("Subject"),
        body,
        message_id: header("Message-ID"),
    })
}

/// Waits (up to 15 s) for a letter whose sender, subject or text contains `needle` in `user`'s INBOX.
/// Reading it over IMAP is the proof that a letter arrived.
pub async fn wait_for_message(mail: &MailServers, user: &str, needle: &str) -> Received {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(text) = find_message(mail, user, needle).await {
            return text;
        }
        assert!(tokio::time::Instant::now() < deadline, "no message with {needle:?} arrived for {user}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// As [`wait_for_message`], for the letter whose subject also contains `subject` (another letter
/// with the same needle may arrive first).
pub async fn wait_for_subject(mail: &MailServers, user: &str, needle: &str, subject: &str) -> Received {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let letters = matching_messages(mail, user, needle).await;
        if let Some(letter) = letters.into_iter().find(|l| l.subject.contains(subject)) {
            return letter;
        }
        assert!(tokio::time::Instant::now() < deadline, "no letter «{subject}» with {needle:?} arrived for {user}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The letter in `user`'s INBOX whose sender, subject or text contains `needle`, if any.
pub async fn find_message(mail: &MailServers, user: &str, needle: &str) -> Option<Received> {
    matching_messages(mail, user, needle).await.into_iter().next()
}

/// How many letters in `user`'s INBOX have `needle` in their sender, subject or text.
pub async fn count_messages(mail: &MailServers, user: &str, needle: &str) -> usize {
    matching_messages(mail, user, needle).await.len()
}

/// The letters in `user`'s INBOX whose sender, subject or text contains `needle`.
pub async fn matching_messages(mail: &MailServers, user: &str, needle: &str) -> Vec<Received> {
    let tcp = TcpStream::connect(("127.0.0.1", mail.imaps)).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tls_connector(&mail.ca_file).connect(name, tcp).await.unwrap();
    let client = async_imap::Client::new(tls);
    let mut session = client.login(mail.address(user), &mail.password).await.map_err(|(e, _)| e).unwrap();
    session.select("INBOX").await.unwrap();
    let mut found = Vec::new();
    {
        let mut fetched = session.fetch("1:*", "RFC822").await.unwrap();
        while let Some(message) = fetched.next().await {
            if let Some(letter) = decode(message.unwrap().body().unwrap_or_default()) {
                if letter.from.contains(needle) || letter.subject.contains(needle) || letter.body.contains(needle) {
                    found.push(letter);
                }
            }
        }
    }
    let _ = session.logout().await;
    found
}

/// A server that accepts connections and never says a word.
pub async fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// A TLS server with a certificate from a CA Pochta does not trust (any protocol: the check
/// fails at the handshake).
pub async fn untrusted_tls_server(mail: &MailServers) -> u16 {
    tls_server(mail, "untrusted", |_tls| async {}).await
}

/// A TLS server whose certificate, from the trusted test CA, expired in 2020.
pub async fn expired_tls_server(mail: &MailServers) -> u16 {
    tls_server(mail, "expired", |_tls| async {}).await
}

/// A TLS server whose certificate, from the trusted test CA, names another host.
pub async fn wrong_name_tls_server(mail: &MailServers) -> u16 {
    tls_server(mail, "wrongname", |_tls| async {}).await
}

pub async fn tls_server<F, Fut>(mail: &MailServers, cert: &str, serve: F) -> u16
where
    F: Fn(tokio_rustls::server::TlsStream<TcpStream>) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = ()> + Send,
{
    let base = std::path::Path::new(&mail.ca_file).parent().unwrap().to_path_buf();
    let certs: Vec<_> = rustls_pemfile::certs(&mut std::fs::read(base.join(format!("{cert}.pem"))).unwrap().as_slice())
        .map(Result::unwrap)
        .collect();
    let key = rustls_pemfile::private_key(&mut std::fs::read(base.join(format!("{cert}.key"))).unwrap().as_slice())
        .unwrap()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let serve = serve.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(socket).await {
                    serve(tls).await;
                }
            });
        }
    });
    port
}

/// An SMTP dialogue as a scripted server plays it: the reply to AUTH, and the reply at the end
/// of the message. Anything else is accepted.
async fn scripted_smtp<S: tokio::io::AsyncRead + tokio::io::AsyncWrite>(
    stream: S,
    ehlo: &'static [u8],
    auth: &'static str,
    end_of_data: &'static str,
) {
    let (read, mut write) = tokio::io::split(stream);
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 scripted ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply = if upper.starts_with("EHLO") {
            String::from_utf8_lossy(ehlo).to_string()
        } else if upper.starts_with("AUTH") {
            format!("{auth}\r\n")
        } else if upper.starts_with("DATA") {
            let _ = write.write_all(b"354 go on\r\n").await;
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
            }
            format!("{end_of_data}\r\n")
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "250 2.0.0 ok\r\n".to_string()
        };
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A plain SMTP server that does not offer STARTTLS.
pub async fn smtp_without_starttls() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(scripted_smtp(
                socket,
                b"250-scripted\r\n250 AUTH PLAIN LOGIN\r\n",
                "235 2.7.0 ok",
                "250 2.0.0 queued",
            ));
        }
    });
    port
}

/// An SMTP server with implicit TLS (certificate of the test CA) answering AUTH and the end of
/// the message as a provider would.
pub async fn scripted_smtps(mail: &MailServers, auth: &'static str, end_of_data: &'static str) -> u16 {
    tls_server(mail, "server", move |tls| {
        scripted_smtp(tls, b"250-scripted\r\n250 AUTH PLAIN LOGIN\r\n", auth, end_of_data)
    })
    .await
}

/// An SMTP server with implicit TLS (certificate of the test CA) that accepts everything up to
/// DATA and then drops the connection in the middle of the message.
pub async fn server_dropping_during_data(mail: &MailServers) -> u16 {
    tls_server(mail, "server", |tls| async move {
        let (read, mut write) = tokio::io::split(tls);
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 fake ESMTP\r\n").await;
        while let Ok(Some(line)) = lines.next_line().await {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-fake\r\n250 AUTH PLAIN LOGIN\r\n"
            } else if upper.starts_with("AUTH") {
                b"235 2.7.0 ok\r\n"
            } else if upper.starts_with("MAIL") || upper.starts_with("RCPT") {
                b"250 2.1.0 ok\r\n"
            } else if upper.starts_with("DATA") {
                let _ = write.write_all(b"354 go on\r\n").await;
                // Read a little of the message, then vanish.
                let _ = lines.next_line().await;
                return;
            } else {
                b"250 ok\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    })
    .await
}

/// What a scripted server was sent, line by line (shared with the test that reads it).
pub type Heard = Arc<std::sync::Mutex<Vec<String>>>;

/// An IMAP server with implicit TLS (certificate of the test CA) that accepts any login, has an
/// empty INBOX, and keeps every line it is sent: an attacker's server, to prove what reaches it.
pub async fn recording_imaps(mail: &MailServers) -> (u16, Heard) {
    let heard: Heard = Arc::default();
    let log = heard.clone();
    let port = tls_server(mail, "server", move |tls| {
        let log = log.clone();
        async move {
            let (read, mut write) = tokio::io::split(tls);
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"* OK IMAP4rev1 ready\r\n").await;
            while let Ok(Some(line)) = lines.next_line().await {
                log.lock().unwrap().push(line.clone());
                let mut words = line.splitn(3, ' ');
                let (tag, command) = (words.next().unwrap_or("*"), words.next().unwrap_or("").to_ascii_uppercase());
                let reply = match command.as_str() {
                    "SELECT" | "EXAMINE" => {
                        format!("* 0 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n{tag} OK [READ-WRITE] done\r\n")
                    }
                    "SEARCH" => format!("* SEARCH\r\n{tag} OK done\r\n"),
                    "LOGOUT" => format!("* BYE bye\r\n{tag} OK done\r\n"),
                    _ => format!("{tag} OK done\r\n"),
                };
                if write.write_all(reply.as_bytes()).await.is_err() || command == "LOGOUT" {
                    return;
                }
            }
        }
    })
    .await;
    (port, heard)
}

/// A server with implicit TLS that answers every connection with `megabytes` MB of text and never
/// a line break.
pub async fn endless_line_server(mail: &MailServers, megabytes: usize) -> u16 {
    tls_server(mail, "server", move |mut tls| async move {
        let chunk = vec![b'7'; 64 * 1024];
        for _ in 0..megabytes * 16 {
            if tls.write_all(&chunk).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await
}

/// The company server's certificate (`office-a` or `office-b` of scripts/mail-servers.sh), held
/// for one test at a time: the office listeners read it afresh for every connection, so renaming
/// another file over it swaps the certificate as the company's administrator would. Dropping the
/// guard puts the first one back.
pub struct OfficeCertificate {
    dir: std::path::PathBuf,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

static OFFICE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl OfficeCertificate {
    pub async fn take(mail: &MailServers) -> Self {
        let office = Self { dir: mail.office_certs.clone(), _turn: OFFICE.lock().await };
        office.show("a");
        office
    }

    /// The server shows certificate `which` from its next connection on.
    pub fn show(&self, which: &str) {
        let temporary = self.dir.join("office.chain.pem.new");
        std::fs::copy(self.dir.join(format!("office-{which}.chain.pem")), &temporary).unwrap();
        std::fs::rename(&temporary, self.dir.join("office.chain.pem")).unwrap();
    }

    /// The SHA-256 fingerprint of certificate `which`, as people read it (`AB:CD:…`).
    pub fn fingerprint(&self, which: &str) -> String {
        certificate_fingerprint(&self.dir.join(format!("office-{which}.pem")))
    }
}

/// The SHA-256 fingerprint of the (first) certificate in a PEM file, as a report shows it
/// (`AB:CD:…`), computed here independently of the app.
pub fn certificate_fingerprint(pem_file: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let pem = std::fs::read(pem_file).unwrap();
    let der = rustls_pemfile::certs(&mut pem.as_slice()).next().unwrap().unwrap();
    Sha256::digest(&der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

impl Drop for OfficeCertificate {
    fn drop(&mut self) {
        self.show("a");
    }
}
