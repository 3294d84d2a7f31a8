//! A long firmware upload reaches the EF-45 fake whole and in order: it keeps a byte count and
//! a running digest only. The memory this costs is measured by
//! `cargo bench -p biometric-sim --bench ef45_upload_memory` (a 256 MiB upload), not here.

use crate::ef45_support::{Fake, locked};
use biometric_sim::ef45::{MAX_UNIT_TEXT, UploadDigest};
use reqwest::Method;

#[tokio::test]
async fn a_long_firmware_upload_keeps_counts_and_a_digest() {
    const TOTAL: usize = 16 * 1024 * 1024 + 5;
    let unit_size = MAX_UNIT_TEXT / 4 * 3;
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let unit: Vec<u8> = (0..unit_size).map(|i| (i % 251) as u8).collect();
    let text = biometric_core::base64::encode(&unit);
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
}
