//! Shared by the Control iD wiremock tests.
#![allow(dead_code, unreachable_pub)]

use controlid_client::{Client, RetryPolicy, UserId};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const LOGIN: &str = "admin";
pub const PASSWORD: &str = "s3cret-pw";

pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(LOGIN, PASSWORD)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// `login.fcgi` answers the sessions in order, one login each.
pub async fn sessions(server: &MockServer, sessions: &[&str]) {
    for (i, session) in sessions.iter().enumerate() {
        Mock::given(method("POST"))
            .and(path("/login.fcgi"))
            .and(body_json(
                serde_json::json!({"login": LOGIN, "password": PASSWORD}),
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

/// Answers 500 to anything no other mock matched, so a wrong request fails readably.
pub async fn catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_string("no mock matched this request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn user(id: i64) -> UserId {
    UserId::new(id).unwrap()
}

/// The requests that reached `path`.
pub async fn requests_to(server: &MockServer, to: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == to)
        .collect()
}
