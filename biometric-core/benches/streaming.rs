//! Peak memory and throughput of streamed transfers through the engine.
//!
//! `cargo bench -p biometric-core --bench streaming` moves 256 MiB each way over loopback: a
//! download written to a sink with [`Engine::download`], an upload read from a reader with
//! [`StreamBody`], and the same download with bare reqwest for comparison. It prints the peak
//! resident memory above the process's baseline for each (Linux: `VmHWM`, reset through
//! `/proc/self/clear_refs` before each transfer) next to the target: three chunks plus a fixed
//! overhead. The server runs in the same process and streams too, so its memory is counted.

#![allow(clippy::print_stdout)] // a benchmark that reports its figures on stdout

use std::time::Instant;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::routing::{get, post};
use biometric_core::{
    Body, DEFAULT_CHUNK_SIZE, Engine, Method, Operation, RetryPolicy, StreamBody, decode_unit,
};
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;

const TOTAL: u64 = 256 * 1024 * 1024;
const CHUNK: usize = DEFAULT_CHUNK_SIZE;
static ZEROS: [u8; CHUNK] = [0; CHUNK];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let base = start_server().await;
    let engine = Engine::builder(base.clone())
        .http(|h| {
            h.retry(RetryPolicy::disabled())
                .timeout(std::time::Duration::from_secs(600))
        })
        .build()
        .unwrap();
    let bare = reqwest::Client::new();
    // Warm up connections and allocator pools so the baseline is the steady state.
    download(&engine, 1024 * 1024).await;
    upload(&engine, 1024 * 1024).await;
    bare_download(&bare, &base, 1024 * 1024).await;

    println!(
        "streaming {} MiB each way, chunk {} KiB",
        TOTAL >> 20,
        CHUNK >> 10
    );
    let target = 3 * CHUNK as u64;
    // Two rounds: the first includes one-time growth of connection buffers, the second is the
    // steady state.
    for round in 1..=2 {
        println!("round {round}");
        let (engine_down, engine_down_peak) = measure(|| download(&engine, TOTAL)).await;
        let (engine_up, engine_up_peak) = measure(|| upload(&engine, TOTAL)).await;
        let (bare_down, bare_down_peak) = measure(|| bare_download(&bare, &base, TOTAL)).await;
        report("engine download", engine_down, engine_down_peak, target);
        report("engine upload", engine_up, engine_up_peak, target);
        report("bare reqwest download", bare_down, bare_down_peak, target);
        println!(
            "{:>22}: the engine download takes {:.2}x the time of bare reqwest",
            "ratio",
            engine_down / bare_down
        );
    }
}

fn report(what: &str, seconds: f64, peak: Option<u64>, target: u64) {
    let rate = TOTAL as f64 / seconds / (1024.0 * 1024.0);
    match peak {
        Some(peak) => println!(
            "{what:>22}: {seconds:6.2} s, {rate:7.1} MiB/s, peak RSS +{:.2} MiB over baseline \
             (3 chunks = {:.2} MiB; 256 MiB held whole would be +256 MiB)",
            peak as f64 / (1024.0 * 1024.0),
            target as f64 / (1024.0 * 1024.0),
        ),
        None => {
            println!("{what:>22}: {seconds:6.2} s, {rate:7.1} MiB/s (peak RSS not readable here)")
        }
    }
}

/// Runs `transfer` and returns its duration and the peak RSS growth over the RSS before it.
async fn measure<F, Fut>(transfer: F) -> (f64, Option<u64>)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let baseline = status_kib("VmRSS:");
    let started = Instant::now();
    transfer().await;
    let seconds = started.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:");
    let growth = match (reset, baseline, peak) {
        (true, Some(base), Some(peak)) => Some(peak.saturating_sub(base) * 1024),
        _ => None,
    };
    (seconds, growth)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn download(engine: &Engine, bytes: u64) {
    let op = Operation::with_decoder("bench.download", Method::GET, "download", decode_unit)
        .query("bytes", bytes);
    let written = engine.download(op, &mut tokio::io::sink()).await.unwrap();
    assert_eq!(written, bytes);
}

async fn upload(engine: &Engine, bytes: u64) {
    let reader = tokio::io::repeat(0).take(bytes);
    let body = StreamBody::reader("application/octet-stream", reader, Some(bytes));
    let op = Operation::<u64>::new("bench.upload", Method::POST, "upload").body(Body::Stream(body));
    let received = engine.execute(op).await.unwrap();
    assert_eq!(received, bytes);
}

async fn bare_download(client: &reqwest::Client, base: &str, bytes: u64) {
    let mut response = client
        .get(format!("{base}download?bytes={bytes}"))
        .send()
        .await
        .unwrap();
    let mut total = 0u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        total += chunk.len() as u64;
    }
    assert_eq!(total, bytes);
}

async fn start_server() -> String {
    async fn download(
        query: axum::extract::Query<std::collections::HashMap<String, u64>>,
    ) -> AxumBody {
        let total = query.get("bytes").copied().unwrap_or(TOTAL);
        let full = total / CHUNK as u64;
        let rest = (total % CHUNK as u64) as usize;
        let chunks = futures_util::stream::iter((0..full).map(|_| &ZEROS[..]))
            .chain(futures_util::stream::iter(
                (rest > 0).then_some(&ZEROS[..rest]),
            ))
            .map(|chunk| Ok::<_, std::io::Error>(bytes::Bytes::from_static(chunk)));
        AxumBody::from_stream(chunks)
    }
    async fn upload(body: AxumBody) -> String {
        let mut stream = body.into_data_stream();
        let mut total = 0u64;
        while let Some(chunk) = stream.next().await {
            total += chunk.unwrap().len() as u64;
        }
        total.to_string()
    }
    let app = Router::new()
        .route("/download", get(download))
        .route("/upload", post(upload))
        .layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/")
}
