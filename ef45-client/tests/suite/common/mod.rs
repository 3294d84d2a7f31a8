//! Shared by the EF-45 wiremock tests.
#![allow(dead_code, unreachable_pub)]

use ef45_client::{Client, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The sheet's example credentials (Common, "Body Example"), sent explicitly by the tests.
pub const ID: &str = "root";
pub const PASSWD: &str = "cmi1003";
/// The sheet's example lock (Common, `POST lock` answer).
pub const LOCK: &str = "13dbb896-ed1e-11e6-9822-503f98000109";
pub const LOCK2: &str = "af7f8dba-625f-11e8-bdec-503f98000288";

pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(ID, PASSWD)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// `POST /1.0/lock` answers the locks in order, one each.
pub async fn locks(server: &MockServer, locks: &[&str]) {
    for (i, lock) in locks.iter().enumerate() {
        Mock::given(method("POST"))
            .and(path("/1.0/lock"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"lock_uid": lock})),
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

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
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

/// Every request that is not a lock call or the version read that comes with a lock.
pub async fn calls(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !matches!(r.url.path(), "/1.0/lock" | "/1.0/version"))
        .collect()
}

/// The query pairs of a request, sorted.
pub fn query(request: &wiremock::Request) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// The query pairs a call must carry (sorted): the lock and `rest`.
pub fn with_lock(rest: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = std::iter::once(("lock_uid", LOCK))
        .chain(rest.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    pairs.sort();
    pairs
}

pub fn body_json(request: &wiremock::Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// A locked client on a fresh server whose `POST lock` answers [`LOCK`].
pub async fn locked() -> (MockServer, Client) {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    let device = client(&server);
    (server, device)
}

/// Mounts one answer for `method` + `path` (any query).
pub async fn answer(server: &MockServer, verb: &str, to: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(to))
        .respond_with(response)
        .with_priority(10)
        .mount(server)
        .await;
}

/// The list envelope of notes.md.
pub fn envelope(
    items: serde_json::Value,
    page: u32,
    page_size: u32,
    has_more: bool,
    total: u64,
) -> serde_json::Value {
    serde_json::json!({
        "status_code": 200, "reason_phrase": "OK", "items": items,
        "page": page, "page_size": page_size, "has_more": has_more, "total": total,
    })
}

/// The only request that is not a lock call.
pub async fn only_call(server: &MockServer) -> wiremock::Request {
    let mut calls = calls(server).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls.remove(0)
}
