//! Retries and tokens. Every Apptenticate call is a POST the service may have acted on: none is
//! sent again whatever budget the caller sets. And an access token the service refused is
//! never sent again: a service that expires each access token on first use costs a refresh per
//! call, not a refused call per call (seen on v3 nationals, v3.2, v3 foreigners, v2 liveness).

use std::time::Duration;

use crate::common::*;
use apptenticate_client::{Client, Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_callers_policy_never_resends_a_check() {
    let server = MockServer::start().await;
    mount_login(&server, "access-1", "refresh-1").await;
    Mock::given(path("/api/v3/biometrics/nationals/"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .credentials(USERNAME, PASSWORD)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap();

    client
        .check_national("0102030405", jpeg("a"))
        .send()
        .await
        .unwrap_err();

    let checks = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/api/v3/biometrics/nationals/")
        .count();
    assert_eq!(checks, 1);
}

/// Answers each login or refresh with a new access token, and refuses every access token
/// on the check endpoints.
async fn expiring_service() -> MockServer {
    let server = MockServer::start().await;
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for token_path in ["/api/token/", "/api/token/refresh/"] {
        let counter = counter.clone();
        Mock::given(method("POST"))
            .and(path(token_path))
            .respond_with(move |_: &wiremock::Request| {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "access": format!("access-{n}"), "refresh": format!("refresh-{n}")
                }))
            })
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "detail": "Given token not valid for any token type", "code": "token_not_valid"
        })))
        .with_priority(200)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_refused_access_token_is_never_sent_again_and_the_failure_is_auth() {
    let server = expiring_service().await;
    let client = client(&server);

    for _ in 0..2 {
        let err = client
            .check_national("0102030405", jpeg("a"))
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let err = client.check_liveness(jpeg("b")).send().await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    }

    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| !r.url.path().starts_with("/api/token/"))
        .filter_map(|r| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .collect();
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(sent.len(), 8, "two sends per call: {sent:?}");
    assert_eq!(
        unique.len(),
        sent.len(),
        "no refused token sent twice: {sent:?}"
    );
}
