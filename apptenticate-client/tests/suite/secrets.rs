//! Secrets and biometric bytes never reach Debug, Display (with every `source()`), or tracing
//! output at TRACE, on every public operation's error paths: 401, a 400 echoing the secrets and
//! the image's base64, a plain-text 500, malformed JSON holding the tokens, a timeout; at login
//! and, logged in, on every check.
//!
//! One test in its own binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

use hostile_input::logs::{
    assert_clean, capture, error_texts, independent_base64 as b64, jpeg_carrying,
};

use std::time::Duration;

use apptenticate_client::{Client, Device, DocumentType, Error, Image, RetryPolicy};
use biometric_core::{Method, Operation, decode_unit};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The timeout of every call; the "timeout" answer comes later.
const SHORT: Duration = Duration::from_millis(100);
const USERNAME: &str = "user-7";
const PASSWORD: &str = "PASSWORD-e9800998ecf8427e";
const REFRESH: &str = "REFRESH-1679091c5a880faf6fb5e6087eb1b2dc";
const CEDULA: &str = "CEDULA-0102030405-a87ff679a2f3e71d";
const IMAGE_TAG: &str = "PRIVATE-FACE-BYTES-6512bd43d9caa6e02c990b0a82652dca";

/// A JPEG whose bytes (and so whose base64) are recognisable.
fn secret_jpeg() -> Vec<u8> {
    jpeg_carrying(IMAGE_TAG)
}

fn access() -> String {
    crate::common::jwt(crate::common::now() + 3600, crate::common::now())
}

fn failures() -> Vec<(&'static str, ResponseTemplate)> {
    let image = b64(&secret_jpeg());
    let access = access();
    vec![
        (
            "401",
            ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "detail": format!("token {access} not valid"), "code": "token_not_valid",
            })),
        ),
        (
            "400 echoing",
            ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "detail": format!("bad {PASSWORD} {REFRESH} {CEDULA} {image}"),
                "password": PASSWORD, "refresh": REFRESH, "access": access, "imagen": image,
                "cedula": CEDULA, "echo": format!("{access} {CEDULA}"),
            })),
        ),
        (
            "400 plain",
            ResponseTemplate::new(400)
                .set_body_string(format!("rejected {PASSWORD} {REFRESH} {CEDULA} {image}")),
        ),
        (
            "500 plain",
            ResponseTemplate::new(500)
                .set_body_string(format!("internal error: refresh={REFRESH} access={access}")),
        ),
        (
            "200 malformed",
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(format!(
                    r#"{{"access": "{access}", "refresh": "{REFRESH}", "cedula": "{CEDULA}"#
                )),
        ),
        (
            "200 wrong types",
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access": [access], "refresh": 7, "valid": REFRESH, "response": PASSWORD,
                "id": CEDULA, "liveness": image, "score": access,
            })),
        ),
        (
            "200 echoing",
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "valid": false, "code": 1, "id": 9,
                "message": format!("{PASSWORD} {REFRESH} {CEDULA} {image}"),
                "data": {"api_response": {"quality": 0.9, "liveness": 0.9}, "imagen": image},
                "cedula": CEDULA, "echo": format!("{access} {REFRESH}"),
            })),
        ),
        (
            "timeout",
            ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
        ),
    ]
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(USERNAME, PASSWORD)
        .biometric_check_path("contract/biometria/")
        .http(|h| h.retry(RetryPolicy::disabled()).timeout(SHORT))
        .build()
        .unwrap()
}

fn image() -> Image {
    Image::from_bytes(secret_jpeg())
}

/// Every public operation once (request builder `Debug`, then the result).
async fn every_operation(app: &Client) -> Vec<(&'static str, String, Result<String, Error>)> {
    let mut out = Vec::new();
    macro_rules! call {
        ($name:literal, $request:expr) => {{
            let request = $request;
            let shown = format!("{request:?}");
            let result = request.send().await.map(|v| format!("{v:?}"));
            out.push(($name, shown, result));
        }};
    }
    let login = app.login().await.map(|v| format!("{v:?}"));
    out.push(("login", String::new(), login));
    call!(
        "check_citizen",
        app.check_citizen(CEDULA, image())
            .return_id(true)
            .device(Device::Android)
    );
    call!(
        "check_national",
        app.check_national(CEDULA, image()).return_id(true)
    );
    call!(
        "check_national sib_plus",
        app.check_national(CEDULA, image()).sib_plus(true)
    );
    call!(
        "check_foreigner",
        app.check_foreigner(image(), image(), DocumentType::Passport)
            .device(Device::Ios)
    );
    call!("check_liveness", app.check_liveness(image()).details(true));
    let custom = app
        .execute(Operation::with_decoder(
            "apptenticate.custom",
            Method::POST,
            "api/custom/",
            decode_unit,
        ))
        .await
        .map(|v| format!("{v:?}"));
    out.push(("execute", String::new(), custom));
    app.forget_tokens().await;
    out
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_debug_display_sources_or_trace_logs() {
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    let mut texts: Vec<(String, String)> = Vec::new();
    let builder = Client::builder(server.uri()).credentials(USERNAME, PASSWORD);
    texts.push(("builder".into(), format!("{builder:?}")));

    for (scenario, failure) in failures() {
        for logged_in in [false, true] {
            server.reset().await;
            if logged_in {
                Mock::given(path("/api/token/"))
                    .respond_with(
                        ResponseTemplate::new(200).set_body_json(
                            serde_json::json!({"access": access(), "refresh": REFRESH}),
                        ),
                    )
                    .with_priority(1)
                    .mount(&server)
                    .await;
            }
            Mock::given(any())
                .respond_with(failure.clone())
                .with_priority(10)
                .mount(&server)
                .await;
            let app = client(&server);
            for (operation, request, result) in every_operation(&app).await {
                let label = format!("{scenario} (logged in: {logged_in}): {operation}");
                texts.push((format!("{label} request"), request));
                match result {
                    Ok(shown) => texts.push((format!("{label} ok"), shown)),
                    Err(err) => {
                        for text in error_texts(&err) {
                            texts.push((label.clone(), text));
                        }
                    }
                }
            }
            texts.push((format!("{scenario}: client"), format!("{app:?}")));
            if scenario == "timeout" {
                // wiremock records a delayed request only once it answered.
                continue;
            }
            // The secrets really were sent (so their absence below means something).
            let sent = server.received_requests().await.unwrap();
            let sent_body = |needle: &str| {
                sent.iter()
                    .any(|r| String::from_utf8_lossy(&r.body).contains(needle))
            };
            assert!(sent_body(PASSWORD), "{scenario}");
            if logged_in {
                assert!(sent_body(CEDULA) && sent_body(IMAGE_TAG), "{scenario}");
                assert!(
                    sent.iter()
                        .any(|r| r.headers.get("authorization").is_some()),
                    "{scenario}"
                );
            }
        }
    }

    drop(_guard);
    let log = captured.text();
    assert!(
        log.contains("apptenticate.liveness_v2"),
        "the subscriber saw the calls:\n{log}"
    );
    texts.push(("trace log".into(), log));
    let secrets: Vec<String> = vec![
        PASSWORD.into(),
        REFRESH.into(),
        access(),
        CEDULA.into(),
        IMAGE_TAG.into(),
        b64(&secret_jpeg()),
    ];
    for (what, text) in &texts {
        assert_clean(what, text, &secrets);
    }
}
