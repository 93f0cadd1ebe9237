//! The floor of the server benchmarks: a bare axum handler returning a constant, on the same
//! machine, runtime and HTTP stack as Pochta. `floor 127.0.0.1:PORT`
use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3999".into());
    let listener = tokio::net::TcpListener::bind(&address).await.expect("bind");
    let app = Router::new().route("/", get(|| async { "ok" }));
    axum::serve(listener, app).await.expect("serve");
}
