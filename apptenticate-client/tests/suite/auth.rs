//! Login, refresh, re-login and the secrets rule, against wiremock.

use crate::common::*;
use apptenticate_client::{Client, Error, RetryPolicy};
use futures_util::future::join_all;
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `POST /api/v2/biometrics/liveness/` with `Bearer <access>` answers a liveness result.
async fn mount_call(server: &MockServer, access: &str, status: u16) {
    let body = if status == 200 {
        json!({"data": {"api_response": {"score": 0.9, "quality": 0.8, "liveness": 0.95}}})
    } else {
        json!({"detail": "Given token not valid for any token type", "code": "token_not_valid"})
    };
    Mock::given(method("POST"))
        .and(path("/api/v2/biometrics/liveness/"))
        .and(header("authorization", format!("Bearer {access}").as_str()))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

async fn mount_refresh(server: &MockServer, refresh: &str, new_access: &str, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/api/token/refresh/"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(form(&[("refresh", refresh)])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access": new_access})))
        .expect(expect)
        .named("refresh")
        .mount(server)
        .await;
}

async fn liveness(client: &Client) -> apptenticate_client::Result<f64> {
    Ok(client
        .check_liveness(jpeg("selfie"))
        .send()
        .await?
        .api_response
        .liveness)
}

#[tokio::test]
async fn login_posts_the_documented_form_and_calls_carry_the_bearer_token() {
    let server = MockServer::start().await;
    let token = fixture("token.json");
    mount_login(
        &server,
        token["access"].as_str().unwrap(),
        token["refresh"].as_str().unwrap(),
    )
    .await;
    mount_call(&server, "fixture-access-token", 200).await;

    let client = client(&server);
    assert_eq!(liveness(&client).await.unwrap(), 0.95);
    assert_eq!(liveness(&client).await.unwrap(), 0.95);

    let logins = requests_to(&server, "/api/token/").await;
    assert_eq!(logins.len(), 1, "one login serves both calls");
    assert_eq!(
        String::from_utf8(logins[0].body.clone()).unwrap(),
        "username=user-7&password=pa55-w0rd%21"
    );
}

#[tokio::test]
async fn token_and_refresh_go_out_as_exactly_post_api_token_and_refresh_with_their_slashes() {
    let server = MockServer::start().await;
    // A token due at once: the call after the login needs a refresh first.
    mount_login(&server, &jwt(now(), now()), "refresh-1").await;
    mount_refresh(&server, "refresh-1", "access-2", 1).await;
    mount_call(&server, "access-2", 200).await;

    let client = client(&server);
    client.login().await.unwrap();
    liveness(&client).await.unwrap();

    // Every request the server saw, matched or not: a slash-less `api/token` would be here too.
    let seen: Vec<(String, String, Option<String>)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.url.path().to_owned(),
                r.url.query().map(str::to_owned),
            )
        })
        .collect();
    let expected = [
        "/api/token/",
        "/api/token/refresh/",
        "/api/v2/biometrics/liveness/",
    ]
    .map(|path| ("POST".to_owned(), path.to_owned(), None));
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_with_the_services_detail() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/token/"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("token-wrong-credentials.json")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).login().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("No active account found with the given credentials"),
        "{err}"
    );
    assert_eq!(
        err.status(),
        Some(apptenticate_client::StatusCode::UNAUTHORIZED)
    );
    // The password is in no rendering of the error.
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
}

#[tokio::test]
async fn an_expired_jwt_is_refreshed_before_the_call() {
    let server = MockServer::start().await;
    let expired = jwt(now(), now());
    mount_login(&server, &expired, "refresh-1").await;
    mount_refresh(&server, "refresh-1", "access-2", 1).await;
    mount_call(&server, "access-2", 200).await;
    // The expired token is never sent.
    Mock::given(method("POST"))
        .and(path("/api/v2/biometrics/liveness/"))
        .and(header(
            "authorization",
            format!("Bearer {expired}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    let client = client(&server);
    client.login().await.unwrap();
    assert_eq!(liveness(&client).await.unwrap(), 0.95);
}

#[tokio::test]
async fn a_valid_jwt_is_used_until_shortly_before_its_exp() {
    let server = MockServer::start().await;
    let fresh = jwt(now() + 300, now());
    mount_login(&server, &fresh, "refresh-1").await;
    mount_refresh(&server, "refresh-1", "unused", 0).await;
    mount_call(&server, &fresh, 200).await;

    let client = client(&server);
    for _ in 0..3 {
        liveness(&client).await.unwrap();
    }
}

#[tokio::test]
async fn a_401_refreshes_once_and_replays_once() {
    let server = MockServer::start().await;
    mount_login(&server, "access-1", "refresh-1").await;
    mount_call(&server, "access-1", 401).await;
    mount_refresh(&server, "refresh-1", "access-2", 1).await;
    mount_call(&server, "access-2", 200).await;

    let client = client(&server);
    assert_eq!(liveness(&client).await.unwrap(), 0.95);
    let calls = requests_to(&server, "/api/v2/biometrics/liveness/").await;
    assert_eq!(calls.len(), 2, "the call and its one replay");
    assert_eq!(requests_to(&server, "/api/token/").await.len(), 1);
}

#[tokio::test]
async fn a_second_401_after_the_replay_is_returned_not_retried_again() {
    let server = MockServer::start().await;
    mount_login(&server, "access-1", "refresh-1").await;
    mount_call(&server, "access-1", 401).await;
    mount_refresh(&server, "refresh-1", "access-2", 1).await;
    mount_call(&server, "access-2", 401).await;

    let err = liveness(&client(&server)).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(apptenticate_client::StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        requests_to(&server, "/api/v2/biometrics/liveness/")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn a_rejected_refresh_token_falls_back_to_a_new_login() {
    let server = MockServer::start().await;
    // First login gives access-1; the second login (after the refresh is refused) gives access-2.
    Mock::given(method("POST"))
        .and(path("/api/token/"))
        .and(body_string(form(&[
            ("username", USERNAME),
            ("password", PASSWORD),
        ])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"refresh": "refresh-1", "access": "access-1"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/token/"))
        .and(body_string(form(&[
            ("username", USERNAME),
            ("password", PASSWORD),
        ])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"refresh": "refresh-2", "access": "access-2"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/token/refresh/"))
        .and(body_string("refresh=refresh-1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("token-refresh-rejected.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_call(&server, "access-1", 401).await;
    mount_call(&server, "access-2", 200).await;

    assert_eq!(liveness(&client(&server)).await.unwrap(), 0.95);
}

#[tokio::test]
async fn a_refresh_refused_otherwise_is_an_auth_error() {
    let server = MockServer::start().await;
    mount_login(&server, "access-1", "refresh-1").await;
    mount_call(&server, "access-1", 401).await;
    Mock::given(method("POST"))
        .and(path("/api/token/refresh/"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"detail": "bad form"})))
        .expect(1)
        .mount(&server)
        .await;

    let err = liveness(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("bad form"), "{err}");
    assert_eq!(
        requests_to(&server, "/api/token/").await.len(),
        1,
        "no login loop"
    );
}

#[tokio::test]
async fn a_rotated_refresh_token_is_used_for_the_next_refresh() {
    let server = MockServer::start().await;
    mount_login(&server, &jwt(now(), now()), "refresh-1").await;
    Mock::given(method("POST"))
        .and(path("/api/token/refresh/"))
        .and(body_string("refresh=refresh-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access": "access-2", "refresh": "refresh-2"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_call(&server, "access-2", 401).await;
    mount_refresh(&server, "refresh-2", "access-3", 1).await;
    mount_call(&server, "access-3", 200).await;

    let client = client(&server);
    client.login().await.unwrap();
    assert_eq!(liveness(&client).await.unwrap(), 0.95);
}

#[tokio::test]
async fn twenty_concurrent_calls_across_an_expiry_share_one_refresh() {
    let server = MockServer::start().await;
    // The access token is due at once (`exp` = `iat`): the first call refreshes, the others
    // wait for that refresh.
    mount_login(&server, &jwt(now(), now()), "refresh-1").await;
    mount_refresh(&server, "refresh-1", "access-2", 1).await;
    mount_call(&server, "access-2", 200).await;

    let client = client(&server);
    client.login().await.unwrap();
    let results = join_all((0..20).map(|_| liveness(&client))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(requests_to(&server, "/api/token/refresh/").await.len(), 1);
    assert_eq!(requests_to(&server, "/api/token/").await.len(), 1);
}

#[tokio::test]
async fn twenty_concurrent_calls_rejected_with_401_share_one_refresh() {
    let server = MockServer::start().await;
    // The service has expired the token before its time: every call sees a 401 first.
    mount_login(&server, "access-1", "refresh-1").await;
    mount_call(&server, "access-1", 401).await;
    mount_refresh(&server, "refresh-1", "access-2", 1).await;
    mount_call(&server, "access-2", 200).await;

    let client = client(&server);
    client.login().await.unwrap();
    let results = join_all((0..20).map(|_| liveness(&client))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(requests_to(&server, "/api/token/refresh/").await.len(), 1);
    assert_eq!(
        requests_to(&server, "/api/v2/biometrics/liveness/")
            .await
            .len(),
        40
    );
}

#[tokio::test]
async fn an_opaque_token_is_refreshed_after_the_configured_lifetime() {
    let server = MockServer::start().await;
    mount_login(&server, "opaque-1", "refresh-1").await;
    mount_refresh(&server, "refresh-1", "opaque-2", 1).await;
    mount_call(&server, "opaque-2", 200).await;

    // A zero-length margin is impossible; a 1 ns lifetime means "stale as soon as issued".
    let client = Client::builder(server.uri())
        .credentials(USERNAME, PASSWORD)
        .access_token_lifetime(std::time::Duration::from_nanos(1))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    client.login().await.unwrap();
    liveness(&client).await.unwrap();
}

#[tokio::test]
async fn tokens_and_password_never_show_in_debug_output() {
    let server = MockServer::start().await;
    mount_login(&server, "s3cret-access", "s3cret-refresh").await;
    mount_call(&server, "s3cret-access", 200).await;
    let client = client(&server);
    liveness(&client).await.unwrap();
    let text = format!("{client:?}");
    for secret in [PASSWORD, "s3cret-access", "s3cret-refresh"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[tokio::test]
async fn configuration_errors_are_reported_before_any_io() {
    for (builder, field) in [
        (Client::builder("http://127.0.0.1:9"), "credentials"),
        (
            Client::builder("http://127.0.0.1:9").credentials("", "p"),
            "username",
        ),
        (
            Client::builder("http://127.0.0.1:9")
                .credentials("u", "p")
                .biometric_check_path("../x"),
            "biometric_check_path",
        ),
        (
            Client::builder("not a url").credentials("u", "p"),
            "base_url",
        ),
    ] {
        let err = builder.build().unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { field: ref f, .. } if f == field),
            "{field}: {err:?}"
        );
    }
}
