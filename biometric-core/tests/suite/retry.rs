//! Retries against a real local server: only safe ones, within their caps, honouring Retry-After.
//!
//! Backoffs here are milliseconds of real time. Paused tokio time cannot be used with a real
//! socket: while the client waits for the server, the paused clock auto-advances to the next
//! timer, which is the attempt's own timeout. The backoff arithmetic is unit-tested as pure
//! functions in `src/retry.rs`.

use std::time::{Duration, Instant};

use biometric_core::{Engine, Method, Operation, RetryPolicy, StatusCode, decode_unit};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(5)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// The server answers `statuses` in order, then 200.
async fn server_answering(statuses: &[u16]) -> MockServer {
    let server = MockServer::start().await;
    for (i, status) in statuses.iter().enumerate() {
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(*status))
            .up_to_n_times(1)
            .with_priority(i as u8 + 1)
            .mount(&server)
            .await;
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .with_priority(100)
        .mount(&server)
        .await;
    server
}

fn get() -> Operation<()> {
    Operation::with_decoder("t.get", Method::GET, "status", decode_unit)
}

fn enroll_post() -> Operation<()> {
    Operation::with_decoder("t.enroll", Method::POST, "enroll", decode_unit)
}

#[tokio::test]
async fn idempotent_operation_succeeds_after_two_503s() {
    let server = server_answering(&[503, 503]).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy()))
        .build()
        .unwrap();

    engine.execute(get()).await.unwrap();

    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn non_idempotent_operation_is_sent_once() {
    let server = server_answering(&[503, 503]).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy()))
        .build()
        .unwrap();

    let err = engine.execute(enroll_post()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried() {
    let server = server_answering(&[503]).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy()))
        .build()
        .unwrap();

    engine
        .execute(enroll_post().idempotent(true))
        .await
        .unwrap();

    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn attempt_cap_is_respected() {
    let server = server_answering(&[503; 10]).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy().max_attempts(3)))
        .build()
        .unwrap();

    let err = engine.execute(get()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn final_statuses_are_not_retried() {
    let server = server_answering(&[400, 404]).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy()))
        .build()
        .unwrap();

    let err = engine.execute(get()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn vendor_marked_status_is_retried_and_unmarked_is_not() {
    let server = server_answering(&[409]).await;
    let marked = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy().transient_status(409)))
        .build()
        .unwrap();
    marked.execute(get()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let server = server_answering(&[500]).await;
    let unmarked = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy().final_status(500)))
        .build()
        .unwrap();
    assert_eq!(
        unmarked.execute(get()).await.unwrap_err().status(),
        Some(StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let server = server_answering(&[503]).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();

    assert!(engine.execute(get()).await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_policy()))
        .build()
        .unwrap();

    let started = Instant::now();
    engine.execute(get()).await.unwrap();

    // A lower bound, not a speed target: without Retry-After the backoff here is at most 5 ms.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_total_time_cap_ends_the_retries() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let policy = fast_policy().max_elapsed(Duration::from_secs(10));
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(policy))
        .build()
        .unwrap();

    let err = engine.execute(get()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "no 2-minute wait, no retry"
    );
}

#[tokio::test]
async fn the_total_time_cap_stops_retrying() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503).set_delay(Duration::from_millis(40)))
        .mount(&server)
        .await;
    let policy = fast_policy()
        .max_attempts(50)
        .max_elapsed(Duration::from_millis(100));
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(policy))
        .build()
        .unwrap();

    assert!(engine.execute(get()).await.is_err());

    let sent = server.received_requests().await.unwrap().len();
    assert!(
        (1..=4).contains(&sent),
        "{sent} attempts of 40 ms within a 100 ms cap (50 allowed)"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post() {
    // Nothing listens on the port at first; a server starts there while the client backs off.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let policy = RetryPolicy::default()
        .max_attempts(40)
        .initial_backoff(Duration::from_millis(25))
        .max_backoff(Duration::from_millis(25));
    let engine = Engine::builder(format!("http://{address}/"))
        .http(|h| h.retry(policy))
        .build()
        .unwrap();

    let started_server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let listener = std::net::TcpListener::bind(address).unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        server
    });

    engine.execute(enroll_post()).await.unwrap();
    let server = started_server.await.unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "sent exactly once"
    );
}

#[tokio::test]
async fn an_unprocessed_status_is_retried_even_for_a_post() {
    let server = server_answering(&[503, 503]).await;
    let policy = fast_policy().unprocessed_status(503);
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(policy))
        .build()
        .unwrap();

    engine.execute(enroll_post()).await.unwrap();

    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
