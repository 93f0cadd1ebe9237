//! The outbox's workers keep one SMTP connection open while a tenant's queue drains: letters
//! queued together reach the real Postfix over one connection and one login, each exactly once;
//! a server that closes the connection after a few letters («421 too many messages») gets the
//! rest on a new one, without the letter it refused counting as a failed attempt.

use crate::notifications::{app_with_quick_retries, post, tenant_with_notifications, wait_for_status};
use crate::support::mail_servers::{count_messages, tls_server, MailServers};
use crate::support::unique;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Holds every new connection until the gate opens, so that the letters queued meanwhile wait
/// for the worker's first one.
async fn until_open(gate: &AtomicBool) {
    while !gate.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A port that passes connections on to `target`, counting them.
async fn counting_forwarder(target: u16, gate: Arc<AtomicBool>, connections: Arc<AtomicUsize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (gate, connections) = (gate.clone(), connections.clone());
            tokio::spawn(async move {
                until_open(&gate).await;
                connections.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    port
}

/// Queues `count` letters while `gate` holds the worker's connection, then lets it through and
/// waits until each is sent, on its first attempt; their subjects (`prefix #i`).
async fn send_held(
    app: &crate::support::TestApp,
    key: &str,
    mail: &MailServers,
    gate: &AtomicBool,
    prefix: &str,
    count: usize,
) -> Vec<String> {
    gate.store(false, Ordering::SeqCst);
    let batch = unique(prefix);
    let subjects: Vec<String> = (0..count).map(|i| format!("{batch} #{i}")).collect();
    let mut ids = Vec::new();
    for subject in &subjects {
        let (code, queued) =
            post(app, key, "en", &json!({"to": [mail.address("bob")], "subject": subject, "text": "Текст."})).await;
        assert_eq!(code, 202, "{queued}");
        ids.push(queued["id"].as_i64().unwrap());
    }
    gate.store(true, Ordering::SeqCst);
    for id in &ids {
        let sent = wait_for_status(app, key, *id, "sent").await;
        assert_eq!(sent["attempts"], 1, "a refusal at MAIL on a kept connection is no failed attempt: {sent}");
    }
    subjects
}

#[tokio::test]
async fn letters_queued_together_reach_the_server_over_one_connection_each_exactly_once() {
    let mail = MailServers::from_env();
    let (gate, connections) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicUsize::new(0)));
    let port = counting_forwarder(mail.smtps, gate.clone(), connections.clone()).await;
    let app = app_with_quick_retries(&mail, &[port]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", port).await;

    let before = connections.load(Ordering::SeqCst);
    let subjects = send_held(&app, &key, &mail, &gate, "Kept", 6).await;
    assert_eq!(connections.load(Ordering::SeqCst) - before, 1, "six letters, one connection");
    for subject in &subjects {
        assert_eq!(count_messages(&mail, "bob", subject).await, 1, "{subject} exactly once");
    }
}

/// What the scripted server below saw.
#[derive(Default)]
struct Heard {
    connections: AtomicUsize,
    logins: AtomicUsize,
    subjects: Mutex<Vec<String>>,
    /// MAIL commands that came with more commands behind them, before their reply.
    pipelined: AtomicUsize,
}

/// How the scripted server behaves: it takes `per_connection` letters on a connection, then
/// answers the next MAIL with `refusal`, as providers limiting letters per connection do (a 421
/// closes the connection, another reply leaves it open and refuses every later MAIL on it); it
/// offers PIPELINING or not.
struct Script {
    per_connection: usize,
    refusal: &'static str,
    pipelining: bool,
}

/// An SMTP server with implicit TLS that follows `script`.
async fn scripted_server(mail: &MailServers, script: Script, gate: Arc<AtomicBool>, heard: Arc<Heard>) -> u16 {
    let script = Arc::new(script);
    tls_server(mail, "server", move |tls| {
        let (gate, heard, script) = (gate.clone(), heard.clone(), script.clone());
        async move {
            until_open(&gate).await;
            heard.connections.fetch_add(1, Ordering::SeqCst);
            let (read, mut write) = tokio::io::split(tls);
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"220 counting ESMTP\r\n").await;
            let mut letters = 0;
            while let Ok(Some(line)) = lines.next_line().await {
                let upper = line.to_ascii_uppercase();
                if upper.starts_with("MAIL") && !lines.get_ref().buffer().is_empty() {
                    heard.pipelined.fetch_add(1, Ordering::SeqCst);
                }
                let (per_connection, refusal) = (script.per_connection, script.refusal);
                let reply: &[u8] = if upper.starts_with("EHLO") && script.pipelining {
                    b"250-counting\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
                } else if upper.starts_with("EHLO") {
                    b"250-counting\r\n250 AUTH PLAIN LOGIN\r\n"
                } else if upper.starts_with("AUTH") {
                    heard.logins.fetch_add(1, Ordering::SeqCst);
                    b"235 2.7.0 ok\r\n"
                } else if upper.starts_with("MAIL") && letters == per_connection {
                    let _ = write.write_all(format!("{refusal}\r\n").as_bytes()).await;
                    if refusal.starts_with("421") {
                        return;
                    }
                    continue;
                } else if upper.starts_with("DATA") {
                    let _ = write.write_all(b"354 go on\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if line == "." {
                            break;
                        }
                        if let Some(subject) = line.strip_prefix("Subject: ") {
                            heard.subjects.lock().unwrap().push(subject.to_string());
                        }
                    }
                    letters += 1;
                    b"250 2.0.0 queued\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                } else {
                    b"250 2.0.0 ok\r\n"
                };
                if write.write_all(reply).await.is_err() {
                    return;
                }
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_server_closing_the_connection_after_a_few_letters_gets_the_rest_on_a_new_one() {
    let refusal = "421 4.7.0 Too many messages on this connection, closing";
    the_rest_go_on_a_new_connection(Script { per_connection: 2, refusal, pipelining: false }).await;
}

#[tokio::test]
async fn a_server_refusing_more_letters_on_a_connection_without_closing_it_gets_the_rest_on_a_new_one() {
    let refusal = "451 4.7.0 Too many messages on this connection";
    the_rest_go_on_a_new_connection(Script { per_connection: 2, refusal, pipelining: false }).await;
}

#[tokio::test]
async fn a_server_offering_pipelining_refusing_more_letters_without_closing_gets_the_rest_on_a_new_one() {
    let refusal = "451 4.7.0 Too many messages on this connection";
    the_rest_go_on_a_new_connection(Script { per_connection: 2, refusal, pipelining: true }).await;
}

async fn the_rest_go_on_a_new_connection(script: Script) {
    let mail = MailServers::from_env();
    let (gate, heard) = (Arc::new(AtomicBool::new(true)), Arc::new(Heard::default()));
    let port = scripted_server(&mail, script, gate.clone(), heard.clone()).await;
    let app = app_with_quick_retries(&mail, &[port]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", port).await;

    let (connections, logins) = (heard.connections.load(Ordering::SeqCst), heard.logins.load(Ordering::SeqCst));
    let subjects = send_held(&app, &key, &mail, &gate, "Limited", 5).await;
    assert_eq!(heard.connections.load(Ordering::SeqCst) - connections, 3, "two letters a connection");
    assert_eq!(heard.logins.load(Ordering::SeqCst) - logins, 3, "one login a connection");
    let mut received = heard.subjects.lock().unwrap().clone();
    received.retain(|s| subjects.contains(s));
    received.sort();
    assert_eq!(received, subjects, "every letter once");
}

/// A letter's sender, recipient and DATA reach a server offering PIPELINING in one write (one
/// wait for the server instead of three, with every letter), and a server not offering it gets
/// each command after the reply to the one before.
#[tokio::test]
async fn the_envelope_goes_in_one_write_only_to_a_server_offering_pipelining() {
    let mail = MailServers::from_env();
    for pipelining in [true, false] {
        let (gate, heard) = (Arc::new(AtomicBool::new(true)), Arc::new(Heard::default()));
        let script = Script { per_connection: 100, refusal: "", pipelining };
        let port = scripted_server(&mail, script, gate.clone(), heard.clone()).await;
        let app = app_with_quick_retries(&mail, &[port]).await;
        let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", port).await;

        let before = heard.pipelined.load(Ordering::SeqCst);
        let subjects = send_held(&app, &key, &mail, &gate, "Pipelined", 3).await;
        let pipelined = heard.pipelined.load(Ordering::SeqCst) - before;
        assert_eq!(pipelined, if pipelining { 3 } else { 0 }, "PIPELINING offered: {pipelining}");
        let mut received = heard.subjects.lock().unwrap().clone();
        received.retain(|s| subjects.contains(s));
        received.sort();
        assert_eq!(received, subjects, "every letter once");
    }
}
