//! Sheets Database and Database (eyelock): size, download whole and in parts, upload in
//! units. The sheets' examples are abbreviated (`"U1FMaXRlIGZvcm1hdCAzAAQA~~~"`) or malformed
//! (`"status":"""file":""`), so the answers are built in code from real bytes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use biometric_core::base64::{decode, encode};
use ef45_client::{
    Client, DEFAULT_UNIT_SIZE, DatabaseFile, Error, PartProgress, Progress, RetryPolicy, Transfer,
    TransferStage,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// SQLite's header, as the sheet's example starts (`U1FMaXRlIGZvcm1hdCAz` is "SQLite format 3").
fn database(len: usize) -> Vec<u8> {
    b"SQLite format 3\0"
        .iter()
        .copied()
        .chain((0..).map(|i: usize| (i * 7 % 253) as u8))
        .take(len)
        .collect()
}

fn file_answer(data: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(format!(
        r#"{{"file":"{}","size":{}}}"#,
        encode(data),
        data.len()
    ))
}

fn part_answer(data: &[u8], status: &str) -> ResponseTemplate {
    // The sheet's order: size, status, file.
    ResponseTemplate::new(200).set_body_string(format!(
        r#"{{"size":{},"status":"{status}","file":"{}"}}"#,
        data.len(),
        encode(data)
    ))
}

const SUFFIXES: [(DatabaseFile, &str); 3] = [
    (DatabaseFile::Main, ""),
    (DatabaseFile::EyeLockFull, "/EyeLockFull"),
    (DatabaseFile::EyeLockPart, "/EyeLockPart"),
];

#[tokio::test]
async fn the_size_of_each_file_from_its_own_path() {
    let (server, device) = locked().await;
    for (n, (_, suffix)) in SUFFIXES.iter().enumerate() {
        // The sheet's example with the comma it lacks.
        answer(
            &server,
            "GET",
            &format!("/1.0/database/size{suffix}"),
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"size": 44_915_712 + n, "status": "", "file": ""}),
            ),
        )
        .await;
    }
    catch_all(&server).await;

    for (n, (file, _)) in SUFFIXES.iter().enumerate() {
        assert_eq!(
            device.database_size(*file).await.unwrap(),
            44_915_712 + n as u64
        );
    }
    for call in calls(&server).await {
        assert_eq!(call.method.as_str(), "GET");
        assert_eq!(query(&call), with_lock(&[]));
    }
}

#[tokio::test]
async fn a_download_is_decoded_into_the_writer_and_checked_against_size() {
    let (server, device) = locked().await;
    let data = database(100_000);
    for (_, suffix) in SUFFIXES {
        answer(
            &server,
            "GET",
            &format!("/1.0/database{suffix}"),
            file_answer(&data),
        )
        .await;
    }
    catch_all(&server).await;

    for (file, _) in SUFFIXES {
        let mut sink = Vec::new();
        let written = device.download_database(file, &mut sink).await.unwrap();
        assert_eq!(written, data.len() as u64);
        assert!(sink == data, "{file}");
    }
    assert_eq!(calls(&server).await.len(), 3);
}

#[tokio::test]
async fn size_may_come_first_and_slashes_may_be_escaped() {
    let (server, device) = locked().await;
    let data = database(5000);
    let text = encode(&data).replace('/', "\\/");
    assert!(text.contains("\\/"), "the test needs a slash to escape");
    answer(
        &server,
        "GET",
        "/1.0/database",
        ResponseTemplate::new(200).set_body_string(format!(
            r#"{{ "size": {}, "status": "", "file": "{text}" }}"#,
            data.len()
        )),
    )
    .await;

    let mut sink = Vec::new();
    device
        .download_database(DatabaseFile::Main, &mut sink)
        .await
        .unwrap();
    assert!(sink == data);
}

#[tokio::test]
async fn a_length_other_than_size_is_an_error_after_writing() {
    let (server, device) = locked().await;
    let data = database(300);
    answer(
        &server,
        "GET",
        "/1.0/database",
        ResponseTemplate::new(200)
            .set_body_string(format!(r#"{{"file":"{}","size":19456}}"#, encode(&data))),
    )
    .await;

    let mut sink = Vec::new();
    let err = device
        .download_database(DatabaseFile::Main, &mut sink)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("decoded 300 bytes, but `size` says 19456"),
        "{err}"
    );
    assert_eq!(sink.len(), 300, "what arrived was written");
}

#[tokio::test]
async fn a_short_or_broken_base64_body_is_an_error_carrying_what_is_known() {
    let (server, device) = locked().await;
    let data = database(3000);
    let text = encode(&data);
    // Cut inside the string: the connection closed early or the device stopped writing.
    let short = format!(r#"{{"size":3000,"file":"{}"#, &text[..2000]);
    let broken = format!(
        r#"{{"size":3000,"file":"{}#{}"}}"#,
        &text[..1200],
        &text[1200..]
    );
    for (suffix, body) in [("/EyeLockFull", short), ("/EyeLockPart", broken)] {
        answer(
            &server,
            "GET",
            &format!("/1.0/database{suffix}"),
            ResponseTemplate::new(200).set_body_string(body),
        )
        .await;
    }

    let mut sink = Vec::new();
    let err = device
        .download_database(DatabaseFile::EyeLockFull, &mut sink)
        .await
        .unwrap_err();
    let message = err.to_string();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("file"));
    assert!(message.contains("ended"), "{message}");
    assert!(
        message.contains("1500 bytes of `file` decoded") && message.contains("`size` says 3000"),
        "{message}"
    );
    assert_eq!(sink, data[..1500]);

    let mut sink = Vec::new();
    let err = device
        .download_database(DatabaseFile::EyeLockPart, &mut sink)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("not base64"), "{message}");
    assert!(message.contains("`size` says 3000"), "{message}");
    assert!(
        !message.contains(&text[..40]),
        "no payload in errors: {message}"
    );
    assert_eq!(
        sink,
        data[..sink.len()],
        "what was written is a true prefix"
    );
}

#[tokio::test]
async fn an_answer_without_file_or_size_is_an_error() {
    let (server, device) = locked().await;
    Mock::given(path("/1.0/database"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"size": 3, "status": ""})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/1.0/database",
        ResponseTemplate::new(200).set_body_string(r#"{"file":"YWJj"}"#),
    )
    .await;

    let mut sink = Vec::new();
    let err = device
        .download_database(DatabaseFile::Main, &mut sink)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no `file` member"), "{err}");
    let err = device
        .download_database(DatabaseFile::Main, &mut sink)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no `size`"), "{err}");
}

#[tokio::test]
async fn the_devices_error_fields_under_a_success_status_are_an_api_error() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/database",
        ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"status_code": 1301, "reason_phrase": "Permission denied!"}),
        ),
    )
    .await;

    let err = device
        .download_database(DatabaseFile::Main, &mut Vec::new())
        .await
        .unwrap_err();
    let failure = ef45_client::DeviceFailure::from_error(&err).expect("an API error");
    assert_eq!(
        failure.code,
        Some(ef45_client::ResponseCode::PermissionDenied)
    );
    assert_eq!(failure.reason.as_deref(), Some("Permission denied!"));
}

#[tokio::test]
async fn an_error_status_writes_nothing() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/database",
        ResponseTemplate::new(404).set_body_string("no database"),
    )
    .await;

    let mut sink = Vec::new();
    let err = device
        .download_database(DatabaseFile::Main, &mut sink)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(ef45_client::StatusCode::NOT_FOUND));
    assert!(sink.is_empty());
}

/// Mounts the answers for `database/partial/{index}{suffix}`, one per index.
async fn parts(server: &MockServer, suffix: &str, answers: Vec<ResponseTemplate>) {
    for (index, response) in answers.into_iter().enumerate() {
        answer(
            server,
            "GET",
            &format!("/1.0/database/partial/{index}{suffix}"),
            response,
        )
        .await;
    }
    catch_all(server).await;
}

fn recorder() -> (
    Arc<Mutex<Vec<PartProgress>>>,
    impl FnMut(PartProgress) + Send,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p| sink.lock().unwrap().push(p))
}

#[tokio::test]
async fn parts_are_walked_from_index_0_until_done() {
    let data = database(25_000);
    let (a, rest) = data.split_at(10_000);
    let (b, c) = rest.split_at(10_000);
    for (file, suffix) in SUFFIXES {
        let (server, device) = locked().await;
        parts(
            &server,
            suffix,
            vec![
                part_answer(a, "start"),
                part_answer(b, "continuous"),
                part_answer(c, "done"),
            ],
        )
        .await;
        let (seen, progress) = recorder();

        let mut sink = Vec::new();
        let written = device
            .download_database_parts(file, &mut sink, progress)
            .await
            .unwrap();

        assert_eq!(written, 25_000);
        assert!(sink == data, "{file}: the parts in order");
        let paths: Vec<String> = calls(&server)
            .await
            .iter()
            .map(|c| c.url.path().to_owned())
            .collect();
        assert_eq!(
            paths,
            (0..3)
                .map(|i| format!("/1.0/database/partial/{i}{suffix}"))
                .collect::<Vec<_>>()
        );
        let seen: Vec<(usize, u64, u64, bool)> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|p| (p.part, p.part_bytes, p.received, p.last))
            .collect();
        assert_eq!(
            seen,
            [
                (0, 10_000, 10_000, false),
                (1, 10_000, 20_000, false),
                (2, 5_000, 25_000, true)
            ]
        );
    }
}

#[tokio::test]
async fn a_single_part_may_be_done_at_once_and_continous_is_read_as_continuous() {
    let (server, device) = locked().await;
    parts(
        &server,
        "",
        vec![
            part_answer(b"abc", "start"),
            part_answer(b"def", "continous"),
            part_answer(b"g", "done"),
        ],
    )
    .await;
    let mut sink = Vec::new();
    device
        .download_database_parts(DatabaseFile::Main, &mut sink, |_| {})
        .await
        .unwrap();
    assert_eq!(sink, b"abcdefg");

    let (server, device) = locked().await;
    parts(&server, "", vec![part_answer(b"all", "done")]).await;
    let mut sink = Vec::new();
    device
        .download_database_parts(DatabaseFile::Main, &mut sink, |_| {})
        .await
        .unwrap();
    assert_eq!(sink, b"all");
}

#[tokio::test]
async fn a_walk_that_restarts_stalls_or_says_something_else_stops() {
    for (answers, want) in [
        (
            vec![part_answer(b"abc", "start"), part_answer(b"abc", "start")],
            "part 1 says `start` again",
        ),
        (
            vec![part_answer(b"abc", "start"), part_answer(b"", "continuous")],
            "part 1 holds no bytes and is not `done`",
        ),
        (
            vec![part_answer(b"abc", "busy")],
            "part 0 has a `status` other than",
        ),
    ] {
        let (server, device) = locked().await;
        parts(&server, "", answers).await;
        let err = device
            .download_database_parts(DatabaseFile::Main, &mut Vec::new(), |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert!(err.to_string().contains(want), "{err}");
        assert!(calls(&server).await.len() <= 2, "the walk stopped");
    }
}

#[tokio::test]
async fn a_part_with_a_broken_body_stops_the_walk_with_what_is_known() {
    let (server, device) = locked().await;
    let bad = ResponseTemplate::new(200)
        .set_body_string(r#"{"size":10485760,"status":"continuous","file":"U1FMaXRlIGZvcm~~~~"}"#);
    parts(&server, "", vec![part_answer(b"abc", "start"), bad]).await;
    let (seen, progress) = recorder();

    let mut sink = Vec::new();
    let err = device
        .download_database_parts(DatabaseFile::Main, &mut sink, progress)
        .await
        .unwrap_err();

    assert!(err.to_string().contains("not base64"), "{err}");
    assert!(err.to_string().contains("`size` says 10485760"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 1, "part 0 was reported whole");
    assert!(sink.starts_with(b"abc"));
}

async fn database_device(server: &MockServer, suffix: &str) {
    for step in ["start", "continuous", "done"] {
        Mock::given(method("POST"))
            .and(wiremock::matchers::path_regex(format!(
                "^/1.0/database/{step}(/[0-9]+)*{suffix}$"
            )))
            .respond_with(ResponseTemplate::new(200))
            .with_priority(10)
            .mount(server)
            .await;
    }
    catch_all(server).await;
}

#[tokio::test]
async fn an_upload_sends_raw_sizes_in_the_path_and_base64_text_in_the_body() {
    let total = 2 * DEFAULT_UNIT_SIZE + 1000;
    let data = database(total);
    for (file, suffix) in SUFFIXES {
        let (server, device) = locked().await;
        database_device(&server, suffix).await;
        let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
        let sink = seen.clone();

        let report = device
            .upload_database(file, &data[..], total as u64, move |p| {
                sink.lock().unwrap().push(p)
            })
            .await
            .unwrap();

        assert_eq!((report.bytes, report.units), (total as u64, 3));
        let calls = calls(&server).await;
        let paths: Vec<&str> = calls.iter().map(|c| c.url.path()).collect();
        assert_eq!(
            paths,
            [
                format!("/1.0/database/start{suffix}"),
                format!("/1.0/database/continuous/786432{suffix}"),
                format!("/1.0/database/continuous/786432{suffix}"),
                format!("/1.0/database/done/1000/{total}{suffix}"),
            ]
        );
        let mut uploaded = Vec::new();
        for call in &calls[1..] {
            assert_eq!(call.method.as_str(), "POST");
            assert_eq!(query(call), with_lock(&[]));
            assert_eq!(call.headers["content-type"], "text/plain");
            uploaded.extend(decode(std::str::from_utf8(&call.body).unwrap()).unwrap());
        }
        assert!(
            uploaded == data,
            "{file}: the chunks decode back to the file"
        );
        let units: Vec<usize> = seen.lock().unwrap().iter().map(|p| p.unit).collect();
        assert_eq!(units, [0, 1, 2]);
    }
}

#[tokio::test]
async fn a_failed_database_chunk_is_not_resent_and_names_the_file() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    let device = Client::builder(server.uri())
        .credentials(ID, PASSWD)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(3)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap();
    answer(
        &server,
        "POST",
        "/1.0/database/start/EyeLockPart",
        ResponseTemplate::new(200),
    )
    .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex("^/1.0/database/continuous/"))
        .respond_with(ResponseTemplate::new(502))
        .with_priority(10)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let data = database(DEFAULT_UNIT_SIZE + 1);

    let err = device
        .upload_database(
            DatabaseFile::EyeLockPart,
            &data[..],
            data.len() as u64,
            |_| {},
        )
        .await
        .unwrap_err();

    assert_eq!(err.transfer, Transfer::Database(DatabaseFile::EyeLockPart));
    assert_eq!(err.stage, TransferStage::Continuous);
    assert_eq!((err.unit, err.units, err.offset), (0, 2, 0));
    assert!(!err.resend_safe);
    assert_eq!(calls(&server).await.len(), 2, "start and the chunk, once");
    assert!(
        err.to_string()
            .starts_with("EyeLockPart database upload failed"),
        "{err}"
    );
}
