//! The `pochta` binary: the web server and the operator's commands.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    pochta::launch::cli::run().await
}
