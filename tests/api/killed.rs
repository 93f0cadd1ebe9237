//! An app server killed (SIGKILL) in the middle of sending, as a crash or an operator's `kill -9`
//! leaves it: started again, it sends every queued letter, none lost and none twice, each with the
//! Message-ID it was queued with. The real binary, on its own SQLite file.

use crate::support::forms::{mail_tab_form, open_mail_tab};
use crate::support::mail_servers::{count_messages, wait_for_message, MailServers};
use crate::support::process::ServerProcess;
use crate::support::unique;
use pochta::model::notifications::CreatedApiKey;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// A port that passes connections on to `target`, or, while `stalled`, takes them and never says
/// a word (a server hanging in the middle of a conversation).
async fn stalling_forwarder(target: u16, stalled: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut client, _)) = listener.accept().await {
            if stalled.load(Ordering::SeqCst) {
                held.push(client);
                continue;
            }
            tokio::spawn(async move {
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    port
}

async fn letter(server: &ServerProcess, key: &str, id: i64) -> Value {
    let url = server.browser.url(&format!("/api/v1/notifications/{id}"));
    let response = server.browser.client.get(url).bearer_auth(key).send().await.unwrap();
    response.json().await.unwrap()
}

async fn wait_for(server: &ServerProcess, key: &str, id: i64, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let view = letter(server, key, id).await;
        if view["status"] == status {
            return view;
        }
        assert!(tokio::time::Instant::now() < deadline, "letter {id} never became {status}: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn letters_of_a_server_killed_while_sending_are_all_sent_once_after_it_is_started_again() {
    let mail = MailServers::from_env();
    let stalled = Arc::new(AtomicBool::new(false));
    let port = stalling_forwarder(mail.smtps, stalled.clone()).await;
    let mut server = ServerProcess::start(&mail, &[port], &[], true).await;
    let browser = server.browser.clone();
    browser.first_run("Ромашка", "anna@romashka.test").await;
    open_mail_tab(&browser).await;
    let mut form = mail_tab_form(&mail, port, true);
    form.intent = "save".into();
    let _: Value = browser.submit("crm_email/submit", &form).await.expect("the «Почта» tab is saved");
    let made: CreatedApiKey = browser.call("notifications/create_key", &[("name", "Магазин")]).await.unwrap();

    // The account's server hangs: the first letter is being sent when the app server is killed,
    // and two more are queued behind it (not claimed yet: the worker is busy with the first).
    stalled.store(true, Ordering::SeqCst);
    let batch = unique("Перед сбоем");
    let mut letters = Vec::new();
    for i in 0..3 {
        let subject = format!("{batch} #{i}");
        let body = json!({"to": [mail.address("bob")], "subject": subject, "text": "Текст."});
        let url = server.browser.url("/api/v1/notifications");
        let response = server.browser.client.post(url).bearer_auth(&made.key).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 202);
        let queued: Value = response.json().await.unwrap();
        letters.push((queued["id"].as_i64().unwrap(), subject));
        if i == 0 {
            wait_for(&server, &made.key, letters[0].0, "sending").await;
        }
    }
    let (first, _) = letters[0];
    let sending = letter(&server, &made.key, first).await;
    assert_eq!(sending["status"], "sending");
    let message_ids: Vec<String> = {
        let mut ids = Vec::new();
        for (id, _) in &letters {
            ids.push(letter(&server, &made.key, *id).await["message_id"].as_str().unwrap().to_string());
        }
        ids
    };
    // The server answers again from the moment the killed process is gone (its held connection
    // stays silent).
    stalled.store(false, Ordering::SeqCst);
    server.kill_and_restart().await;

    // The letters still waiting go at once; the one being sent keeps its claim until the lease
    // runs out (2 × the total mail time-out + 30 s: 70 s here, brought forward below).
    for (id, _) in &letters[1..] {
        wait_for(&server, &made.key, *id, "sent").await;
    }
    let claimed = letter(&server, &made.key, first).await;
    assert_eq!((claimed["status"].as_str(), &claimed["attempts"]), (Some("sending"), &sending["attempts"]));
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.database_url()).await.unwrap();
    sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE id = $1 AND status = 'sending'")
        .bind(first)
        .execute(&db)
        .await
        .unwrap();
    let taken_over = wait_for(&server, &made.key, first, "sent").await;
    assert_eq!(taken_over["attempts"], 2, "tried once more, by the new process");

    for ((_, subject), message_id) in letters.iter().zip(&message_ids) {
        let received = wait_for_message(&mail, "bob", subject).await;
        assert_eq!(&received.message_id, message_id, "the Message-ID it was queued with");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (_, subject) in &letters {
        assert_eq!(count_messages(&mail, "bob", subject).await, 1, "{subject} exactly once");
    }
}
