//! Secrets and biometric bytes never reach Debug, Display, errors or tracing output.
//!
//! Alone in its own test binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

use hostile_input::logs::capture;

use std::time::Duration;

use crate::common::*;
use biopassid_client::{BioPassIdFailure, Client, Error, Person, RetryPolicy, WebSdkCode};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "current_thread")]
async fn the_key_and_the_images_never_reach_debug_errors_or_logs() {
    let (captured, _guard) = capture();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Access denied"))
        .mount(&server)
        .await;
    let face = jpeg("PRIVATE-FACE-BYTES");
    let person = Person::new(id("1")).face(face.clone());
    let builder = Client::builder(server.uri()).subscription_key(KEY);
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let err = client.enroll(&person).await.unwrap_err();

    // They really were sent...
    let sent = only_request(&server).await;
    assert_eq!(header_values(&sent, "ocp-apim-subscription-key"), [KEY]);
    assert!(String::from_utf8_lossy(&sent.body).contains(&b64(&face)));

    // ...and are nowhere else.
    let logs = captured.text();
    assert!(!logs.is_empty(), "the subscriber saw the request");
    let texts = [
        builder_debug,
        format!("{client:?}"),
        format!("{person:?}"),
        format!("{err:?}"),
        err.to_string(),
        logs,
    ];
    for text in texts {
        assert!(!text.contains(KEY), "key in: {text}");
        assert!(!text.contains("PRIVATE-FACE-BYTES"), "image in: {text}");
        assert!(!text.contains(&b64(&face)), "image in: {text}");
    }

    // Every call, through every failure a careless service could answer with.
    let image = b64(&face);
    let failures = [
        ResponseTemplate::new(401).set_body_string(format!("Access denied for key {KEY}")),
        ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "message": format!("Invalid JSON format near {image} (key {KEY})"),
            "Face-1": image, "key": KEY, "echo": format!("{KEY} {image}"),
        })),
        ResponseTemplate::new(400)
            .set_body_string(format!("Failed to extract face template {image}")),
        ResponseTemplate::new(409).set_body_string(format!("CustomID already exists {KEY}")),
        ResponseTemplate::new(500).set_body_string(format!("internal error, key={KEY}")),
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(format!(
                r#"{{"Person": {{"CustomID": "{KEY}", "Face": ["{image}"#
            )),
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Person": {"CustomID": [KEY], "BioPassID": image, "Match": KEY, "ClientID": 7}
        })),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
    ];
    let finger = finger(2);
    let person = Person::new(id("7"))
        .face(face.clone())
        .finger(finger, png("PRIVATE-FACE-BYTES-F"));
    let mut texts = Vec::new();
    for failure in failures {
        server.reset().await;
        Mock::given(any())
            .respond_with(failure)
            .mount(&server)
            .await;
        let client = Client::builder(server.uri())
            .subscription_key(KEY)
            .http(|h| {
                h.retry(RetryPolicy::disabled())
                    .timeout(Duration::from_millis(100))
            })
            .build()
            .unwrap();
        let results: Vec<Result<String, Error>> = vec![
            client.enroll(&person).await.map(|v| format!("{v:?}")),
            client.update(&person).await.map(|v| format!("{v:?}")),
            client.verify(&person).await.map(|v| format!("{v:?}")),
            client
                .delete(person.custom_id())
                .await
                .map(|v| format!("{v:?}")),
        ];
        for result in results {
            match result {
                Ok(shown) => texts.push(shown),
                Err(err) => {
                    let failure = BioPassIdFailure::from_error(&err);
                    texts.push(format!("{failure:?} {:?}", WebSdkCode::from_error(&err)));
                    texts.push(format!("{err:?}"));
                    texts.push(err.to_string());
                    let mut source = std::error::Error::source(&err);
                    while let Some(inner) = source {
                        texts.push(format!("{inner:?}"));
                        texts.push(inner.to_string());
                        source = inner.source();
                    }
                }
            }
        }
    }
    drop(_guard);
    texts.push(captured.text());
    for text in texts {
        assert!(!text.contains(KEY), "key in: {text}");
        assert!(!text.contains("PRIVATE-FACE-BYTES"), "image in: {text}");
        assert!(!text.contains(&image), "image in: {text}");
    }
}
