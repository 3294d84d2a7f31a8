//! A wiremock server whose answer each proptest case sets, and a server that must receive
//! nothing.

use std::future::Future;
use std::sync::{Arc, Mutex};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One answer: status, body, content type and extra headers.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The body, sent as is.
    pub body: Vec<u8>,
    /// The `Content-Type`.
    pub content_type: String,
    /// More headers (`name`, `value`).
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// `status` with `body` as `application/json` (whatever the body holds).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Answer {
            status,
            body: body.into(),
            content_type: "application/json".to_owned(),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// The answer the server gives to every request no other mock takes; set it before each call.
/// With no answer set, the server answers 599 so that a missing `set` shows.
#[derive(Debug, Clone, Default)]
pub struct Slot(Arc<Mutex<Option<Answer>>>);

impl Slot {
    /// Sets the answer for the next requests.
    pub fn set(&self, answer: Answer) {
        *self.0.lock().expect("not poisoned") = Some(answer);
    }
}

impl Respond for Slot {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let answer = self.0.lock().expect("not poisoned").clone();
        let Some(answer) = answer else {
            return ResponseTemplate::new(599).set_body_string("no answer set in the slot");
        };
        let mut template = ResponseTemplate::new(answer.status)
            .set_body_raw(answer.body, answer.content_type.as_str());
        for (name, value) in &answer.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }
}

/// A runtime and a wiremock server answering from a [`Slot`], for proptest cases (which are
/// synchronous): keep one per test thread (`thread_local!`) and `block_on` each case's call.
#[derive(Debug)]
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    slot: Slot,
}

impl Harness {
    /// Starts the server (request recording off: thousands of cases would accumulate) with the
    /// slot as the lowest-priority answer; mount a crate's fixed answers (a login) with
    /// [`mount`](Self::mount).
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let slot = Slot::default();
        let server = runtime.block_on(async {
            let server = MockServer::builder()
                .disable_request_recording()
                .start()
                .await;
            Mock::given(any())
                .respond_with(slot.clone())
                .with_priority(u8::MAX)
                .mount(&server)
                .await;
            server
        });
        Harness {
            runtime,
            server,
            slot,
        }
    }

    /// The server's base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The slot.
    pub fn slot(&self) -> &Slot {
        &self.slot
    }

    /// Mounts a mock that takes precedence over the slot.
    pub fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// Runs `future` to completion on the harness's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// A server that fails the test if it receives anything: for caller-input checks that must be
/// refused before any I/O. Check it with [`assert_nothing_sent`] (it is also verified on drop).
pub async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string("nothing may be sent"))
        .expect(0)
        .named("no request may reach the server")
        .mount(&server)
        .await;
    server
}

/// Panics unless `server` received no request at all.
pub async fn assert_nothing_sent(server: &MockServer) {
    let received = server.received_requests().await.unwrap_or_default();
    assert!(
        received.is_empty(),
        "{} request(s) were sent, the first to {}",
        received.len(),
        received[0].url.path()
    );
    server.verify().await;
}
