//! Regression tests for the defects the core-hardening review reproduced with probes: each test
//! here failed on the core before the fix.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use biometric_core::{
    Auth, AuthRequest, Engine, Error, HeaderValue, Method, Operation, RequestOptions, Result,
    RetryPolicy, SecretString, StatusCode, Transport, decode_unit, header,
};
use tokio::sync::{Notify, oneshot};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn op(method: Method, path: &'static str) -> Operation<()> {
    Operation::with_decoder("test.op", method, path, decode_unit)
}

fn engine(server: &MockServer) -> Engine {
    Engine::builder(server.uri()).build().unwrap()
}

async fn answer_everything(server: &MockServer, status: u16) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status))
        .mount(server)
        .await;
}

async fn sent(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

// 1. Paths ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_value_with_a_slash_stays_one_segment_and_a_trailing_slash_is_kept() {
    let server = MockServer::start().await;
    answer_everything(&server, 204).await;
    let engine = Engine::builder(format!("{}/1.0", server.uri()))
        .build()
        .unwrap();

    engine
        .execute(op(Method::DELETE, "user").segment("uuid", "a/../b c"))
        .await
        .unwrap();
    engine
        .execute(op(Method::POST, "api/token/"))
        .await
        .unwrap();
    engine
        .execute(
            op(Method::GET, "logs/fromto")
                .segment("from", "2020-04-10")
                .trailing_slash(),
        )
        .await
        .unwrap();

    let paths: Vec<String> = sent(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/1.0/user/a%2F..%2Fb%20c",
            "/1.0/api/token/",
            "/1.0/logs/fromto/2020-04-10/"
        ]
    );
}

#[tokio::test]
async fn empty_dot_and_dot_dot_values_are_refused_before_any_io_login_included() {
    let server = MockServer::start().await;
    answer_everything(&server, 204).await;
    let logins = Arc::new(AtomicUsize::new(0));
    let engine = Engine::builder(server.uri())
        .auth(CountingAuth {
            logins: logins.clone(),
            ..CountingAuth::default()
        })
        .build()
        .unwrap();

    for bad in ["", ".", ".."] {
        let err = engine
            .execute(op(Method::DELETE, "user").segment("uuid", bad))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field, .. } if field == "uuid"),
            "{bad:?}: {err}"
        );
    }
    assert!(
        sent(&server).await.is_empty(),
        "nothing may reach the server"
    );
    assert_eq!(logins.load(Ordering::SeqCst), 0, "not even a login");
}

// 2 and 3. Logins --------------------------------------------------------------------------

/// A login whose behaviour each test scripts: how long it takes, whether it fails, and whether
/// it waits for the test's go-ahead. Records the `previous` token each login was given.
#[derive(Default)]
struct CountingAuth {
    logins: Arc<AtomicUsize>,
    delay: Duration,
    fail: bool,
    /// When set, logins after the first wait until notified (or forever).
    hold_after_first: Option<Arc<Notify>>,
    previous_seen: Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

impl Auth for CountingAuth {
    type Token = SecretString;

    async fn acquire(
        &self,
        _: &Transport,
        previous: Option<&SecretString>,
    ) -> Result<SecretString> {
        use biometric_core::ExposeSecret;
        let number = self.logins.fetch_add(1, Ordering::SeqCst) + 1;
        self.previous_seen
            .lock()
            .unwrap()
            .push(previous.map(|p| p.expose_secret().to_owned()));
        tokio::time::sleep(self.delay).await;
        if let Some(gate) = &self.hold_after_first
            && number > 1
        {
            gate.notified().await;
        }
        if self.fail {
            return Err(Error::auth("wrong password", None));
        }
        Ok(SecretString::from(format!("token-{number}")))
    }

    fn apply(&self, token: &SecretString, request: &mut AuthRequest<'_>) -> Result<()> {
        request.secret_query("session", token);
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_login_is_delivered_to_every_caller_that_waited_on_it() {
    let server = MockServer::start().await;
    answer_everything(&server, 200).await;
    let logins = Arc::new(AtomicUsize::new(0));
    let engine = Engine::builder(server.uri())
        .auth(CountingAuth {
            logins: logins.clone(),
            delay: Duration::from_millis(200),
            fail: true,
            ..CountingAuth::default()
        })
        .build()
        .unwrap();

    let calls = (0..20).map(|_| {
        let engine = engine.clone();
        tokio::spawn(async move { engine.execute(op(Method::GET, "work")).await })
    });
    let results = futures_util::future::join_all(calls).await;

    for result in results {
        let err = result.unwrap().unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err}");
    }
    // Before the fix: 20 logins one after the other (the last caller waited ~4 s).
    assert_eq!(
        logins.load(Ordering::SeqCst),
        1,
        "one login for all 20 callers"
    );
    assert!(sent(&server).await.is_empty());

    // The failure is not cached: the next call tries again.
    let _ = engine.execute(op(Method::GET, "work")).await;
    assert_eq!(logins.load(Ordering::SeqCst), 2);
}

/// `/work` rejects `token-1` once it is told to; `/fine` accepts anything.
async fn rejecting_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/work"))
        .and(query_param("session", "token-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// Once the server refused a token, no caller sends it again (issue 19): a caller arriving
/// while the renewal is in flight waits for it and goes out with the new token. (This replaces
/// "a slow login does not hold callers that have a usable token": after a refusal, the old
/// token is not usable.)
#[tokio::test]
async fn a_refused_token_is_not_sent_by_other_callers_while_it_is_renewed() {
    let server = rejecting_server().await;
    let gate = Arc::new(Notify::new());
    let logins = Arc::new(AtomicUsize::new(0));
    let engine = Engine::builder(server.uri())
        .auth(CountingAuth {
            logins: logins.clone(),
            hold_after_first: Some(gate.clone()),
            ..CountingAuth::default()
        })
        .build()
        .unwrap();
    engine.execute(op(Method::GET, "fine")).await.unwrap();

    // This call is rejected and starts a re-login that will not finish until the gate opens.
    let renewing = tokio::spawn({
        let engine = engine.clone();
        async move { engine.execute(op(Method::GET, "work")).await }
    });
    while logins.load(Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    let quick = tokio::spawn({
        let engine = engine.clone();
        async move { engine.execute(op(Method::GET, "fine")).await }
    });
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert!(!quick.is_finished(), "it waits for the renewal");

    gate.notify_one();
    renewing.await.unwrap().unwrap();
    quick.await.unwrap().unwrap();
    assert_eq!(logins.load(Ordering::SeqCst), 2, "one renewal for both");
    let fine_sessions: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/fine")
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "session")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(
        fine_sessions,
        ["token-1", "token-2"],
        "the refused token-1 was not sent again"
    );
}

#[tokio::test]
async fn a_cancelled_login_leaves_the_previous_token_in_place() {
    let server = rejecting_server().await;
    let gate = Arc::new(Notify::new());
    let logins = Arc::new(AtomicUsize::new(0));
    let previous_seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let engine = Engine::builder(server.uri())
        .auth(CountingAuth {
            logins: logins.clone(),
            hold_after_first: Some(gate.clone()),
            previous_seen: previous_seen.clone(),
            ..CountingAuth::default()
        })
        .build()
        .unwrap();
    engine.execute(op(Method::GET, "fine")).await.unwrap();

    // Rejected, so it re-logs in; the application gives up (drops the future) mid-login.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(100),
        engine.execute(op(Method::GET, "work")),
    )
    .await;
    assert!(gave_up.is_err(), "the login was still waiting at the gate");

    // The next login is handed the token being replaced (the refresh token to refresh from,
    // the lock to release), not nothing.
    gate.notify_one();
    engine.execute(op(Method::GET, "work")).await.unwrap();
    let seen = previous_seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [None, Some("token-1".to_owned()), Some("token-1".to_owned())]
    );
}

// 5. Content-Type ---------------------------------------------------------------------------

#[tokio::test]
async fn an_explicit_content_type_replaces_the_bodys_default() {
    let server = MockServer::start().await;
    answer_everything(&server, 200).await;
    let verify = op(Method::POST, "verify")
        .json_body(&serde_json::json!({"Person": {"CustomID": "1"}}))
        .unwrap()
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json-patch+json"),
        );

    engine(&server).execute(verify).await.unwrap();

    let request = &sent(&server).await[0];
    let types: Vec<_> = request
        .headers
        .get_all(header::CONTENT_TYPE)
        .iter()
        .collect();
    assert_eq!(types, ["application/json-patch+json"], "exactly one header");
}

// 6. Idempotence ----------------------------------------------------------------------------

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
}

#[tokio::test]
async fn put_and_delete_are_sent_once_unless_the_vendor_says_they_are_idempotent() {
    let server = MockServer::start().await;
    answer_everything(&server, 503).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_retries()))
        .build()
        .unwrap();

    // EF-45 `PUT lock` takes over a session: sending it twice is not harmless.
    let _ = engine.execute(op(Method::PUT, "lock")).await;
    let _ = engine.execute(op(Method::DELETE, "logs")).await;
    assert_eq!(sent(&server).await.len(), 2, "each sent once");

    // The same retry policy does retry a call the vendor declared idempotent.
    let _ = engine
        .execute(op(Method::PUT, "config").idempotent(true))
        .await;
    assert_eq!(sent(&server).await.len(), 5);
}

// 8. One deadline per call ------------------------------------------------------------------

#[tokio::test]
async fn the_total_time_cap_is_not_restarted_by_the_re_login_replay() {
    let server = MockServer::start().await;
    // token-1 meets a 503 (1 s of the budget spent waiting), then is rejected; token-2 meets
    // 503s only.
    let busy = || ResponseTemplate::new(503).insert_header("retry-after", "1");
    Mock::given(query_param("session", "token-1"))
        .respond_with(busy())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(query_param("session", "token-1"))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(busy())
        .with_priority(3)
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(10)
                    .max_elapsed(Duration::from_millis(1500)),
            )
        })
        .auth(CountingAuth::default())
        .build()
        .unwrap();

    let err = engine.execute(op(Method::GET, "work")).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    // First send: 503, wait 1 s, 401. Replay: 503, and waiting 1 s more would pass the 1.5 s
    // cap counted from the first send, so it stops there. A cap restarted at the replay would
    // have allowed one more 503.
    let work = sent(&server).await.len();
    assert_eq!(work, 3, "503, 401, then one 503 within the one cap");
}

// Per-request options -----------------------------------------------------------------------

#[tokio::test]
async fn request_options_override_timeout_retry_and_headers_for_one_clone() {
    let server = MockServer::start().await;
    answer_everything(&server, 503).await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(fast_retries()))
        .build()
        .unwrap();
    let once = engine.with_options(RequestOptions::new().retry(RetryPolicy::disabled()).header(
        header::HeaderName::from_static("x-request-id"),
        HeaderValue::from_static("order-77"),
    ));

    let _ = once.execute(op(Method::GET, "status")).await;
    let requests = sent(&server).await;
    assert_eq!(requests.len(), 1, "retries off for this clone");
    assert_eq!(requests[0].headers["x-request-id"], "order-77");

    let _ = engine.execute(op(Method::GET, "status")).await;
    assert_eq!(
        sent(&server).await.len(),
        4,
        "the original engine still retries"
    );
}

#[tokio::test]
async fn options_for_one_call_win_over_the_clients() {
    let server = MockServer::start().await;
    answer_everything(&server, 503).await;
    let client = Engine::builder(server.uri())
        .build()
        .unwrap()
        .with_options(RequestOptions::new().retry(RetryPolicy::disabled()));

    let call = RequestOptions::new().retry(fast_retries());
    let _ = client
        .execute(op(Method::GET, "status").with_options(&call))
        .await;

    assert_eq!(
        sent(&server).await.len(),
        3,
        "the call's retry policy, not the client's"
    );
}

#[tokio::test]
async fn a_request_option_timeout_wins_over_the_operations_own() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let (done, finished) = oneshot::channel();
    let engine = engine(&server).with_options(
        RequestOptions::new()
            .timeout(Duration::from_millis(50))
            .retry(RetryPolicy::disabled()),
    );
    tokio::spawn(async move {
        let result = engine
            .execute(op(Method::GET, "slow").timeout(Duration::from_secs(60)))
            .await;
        let _ = done.send(result);
    });
    let err = finished.await.unwrap().unwrap_err();
    assert!(err.is_timeout(), "{err}");
}
