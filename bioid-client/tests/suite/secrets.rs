//! Secrets and biometric bytes never reach Debug, Display (with every `source()`), or tracing
//! output at TRACE, on every public operation's error paths: 401, a 400 echoing the secrets and
//! the image's base64, a plain-text 500, malformed JSON holding the token, a timeout; with a
//! signed-JWT client and with a ready bearer token.
//!
//! One test in its own binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

use hostile_input::logs::{
    assert_clean, capture, error_texts, independent_base64 as b64, jpeg_carrying,
};
use std::time::Duration;

use bioid_client::{
    ClassId, Client, Direction, Error, Image, LivenessInput, PhotoVerifyQuery, RetryPolicy,
    SearchQuery,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The timeout of every call; the "timeout" answer comes later.
const SHORT: Duration = Duration::from_millis(100);
const CLIENT_ID: &str = "client-7";
/// Decoded, the key reads `KEY-BYTES-8f14e45fceea167a9a36dedd4b`.
const KEY_BYTES: &str = "KEY-BYTES-8f14e45fceea167a9a36dedd4b";
const BEARER: &str = "BEARER-TOKEN-c9f0f895fb98ab9159f51fd0297e236d";
const IMAGE_TAG: &str = "PRIVATE-FACE-BYTES-6512bd43d9caa6e02c990b0a82652dca";

/// A JPEG whose bytes (and so whose base64) are recognisable.
fn secret_jpeg() -> Vec<u8> {
    jpeg_carrying(IMAGE_TAG)
}

fn failures(token: &str) -> Vec<(&'static str, ResponseTemplate)> {
    let image = b64(&secret_jpeg());
    let key = b64(KEY_BYTES.as_bytes());
    vec![
        (
            "401",
            ResponseTemplate::new(401).set_body_string(format!("Bearer {token} is not valid")),
        ),
        (
            "400 echoing",
            ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "code": 3,
                "message": format!("bad image {image} for token {token} key {key}"),
                "token": token, "image": image, "echo": format!("{token} {image} {key}"),
            })),
        ),
        (
            "400 plain",
            ResponseTemplate::new(400).set_body_string(format!("rejected {token} {image} {key}")),
        ),
        (
            "500 plain",
            ResponseTemplate::new(500).set_body_string(format!("internal error, jwt={token}")),
        ),
        (
            "404 echoing",
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"code": 5, "message": format!("{token} {image}")})),
        ),
        (
            "200 malformed",
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(format!(r#"{{"status": "{token}", "images": ["{image}"#)),
        ),
        (
            "200 wrong types",
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "status": [token], "classId": token, "accepted": image, "count": token,
                "errors": [{"errorCode": token, "message": image}], "imageProperties": image,
            })),
        ),
        (
            "200 failed job",
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "status": "JOB_FAILED",
                "errors": [{"errorCode": token, "message": format!("{token} {image}"), "details": image}],
            })),
        ),
        ("timeout", ResponseTemplate::new(200).set_delay(Duration::from_secs(3))),
    ]
}

fn signed(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_credentials(CLIENT_ID, b64(KEY_BYTES.as_bytes()))
        .http(|h| h.retry(RetryPolicy::disabled()).timeout(SHORT))
        .build()
        .unwrap()
}

fn bearer(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .bearer_token(BEARER)
        .http(|h| h.retry(RetryPolicy::disabled()).timeout(SHORT))
        .build()
        .unwrap()
}

fn image() -> Image {
    Image::from_bytes(secret_jpeg())
}

/// Every public operation once (request builder `Debug`, then the result).
async fn every_operation(bws: &Client) -> Vec<(&'static str, String, Result<String, Error>)> {
    let class = ClassId::new(7).unwrap();
    let mut out = Vec::new();
    macro_rules! call {
        ($name:literal, $request:expr) => {{
            let request = $request.timeout(SHORT).reference_number("ref-1");
            let shown = format!("{request:?}");
            let result = request.send().await.map(|response| {
                let failed = format!("{:?}", response.clone().into_succeeded());
                format!("{response:?} {failed}")
            });
            out.push(($name, shown, result));
        }};
        (plain $name:literal, $request:expr) => {{
            let request = $request.timeout(SHORT);
            let shown = format!("{request:?}");
            let result = request.send().await.map(|response| format!("{response:?}"));
            out.push(($name, shown, result));
        }};
    }
    call!("enroll", bws.enroll(class, [image(), image()]));
    call!("verify", bws.verify(class, image()));
    call!(
        "search",
        bws.search(SearchQuery::new([image()]).tags(["a"]))
    );
    call!(plain "set_template_tags", bws.set_template_tags(class, ["a", "b"]));
    call!(plain "template_status", bws.template_status(class));
    call!(plain "template_status_with_thumbnails", bws.template_status_with_thumbnails(class));
    call!(plain "delete_template", bws.delete_template(class));
    call!(plain "class_count", bws.class_count(["a"]));
    call!(
        "passive liveness",
        bws.liveness(LivenessInput::Passive(image()))
    );
    call!(
        "active liveness",
        bws.liveness(LivenessInput::Active(image(), image()))
    );
    call!(
        "challenge liveness",
        bws.liveness(LivenessInput::Challenge {
            first: image(),
            second: image(),
            direction: Direction::Left,
        })
    );
    call!(
        "photo_verify",
        bws.photo_verify(PhotoVerifyQuery::new([image()], image()))
    );
    call!("video_liveness", bws.video_liveness(secret_jpeg()));
    call!(plain "livez", bws.livez());
    call!(plain "readyz", bws.readyz());
    out
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_debug_display_sources_or_trace_logs() {
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut tokens: Vec<String> = vec![BEARER.into()];

    for builder in [
        Client::builder(server.uri()).client_credentials(CLIENT_ID, b64(KEY_BYTES.as_bytes())),
        Client::builder(server.uri()).bearer_token(BEARER),
    ] {
        texts.push(("builder".into(), format!("{builder:?}")));
    }

    for make in [signed as fn(&MockServer) -> Client, bearer] {
        // The token the client sends: a signed JWT is known only once one was sent.
        server.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let _ = make(&server)
            .verify(ClassId::new(1).unwrap(), image())
            .send()
            .await;
        let sent = server.received_requests().await.unwrap();
        let token = sent[0].headers["authorization"]
            .to_str()
            .unwrap()
            .strip_prefix("Bearer ")
            .unwrap()
            .to_owned();
        tokens.push(token.clone());

        for (scenario, failure) in failures(&token) {
            server.reset().await;
            Mock::given(any())
                .respond_with(failure)
                .mount(&server)
                .await;
            let bws = make(&server);
            texts.push((format!("{scenario}: client"), format!("{bws:?}")));
            for (operation, request, result) in every_operation(&bws).await {
                texts.push((format!("{scenario}: {operation} request"), request));
                match result {
                    Ok(shown) => texts.push((format!("{scenario}: {operation} ok"), shown)),
                    Err(err) => {
                        for text in error_texts(&err) {
                            texts.push((format!("{scenario}: {operation}"), text));
                        }
                    }
                }
            }
            // The secrets really were sent (so their absence below means something); wiremock
            // records a delayed request only once it answered.
            let sent = server.received_requests().await.unwrap();
            if scenario == "timeout" {
                continue;
            }
            let sent_tokens: Vec<String> = sent
                .iter()
                .filter_map(|r| r.headers.get("authorization"))
                .map(|v| v.to_str().unwrap().trim_start_matches("Bearer ").to_owned())
                .collect();
            assert!(!sent_tokens.is_empty(), "{scenario}");
            tokens.extend(sent_tokens);
            assert!(
                sent.iter()
                    .any(|r| String::from_utf8_lossy(&r.body).contains(&b64(&secret_jpeg()))),
                "{scenario}"
            );
        }
    }

    drop(_guard);
    let log = captured.text();
    assert!(
        log.contains("bioid.photo_verify"),
        "the subscriber saw the calls:\n{log}"
    );
    texts.push(("trace log".into(), log));
    let mut secrets = tokens;
    secrets.extend([
        KEY_BYTES.to_owned(),
        b64(KEY_BYTES.as_bytes()),
        IMAGE_TAG.to_owned(),
        b64(&secret_jpeg()),
    ]);
    for (what, text) in &texts {
        assert_clean(what, text, &secrets);
    }
}
