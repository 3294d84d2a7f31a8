//! A 256 MiB firmware upload does not make the EF-45 fake hold 256 MiB: it keeps a byte count
//! and a running digest only. Alone in its test binary, so that the process's peak memory
//! (Linux `VmHWM`) measures this upload and nothing else.

mod ef45_support;

use biometric_sim::ef45::{MAX_UNIT_TEXT, UploadDigest};
use ef45_support::{Fake, locked};
use reqwest::Method;

/// The process's peak resident memory in KiB (`VmHWM` of `/proc/self/status`).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

#[tokio::test]
async fn a_256_mib_firmware_upload_keeps_counts_not_bytes() {
    const TOTAL: usize = 256 * 1024 * 1024;
    let unit_size = MAX_UNIT_TEXT / 4 * 3;
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let unit: Vec<u8> = (0..unit_size).map(|i| (i % 251) as u8).collect();
    let text = biometric_core::base64::encode(&unit);
    let before = peak_kib();
    assert_eq!(
        fake.bare(Method::PUT, &locked("update/start", &uid))
            .await
            .status,
        204
    );
    let mut digest = UploadDigest::new();
    let mut sent = 0;
    while TOTAL - sent > unit_size {
        let answer = fake
            .raw(
                fake.http
                    .put(fake.url(&locked("update/continuous", &uid)))
                    .header("Content-Type", "text/plain")
                    .body(text.clone()),
            )
            .await;
        assert_eq!(answer.status, 204, "{answer:?}");
        digest.update(&unit);
        sent += unit_size;
    }
    let last = &unit[..TOTAL - sent];
    digest.update(last);
    let answer = fake
        .raw(
            fake.http
                .put(fake.url(&locked("update/done", &uid)))
                .header("Content-Type", "text/plain")
                .body(biometric_core::base64::encode(last)),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let upload = fake.sim.firmware_upload().unwrap();
    assert_eq!(upload.bytes, TOTAL as u64);
    assert_eq!(upload.digest, digest);
    assert!(upload.forced && upload.done);
    let grown_mib = (peak_kib() - before) / 1024;
    assert!(
        grown_mib < 64,
        "the peak grew by {grown_mib} MiB during a 256 MiB upload"
    );
}
