//! Secrets and biometric bytes never reach Debug, Display, errors or tracing output.
//!
//! Alone in its own test binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

mod common;

use std::sync::{Arc, Mutex};

use biopassid_client::{Client, Person};
use common::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Collects everything the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
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

#[tokio::test(flavor = "current_thread")]
async fn the_key_and_the_images_never_reach_debug_errors_or_logs() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
}
