//! Engine overhead and large-body decoding.
//!
//! `cargo bench -p biometric-core --bench engine`
//!
//! - `small_json_get`: one small JSON GET through the engine, and the same request with bare
//!   reqwest, against one local axum server in the same run. Target: the engine within 5% of
//!   bare reqwest.
//! - `decode_5mb`: a 5 MB JSON body holding base64 images (the shape of an EF-45 biometric-data
//!   answer), decoded into typed structs (base64 decoded into bytes), into typed structs with the
//!   images left as text (the cost of typing alone), and into `serde_json::Value`.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use biometric_core::{Engine, Image, Method, Operation, RawResponse, RetryPolicy};
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // fields are read by the decoder, which is what is measured
struct Version {
    version: String,
    build: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BiometricData {
    encounter_id: String,
    items: Vec<Capture>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Capture {
    user_uuid: String,
    quality: f64,
    left_eye_image: Image,
    right_eye_image: Image,
    face_image: Image,
}

/// The same document with the images left as base64 text: separates typed decoding from base64.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BiometricDataText {
    encounter_id: String,
    items: Vec<CaptureText>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct CaptureText {
    user_uuid: String,
    quality: f64,
    left_eye_image: String,
    right_eye_image: String,
    face_image: String,
}

const SMALL_BODY: &str = r#"{"version":"1.1.69","build":4411}"#;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Serves `GET /1.0/version` on a free loopback port; returns the base URL.
fn start_server(rt: &tokio::runtime::Runtime) -> String {
    rt.block_on(async {
        let app = Router::new().route(
            "/1.0/version",
            get(|| async { ([("content-type", "application/json")], SMALL_BODY) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{address}/1.0/")
    })
}

fn small_json_get(c: &mut Criterion) {
    let rt = runtime();
    let base = start_server(&rt);
    let engine = Engine::builder(base.clone())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    // Built after the engine, which installed the process's rustls provider.
    let bare = reqwest::Client::new();
    let url = format!("{base}version");

    let mut group = c.benchmark_group("small_json_get");
    group.bench_function("engine", |b| {
        b.to_async(&rt).iter(|| async {
            let op = Operation::<Version>::new("bench.version", Method::GET, "version");
            engine.execute(op).await.unwrap()
        })
    });
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let response = bare
                .get(&url)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
            let body = response.bytes().await.unwrap();
            serde_json::from_slice::<Version>(&body).unwrap()
        })
    });
    group.finish();
}

/// About 5 MB: captures with three base64 images each.
fn five_megabyte_body() -> Bytes {
    let image = |seed: u8| {
        let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
        data.extend((0..40_000u32).map(|i| (i as u8).wrapping_mul(seed)));
        biometric_core::base64::encode(&data)
    };
    let items: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            serde_json::json!({
                "user_uuid": format!("00000000-0000-0000-0000-{i:012}"),
                "quality": 0.5 + i as f64 / 100.0,
                "left_eye_image": image(3),
                "right_eye_image": image(5),
                "face_image": image(7),
            })
        })
        .collect();
    let body = serde_json::json!({"encounter_id": "e-1", "items": items});
    Bytes::from(serde_json::to_vec(&body).unwrap())
}

fn decode_5mb(c: &mut Criterion) {
    let body = five_megabyte_body();
    let raw = RawResponse::new(
        "bench.biometric_data",
        http::StatusCode::OK,
        http::HeaderMap::new(),
        body.clone(),
    );
    let mut group = c.benchmark_group("decode_5mb");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.sample_size(20);
    group.bench_function("typed_with_base64", |b| {
        b.iter(|| raw.json::<BiometricData>().unwrap())
    });
    group.bench_function("typed_base64_as_text", |b| {
        b.iter(|| raw.json::<BiometricDataText>().unwrap())
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&body).unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = small_json_get, decode_5mb
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}

/// Prints the two ratios the targets are stated in, from the means criterion just saved.
#[allow(clippy::print_stdout)] // the benchmark's report
fn print_ratios() {
    let ratio = |group: &str, numerator: &str, denominator: &str| {
        Some(mean_ns(group, numerator)? / mean_ns(group, denominator)?)
    };
    println!("\nratios (mean times):");
    match ratio("small_json_get", "engine", "bare_reqwest") {
        Some(r) => {
            println!("  engine / bare reqwest, small JSON GET:        {r:.3}x (target <= 1.05x)")
        }
        None => println!("  engine / bare reqwest: not measured in this run"),
    }
    match ratio("decode_5mb", "typed_with_base64", "serde_json_value") {
        Some(r) => {
            println!("  typed + base64 / serde_json::Value, 5 MB:     {r:.3}x (target <= 1.5x)")
        }
        None => println!("  typed + base64 / serde_json::Value: not measured in this run"),
    }
}

/// The mean of one benchmark in nanoseconds, from criterion's `estimates.json`.
fn mean_ns(group: &str, bench: &str) -> Option<f64> {
    let homes = [
        std::env::var_os("CRITERION_HOME").map(std::path::PathBuf::from),
        std::env::var_os("CARGO_TARGET_DIR").map(|t| std::path::PathBuf::from(t).join("criterion")),
        Some("../target/criterion".into()),
        Some("target/criterion".into()),
    ];
    homes.into_iter().flatten().find_map(|home| {
        let file = home.join(group).join(bench).join("new/estimates.json");
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
        json["mean"]["point_estimate"].as_f64()
    })
}
