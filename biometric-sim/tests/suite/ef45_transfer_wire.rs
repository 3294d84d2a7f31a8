//! The EF-45 fake's transfer sheets on the wire (Firmware, Database, Database (eyelock)),
//! without the SDK's client. The sheets do not give the upload units' body format: these tests
//! send the fake's documented choice, the unit's base64 text as a `text/plain` body.

use crate::ef45_support::{Answer, Fake, assert_stale, locked};
use biometric_sim::ef45::{
    DEFAULT_DATABASE_BYTES, DatabaseTarget, MAX_UNIT_TEXT, PART_BYTES, UploadDigest, database_bytes,
};
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
    // The device reboots to upgrade: the lock is gone, a new one is needed.
    let answer = fake.bare(Method::PUT, &locked("update/start", &uid)).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    let uid = fake.lock().await;
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
    // The reboot after done drops the lock; under a new one, a second done has no upload.
    let answer = fake.unit(Method::POST, &done, &payload(3, 1)).await;
    assert_eq!(
        answer.status, 401,
        "the old lock after the reboot: {answer:?}"
    );
    let uid = fake.lock().await;
    let answer = fake
        .unit(Method::POST, &locked("update/done", &uid), &payload(3, 1))
        .await;
    assert_eq!(answer.status, 409, "done twice: {answer:?}");
}

// ---------------------------------------------------------------------------------------------
// Database and Database (eyelock)

/// The decoded `file` of an answer.
fn file_of(answer: &Answer) -> Vec<u8> {
    biometric_core::base64::decode(answer.body["file"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn database_sizes_and_whole_downloads() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let answer = fake.bare(Method::GET, &locked("database/size", &uid)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"size": DEFAULT_DATABASE_BYTES, "status": "", "file": ""})
    );
    let answer = fake.bare(Method::GET, &locked("database", &uid)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["size"], 19456, "the Download example's size");
    let file = file_of(&answer);
    assert!(file.starts_with(b"SQLite format 3\0"));
    assert_eq!(file, database_bytes(DatabaseTarget::Main, 0, 19456));
    // The eyelock files: about 5 MB, generated while sent.
    fake.sim
        .set_database_size(DatabaseTarget::EyeLockFull, 5_000_000);
    let answer = fake
        .bare(Method::GET, &locked("database/size/EyeLockFull", &uid))
        .await;
    assert_eq!(answer.body["size"], 5_000_000);
    let answer = fake
        .bare(Method::GET, &locked("database/EyeLockFull", &uid))
        .await;
    assert_eq!(answer.body["size"], 5_000_000);
    assert_eq!(
        file_of(&answer),
        database_bytes(DatabaseTarget::EyeLockFull, 0, 5_000_000)
    );
    let part = fake
        .bare(Method::GET, &locked("database/size/EyeLockPart", &uid))
        .await;
    assert_eq!(part.body["size"], 19456);
    for (path, status) in [
        ("database/EyeLockHalf", 404),
        ("database/size/EyeLockHalf", 400),
        ("database?compress=1", 400),
        ("database/size?target=EyeLockFull", 400),
    ] {
        let answer = fake.bare(Method::GET, &locked(path, &uid)).await;
        assert_eq!(answer.status, status, "{path}: {answer:?}");
    }
}

#[tokio::test]
async fn multipart_downloads_come_in_ten_mib_parts_in_order() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let size = 2 * PART_BYTES + 1024 * 1024;
    fake.sim.set_database_size(DatabaseTarget::Main, size);
    let answer = fake
        .bare(Method::GET, &locked("database/partial/1", &uid))
        .await;
    assert_eq!(answer.status, 409, "index 0 first: {answer:?}");
    let mut whole = Vec::new();
    for (index, status, part) in [
        (0, "start", PART_BYTES),
        (1, "continuous", PART_BYTES),
        (1, "continuous", PART_BYTES),
        (2, "done", 1024 * 1024),
    ] {
        let answer = fake
            .bare(
                Method::GET,
                &locked(&format!("database/partial/{index}"), &uid),
            )
            .await;
        assert_eq!(answer.status, 200, "{index}: {answer:?}");
        assert_eq!(
            (&answer.body["size"], &answer.body["status"]),
            (&json!(part), &json!(status)),
            "part {index}"
        );
        let file = file_of(&answer);
        assert_eq!(file.len() as u64, part);
        if whole.len() as u64 == index * PART_BYTES {
            whole.extend(file);
        }
    }
    assert_eq!(
        whole,
        database_bytes(DatabaseTarget::Main, 0, size as usize)
    );
    for path in [
        "database/partial/3",
        "database/partial/x",
        "database/partial/-1",
    ] {
        let answer = fake.bare(Method::GET, &locked(path, &uid)).await;
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
    }
    // A database of one part answers `done` at once.
    let answer = fake
        .bare(Method::GET, &locked("database/partial/0/EyeLockPart", &uid))
        .await;
    assert_eq!(
        (&answer.body["size"], &answer.body["status"]),
        (&json!(19456), &json!("done"))
    );
    assert_eq!(
        file_of(&answer),
        database_bytes(DatabaseTarget::EyeLockPart, 0, 19456)
    );
}

#[tokio::test]
async fn a_database_upload_checks_its_sizes_and_restarts_the_device() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let first = payload(5, UNIT);
    // The sheet's URL example: a chunk of 786 432 bytes.
    let answer = fake
        .unit(
            Method::POST,
            &locked("database/continuous/786432", &uid),
            &first,
        )
        .await;
    assert_eq!(answer.status, 409, "no start: {answer:?}");
    let answer = fake
        .bare(Method::POST, &locked("database/start", &uid))
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let answer = fake
        .unit(
            Method::POST,
            &locked("database/continuous/786432", &uid),
            &first,
        )
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let last = payload(6, 500);
    for (path, data, why) in [
        (
            "database/continuous/1000",
            payload(1, 999),
            "strSize not the chunk's size",
        ),
        (
            "database/continuous/big",
            payload(1, 3),
            "strSize not a number",
        ),
        (
            "database/done/500/786933",
            last.clone(),
            "a total that does not add up",
        ),
        (
            "database/continuous/786435",
            payload(1, UNIT + 3),
            "over 1 MiB of base64",
        ),
    ] {
        let answer = fake.unit(Method::POST, &locked(path, &uid), &data).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
    let answer = fake
        .unit(
            Method::POST,
            &locked("database/done/500/786932", &uid),
            &last,
        )
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let upload = fake.sim.database_upload(DatabaseTarget::Main).unwrap();
    let mut digest = UploadDigest::new();
    digest.update(&first);
    digest.update(&last);
    assert_eq!(
        (upload.chunks, upload.bytes, upload.digest, upload.done),
        (2, 786_932, digest, true)
    );
    // "the device will be restarted": the lock is gone.
    assert_stale(&fake.bare(Method::GET, &locked("database/size", &uid)).await);
    let uid = fake.lock().await;
    let answer = fake.bare(Method::GET, &locked("database/size", &uid)).await;
    assert_eq!(answer.body["size"], 786_932);
    // An eyelock upload: no restart.
    let answer = fake
        .bare(Method::POST, &locked("database/start/EyeLockFull", &uid))
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    let small = payload(7, 10);
    let answer = fake
        .unit(
            Method::POST,
            &locked("database/done/10/10/EyeLockFull", &uid),
            &small,
        )
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert!(
        fake.sim
            .database_upload(DatabaseTarget::EyeLockFull)
            .unwrap()
            .done
    );
    assert_eq!(fake.sim.current_lock(), Some(uid.clone()));
    let answer = fake
        .unit(
            Method::POST,
            &locked("database/done/10/10/EyeLock", &uid),
            &small,
        )
        .await;
    assert_eq!(answer.status, 400, "an unknown eyelock file: {answer:?}");
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
    ("GET", "database/size"),
    ("GET", "database/size/EyeLockFull"),
    ("GET", "database"),
    ("GET", "database/EyeLockPart"),
    ("GET", "database/partial/0"),
    ("GET", "database/partial/0/EyeLockFull"),
    ("POST", "database/start"),
    ("POST", "database/start/EyeLockPart"),
    ("POST", "database/continuous/786432"),
    ("POST", "database/continuous/786432/EyeLockFull"),
    ("POST", "database/done/786432/78643200"),
    ("POST", "database/done/786432/78643200/EyeLockFull"),
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
