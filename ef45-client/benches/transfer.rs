//! Peak memory and throughput of the EF-45 bulk transfers.
//!
//! `cargo bench -p ef45-client --bench transfer` uploads a 256 MiB firmware image with
//! [`Client::upload_firmware`] and downloads a 256 MiB database with
//! [`Client::download_database`] over loopback, then moves the same bytes with bare reqwest. A
//! server on its own thread and runtime plays the device (as a device would be another machine):
//! it decodes every unit it receives and discards it, and it streams the database answer
//! (`{"file": "<base64>", "size": n}`) from one shared piece of base64 text, so neither side ever
//! holds the payload. A first, untimed pass checks that every byte arrives intact (sums on both
//! sides); the timed passes only count.
//!
//! Printed for each transfer: time, throughput of the raw payload in MiB/s, and the peak
//! resident memory above the process's baseline (Linux: `VmHWM`, reset through
//! `/proc/self/clear_refs` before each transfer, as `biometric-core`'s streaming bench does).
//! Targets: peak under three units (3 x 768 KiB) above the baseline, and a time within 1.5x of
//! bare reqwest moving the same bytes. The upload is compared twice: with the same base64 text
//! as one streamed body (what HTTP allows at best), and as the same per-unit requests (what the
//! device's protocol needs: one request per unit, each answered before the next). Bare reqwest
//! does less work (no reading from a source, no base64 encoding on upload, no decoding on
//! download), so the ratios are the SDK's whole cost.

#![allow(clippy::print_stdout)] // a benchmark that reports its figures on stdout

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use biometric_core::Bytes;
use biometric_core::base64::{StreamDecoder, encode};
use biometric_core::{RequestOptions, header::HeaderName};
use ef45_client::{Client, DEFAULT_UNIT_SIZE, DatabaseFile, FirmwareUpload, RetryPolicy};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWrite};

const TOTAL: u64 = 256 * 1024 * 1024;
/// The byte every firmware image byte is (base64 speed does not depend on the values).
const FIRMWARE_BYTE: u8 = 0x5a;
/// Raw bytes per piece of the database answer: a multiple of 3, so pieces join as base64.
const PIECE: usize = 48 * 1024;
const MIB: f64 = 1024.0 * 1024.0;
/// The header that tells the server how large a database to answer (the SDK's call has no
/// parameter for it).
const BYTES_HEADER: &str = "x-bench-bytes";

fn main() {
    let received = Arc::new(Received::default());
    let database = Arc::new(database_piece());
    let base = start_server(received.clone(), database.clone());
    // The client on this thread, the server on its own: like a device on another machine, each
    // side gets a core of its own instead of sharing one runtime's workers.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(&base, &received, &database));
}

/// What the server decoded from uploads: bytes and their sum.
#[derive(Default)]
struct Received {
    bytes: AtomicU64,
    sum: AtomicU64,
}

impl Received {
    fn take(&self) -> (u64, u64) {
        (
            self.bytes.swap(0, Ordering::SeqCst),
            self.sum.swap(0, Ordering::SeqCst),
        )
    }
}

/// The database answer's pieces: one base64 piece shared by every full piece, and the rest.
struct Database {
    piece: Bytes,
    piece_sum: u64,
}

async fn run(base: &str, received: &Received, database: &Database) {
    let device = Client::builder(base)
        .http(|h| {
            h.retry(RetryPolicy::disabled())
                .timeout(Duration::from_secs(600))
        })
        .build()
        .unwrap();
    // Built after the client, which installs the TLS crypto provider reqwest needs.
    let bare = reqwest::Client::new();
    let units = unit_texts();

    // Checks that every byte arrives intact (the server sums what it decodes, the download's
    // writer sums what it is given), and warms up connections, the lock and allocator pools so
    // the baseline is the steady state. The timed transfers below only count.
    upload_firmware(&device, received, TOTAL).await;
    check_download(&device, database, TOTAL).await;
    bare_upload_stream(&bare, base, received, &units, 4).await;
    bare_download(&bare, base, 4 * 1024 * 1024).await;
    println!(
        "checked: {} MiB uploaded and downloaded intact",
        TOTAL >> 20
    );

    println!(
        "moving {} MiB each way; unit {} KiB raw ({} KiB of base64)",
        TOTAL >> 20,
        DEFAULT_UNIT_SIZE >> 10,
        (DEFAULT_UNIT_SIZE / 3 * 4) >> 10
    );
    let target = 3 * DEFAULT_UNIT_SIZE as u64;
    // The growth figures are over the memory resident before each transfer: this shows that
    // the checked pass above left nothing large behind to hide in that baseline.
    if let Some(rss) = status_kib("VmRSS:") {
        println!(
            "resident before the timed transfers: {:.1} MiB",
            rss as f64 / 1024.0
        );
    }
    let full_units = units.count;
    for round in 1..=2 {
        println!("round {round}");
        let up = measure(|| upload_firmware(&device, received, TOTAL)).await;
        let bare_up =
            measure(|| bare_upload_stream(&bare, base, received, &units, full_units)).await;
        let bare_units = measure(|| bare_upload_units(&bare, base, received, &units)).await;
        let down = measure(|| download_database(&device, TOTAL)).await;
        let bare_down = measure(|| bare_download(&bare, base, TOTAL)).await;
        report("SDK firmware upload", up, target);
        report("bare reqwest, one body", bare_up, target);
        report("bare reqwest, per unit", bare_units, target);
        report("SDK database download", down, target);
        report("bare reqwest download", bare_down, target);
        println!(
            "{:>26}: upload {:.2}x bare one-body, {:.2}x bare per-unit; download {:.2}x bare \
             (target: at most 1.5x)",
            "time ratio",
            up.0 / bare_up.0,
            up.0 / bare_units.0,
            down.0 / bare_down.0
        );
    }
}

fn report(what: &str, (seconds, peak): (f64, Option<u64>), target: u64) {
    let rate = TOTAL as f64 / seconds / MIB;
    match peak {
        Some(peak) => println!(
            "{what:>26}: {seconds:6.2} s, {rate:7.1} MiB/s, peak RSS +{:.2} MiB over baseline \
             (target: under 3 units = {:.2} MiB)",
            peak as f64 / MIB,
            target as f64 / MIB,
        ),
        None => {
            println!("{what:>26}: {seconds:6.2} s, {rate:7.1} MiB/s (peak RSS not readable here)")
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

async fn upload_firmware(device: &Client, received: &Received, bytes: u64) {
    let image = tokio::io::repeat(FIRMWARE_BYTE).take(bytes);
    let report = device
        .upload_firmware(image, bytes, FirmwareUpload::new())
        .await
        .unwrap();
    assert_eq!(report.bytes, bytes);
    assert_eq!(received.take(), (bytes, bytes * u64::from(FIRMWARE_BYTE)));
}

/// The SDK download into `sink`; returns the bytes it says it wrote.
async fn download_into(device: &Client, bytes: u64, sink: &mut Checksum) -> u64 {
    let sized = device.with_options(RequestOptions::new().header(
        HeaderName::from_static(BYTES_HEADER),
        bytes.to_string().parse().unwrap(),
    ));
    sized
        .download_database(DatabaseFile::Main, sink)
        .await
        .unwrap()
}

async fn download_database(device: &Client, bytes: u64) {
    let mut sink = Checksum::default();
    assert_eq!(download_into(device, bytes, &mut sink).await, bytes);
    assert_eq!(sink.bytes, bytes);
}

async fn check_download(device: &Client, database: &Database, bytes: u64) {
    let mut sink = Checksum {
        summing: true,
        ..Checksum::default()
    };
    assert_eq!(download_into(device, bytes, &mut sink).await, bytes);
    assert_eq!((sink.bytes, sink.sum), (bytes, database.sum_of(bytes)));
}

/// The base64 texts of the firmware units: one shared by every full unit (the image is one
/// repeated byte) and the last, shorter one.
struct UnitTexts {
    full: Bytes,
    last: Bytes,
    /// Raw bytes of the last unit.
    last_raw: usize,
    /// Full units.
    count: usize,
}

fn unit_texts() -> UnitTexts {
    let count = (TOTAL / DEFAULT_UNIT_SIZE as u64) as usize;
    let rest = (TOTAL % DEFAULT_UNIT_SIZE as u64) as usize;
    UnitTexts {
        full: Bytes::from(encode(&vec![FIRMWARE_BYTE; DEFAULT_UNIT_SIZE])),
        last: Bytes::from(encode(&vec![FIRMWARE_BYTE; rest])),
        last_raw: rest,
        count,
    }
}

/// The same base64 text as the SDK's units, sent as one streamed body (`full_units` full units,
/// then the last one when all of them are sent).
async fn bare_upload_stream(
    client: &reqwest::Client,
    base: &str,
    received: &Received,
    units: &UnitTexts,
    full_units: usize,
) {
    let whole = full_units == units.count;
    let last = whole.then(|| units.last.clone());
    let pieces = std::iter::repeat_n(units.full.clone(), full_units).chain(last);
    let last_raw = if whole { units.last_raw } else { 0 };
    let expected = (full_units * DEFAULT_UNIT_SIZE + last_raw) as u64;
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(
        pieces.map(Ok::<_, std::io::Error>),
    ));
    let response = client
        .post(format!("{base}raw"))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(received.take().0, expected);
}

/// The same base64 texts as the SDK's units, one request each, to the same handler.
async fn bare_upload_units(
    client: &reqwest::Client,
    base: &str,
    received: &Received,
    units: &UnitTexts,
) {
    let texts = std::iter::repeat_n(&units.full, units.count).chain([&units.last]);
    for text in texts {
        let response = client
            .post(format!("{base}update/continuous"))
            .header("content-type", "text/plain")
            .body(text.clone())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    assert_eq!(received.take().0, TOTAL);
}

/// The same answer as the SDK's download, read and discarded.
async fn bare_download(client: &reqwest::Client, base: &str, bytes: u64) {
    let mut response = client
        .get(format!("{base}database"))
        .header(BYTES_HEADER, bytes)
        .send()
        .await
        .unwrap();
    let mut total = 0u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        total += chunk.len() as u64;
    }
    assert!(total > bytes / 3 * 4, "{total}");
}

/// A writer that keeps only the count of what it is given, and its sum when `summing`.
#[derive(Default)]
struct Checksum {
    bytes: u64,
    sum: u64,
    summing: bool,
}

impl AsyncWrite for Checksum {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.bytes += buf.len() as u64;
        if self.summing {
            self.sum += buf.iter().map(|&b| u64::from(b)).sum::<u64>();
        }
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn database_piece() -> Database {
    let raw = pattern(PIECE);
    Database {
        piece: Bytes::from(encode(&raw)),
        piece_sum: raw.iter().map(|&b| u64::from(b)).sum(),
    }
}

impl Database {
    /// The sum of the first `bytes` bytes of the database: whole pieces, then a prefix of one.
    fn sum_of(&self, bytes: u64) -> u64 {
        let full = bytes / PIECE as u64;
        let rest = (bytes % PIECE as u64) as usize;
        full * self.piece_sum + pattern(rest).iter().map(|&b| u64::from(b)).sum::<u64>()
    }

    /// `{"file": "<base64 of bytes>", "size": bytes}` as a stream of shared pieces.
    fn answer(&self, bytes: u64) -> AxumBody {
        let full = bytes / PIECE as u64;
        let rest = (bytes % PIECE as u64) as usize;
        let head = Bytes::from_static(br#"{"file":""#);
        let tail = Bytes::from(format!(r#"","size":{bytes}}}"#));
        let last = (rest > 0).then(|| Bytes::from(encode(&pattern(rest))));
        let pieces = std::iter::once(head)
            .chain(std::iter::repeat_n(self.piece.clone(), full as usize))
            .chain(last)
            .chain([tail]);
        AxumBody::from_stream(futures_util::stream::iter(
            pieces.map(Ok::<_, std::io::Error>),
        ))
    }
}

/// Decodes an uploaded body as it arrives, keeping its count and sum.
async fn decode_upload(received: &Received, body: AxumBody) {
    let mut stream = body.into_data_stream();
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    let (mut bytes, mut sum) = (0u64, 0u64);
    let mut tally = |out: &mut Vec<u8>| {
        bytes += out.len() as u64;
        sum += out.iter().map(|&b| u64::from(b)).sum::<u64>();
        out.clear();
    };
    while let Some(chunk) = stream.next().await {
        decoder.push(&chunk.unwrap(), &mut out).unwrap();
        tally(&mut out);
    }
    decoder.finish(&mut out).unwrap();
    tally(&mut out);
    received.bytes.fetch_add(bytes, Ordering::SeqCst);
    received.sum.fetch_add(sum, Ordering::SeqCst);
}

/// Starts the server on its own thread and runtime; returns its base URL.
fn start_server(received: Arc<Received>, database: Arc<Database>) -> String {
    type Shared = (Arc<Received>, Arc<Database>);
    async fn lock() -> &'static str {
        r#"{"lock_uid":"13dbb896-ed1e-11e6-9822-503f98000109"}"#
    }
    async fn unit(State((received, _)): State<Shared>, body: AxumBody) {
        decode_upload(&received, body).await;
    }
    async fn done(State((received, _)): State<Shared>, body: AxumBody) -> &'static str {
        decode_upload(&received, body).await;
        r#"{"file":"Upload success"}"#
    }
    async fn download(State((_, database)): State<Shared>, headers: HeaderMap) -> AxumBody {
        let bytes = headers
            .get(BYTES_HEADER)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(TOTAL);
        database.answer(bytes)
    }
    let app = Router::new()
        .route("/1.0/lock", post(lock))
        .route("/1.0/update/start", post(|| async {}))
        .route("/1.0/update/continuous", post(unit))
        .route("/1.0/update/done", post(done))
        .route("/1.0/raw", post(unit))
        .route("/1.0/database", get(download))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state((received, database));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{address}/1.0/")
}
