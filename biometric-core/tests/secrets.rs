//! No secret in `Debug`, in error messages or in tracing output, checked with known strings.

use std::io::Write;
use std::sync::{Arc, Mutex};

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

/// Collects everything the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_no_secret(text: &str) {
    for secret in [SESSION, PASSWORD, KEY] {
        assert!(!text.contains(secret), "found {secret} in:\n{text}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_errors_and_debug_never_show_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
