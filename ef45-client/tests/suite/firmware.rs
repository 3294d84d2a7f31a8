//! Sheet Firmware: `update/start`, units through `update/continuous`, the last through
//! `update/done`; POST normal, PUT forced. The unit body (base64 text, `text/plain`) is the
//! crate's reading of an undocumented format; the sheet's only example is the done answer,
//! `{"file":"Upload success"}`, written inline here.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use biometric_core::base64::{decode, encode};
use ef45_client::{
    Client, Error, FirmwareMode, FirmwareUpload, Progress, RetryPolicy, Transfer, TransferStage,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn upload_success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"file": "Upload success"}))
}

/// Answers start and continuous with 200 and done with the sheet's success.
async fn device_accepting(server: &MockServer, verb: &str) {
    answer(
        server,
        verb,
        "/1.0/update/start",
        ResponseTemplate::new(200),
    )
    .await;
    answer(
        server,
        verb,
        "/1.0/update/continuous",
        ResponseTemplate::new(200),
    )
    .await;
    answer(server, verb, "/1.0/update/done", upload_success()).await;
    catch_all(server).await;
}

fn retrying_client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(ID, PASSWD)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(3)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap()
}

/// Records every progress report.
fn recorder() -> (Arc<Mutex<Vec<Progress>>>, FirmwareUpload) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = FirmwareUpload::new().on_progress(move |p| sink.lock().unwrap().push(p));
    (seen, options)
}

fn paths(calls: &[wiremock::Request]) -> Vec<String> {
    calls.iter().map(|c| c.url.path().to_owned()).collect()
}

#[tokio::test]
async fn units_go_in_order_as_base64_text_and_the_last_one_to_done() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;
    let image = pattern(20);
    let (seen, options) = recorder();

    let report = device
        .upload_firmware(&image[..], 20, options.unit_size(6))
        .await
        .unwrap();

    assert_eq!((report.bytes, report.units), (20, 4));
    let calls = calls(&server).await;
    assert_eq!(
        paths(&calls),
        [
            "/1.0/update/start",
            "/1.0/update/continuous",
            "/1.0/update/continuous",
            "/1.0/update/continuous",
            "/1.0/update/done",
        ]
    );
    assert!(calls[0].body.is_empty(), "start carries no data");
    let mut joined = Vec::new();
    for (unit, call) in calls[1..].iter().enumerate() {
        assert_eq!(call.method.as_str(), "POST");
        assert_eq!(query(call), with_lock(&[]));
        assert_eq!(call.headers["content-type"], "text/plain");
        let text = std::str::from_utf8(&call.body).unwrap();
        let want = &image[unit * 6..(unit * 6 + 6).min(20)];
        assert_eq!(text, encode(want), "unit {unit}: standard, padded base64");
        joined.extend_from_slice(text.as_bytes());
    }
    assert_eq!(
        decode(std::str::from_utf8(&joined).unwrap()).unwrap(),
        image,
        "the units' texts join into the image's base64"
    );
    let seen = seen.lock().unwrap();
    let sent: Vec<(u64, usize)> = seen.iter().map(|p| (p.sent, p.unit)).collect();
    assert_eq!(sent, [(6, 0), (12, 1), (18, 2), (20, 3)]);
    assert!(seen.iter().all(|p| p.total == 20 && p.units == 4));
}

#[tokio::test]
async fn the_default_unit_is_768_kib_which_is_1_mib_of_base64() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;
    let image = pattern(786_432 + 10);

    let report = device
        .upload_firmware(&image[..], image.len() as u64, FirmwareUpload::new())
        .await
        .unwrap();

    assert_eq!(report.units, 2);
    let calls = calls(&server).await;
    assert_eq!(calls[1].body.len(), 1024 * 1024);
    assert_eq!(calls[2].url.path(), "/1.0/update/done");
    assert_eq!(
        decode(std::str::from_utf8(&calls[2].body).unwrap()).unwrap(),
        image[786_432..]
    );
}

#[tokio::test]
async fn an_image_of_one_unit_goes_straight_to_done() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;

    device
        .upload_firmware(&b"tiny"[..], 4, FirmwareUpload::new())
        .await
        .unwrap();

    let calls = calls(&server).await;
    assert_eq!(paths(&calls), ["/1.0/update/start", "/1.0/update/done"]);
    assert_eq!(calls[1].body, encode(b"tiny").as_bytes());
}

#[tokio::test]
async fn forced_mode_puts_all_three_calls() {
    let (server, device) = locked().await;
    device_accepting(&server, "PUT").await;

    device
        .upload_firmware(
            &pattern(7)[..],
            7,
            FirmwareUpload::new()
                .mode(FirmwareMode::Forced)
                .unit_size(3),
        )
        .await
        .unwrap();

    let calls = calls(&server).await;
    assert_eq!(calls.len(), 4);
    assert!(
        calls.iter().all(|c| c.method.as_str() == "PUT"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn any_other_done_text_is_an_error_carrying_the_body() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/update/start",
        ResponseTemplate::new(200),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/update/done",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"file": "Upload fail"})),
    )
    .await;
    catch_all(&server).await;

    let err = device
        .upload_firmware(&pattern(5)[..], 5, FirmwareUpload::new())
        .await
        .unwrap_err();

    assert_eq!(err.transfer, Transfer::Firmware);
    assert_eq!(err.stage, TransferStage::Done);
    assert!(!err.resend_safe);
    let api = err.source.as_api().expect("an API error");
    assert_eq!(api.message.as_deref(), Some("Upload fail"));
    assert_eq!(&api.body[..], br#"{"file":"Upload fail"}"#);
}

#[tokio::test]
async fn a_failed_unit_is_never_resent_even_with_retries_and_says_where_it_stopped() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    let device = retrying_client(&server);
    // The start fails once: it is idempotent, so the retry policy sends it again.
    Mock::given(method("POST"))
        .and(path("/1.0/update/start"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/1.0/update/start",
        ResponseTemplate::new(200),
    )
    .await;
    // The first unit is taken, the second fails with a retryable status.
    Mock::given(method("POST"))
        .and(path("/1.0/update/continuous"))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/1.0/update/continuous",
        ResponseTemplate::new(500).set_body_string("flash write error"),
    )
    .await;
    catch_all(&server).await;

    let err = device
        .upload_firmware(&pattern(12)[..], 12, FirmwareUpload::new().unit_size(3))
        .await
        .unwrap_err();

    let calls = calls(&server).await;
    assert_eq!(
        paths(&calls),
        [
            "/1.0/update/start",
            "/1.0/update/start",
            "/1.0/update/continuous",
            "/1.0/update/continuous",
        ],
        "the failed unit went once; nothing after it"
    );
    assert_eq!(err.stage, TransferStage::Continuous);
    assert_eq!((err.unit, err.units, err.offset), (1, 4, 3));
    assert!(!err.resend_safe, "a 500 means the unit reached the device");
    assert_eq!(
        err.source.status(),
        Some(ef45_client::StatusCode::INTERNAL_SERVER_ERROR)
    );
    let text = err.to_string();
    assert!(
        text.contains("unit index 1 of 4") && text.contains("offset 3"),
        "{text}"
    );
    assert!(text.contains("upload again from the start"), "{text}");
    // The cause is printed whole, once: a chain reporter finds nothing under it to repeat.
    assert!(text.contains("HTTP 500 Internal Server Error"), "{text}");
    assert!(std::error::Error::source(&err).is_none());
}

/// An HTTP server on its own thread that answers `answers` requests, each on its own connection
/// (`Connection: close`), and stops listening before it answers the last one: every later
/// connection is refused. Returns the base URL and the `METHOD /path` of each request.
fn closing_server(answers: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut listener = Some(listener);
        let mut seen = Vec::new();
        for i in 0..answers {
            let (stream, _) = listener.as_ref().unwrap().accept().unwrap();
            if i + 1 == answers {
                listener = None;
            }
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            reader.read_exact(&mut vec![0; length]).unwrap();
            let request: Vec<&str> = line.split_whitespace().take(2).collect();
            let target = request[1].split('?').next().unwrap();
            let body = match target {
                "/1.0/lock" => format!(r#"{{"lock_uid":"{LOCK}"}}"#),
                "/1.0/version" => r#"{"version":"2.2.41"}"#.to_owned(),
                "/1.0/update/done" => r#"{"file":"Upload success"}"#.to_owned(),
                _ => String::new(),
            };
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            seen.push(format!("{} {target}", request[0]));
        }
        drop(listener);
        seen
    });
    (url, handle)
}

#[tokio::test]
async fn a_unit_refused_at_connect_is_safe_to_resend() {
    // version, lock, start, unit 0, unit 1; then the device is gone.
    let (url, server) = closing_server(5);
    let device = Client::builder(url)
        .credentials(ID, PASSWD)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(2)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap();

    let err = device
        .upload_firmware(&pattern(12)[..], 12, FirmwareUpload::new().unit_size(3))
        .await
        .unwrap_err();

    assert_eq!(
        server.join().unwrap(),
        [
            "GET /1.0/version",
            "POST /1.0/lock",
            "POST /1.0/update/start",
            "POST /1.0/update/continuous",
            "POST /1.0/update/continuous",
        ]
    );
    assert_eq!(err.stage, TransferStage::Continuous);
    assert_eq!((err.unit, err.offset), (2, 6));
    assert!(err.source.is_connect(), "{:?}", err.source);
    assert!(err.resend_safe);
    assert!(
        err.to_string()
            .contains("nothing was sent; the device holds the units before it"),
        "{err}"
    );
}

#[tokio::test]
async fn a_short_source_stops_before_the_unit_it_lacks() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;

    let err = device
        .upload_firmware(&pattern(7)[..], 12, FirmwareUpload::new().unit_size(3))
        .await
        .unwrap_err();

    assert_eq!(err.stage, TransferStage::Source);
    assert_eq!((err.unit, err.offset), (2, 6));
    assert!(err.resend_safe, "the unit was not sent");
    assert!(
        err.source.to_string().contains("ended after 7 bytes"),
        "{}",
        err.source
    );
    let calls = calls(&server).await;
    assert_eq!(calls.len(), 3, "start and two units; no done: {calls:?}");
}

#[tokio::test]
async fn a_long_source_is_refused_before_done() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;

    let err = device
        .upload_firmware(&pattern(13)[..], 12, FirmwareUpload::new().unit_size(6))
        .await
        .unwrap_err();

    assert_eq!(err.stage, TransferStage::Source);
    assert_eq!(err.unit, 1);
    assert!(
        err.source.to_string().contains("more than total_len"),
        "{}",
        err.source
    );
    assert!(
        !paths(&calls(&server).await).contains(&"/1.0/update/done".to_owned()),
        "the upload is not completed with a truncated image"
    );
}

/// Fails on the second read.
struct Broken(bool);

impl tokio::io::AsyncRead for Broken {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if std::mem::replace(&mut self.0, true) {
            return std::task::Poll::Ready(Err(std::io::Error::other("disk gone")));
        }
        buf.put_slice(&[1, 2, 3]);
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn an_unreadable_source_is_a_source_error() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;

    let err = device
        .upload_firmware(Broken(false), 9, FirmwareUpload::new().unit_size(3))
        .await
        .unwrap_err();

    assert_eq!((err.stage, err.unit), (TransferStage::Source, 1));
    assert!(
        err.source.to_string().contains("disk gone"),
        "{}",
        err.source
    );
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_io() {
    let (server, device) = locked().await;
    for (len, unit) in [(0, 3), (9, 0), (9, 4), (9, 786_431), (9, 786_435)] {
        let err = device
            .upload_firmware(&pattern(9)[..], len, FirmwareUpload::new().unit_size(unit))
            .await
            .unwrap_err();
        assert!(
            matches!(err.source, Error::InvalidRequest { .. }),
            "{len} {unit}: {:?}",
            err.source
        );
        assert!(err.resend_safe);
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "not even a lock"
    );
}

#[tokio::test]
async fn a_file_is_uploaded_with_its_length_and_a_missing_one_is_refused() {
    let (server, device) = locked().await;
    device_accepting(&server, "POST").await;
    let image = pattern(10);
    let path = std::env::temp_dir().join(format!("ef45-fw-{}.bin", std::process::id()));
    std::fs::write(&path, &image).unwrap();

    let report = device
        .upload_firmware_file(&path, FirmwareUpload::new().unit_size(6))
        .await;
    std::fs::remove_file(&path).unwrap();

    assert_eq!(report.unwrap().bytes, 10);
    let err = device
        .upload_firmware_file("/nonexistent/ef45.bin", FirmwareUpload::new())
        .await
        .unwrap_err();
    assert_eq!(err.stage, TransferStage::Source);
    assert!(matches!(err.source, Error::InvalidRequest { .. }));
    assert_eq!(
        calls(&server).await.len(),
        3,
        "only the first upload was sent"
    );
}

#[tokio::test]
async fn abort_sends_update_start_alone_in_the_mode_given() {
    let (server, device) = locked().await;
    answer(
        &server,
        "PUT",
        "/1.0/update/start",
        ResponseTemplate::new(200),
    )
    .await;
    catch_all(&server).await;

    device
        .abort_firmware_upload(FirmwareMode::Forced)
        .await
        .unwrap();

    let call = only_call(&server).await;
    assert_eq!(call.method.as_str(), "PUT");
    assert_eq!(call.url.path(), "/1.0/update/start");
    assert_eq!(query(&call), with_lock(&[]));
    assert!(call.body.is_empty());
}

#[tokio::test]
async fn a_lock_lost_mid_upload_stops_it_without_sending_the_unit_in_a_new_lock() {
    // The second unit is refused with code 1102: the lock was taken or dropped, and with it,
    // perhaps, the upload. The unit must not be replayed under a new lock.
    let server = MockServer::start().await;
    locks(&server, &[LOCK, LOCK2]).await;
    answer(
        &server,
        "POST",
        "/1.0/update/start",
        ResponseTemplate::new(200),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/1.0/update/continuous"))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/1.0/update/continuous",
        ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "status_code": 1102, "reason_phrase": "Unavailable accessToken!",
        })),
    )
    .await;
    answer(&server, "POST", "/1.0/update/done", upload_success()).await;
    catch_all(&server).await;
    let device = retrying_client(&server);

    let err = device
        .upload_firmware(&pattern(9)[..], 9, FirmwareUpload::new().unit_size(3))
        .await
        .unwrap_err();

    assert_eq!(
        (err.stage, err.unit, err.resend_safe),
        (TransferStage::Continuous, 1, false)
    );
    assert_eq!(
        requests_to(&server, "/1.0/lock").await.len(),
        1,
        "no new lock was opened"
    );
    assert_eq!(
        requests_to(&server, "/1.0/update/continuous").await.len(),
        2
    );
    assert!(requests_to(&server, "/1.0/update/done").await.is_empty());
    // The next call renews the lock as usual.
    answer(
        &server,
        "GET",
        "/1.0/version",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"version": "1.1.69"})),
    )
    .await;
}
