//! The auth hook: login on first use, one renewal and one replay on rejection, shared by
//! concurrent requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use biometric_core::{
    ApiError, Auth, AuthRequest, Engine, Error, ExposeSecret, Method, Operation, Result,
    RetryPolicy, SecretString, StaticHeaderAuth, StatusCode, Transport, decode_unit,
};
use serde::Deserialize;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A session scheme like Control iD's: `POST /login` returns `{"session": ...}`, which travels
/// as `?session=`. Counts its logins.
#[derive(Default)]
struct SessionAuth {
    logins: Arc<AtomicUsize>,
}

#[derive(Deserialize)]
struct Login {
    session: String,
}

impl Auth for SessionAuth {
    type Token = SecretString;

    async fn acquire(
        &self,
        transport: &Transport,
        _previous: Option<&SecretString>,
    ) -> Result<SecretString> {
        self.logins.fetch_add(1, Ordering::SeqCst);
        let op = Operation::<Login>::new("test.login", Method::POST, "login")
            .unauthenticated()
            .json_body(&serde_json::json!({"login": "admin", "password": "pw"}))?;
        Ok(SecretString::from(transport.send(&op).await?.session))
    }

    fn apply(&self, token: &SecretString, request: &mut AuthRequest<'_>) -> Result<()> {
        request.secret_query("session", token);
        Ok(())
    }

    fn is_rejection(&self, error: &ApiError) -> bool {
        matches!(
            error.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        )
    }
}

async fn login_answers(server: &MockServer, sessions: &[&str]) {
    for (i, session) in sessions.iter().enumerate() {
        Mock::given(method("POST"))
            .and(path("/login"))
            .and(body_json(
                serde_json::json!({"login": "admin", "password": "pw"}),
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"session": session})),
            )
            .up_to_n_times(1)
            .with_priority(i as u8 + 1)
            .mount(server)
            .await;
    }
}

/// `/work` answers 200 to `valid` and 401 to any other session.
async fn work_accepts_only(server: &MockServer, valid: &str) {
    Mock::given(path("/work"))
        .and(query_param("session", valid))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path("/work"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "session expired"})),
        )
        .with_priority(2)
        .mount(server)
        .await;
}

fn work() -> Operation<()> {
    // A POST: the replay after a rejection must happen even for non-idempotent operations.
    Operation::with_decoder("test.work", Method::POST, "work", decode_unit)
}

fn engine(server: &MockServer, logins: &Arc<AtomicUsize>) -> Engine<SessionAuth> {
    Engine::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .auth(SessionAuth {
            logins: logins.clone(),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn logs_in_on_first_use_and_reuses_the_session() {
    let server = MockServer::start().await;
    login_answers(&server, &["s-1"]).await;
    work_accepts_only(&server, "s-1").await;
    let logins = Arc::default();
    let engine = engine(&server, &logins);

    engine.execute(work()).await.unwrap();
    engine.execute(work()).await.unwrap();

    assert_eq!(logins.load(Ordering::SeqCst), 1);
    assert_eq!(engine.token().await.unwrap().expose_secret(), "s-1");
}

#[tokio::test]
async fn a_rejection_causes_one_renewal_and_one_replay() {
    let server = MockServer::start().await;
    login_answers(&server, &["stale", "fresh"]).await;
    work_accepts_only(&server, "fresh").await;
    let logins = Arc::default();

    engine(&server, &logins).execute(work()).await.unwrap();

    assert_eq!(logins.load(Ordering::SeqCst), 2);
    let sessions: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/work")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "session")
                .unwrap()
                .1
                .into_owned()
        })
        .collect();
    assert_eq!(sessions, ["stale", "fresh"]);
}

#[tokio::test]
async fn a_second_rejection_is_returned_not_looped() {
    let server = MockServer::start().await;
    login_answers(&server, &["a", "b", "c"]).await;
    work_accepts_only(&server, "never").await;
    let logins = Arc::default();

    let err = engine(&server, &logins).execute(work()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        logins.load(Ordering::SeqCst),
        2,
        "one login, one renewal, then give up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_requests_on_an_expired_session_renew_once() {
    let server = MockServer::start().await;
    login_answers(&server, &["old", "new", "newer"]).await;
    work_accepts_only(&server, "new").await;
    let logins = Arc::default();
    let engine = engine(&server, &logins);
    engine.token().await.unwrap(); // logged in with "old", which the server no longer accepts

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.execute(work()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    assert_eq!(
        logins.load(Ordering::SeqCst),
        2,
        "the first login and exactly one renewal"
    );
}

#[tokio::test]
async fn a_refused_login_is_an_auth_error_and_the_operation_is_not_sent() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "Invalid user or password"})),
        )
        .mount(&server)
        .await;
    let logins = Arc::default();

    let err = engine(&server, &logins).execute(work()).await.unwrap_err();

    let Error::Auth {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        source.as_api().unwrap().message.as_deref(),
        Some("Invalid user or password")
    );
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.iter().all(|r| r.url.path() == "/login"),
        "the operation was not sent"
    );
}

#[tokio::test]
async fn forgetting_the_token_logs_in_again() {
    let server = MockServer::start().await;
    login_answers(&server, &["one", "two"]).await;
    work_accepts_only(&server, "two").await;
    let logins = Arc::default();
    let engine = engine(&server, &logins);
    engine.token().await.unwrap();

    let forgotten = engine.forget_token().await.unwrap();
    assert_eq!(forgotten.expose_secret(), "one");
    engine.execute(work()).await.unwrap();
    assert_eq!(logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn unauthenticated_operations_skip_the_login() {
    let server = MockServer::start().await;
    Mock::given(path("/livez"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let logins = Arc::default();

    let op =
        Operation::with_decoder("test.livez", Method::GET, "livez", decode_unit).unauthenticated();
    engine(&server, &logins).execute(op).await.unwrap();

    assert_eq!(logins.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn static_header_auth_sends_a_sensitive_header() {
    let server = MockServer::start().await;
    Mock::given(header("ocp-apim-subscription-key", "key-123"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let auth = StaticHeaderAuth::new(
        "ocp-apim-subscription-key",
        "",
        &SecretString::from("key-123"),
    )
    .unwrap();
    let engine = Engine::builder(server.uri()).auth(auth).build().unwrap();

    engine.execute(work()).await.unwrap();

    let empty = StaticHeaderAuth::new("ocp-apim-subscription-key", "", &SecretString::from(""));
    assert!(matches!(empty, Err(Error::InvalidRequest { .. })));
}

#[tokio::test]
async fn static_header_auth_takes_any_case_and_a_refused_key_is_not_replayed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string("Access denied due to invalid subscription key."),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The header name as the vendor writes it, uppercase and all: no panic, a valid auth.
    let auth = StaticHeaderAuth::new(
        "Ocp-Apim-Subscription-Key",
        "",
        &SecretString::from("key-123"),
    )
    .unwrap();
    let engine = Engine::builder(server.uri()).auth(auth).build().unwrap();
    let enroll = Operation::with_decoder("t.enroll", Method::POST, "enroll", decode_unit);

    let err = engine.execute(enroll).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    let sent = server.received_requests().await.unwrap();
    assert_eq!(
        sent.len(),
        1,
        "a fixed key cannot be renewed, so the POST is not sent twice"
    );
    assert_eq!(sent[0].headers["ocp-apim-subscription-key"], "key-123");

    let bad = StaticHeaderAuth::new("not a header", "", &SecretString::from("k"));
    assert!(matches!(bad, Err(Error::InvalidRequest { ref field, .. }) if field == "header_name"));
}

/// The sessions sent to `/work`, in order.
async fn sessions_sent(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/work")
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "session")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

/// A service that refuses every session: the first call sends s1, renews, sends s2, and ends
/// in an authentication failure; the next call must not send s2 (refused) again but log in
/// first. Seen with Apptenticate services that expire every access token on first use.
#[tokio::test]
async fn a_token_refused_on_the_replay_is_never_sent_again_and_is_an_auth_error() {
    let server = MockServer::start().await;
    login_answers(&server, &["s1", "s2", "s3", "s4"]).await;
    Mock::given(path("/work"))
        .respond_with(ResponseTemplate::new(401).set_body_string("expired"))
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .auth(SessionAuth::default())
        .build()
        .unwrap();
    let work = || Operation::with_decoder("test.work", Method::POST, "work", decode_unit);

    let first = engine.execute(work()).await.unwrap_err();
    let second = engine.execute(work()).await.unwrap_err();

    for err in [&first, &second] {
        let Error::Auth { source, .. } = err else {
            panic!("a refused replay is an authentication failure: {err:?}")
        };
        assert_eq!(
            source.as_ref().and_then(|e| e.status()),
            Some(StatusCode::UNAUTHORIZED),
            "the server's answer is kept as the source"
        );
    }
    assert_eq!(
        sessions_sent(&server).await,
        ["s1", "s2", "s3", "s4"],
        "no refused session is sent twice"
    );
}

/// The vendor's rules survive any policy the caller sets: the caller sets the budget.
#[tokio::test]
async fn a_callers_retry_policy_keeps_the_vendors_rules() {
    use biometric_core::{RequestOptions, RetryRules};
    let server = MockServer::start().await;
    // 503 twice then 200 (the vendor says 503 means "not processed"); a 500 stays a 500.
    Mock::given(path("/enroll"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/enroll"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/crash"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let caller = RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(std::time::Duration::from_millis(1));
    let engine = Engine::builder(server.uri())
        .retry_rules(RetryRules::new().unprocessed_status(503))
        .http(|h| h.retry(caller.clone()))
        .build()
        .unwrap();
    let post =
        |to: &'static str| Operation::with_decoder("test.post", Method::POST, to, decode_unit);
    let sent = |to: &'static str| {
        let server = &server;
        async move {
            server
                .received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| r.url.path() == to)
                .count()
        }
    };

    engine.execute(post("enroll")).await.unwrap();
    assert_eq!(
        sent("/enroll").await,
        3,
        "the vendor's 503 is retried for a POST"
    );
    engine.execute(post("crash")).await.unwrap_err();
    assert_eq!(
        sent("/crash").await,
        1,
        "a POST that may have run is never resent"
    );

    // The same through one call's options.
    let call = RequestOptions::new().retry(caller);
    engine
        .execute(post("crash").with_options(&call))
        .await
        .unwrap_err();
    assert_eq!(sent("/crash").await, 2, "one more call, sent once");
}
