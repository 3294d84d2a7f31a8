//! How much the EF-45 fake's process grows during a 256 MiB firmware upload: it keeps a byte
//! count and a running digest, never the bytes. A measurement, printed (not asserted): run it
//! alone, so that the process's peak memory (Linux `VmHWM`) is this upload's.
//!
//! ```sh
//! cargo bench -p biometric-sim --bench ef45_upload_memory
//! ```

use biometric_sim::ef45::{Ef45Config, Ef45Sim, MAX_UNIT_TEXT, UploadDigest};

const TOTAL: usize = 256 * 1024 * 1024;

/// The process's peak resident memory in KiB (`VmHWM` of `/proc/self/status`).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

#[allow(clippy::print_stdout)] // a bench prints its figures
#[tokio::main(flavor = "current_thread")]
async fn main() {
    biometric_core::ensure_crypto_provider();
    let sim = Ef45Sim::new(Ef45Config::default());
    let running = sim.start().await.expect("a loopback port");
    let base = format!("{}/1.0", running.base_url());
    let http = reqwest::Client::new();
    let lock: serde_json::Value = http
        .post(format!("{base}/lock"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("a lock")
        .json()
        .await
        .expect("a lock_uid");
    let uid = lock["lock_uid"].as_str().expect("a lock_uid").to_owned();
    let at = |path: &str| format!("{base}/{path}?lock_uid={uid}");
    let unit_size = MAX_UNIT_TEXT / 4 * 3;
    let unit: Vec<u8> = (0..unit_size).map(|i| (i % 251) as u8).collect();
    let text = biometric_core::base64::encode(&unit);
    let before = peak_kib();
    let started = std::time::Instant::now();
    let send = |path: String, body: String| {
        http.put(path)
            .header("Content-Type", "text/plain")
            .body(body)
            .send()
    };
    http.put(at("update/start")).send().await.expect("start");
    let mut digest = UploadDigest::new();
    let mut sent = 0;
    while TOTAL - sent > unit_size {
        let answer = send(at("update/continuous"), text.clone())
            .await
            .expect("a unit");
        assert_eq!(answer.status(), 204);
        digest.update(&unit);
        sent += unit_size;
    }
    let last = &unit[..TOTAL - sent];
    digest.update(last);
    let answer = send(at("update/done"), biometric_core::base64::encode(last))
        .await
        .expect("the last unit");
    assert_eq!(answer.status(), 200);
    let upload = sim.firmware_upload().expect("an upload");
    assert_eq!((upload.bytes, upload.digest), (TOTAL as u64, digest));
    let grown_mib = (peak_kib() - before) as f64 / 1024.0;
    println!(
        "ef45 fake, 256 MiB forced firmware upload: {:.2} s, peak RSS +{grown_mib:.1} MiB \
         (the bytes themselves would be +256 MiB)",
        started.elapsed().as_secs_f64()
    );
}
