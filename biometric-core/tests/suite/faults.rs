//! Fault injection: a raw TCP server on 127.0.0.1 misbehaves one way per test, and each test
//! asserts the exact `Error` variant, whether the request may have reached the server, that the
//! call ended within its deadline, and, for a non-idempotent call, that nothing was sent twice.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use biometric_core::{
    Engine, Error, Method, Operation, RetryPolicy, StaticHeaderAuth, StatusCode, TransportKind,
    decode_unit,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A server whose every connection is handled by `serve`; counts connections and requests.
struct RawServer {
    base: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    async fn start<F, Fut>(serve: F) -> RawServer
    where
        F: Fn(TcpStream, Arc<AtomicUsize>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (counted, seen) = (connections.clone(), requests.clone());
        let serve = Arc::new(serve);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, seen.clone()));
            }
        });
        RawServer {
            base,
            connections,
            requests,
        }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one request (headers and a Content-Length body) and counts it.
async fn read_request(stream: &mut TcpStream, requests: &AtomicUsize) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    requests.fetch_add(1, Ordering::SeqCst);
    Some(head)
}

/// Answers every request on the connection with `response`.
async fn answer(mut stream: TcpStream, requests: Arc<AtomicUsize>, response: String) {
    while read_request(&mut stream, &requests).await.is_some() {
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Makes dropping `stream` send a TCP reset. A zero linger does not block on drop (the
/// deprecation is about non-zero lingers), so the test runtime is never stalled.
#[allow(deprecated)]
fn reset(stream: &TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
}

fn http(status: &str, headers: &[&str], body: &str) -> String {
    let mut text = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_elapsed(Duration::from_secs(10))
}

fn engine(base: &str, timeout: Duration) -> Engine {
    Engine::builder(base)
        .http(|h| h.retry(fast_retries()).timeout(timeout))
        .build()
        .unwrap()
}

fn get() -> Operation<()> {
    Operation::with_decoder("fault.get", Method::GET, "status", decode_unit)
}

fn enroll() -> Operation<()> {
    Operation::with_decoder("fault.enroll", Method::POST, "enroll", decode_unit)
        .json_body(&serde_json::json!({"user": 7}))
        .unwrap()
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Version {
    version: String,
}

fn get_json() -> Operation<Version> {
    Operation::new("fault.version", Method::GET, "version")
}

fn transport_kind(err: &Error) -> Option<TransportKind> {
    match err {
        Error::Transport(t) => Some(t.kind()),
        _ => None,
    }
}

#[tokio::test]
async fn connection_refused_is_unsent_and_retried_even_for_a_post() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);

    let started = Instant::now();
    let err = engine(&base, Duration::from_secs(2))
        .execute(enroll())
        .await
        .unwrap_err();

    assert_eq!(
        transport_kind(&err),
        Some(TransportKind::Connect),
        "{err:?}"
    );
    assert!(err.is_unsent());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_reset_before_the_answer_may_have_reached_the_server_and_a_post_is_not_resent() {
    let server = RawServer::start(|mut stream, requests| async move {
        if read_request(&mut stream, &requests).await.is_some() {
            reset(&stream);
            drop(stream); // RST: the request arrived, no answer
        }
    })
    .await;

    let err = engine(&server.base, Duration::from_secs(2))
        .execute(enroll())
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(!err.is_unsent(), "the request was read before the reset");
    assert_eq!(server.requests(), 1, "an enrollment is not sent twice");
}

#[tokio::test]
async fn a_reset_mid_body_is_retried_for_an_idempotent_call() {
    let server = RawServer::start(|mut stream, requests| async move {
        if read_request(&mut stream, &requests).await.is_some() {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{\"version\":")
                .await;
            reset(&stream);
        }
    })
    .await;

    let err = engine(&server.base, Duration::from_secs(2))
        .execute(get_json())
        .await
        .unwrap_err();

    assert_eq!(transport_kind(&err), Some(TransportKind::Io), "{err:?}");
    assert!(!err.is_unsent());
    assert_eq!(
        server.requests(),
        3,
        "a GET is retried up to the attempt cap"
    );
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_an_io_error() {
    let server = RawServer::start(|mut stream, requests| async move {
        if read_request(&mut stream, &requests).await.is_some() {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"version\":\"1\"}")
                .await;
            let _ = stream.shutdown().await; // FIN after 15 of 100 bytes
        }
    })
    .await;

    let err = engine(&server.base, Duration::from_secs(2))
        .execute(get_json().retry(RetryPolicy::disabled()))
        .await
        .unwrap_err();

    assert_eq!(transport_kind(&err), Some(TransportKind::Io), "{err:?}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_within_the_deadline() {
    let server = RawServer::start(|mut stream, requests| async move {
        let _ = read_request(&mut stream, &requests).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;

    let started = Instant::now();
    let err = engine(&server.base, Duration::from_millis(300))
        .execute(enroll())
        .await
        .unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
    assert!(
        !err.is_unsent(),
        "a timed-out request may have been acted on"
    );
    assert_eq!(server.requests(), 1, "a timed-out POST is not sent again");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_dripping_one_byte_a_second_loses_to_the_total_deadline() {
    let server = RawServer::start(|mut stream, requests| async move {
        if read_request(&mut stream, &requests).await.is_none() {
            return;
        }
        let response = http(
            "200 OK",
            &["content-type: application/json"],
            "{\"version\":\"1.1.69\"}",
        );
        for byte in response.bytes() {
            if stream.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;

    let started = Instant::now();
    let err = engine(&server.base, Duration::from_millis(1500))
        .execute(get_json().retry(RetryPolicy::disabled()))
        .await
        .unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
    // Each byte arrives well within any per-read timeout; only a total deadline ends it.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

async fn answering(response: String) -> RawServer {
    RawServer::start(move |stream, requests| answer(stream, requests, response.clone())).await
}

#[tokio::test]
async fn malformed_and_truncated_json_are_decode_errors_with_the_raw_body() {
    for body in [
        "{\"version\": ",
        "{\"version\": 1.1.69}",
        "<html>busy</html>",
    ] {
        let server = answering(http("200 OK", &["content-type: application/json"], body)).await;

        let err = engine(&server.base, Duration::from_secs(2))
            .execute(get_json())
            .await
            .unwrap_err();

        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
        assert_eq!(err.body().unwrap().as_ref(), body.as_bytes());
        assert_eq!(server.requests(), 1, "a decode failure is not retried");
    }
}

#[tokio::test]
async fn json_under_a_text_html_content_type_is_read_as_json() {
    // Liberal in what is accepted: devices mislabel JSON; the body decides.
    let server = answering(http(
        "200 OK",
        &["content-type: text/html"],
        "{\"version\":\"1.1.69\"}",
    ))
    .await;
    let version = engine(&server.base, Duration::from_secs(2))
        .execute(get_json())
        .await
        .unwrap();
    assert_eq!(version.version, "1.1.69");
}

#[tokio::test]
async fn an_empty_2xx_body_where_json_is_expected_is_a_decode_error() {
    let server = answering(http("200 OK", &[], "")).await;
    let err = engine(&server.base, Duration::from_secs(2))
        .execute(get_json())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn an_enormous_header_is_a_transport_error_not_a_panic() {
    let huge = format!("x-padding: {}", "a".repeat(2 * 1024 * 1024));
    let server = answering(http("200 OK", &[&huge], "{}")).await;
    let err = engine(&server.base, Duration::from_secs(5))
        .execute(get().retry(RetryPolicy::disabled()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed() {
    let server = RawServer::start(|mut stream, requests| async move {
        while let Some(head) = read_request(&mut stream, &requests).await {
            let response = if head.starts_with("GET /old") {
                http("302 Found", &["location: /version"], "")
            } else {
                http("200 OK", &[], "{\"version\":\"2\"}")
            };
            if stream.write_all(response.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let op = Operation::<Version>::new("fault.old", Method::GET, "old");
    let version = engine(&server.base, Duration::from_secs(2))
        .execute(op)
        .await
        .unwrap();
    assert_eq!(version.version, "2");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_no_secret_leaves() {
    let elsewhere = answering(http("200 OK", &[], "{}")).await;
    let target = format!("{}collect", elsewhere.base);
    let server = answering(http(
        "307 Temporary Redirect",
        &[&format!("location: {target}")],
        "",
    ))
    .await;
    let engine = Engine::builder(&server.base)
        .auth(
            StaticHeaderAuth::new(
                "Ocp-Apim-Subscription-Key",
                "",
                &biometric_core::SecretString::from("key-never-forwarded"),
            )
            .unwrap(),
        )
        .build()
        .unwrap();

    let err = engine.execute(enroll()).await.unwrap_err();

    assert_eq!(
        err.status(),
        Some(StatusCode::TEMPORARY_REDIRECT),
        "{err:?}"
    );
    let api = err.as_api().unwrap();
    assert_eq!(api.headers["location"], target.as_str());
    assert_eq!(
        elsewhere.connections.load(Ordering::SeqCst),
        0,
        "the other host saw nothing"
    );
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_an_http_date_is_honoured() {
    for in_date_form in [false, true] {
        // Made just before use: a date made earlier would already be in the past.
        let retry_after = if in_date_form {
            httpdate_in(Duration::from_secs(2))
        } else {
            "1".to_owned()
        };
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let header = format!("retry-after: {retry_after}");
        let server = RawServer::start(move |mut stream, requests| {
            let (seen, header) = (seen.clone(), header.clone());
            async move {
                while read_request(&mut stream, &requests).await.is_some() {
                    let response = match seen.fetch_add(1, Ordering::SeqCst) {
                        0 => http("429 Too Many Requests", &[&header], ""),
                        1 => http("503 Service Unavailable", &[&header], ""),
                        _ => http("200 OK", &[], "{\"version\":\"3\"}"),
                    };
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
        })
        .await;

        let started = Instant::now();
        let version = engine(&server.base, Duration::from_secs(5))
            .execute(get_json())
            .await
            .unwrap();

        assert_eq!(version.version, "3");
        assert_eq!(server.requests(), 3);
        // Two waits the server asked for (the date one counts down from when it was made).
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "{retry_after}: {:?}",
            started.elapsed()
        );
    }
}

/// An HTTP date `ahead` from now (RFC 7231 IMF-fixdate).
fn httpdate_in(ahead: Duration) -> String {
    let when = chrono::Utc::now() + chrono::Duration::from_std(ahead).unwrap();
    when.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
