//! The caller sets the retry budget; BWS's own rule stays: its 503 means "not processed" (the
//! job was not run), so even an enrollment is sent again after it, while a 500 (which may have
//! run) never is, whatever policy the caller sets.

use std::time::Duration;

use crate::common::*;
use bioid_client::{Client, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

fn with_callers_policy(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        // The README's pattern: the caller's own policy replaces the default one.
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_callers_policy_keeps_bws_503_rule_and_never_resends_an_enrollment_that_may_have_run() {
    let server = MockServer::start().await;
    Mock::given(path("/api/face/v1/enroll/7"))
        .respond_with(bws(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/face/v1/enroll/7"))
        .respond_with(bws(500))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = with_callers_policy(&server);

    let err = client
        .enroll(class(7), [jpeg("a")])
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err}");
    let sent = server.received_requests().await.unwrap();
    assert_eq!(
        sent.len(),
        3,
        "two 503s sent again (not processed), the 500 never (it may have run)"
    );
}
