//! The `pochta` binary: the web server and the operator's commands.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    pochta::server::cli::run().await
}
