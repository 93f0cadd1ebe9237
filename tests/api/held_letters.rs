//! The outbox's circuit breaker (issue 14): when the account's server fails in a way waiting may
//! mend, the tenant's other letters through it wait with the one that failed instead of each
//! being tried against the broken server, and all go as soon as a letter gets through again or
//! the account is saved again.

use crate::notifications::{app_with_retry_seconds, get, post, tenant_and_admin, wait_for_status};
use crate::support::forms::{editing, mail_tab_form, manual_account};
use crate::support::mail_servers::{count_messages, wait_for_message, MailServers};
use crate::support::{unique, Browser, TestApp};
use pochta::model::accounts::AccountInput;
use pochta::model::AccountId;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

const OPEN: u8 = 0;
/// The connection is held, and dropped once the mode changes: a server that hangs, then fails.
const STALL: u8 = 1;
const DOWN: u8 = 2;

/// A port in front of `target`: passes connections on, stalls them, or drops them, as `mode`
/// says; counts the connections it was asked for.
async fn gate(target: u16, mode: Arc<AtomicU8>, connections: Arc<AtomicUsize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            match mode.load(Ordering::SeqCst) {
                OPEN => {
                    tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
                STALL => {
                    let mode = mode.clone();
                    tokio::spawn(async move {
                        while mode.load(Ordering::SeqCst) == STALL {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        drop(client);
                    });
                }
                _ => drop(client),
            }
        }
    });
    port
}

/// Queues 21 letters while the account's server first hangs, then fails: checks that they wait
/// with the first one, untried, for one common time, explained by its failure. Their ids.
async fn held_behind_a_failure(
    app: &TestApp,
    key: &str,
    mail: &MailServers,
    (mode, connections): (&AtomicU8, &AtomicUsize),
    batch: &str,
) -> Vec<i64> {
    // The first letter's connection hangs; twenty more are queued behind it meanwhile.
    mode.store(STALL, Ordering::SeqCst);
    connections.store(0, Ordering::SeqCst);
    let mut ids = Vec::new();
    for i in 0..21 {
        let letter = json!({"to": [mail.address("bob")], "subject": format!("{batch} #{i:02}"), "text": "Текст."});
        let (code, queued) = post(app, key, "ru", &letter).await;
        assert_eq!(code, 202, "{queued}");
        ids.push(queued["id"].as_i64().unwrap());
    }
    mode.store(DOWN, Ordering::SeqCst);

    // The first fails; the others wait with it, untried, explained by its failure.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let views = loop {
        let mut views = Vec::new();
        for id in &ids {
            views.push(get(app, key, *id).await.1);
        }
        if views.iter().all(|v| v["status"] == "queued" && v["last_error"].is_string()) {
            break views;
        }
        assert!(tokio::time::Instant::now() < deadline, "not all held: {views:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(connections.load(Ordering::SeqCst), 1, "only the first letter met the failing server");
    let attempts: i64 = views.iter().map(|v| v["attempts"].as_i64().unwrap()).sum();
    assert_eq!(attempts, 1, "{views:?}");
    for view in &views[1..] {
        assert_eq!(view["last_error"], views[0]["last_error"], "{view}");
    }
    let times: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT next_attempt_at) FROM outbox WHERE status = 'queued'")
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(times, 1, "they go together, when the failed one is tried again");
    ids
}

/// Waits until every letter is sent, and each `{batch} #i` (`i` below `count`) arrived once.
async fn all_arrive_once(app: &TestApp, key: &str, mail: &MailServers, ids: &[i64], (batch, count): (&str, usize)) {
    for id in ids {
        wait_for_status(app, key, *id, "sent").await;
    }
    for i in 0..count {
        let subject = format!("{batch} #{i:02}");
        wait_for_message(mail, "bob", &subject).await;
        assert_eq!(count_messages(mail, "bob", &subject).await, 1, "letter {i} exactly once");
    }
}

/// An app whose mail goes through a [`gate`] in front of the test Postfix (first retry after
/// 15 to 45 s: longer than these tests look), with a tenant whose «Почта» tab was saved through
/// it; the gate's mode and connection count, the tenant's API key and its administrator.
struct Gated {
    app: TestApp,
    port: u16,
    mode: Arc<AtomicU8>,
    connections: Arc<AtomicUsize>,
    key: String,
    admin: Browser,
}

async fn gated(mail: &MailServers) -> Gated {
    let (mode, connections) = (Arc::new(AtomicU8::new(OPEN)), Arc::new(AtomicUsize::new(0)));
    let port = gate(mail.smtps, mode.clone(), connections.clone()).await;
    let app = app_with_retry_seconds(mail, &[port], 30).await;
    let (_, key, admin) = tenant_and_admin(&app, mail, "Ромашка", port).await;
    Gated { app, port, mode, connections, key, admin }
}

#[tokio::test]
async fn letters_queued_behind_a_failing_server_wait_with_it_and_all_go_once_it_is_back() {
    let mail = MailServers::from_env();
    let Gated { app, mode, connections, key, .. } = gated(&mail).await;
    let batch = unique("Очередь");
    let mut ids = held_behind_a_failure(&app, &key, &mail, (&mode, &connections), &batch).await;

    // Back: a new letter gets through, and the ones held go with it at once; each arrives once.
    mode.store(OPEN, Ordering::SeqCst);
    let (code, queued) = post(
        &app,
        &key,
        "ru",
        &json!({"to": [mail.address("bob")], "subject": format!("{batch} #21"), "text": "Текст."}),
    )
    .await;
    assert_eq!(code, 202, "{queued}");
    ids.push(queued["id"].as_i64().unwrap());
    all_arrive_once(&app, &key, &mail, &ids, (&batch, 22)).await;
}

/// An administrator who mended the account (here: saved it again once the server is back, its
/// check passing) does not wait out the hold: the letters held go at once. Saved on the «Почта»
/// tab or in the directory.
#[tokio::test]
async fn letters_held_behind_a_failure_go_at_once_when_the_account_is_saved_again() {
    let mail = MailServers::from_env();
    for on_the_tab in [true, false] {
        let Gated { app, port, mode, connections, key, admin } = gated(&mail).await;
        let batch = unique("Починили");
        let ids = held_behind_a_failure(&app, &key, &mail, (&mode, &connections), &batch).await;
        let held_until: i64 = sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued'")
            .fetch_one(app.inspect())
            .await
            .unwrap();

        mode.store(OPEN, Ordering::SeqCst);
        if on_the_tab {
            let mut form = mail_tab_form(&mail, port, true);
            form.intent = "save".into();
            form.version = "1".into();
            let _: Value = admin.submit("crm_email/submit", &form).await.expect("the «Почта» tab is saved again");
        } else {
            let (id, version): (i64, i64) =
                sqlx::query_as("SELECT id, version FROM email_accounts WHERE address = $1 AND is_system = 0")
                    .bind(mail.address("alice"))
                    .fetch_one(app.inspect())
                    .await
                    .unwrap();
            let form = AccountInput {
                smtp_port: port.to_string(),
                use_for_receiving: String::new(),
                password: mail.password.clone(),
                ..editing(manual_account(&mail, "alice"), AccountId(id), version)
            };
            admin.submit_account(&form).await.expect("the account is saved again in the directory");
        }
        all_arrive_once(&app, &key, &mail, &ids, (&batch, 21)).await;
        let last_sent: i64 = sqlx::query_scalar("SELECT MAX(sent_at) FROM outbox WHERE status = 'sent'")
            .fetch_one(app.inspect())
            .await
            .unwrap();
        let early = held_until - last_sent;
        assert!(early > 0, "saved on the tab: {on_the_tab}; sent {early} ms before the hold would have let them go");
    }
}
