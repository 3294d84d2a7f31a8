//! The caller's retry budget never changes what is safe to send again: a read is retried on a
//! transient answer, a user creation that may have run is never sent twice.

use std::time::Duration;

use crate::common::*;
use controlid_client::{Client, NewUser, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_callers_policy_retries_reads_and_never_resends_a_creation() {
    let server = MockServer::start().await;
    sessions(&server, &["s-1"]).await;
    Mock::given(path("/load_objects.fcgi"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path("/create_objects.fcgi"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let device = Client::builder(server.uri())
        .credentials(LOGIN, PASSWORD)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap();

    Mock::given(path("/session_is_valid.fcgi"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    device.users_page(10, 0).await.unwrap_err();
    device.create_user(NewUser::new("Bo")).await.unwrap_err();
    device.session_is_valid().await.unwrap_err();

    assert_eq!(requests_to(&server, "/load_objects.fcgi").await.len(), 4);
    // A POST that only reads is a read.
    assert_eq!(
        requests_to(&server, "/session_is_valid.fcgi").await.len(),
        4
    );
    assert_eq!(requests_to(&server, "/create_objects.fcgi").await.len(), 1);
}
