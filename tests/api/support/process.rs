//! The real `pochta` binary as an operator runs it (its own process, its own logging), for what
//! only a whole process shows: its memory, its log output, being killed.

use super::browser::{browser_for, Browser};
use super::mail_servers::{mail_args, MailServers};
use std::process::Stdio;
use std::time::Duration;

pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub browser: Browser,
    /// Where its standard error goes, when kept.
    pub log: Option<std::path::PathBuf>,
    /// How it was started, to start it again on the same database.
    args: Vec<String>,
    env: Vec<(String, String)>,
    data: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts `pochta serve` on a free port with a fresh SQLite database, allowed to reach the test
    /// mail servers and `extra_ports`, with `env` set; waits until it answers.
    pub async fn start(mail: &MailServers, extra_ports: &[u16], env: &[(&str, &str)], keep_log: bool) -> Self {
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut args = vec![
            "--listen".to_string(),
            format!("127.0.0.1:{port}"),
            "--data-dir".into(),
            data.path().display().to_string(),
            "--database-url".into(),
            format!("sqlite://{}?mode=rwc", data.path().join("pochta.db").display()),
        ];
        args.extend(mail_args(mail, extra_ports));
        let log = keep_log.then(|| data.path().join("stderr.log"));
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let child = spawn(&args, &env, log.as_deref());
        let browser = browser_for(&format!("http://127.0.0.1:{port}"));
        let server = Self { child, browser, log, args, env, data };
        server.wait_until_it_answers().await;
        server
    }

    async fn wait_until_it_answers(&self) {
        for _ in 0..100 {
            if self.browser.client.get(self.browser.url("/sign-in")).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not start");
    }

    /// SIGKILL (nothing it was doing is finished), then the same server started again on the same
    /// database and port; the browser stays signed in.
    pub async fn kill_and_restart(&mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
        self.child = spawn(&self.args, &self.env, self.log.as_deref());
        self.wait_until_it_answers().await;
    }

    /// The app's SQLite database, for a test to read.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.data.path().join("pochta.db").display())
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned())
            .unwrap_or_default()
    }
}

fn spawn(args: &[String], env: &[(String, String)], log: Option<&std::path::Path>) -> tokio::process::Child {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap()),
        None => Stdio::null(),
    };
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pochta"))
        .args(args)
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}
