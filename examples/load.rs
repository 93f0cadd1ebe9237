//! The load generator of `bench/`: many signed-in administrators, each on their own tenant,
//! listing accounts and saving the «Почта» tab against a running Pochta (or the bare floor
//! server), with latencies and errors counted; and the check afterwards that no save was lost
//! or half-written.
//!
//!   load setup  --base URL --tenants N -- CLI...   (tenants made with the operator's CLI)
//!   load run    --base URL --tenants N --scenario list|save|mixed|floor --clients C --seconds S
//!   load verify --base URL --tenants N --acked FILE
//!   load flood  --base URL --requests R             (R sign-ins at once with random e-mails,
//!                                                    while tenant 0's administrator lists)
//!   load enqueue --base URL --key KEY --letters N --clients C --to ADDRESS
//!                                                   (N notifications queued through the API)

use clap::{Parser, Subcommand};
use reqwest::Client;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "пароль для нагрузки";

#[derive(Parser)]
struct Args {
    #[arg(long)]
    base: String,
    #[arg(long, default_value_t = 8)]
    tenants: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the tenants (with the CLI given after `--`), a firm and a warehouse in each, and
    /// a first save of the «Почта» tab.
    Setup {
        #[arg(last = true)]
        cli: Vec<String>,
    },
    /// Run a scenario; prints one line of figures. `--acked` records each tenant's last
    /// acknowledged save for `verify`.
    Run {
        #[arg(long)]
        scenario: String,
        #[arg(long)]
        clients: usize,
        #[arg(long)]
        seconds: u64,
        #[arg(long)]
        acked: Option<String>,
    },
    /// Every tenant of a run's `--acked` file: its settings and its directory account agree,
    /// and hold the last acknowledged save or the one in flight when the server died.
    Verify {
        #[arg(long)]
        acked: String,
    },
    /// An anonymous flood: `--requests` sign-ins at once, each with a random e-mail, while a
    /// signed-in administrator lists accounts; prints how the flood was answered and the
    /// administrator's latencies meanwhile.
    Flood {
        #[arg(long)]
        requests: usize,
    },
    /// The host application's side of the outbox: tenant 0's «Почта» tab is saved with the test
    /// mailbox's own address as its sender (Postfix takes no other for its login), then
    /// `--letters` notifications to `--to` are posted with the tenant's API key by `--clients`
    /// at once; prints their latencies.
    Enqueue {
        #[arg(long)]
        key: String,
        #[arg(long)]
        letters: u64,
        #[arg(long)]
        clients: usize,
        #[arg(long)]
        to: String,
    },
}

async fn enqueue(base: &str, key: &str, letters: u64, clients: usize, to: &str) {
    let admin = signed_in(base, 0).await;
    let (version, _) = version_of(&admin, base).await.unwrap();
    save_as(&admin, base, version, "Рассылка", &mail_login()).await.unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let figures = Arc::new(Figures::default());
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (base, key, to, next, figures) =
                (base.to_string(), key.to_string(), to.to_string(), next.clone(), figures.clone());
            tokio::spawn(async move {
                let http = client();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= letters {
                        break;
                    }
                    let letter = serde_json::json!({
                        "to": [to],
                        "subject": format!("Уведомление №{i}"),
                        "text": "Здравствуйте! Ваш заказ готов к выдаче в пункте на Лесной, 5. Срок хранения 7 дней.",
                        "idempotency_key": format!("bench-{}-{i}", std::process::id()),
                    });
                    let t = Instant::now();
                    let sent = http.post(format!("{base}/api/v1/notifications")).bearer_auth(&key).json(&letter).send();
                    let outcome = match sent.await {
                        Ok(r) if r.status().as_u16() == 202 => Ok(()),
                        Ok(r) => Err(format!("{}: {}", r.status(), r.text().await.unwrap_or_default())),
                        Err(e) => Err(format!("request: {e}")),
                    };
                    figures.record(t, outcome);
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (count, p50, p99) = figures.latencies_ms();
    println!(
        "enqueue letters={count} clients={clients} rps={:.0} p50_ms={p50:.2} p99_ms={p99:.2} errors={}",
        count as f64 / elapsed,
        figures.errors.load(Ordering::Relaxed)
    );
    let first_error = figures.first_error.lock().unwrap().clone();
    if let Some(e) = first_error {
        println!("first error: {}", e.chars().take(300).collect::<String>());
    }
}

async fn flood(base: &str, requests: usize) {
    let admin = signed_in(base, 0).await;
    let stop = Arc::new(AtomicBool::new(false));
    let figures = Arc::new(Figures::default());
    let lister = tokio::spawn({
        let (base, stop, figures) = (base.to_string(), stop.clone(), figures.clone());
        async move {
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let outcome = call(&admin, &base, "accounts/list", &[]).await.map(|_| ());
                figures.record(t, outcome);
            }
        }
    });
    let started = Instant::now();
    let answers = futures::future::join_all((0..requests).map(|i| {
        let base = base.to_string();
        async move {
            let c = Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
            let email = format!("flood{i}-{}@elsewhere.bench.test", std::process::id());
            match call(&c, &base, "sign_in", &[("email", &email), ("password", "наугад")]).await {
                Ok(_) => "signed in".to_string(),
                Err(e) => e.split(':').next().unwrap_or("error").to_string(),
            }
        }
    }))
    .await;
    let flood_seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = lister.await;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for answer in answers {
        *kinds.entry(answer).or_default() += 1;
    }
    let (count, p50, p99) = figures.latencies_ms();
    println!(
        "flood requests={requests} answered_in_s={flood_seconds:.1} answers={kinds:?} \
         admin_lists={} admin_p50_ms={:.1} admin_p99_ms={:.1} admin_errors={}",
        count,
        p50,
        p99,
        figures.errors.load(Ordering::Relaxed)
    );
}

fn admin(i: usize) -> String {
    format!("admin@t{i}.bench.test")
}

fn client() -> Client {
    Client::builder().cookie_store(true).pool_max_idle_per_host(1).timeout(Duration::from_secs(30)).build().unwrap()
}

async fn call(client: &Client, base: &str, endpoint: &str, args: &[(&str, &str)]) -> Result<Value, String> {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .form(args)
        .send()
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| format!("body: {e}"))?;
    if status.is_success() {
        serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))
    } else {
        Err(format!("{status}: {body}"))
    }
}

async fn signed_in(base: &str, i: usize) -> Client {
    let c = client();
    call(&c, base, "sign_in", &[("email", &admin(i)), ("password", PASSWORD)])
        .await
        .unwrap_or_else(|e| panic!("sign in {}: {e}", admin(i)));
    c
}

/// The test mail server's setting: a save checks its SMTP login first (the loopback Postfix of
/// `scripts/mail-servers.sh`, whose `env` file the bench sources).
fn mail_server(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through `make bench`"))
}

/// The mailbox every tenant's «Почта» tab signs in to, and so its directory account's address.
fn mail_login() -> String {
    format!("alice@{}", mail_server("POCHTA_TEST_MAIL_DOMAIN"))
}

/// Saves tenant `i`'s «Почта» tab with `sender_name`; the new version.
async fn save(c: &Client, base: &str, i: usize, version: i64, sender_name: &str) -> Result<i64, String> {
    save_as(c, base, version, sender_name, &format!("mail@t{i}.bench.test")).await
}

/// Saves the signed-in tenant's «Почта» tab with this sender; the new version.
async fn save_as(c: &Client, base: &str, version: i64, sender_name: &str, address: &str) -> Result<i64, String> {
    let port = mail_server("POCHTA_TEST_SMTPS_PORT");
    let login = mail_login();
    let password = mail_server("POCHTA_TEST_MAIL_PASSWORD");
    let version = version.to_string();
    let saved = call(
        c,
        base,
        "crm_email/submit",
        &[
            ("intent", "save"),
            ("provider", "other"),
            ("smtp_host", "localhost"),
            ("use_ssl", "true"),
            ("smtp_port", &port),
            ("login", &login),
            ("password", &password),
            ("sender_name", sender_name),
            ("sender_email", address),
            ("version", &version),
        ],
    )
    .await?;
    saved["Saved"]["version"].as_i64().ok_or_else(|| format!("unexpected answer {saved}"))
}

async fn version_of(c: &Client, base: &str) -> Result<(i64, String), String> {
    let tab = call(c, base, "crm_email/mail_tab", &[]).await?;
    let settings = &tab["settings"];
    Ok((settings["version"].as_i64().unwrap_or(0), settings["sender_name"].as_str().unwrap_or_default().to_string()))
}

async fn setup(base: &str, tenants: usize, cli: &[String]) {
    for i in 0..tenants {
        let mut command = tokio::process::Command::new(&cli[0]);
        command.args(&cli[1..]).args([
            "tenant",
            "create",
            "--name",
            &format!("Нагрузка {i}"),
            "--admin-email",
            &admin(i),
            "--admin-name",
            "Администратор",
            "--password-stdin",
        ]);
        command.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::null());
        let mut child = command.spawn().expect("the CLI runs");
        use tokio::io::AsyncWriteExt;
        child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).await.unwrap();
        assert!(child.wait().await.unwrap().success(), "tenant {i} created");
        let c = signed_in(base, i).await;
        let firm = call(
            &c,
            base,
            "setup/save_firm",
            &[
                ("id", "0"),
                ("version", "0"),
                ("name", "ООО «Нагрузка»"),
                ("inn", "7707083893"),
                ("kpp", ""),
                ("address", ""),
                ("phone", ""),
                ("email", ""),
            ],
        )
        .await
        .unwrap();
        let firm = firm.as_i64().unwrap().to_string();
        call(
            &c,
            base,
            "setup/save_outlet",
            &[
                ("id", "0"),
                ("version", "0"),
                ("kind", "warehouse"),
                ("name", "Склад"),
                ("firm", &firm),
                ("address", ""),
            ],
        )
        .await
        .unwrap();
        save(&c, base, i, 0, "save 0").await.unwrap();
    }
    println!("{tenants} tenants ready");
}

#[derive(Default)]
struct Figures {
    latencies: Mutex<Vec<u32>>,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl Figures {
    fn record(&self, started: Instant, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                self.latencies.lock().unwrap().push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32)
            }
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                self.first_error.lock().unwrap().get_or_insert(e);
            }
        }
    }

    /// How many requests succeeded, and their median and 99th-percentile latency in ms.
    fn latencies_ms(&self) -> (usize, f64, f64) {
        let mut latencies = std::mem::take(&mut *self.latencies.lock().unwrap());
        latencies.sort_unstable();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |us| *us as f64 / 1000.0)
        };
        (latencies.len(), pct(0.50), pct(0.99))
    }
}

async fn run(base: &str, tenants: usize, scenario: &str, clients: usize, seconds: u64, acked: Option<&str>) {
    if scenario != "floor" && scenario != "list" {
        assert!(clients <= tenants, "saves need a tenant per client (two saving one tenant conflict by design)");
    }
    let mut sessions = Vec::new();
    for k in 0..clients {
        sessions.push(if scenario == "floor" { client() } else { signed_in(base, k % tenants).await });
    }
    let figures = Arc::new(Figures::default());
    let stop = Arc::new(AtomicBool::new(false));
    let last_acked: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(vec![0; tenants]));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (k, c) in sessions.into_iter().enumerate() {
        let (base, scenario, figures, stop, last_acked) =
            (base.to_string(), scenario.to_string(), figures.clone(), stop.clone(), last_acked.clone());
        tasks.push(tokio::spawn(async move {
            let tenant = k % tenants;
            let (mut version, mut counter) = match scenario.as_str() {
                "save" | "mixed" => {
                    let (v, name) = version_of(&c, &base).await.unwrap();
                    let counter = name.trim_start_matches("save ").parse::<u64>().unwrap_or(0);
                    last_acked.lock().unwrap()[tenant] = counter;
                    (v, counter)
                }
                _ => (0, 0),
            };
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let t = Instant::now();
                let do_save = scenario == "save" || (scenario == "mixed" && n.is_multiple_of(5));
                let outcome = if scenario == "floor" {
                    c.get(format!("{base}/")).send().await.map_err(|e| e.to_string()).and_then(|r| {
                        if r.status().is_success() {
                            Ok(())
                        } else {
                            Err(r.status().to_string())
                        }
                    })
                } else if do_save {
                    counter += 1;
                    match save(&c, &base, tenant, version, &format!("save {counter}")).await {
                        Ok(v) => {
                            version = v;
                            last_acked.lock().unwrap()[tenant] = counter;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    call(&c, &base, "accounts/list", &[]).await.map(|_| ())
                };
                figures.record(t, outcome);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (count, p50, p99) = figures.latencies_ms();
    let errors = figures.errors.load(Ordering::Relaxed);
    println!(
        "scenario={scenario} clients={clients} requests={} rps={:.0} p50_ms={:.2} p99_ms={:.2} errors={errors}",
        count,
        count as f64 / elapsed,
        p50,
        p99
    );
    if let Some(e) = figures.first_error.lock().unwrap().as_ref() {
        println!("first error: {}", e.chars().take(300).collect::<String>());
    }
    if let Some(path) = acked {
        // Tenants 0..n had a client; the others were not touched by this run.
        let used = clients.min(tenants);
        let acked = last_acked.lock().unwrap()[..used].iter().map(u64::to_string).collect::<Vec<_>>().join("\n");
        std::fs::write(path, acked).unwrap();
    }
}

async fn verify(base: &str, acked: &str) {
    let acked: Vec<u64> = std::fs::read_to_string(acked).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    let tenants = acked.len();
    let (mut complete, mut in_flight, mut bad) = (0, 0, Vec::new());
    for (i, acked) in acked.iter().enumerate() {
        let c = signed_in(base, i).await;
        let (_, setting) = version_of(&c, base).await.unwrap();
        let login = mail_login();
        let list = call(&c, base, "accounts/list", &[("q", &login)]).await.unwrap();
        let account = list["rows"].as_array().unwrap().iter().find(|r| r["address"] == login).cloned();
        let account_name = account.as_ref().and_then(|a| a["sender_name"].as_str()).unwrap_or("(none)").to_string();
        let saved: u64 = setting.trim_start_matches("save ").parse().unwrap_or(u64::MAX);
        let last = *acked;
        if setting != account_name {
            bad.push(format!("tenant {i}: setting «{setting}» but account «{account_name}» (half-written)"));
        } else if saved == last {
            complete += 1;
        } else if saved == last + 1 {
            in_flight += 1;
        } else {
            bad.push(format!("tenant {i}: holds «{setting}», last acknowledged save {last} (lost)"));
        }
    }
    println!(
        "verify tenants={tenants} last_acknowledged={complete} in_flight_completed={in_flight} lost_or_half_written={}",
        bad.len()
    );
    for b in &bad {
        println!("  {b}");
    }
    if !bad.is_empty() {
        std::process::exit(1);
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match args.command {
        Command::Setup { cli } => setup(&args.base, args.tenants, &cli).await,
        Command::Flood { requests } => flood(&args.base, requests).await,
        Command::Run { scenario, clients, seconds, acked } => {
            run(&args.base, args.tenants, &scenario, clients, seconds, acked.as_deref()).await
        }
        Command::Verify { acked } => verify(&args.base, &acked).await,
        Command::Enqueue { key, letters, clients, to } => enqueue(&args.base, &key, letters, clients, &to).await,
    }
}
