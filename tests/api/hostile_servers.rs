//! Hostile mail servers: one that streams without end is cut off after a bounded amount, and one
//! tenant's checks cannot hold more than their share of outbound connections.

use crate::support::forms::{mail_tab_form, manual_account, open_mail_tab, receiving_only};
use crate::support::mail_servers::{endless_line_server, mail_args, silent_server, MailServers};
use crate::support::process::ServerProcess;
use crate::support::{spawn_app_with, PASSWORD};
use pochta::model::check::Reason;
use pochta::model::crm_email::{MailTabInput, MailTabOutcome};
use pochta::model::error::AppError;
use std::time::{Duration, Instant};

fn reason_of(error: AppError) -> Reason {
    match error {
        AppError::CheckFailed(report) => report.failure.expect("a failure").reason,
        other => panic!("expected a failed check, got {other:?}"),
    }
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_server_streaming_without_end_is_cut_off_and_memory_stays_put() {
    let servers = MailServers::from_env();
    let endless = endless_line_server(&servers, 50).await;
    // The real server process, so its memory is its own.
    let server = ServerProcess::start(&servers, &[endless], &[], false).await;
    let (pid, browser) = (server.pid(), server.browser.clone());
    browser.first_run("Ромашка", "anna@romashka.test").await;
    open_mail_tab(&browser).await;
    // Settle, then watch the resident memory while the test letter meets the endless server.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let watching = tokio::spawn(async move {
        let mut peak = 0;
        for _ in 0..1000 {
            peak = peak.max(rss_kib(pid));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        peak
    });
    let began = Instant::now();
    let form: MailTabInput = mail_tab_form(&servers, endless, true);
    let refused = browser.submit::<MailTabOutcome>("crm_email/submit", &form).await.unwrap_err();
    let took = began.elapsed();
    assert_eq!(reason_of(refused), Reason::ReplyTooLong);
    assert!(took < Duration::from_secs(5), "cut off at once, not at the time limit: {took:?}");
    watching.abort();
    let peak = (0..20).map(|_| rss_kib(pid)).max().unwrap_or(0).max(before);
    let grown = peak.saturating_sub(before);
    assert!(grown < 10 * 1024, "the process grew by {grown} KiB reading 50 MB");
}

#[tokio::test]
async fn one_tenant_cannot_hold_more_than_its_share_of_outbound_connections() {
    let silent = silent_server().await;
    let servers = MailServers::from_env();
    let mut args = mail_args(&servers, &[silent]);
    args.extend(["--outbound-connections-per-tenant".to_string(), "2".to_string()]);
    let app = spawn_app_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let busy = app.first_run("Ромашка", "anna@romashka.test").await;
    let other = app.new_tenant("Василёк", "vera@vasilek.test").await;
    // Two checks of the first tenant wait on a silent server, holding its two connections.
    let holding = (0..2).map(|_| {
        let (busy, form) = (busy.clone(), receiving_only(manual_account(&servers, "alice"), "imap", silent, "ssl"));
        tokio::spawn(async move { busy.submit_account(&form).await })
    });
    let holding: Vec<_> = holding.collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A third check of that tenant is told at once; another tenant is not affected.
    let began = Instant::now();
    let third = busy.submit_account(&manual_account(&servers, "bob")).await.unwrap_err();
    assert_eq!(reason_of(third), Reason::TooManyConnections);
    assert!(began.elapsed() < Duration::from_secs(3), "told at once: {:?}", began.elapsed());
    let elsewhere = other.submit_account(&manual_account(&servers, "carol")).await;
    assert!(elsewhere.is_ok(), "another tenant's check runs: {elsewhere:?}");
    for check in holding {
        let _ = check.await;
    }
}

#[tokio::test]
async fn a_name_server_that_never_answers_costs_time_outs_not_the_server() {
    // A name server on 127.0.0.5:53 that takes every query and answers none.
    let black_hole = tokio::net::UdpSocket::bind("127.0.0.5:53").await.expect("port 53 on 127.0.0.5 (root)");
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while black_hole.recv_from(&mut buf).await.is_ok() {}
    });
    let tcp_black_hole = tokio::net::TcpListener::bind("127.0.0.5:53").await.unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = tcp_black_hole.accept().await {
            held.push(socket);
        }
    });
    let conf = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(conf.path(), "nameserver 127.0.0.5\n").unwrap();
    let app = spawn_app_with(&["--resolv-conf", conf.path().to_str().unwrap(), "--detection-budget", "3"]).await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let servers = MailServers::from_env();
    let detections: Vec<_> = (0..20)
        .map(|i| {
            let form = pochta::model::accounts::AccountInput {
                address: format!("box@blackhole-{i}.example"),
                ..crate::support::forms::automatic_account(&servers, "alice")
            };
            let admin = admin.clone();
            tokio::spawn(async move { admin.submit_account(&form).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Meanwhile someone signs in (argon2 on the blocking pool) and a signed-in page answers.
    let began = Instant::now();
    app.browser().sign_in("anna@romashka.test", PASSWORD).await.unwrap();
    assert!(began.elapsed() < Duration::from_secs(2), "signing in took {:?}", began.elapsed());
    let began = Instant::now();
    for detection in detections {
        let outcome = detection.await.unwrap().unwrap();
        assert!(matches!(outcome, pochta::model::accounts::AccountOutcome::Manual { .. }), "{outcome:?}");
    }
    assert!(began.elapsed() < Duration::from_secs(8), "the detections kept their budget: {:?}", began.elapsed());
}
