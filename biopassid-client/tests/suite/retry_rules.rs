//! BioPass ID documents no "not processed" status, so none of its four calls is sent again
//! once it may have reached the service, whatever retry budget the caller sets; a refused
//! connection (nothing sent) is still tried again.

use std::time::Duration;

use crate::common::*;
use biopassid_client::{Client, Person, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_callers_policy_never_resends_a_call_that_may_have_run() {
    let server = MockServer::start().await;
    Mock::given(path("/multibiometrics/verify"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .subscription_key(KEY)
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
        .verify(&Person::new(id("1")).face(jpeg("a")))
        .await
        .unwrap_err();

    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
