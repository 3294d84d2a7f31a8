//! Throughput of the callback router: `cargo bench -p controlid-client --features axum --bench router`.
//!
//! Posts card callbacks (small) and face callbacks (about 100 KB of base64 image) from 32
//! concurrent connections over loopback to the router, whose handler only counts, and prints
//! callbacks per second for each kind.
#![allow(clippy::print_stdout)] // a benchmark that reports its figures on stdout

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use controlid_client::callbacks::{Callback, RouterConfig, router_with};

const CONNECTIONS: usize = 32;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = handled.clone();
    let app = router_with(RouterConfig::default(), move |_: Callback| {
        counter.fetch_add(1, Ordering::Relaxed);
        async { Ok::<(), &str>(()) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    biometric_core::ensure_crypto_provider();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();

    let card = r#"{"user_id": 1, "card_value": 132456789, "device_id": 935107}"#.to_owned();
    let image = biometric_core::base64::encode(&vec![0x5a; 75_000]);
    let face = format!(
        r#"{{"user_id": 1, "device_id": 935107, "face": {{"image": "{image}", "width": 300, "height": 300}}}}"#
    );
    for (kind, path, body, count) in [
        ("card", "card_create.fcgi", card, 20_000),
        ("face (~100 KB)", "face_create.fcgi", face, 2_000),
    ] {
        let before = handled.load(Ordering::Relaxed);
        let started = Instant::now();
        post_all(&http, &format!("{base}/{path}"), Arc::new(body), count).await;
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(handled.load(Ordering::Relaxed) - before, count);
        println!(
            "{kind:>16}: {count} callbacks in {seconds:.2} s = {:.0} callbacks/s ({CONNECTIONS} connections)",
            count as f64 / seconds
        );
    }
}

async fn post_all(http: &reqwest::Client, url: &str, body: Arc<String>, count: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let workers = (0..CONNECTIONS).map(|_| {
        let (http, url, body, next) = (http.clone(), url.to_owned(), body.clone(), next.clone());
        tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let response = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.as_bytes().to_vec())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await.unwrap();
    }
}
