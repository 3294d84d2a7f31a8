//! The EF-45 fake's transfer sheets on the wire (Firmware, Database, Database (eyelock)),
//! without the SDK's client. The sheets do not give the upload units' body format: these tests
//! send the fake's documented choice, the unit's base64 text as a `text/plain` body.

mod ef45_support;

use biometric_sim::ef45::{MAX_UNIT_TEXT, UploadDigest};
use ef45_support::{Answer, Fake, assert_stale, locked};
use reqwest::Method;
use serde_json::{Value, json};

/// `len` bytes of a pretend file, different for each `seed`.
fn payload(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// The largest unit the fake takes: 786 432 bytes, 1 MiB of base64 (the Database sheet's
/// example size).
const UNIT: usize = MAX_UNIT_TEXT / 4 * 3;

impl Fake {
    /// A unit's base64 text as a `text/plain` body.
    async fn unit(&self, method: Method, path: &str, data: &[u8]) -> Answer {
        self.text(
            method,
            path,
            biometric_core::base64::encode(data),
            "text/plain",
        )
        .await
    }

    async fn text(&self, method: Method, path: &str, text: String, content_type: &str) -> Answer {
        self.raw(
            self.http
                .request(method, self.url(path))
                .header("Content-Type", content_type)
                .body(text),
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Firmware

#[tokio::test]
async fn a_firmware_upload_in_units_keeps_a_digest_and_answers_upload_success() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let answer = fake.bare(Method::POST, &locked("update/start", &uid)).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let mut digest = UploadDigest::new();
    for seed in 0..3 {
        let data = payload(seed, UNIT);
        digest.update(&data);
        let answer = fake
            .unit(Method::POST, &locked("update/continuous", &uid), &data)
            .await;
        assert_eq!((answer.status, answer.body), (204, Value::Null));
    }
    let last = payload(9, 1000);
    digest.update(&last);
    let answer = fake
        .unit(Method::POST, &locked("update/done", &uid), &last)
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    // The sheet's example answer.
    assert_eq!(answer.body, json!({"file": "Upload success"}));
    let upload = fake.sim.firmware_upload().unwrap();
    assert_eq!(
        (upload.forced, upload.units, upload.bytes, upload.done),
        (false, 4, 3 * UNIT as u64 + 1000, true)
    );
    assert_eq!(upload.digest, digest);
    // A forced upload (PUT) of one unit.
    let answer = fake.bare(Method::PUT, &locked("update/start", &uid)).await;
    assert_eq!(answer.status, 204, "{answer:?}");
    let answer = fake
        .unit(Method::PUT, &locked("update/done", &uid), &last)
        .await;
    assert_eq!(answer.body, json!({"file": "Upload success"}));
    assert!(fake.sim.firmware_upload().unwrap().forced);
    assert_eq!(fake.sim.firmware_aborts(), 0);
}

#[tokio::test]
async fn firmware_units_are_checked_in_order_size_and_form() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let continuous = locked("update/continuous", &uid);
    let done = locked("update/done", &uid);
    let answer = fake.unit(Method::POST, &continuous, &payload(1, 10)).await;
    assert_eq!(answer.status, 409, "no start: {answer:?}");
    let answer = fake
        .text(
            Method::POST,
            &locked("update/start", &uid),
            "x".into(),
            "text/plain",
        )
        .await;
    assert_eq!(answer.status, 400, "start takes no body: {answer:?}");
    assert_eq!(
        fake.bare(Method::POST, &locked("update/start", &uid))
            .await
            .status,
        204
    );
    let answer = fake.unit(Method::PUT, &continuous, &payload(1, 10)).await;
    assert_eq!(
        answer.status, 400,
        "started normal, sent forced: {answer:?}"
    );
    let text = biometric_core::base64::encode(&payload(1, 10));
    let answer = fake
        .text(
            Method::POST,
            &continuous,
            format!("{{\"file\":\"{text}\"}}"),
            "application/json",
        )
        .await;
    assert_eq!(answer.status, 415, "a JSON body: {answer:?}");
    let too_big = payload(2, UNIT + 3);
    let answer = fake.unit(Method::POST, &continuous, &too_big).await;
    assert_eq!(answer.status, 400, "over 1 MiB of base64: {answer:?}");
    for (text, why) in [
        (String::new(), "an empty unit"),
        ("AAAA AAAA".to_owned(), "whitespace"),
        ("AAAAAA".to_owned(), "no padding"),
        ("-_-_".to_owned(), "URL-safe base64"),
    ] {
        let answer = fake
            .text(Method::POST, &continuous, text, "text/plain")
            .await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
    assert_eq!(
        fake.unit(Method::POST, &continuous, &payload(3, 300))
            .await
            .status,
        204
    );
    let answer = fake.unit(Method::POST, &continuous, &payload(3, 299)).await;
    assert_eq!(answer.status, 400, "units of different sizes: {answer:?}");
    let answer = fake.unit(Method::POST, &done, &payload(3, 301)).await;
    assert_eq!(
        answer.status, 400,
        "a last unit larger than the others: {answer:?}"
    );
    assert_eq!(fake.sim.firmware_upload().unwrap().units, 1);
    // A new start abandons the unfinished upload.
    assert_eq!(
        fake.bare(Method::POST, &locked("update/start", &uid))
            .await
            .status,
        204
    );
    assert_eq!(fake.sim.firmware_aborts(), 1);
    assert_eq!(fake.sim.firmware_upload().unwrap().units, 0);
    assert_eq!(
        fake.unit(Method::POST, &done, &payload(3, 301))
            .await
            .status,
        200
    );
    let answer = fake.unit(Method::POST, &done, &payload(3, 1)).await;
    assert_eq!(answer.status, 409, "done twice: {answer:?}");
}

// ---------------------------------------------------------------------------------------------
// Every sheet

/// Every transfer route, as method and path without `lock_uid`.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "update/start"),
    ("PUT", "update/start"),
    ("POST", "update/continuous"),
    ("PUT", "update/continuous"),
    ("POST", "update/done"),
    ("PUT", "update/done"),
];

#[tokio::test]
async fn every_route_needs_the_current_lock_and_answers_injected_faults() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    fake.sim.expire_lock();
    for (method, path) in ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        assert_stale(&fake.bare(method.clone(), path).await);
        assert_stale(&fake.bare(method, &locked(path, &uid)).await);
    }
    let uid = fake.lock().await;
    for (method, path) in ROUTES {
        fake.sim.fail_next(500, 1);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let answer = fake.bare(method, &locked(path, &uid)).await;
        assert_eq!(answer.status, 500, "{path}: {answer:?}");
    }
}
