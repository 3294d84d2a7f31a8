//! No secret in `Debug`, in error messages or in tracing output, checked with known strings.

use hostile_input::logs::capture;

use biometric_core::{
    Auth, AuthRequest, Credentials, Engine, Method, Operation, Result, RetryPolicy, SecretString,
    StaticHeaderAuth, Transport, decode_unit,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SESSION: &str = "SESSION-d41d8cd98f00b204";
const PASSWORD: &str = "PASSWORD-e9800998ecf8427e";
const KEY: &str = "KEY-8f14e45fceea167a";

/// Puts a fixed session in the query string and a bearer key in a header.
struct QueryAndHeader;

impl Auth for QueryAndHeader {
    type Token = SecretString;

    async fn acquire(&self, _: &Transport, _: Option<&SecretString>) -> Result<SecretString> {
        Ok(SecretString::from(SESSION))
    }

    fn apply(&self, token: &SecretString, request: &mut AuthRequest<'_>) -> Result<()> {
        request.secret_query("session", token);
        request.bearer(&SecretString::from(KEY))
    }
}

fn assert_no_secret(text: &str) {
    for secret in [SESSION, PASSWORD, KEY] {
        assert!(!text.contains(secret), "found {secret} in:\n{text}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_errors_and_debug_never_show_secrets() {
    let (captured, _guard) = capture();

    let server = MockServer::start().await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/fail"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(2)
                    .initial_backoff(std::time::Duration::from_millis(1)),
            )
        })
        .loggable_query(&["user_id"])
        .auth(QueryAndHeader)
        .build()
        .unwrap();

    let form = Operation::with_decoder("t.ok", Method::GET, "ok", decode_unit).query("user_id", 7);
    engine.execute(form).await.unwrap();
    let failing = Operation::with_decoder("t.fail", Method::GET, "fail", decode_unit);
    let err = engine.execute(failing).await.unwrap_err();

    // The secrets really were sent...
    let sent = server.received_requests().await.unwrap();
    assert!(sent[0].url.as_str().contains(SESSION));
    assert_eq!(
        sent[0].headers["authorization"],
        format!("Bearer {KEY}").as_str()
    );

    // ...and show nowhere a person or a log collector could read them.
    let log = captured.text();
    assert!(log.contains("session=REDACTED"), "{log}");
    assert!(
        log.contains("user_id=7"),
        "non-secret parameters stay readable: {log}"
    );
    assert!(log.contains("retrying"), "{log}");
    assert_no_secret(&log);
    assert_no_secret(&err.to_string());
    assert_no_secret(&format!("{err:?}"));
    assert_no_secret(&format!("{engine:?}"));

    let connect_err = Engine::builder("http://127.0.0.1:1/")
        .http(|h| h.retry(RetryPolicy::disabled()))
        .auth(QueryAndHeader)
        .build()
        .unwrap()
        .execute(Operation::with_decoder(
            "t.down",
            Method::GET,
            "down",
            decode_unit,
        ))
        .await
        .unwrap_err();
    assert!(connect_err.is_connect());
    assert_no_secret(&format!("{connect_err:?} {connect_err}"));
}

#[test]
fn debug_of_credential_types_is_redacted() {
    let credentials = Credentials::new("admin", PASSWORD);
    let key = SecretString::from(KEY);
    let header_auth = StaticHeaderAuth::bearer(&SecretString::from(KEY)).unwrap();
    let operation = Operation::with_decoder("t", Method::POST, "login", decode_unit)
        .query("session", SESSION)
        .json_body(&serde_json::json!({"password": PASSWORD}))
        .unwrap();

    for text in [
        format!("{credentials:?}"),
        format!("{key:?}"),
        format!("{header_auth:?}"),
        format!("{operation:?}"),
    ] {
        assert_no_secret(&text);
    }
    assert!(format!("{credentials:?}").contains("admin"));
}

/// Real-looking secrets a server may echo in a body: a JWT, a refresh token, a lock uid, and a
/// base64 face image.
const ACCESS_JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
const REFRESH: &str = "r3fr3sh-0123456789abcdef";
const LOCK_UID: &str = "0b7c9a4e-5d2f-4c1a-9e3b-2f1d8a6c4e70";
const FACE_B64: &str = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA";

fn assert_no_body_secret(text: &str) {
    for secret in [ACCESS_JWT, REFRESH, LOCK_UID, FACE_B64, "c2lnbmF0dXJl"] {
        assert!(!text.contains(secret), "found {secret} in:\n{text}");
    }
}

/// A login that answers 200 with tokens under the wrong type, so decoding fails (the probe
/// that printed an access token), and a work call whose error body echoes secrets.
#[tokio::test(flavor = "current_thread")]
async fn error_bodies_never_print_their_secrets() {
    use biometric_core::{Auth, AuthRequest, Result, Transport};

    struct TokenLogin;
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Tokens {
        access: u64,
    }
    impl Auth for TokenLogin {
        type Token = ();
        async fn acquire(&self, transport: &Transport, _: Option<&()>) -> Result<()> {
            let op =
                Operation::<Tokens>::new("t.login", Method::POST, "api/token/").unauthenticated();
            transport.send(&op).await.map(drop)
        }
        fn apply(&self, _: &(), _: &mut AuthRequest<'_>) -> Result<()> {
            Ok(())
        }
    }

    let (captured, _guard) = capture();

    let server = MockServer::start().await;
    Mock::given(path("/api/token/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access": ACCESS_JWT, "refresh": REFRESH
        })))
        .mount(&server)
        .await;
    let login = Engine::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .auth(TokenLogin)
        .build()
        .unwrap();
    let login_err = login
        .execute(Operation::with_decoder(
            "t.work",
            Method::GET,
            "work",
            decode_unit,
        ))
        .await
        .unwrap_err();
    assert!(matches!(login_err, biometric_core::Error::Auth { .. }));

    let echo = MockServer::start().await;
    Mock::given(path("/1.0/subject"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "response_code": 1102,
            "message": format!("stale lock {LOCK_UID}"),
            "lock_uid": LOCK_UID,
            "subject": {"face_image": FACE_B64, "name": "Ana"},
            "access_token": ACCESS_JWT,
        })))
        .mount(&echo)
        .await;
    let device = Engine::builder(format!("{}/1.0", echo.uri()))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let api_err = device
        .execute(
            Operation::with_decoder("t.subject", Method::GET, "subject", decode_unit)
                .query("lock_uid", LOCK_UID),
        )
        .await
        .unwrap_err();
    let unlock_err = device
        .execute(
            Operation::with_decoder("t.unlock", Method::DELETE, "lock", decode_unit)
                .secret_segment("lock_uid", &SecretString::from(LOCK_UID)),
        )
        .await
        .unwrap_err();

    // The raw bytes are still there for a caller who needs them...
    assert!(String::from_utf8_lossy(api_err.body().unwrap()).contains(LOCK_UID));
    // ...but nothing printable shows them.
    for err in [&login_err, &api_err, &unlock_err] {
        assert_no_body_secret(&format!("{err:?}"));
        assert_no_body_secret(&err.to_string());
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            assert_no_body_secret(&format!("{cause:?} {cause}"));
            source = cause.source();
        }
    }
    let log = captured.text();
    assert!(log.contains("lock_uid=REDACTED"), "{log}");
    assert!(log.contains("/1.0/lock/REDACTED"), "{log}");
    assert_no_body_secret(&log);
    // What is safe stays readable.
    assert!(format!("{api_err:?}").contains("Ana"), "{api_err:?}");
}
