//! JWT authentication: claims, algorithm, caching, ready-made tokens, 401 handling.

use crate::common::*;
use bioid_client::{Client, Error, JwtAlgorithm, RetryPolicy, StatusCode};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, serde::Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

async fn count_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/face/v1/classcount"))
        .respond_with(bws(200).set_body_json(serde_json::json!({"numberOfClasses": 3})))
        .mount(&server)
        .await;
    server
}

async fn sent_bearers(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers["authorization"]
                .to_str()
                .unwrap()
                .strip_prefix("Bearer ")
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn decode(token: &str, algorithm: Algorithm) -> Claims {
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&["BWS"]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(KEY_BYTES), &validation)
        .expect("the JWT verifies with the client key")
        .claims
}

#[tokio::test]
async fn the_jwt_carries_the_documented_claims_signed_hs512() {
    let server = count_server().await;

    let count = client(&server).class_count(["a"]).send().await.unwrap();
    assert_eq!(count.body.number_of_classes, 3);

    let token = &sent_bearers(&server).await[0];
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().alg,
        Algorithm::HS512
    );
    let claims = decode(token, Algorithm::HS512);
    assert_eq!(claims.sub, CLIENT_ID);
    assert_eq!(claims.iss, CLIENT_ID);
    assert_eq!(claims.aud, "BWS");
    assert_eq!(claims.iat, claims.nbf);
    assert_eq!(claims.exp - claims.iat, 300, "five minutes by default");
    let now = chrono_now();
    assert!(
        (now - 60..=now + 5).contains(&claims.iat),
        "iat {} is now ({now})",
        claims.iat
    );
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn hs256_and_lifetime_are_configurable() {
    let server = count_server().await;
    let client = Client::builder(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        .jwt_algorithm(JwtAlgorithm::Hs256)
        .token_lifetime(std::time::Duration::from_secs(120))
        .build()
        .unwrap();

    client.class_count(["a"]).send().await.unwrap();

    let token = &sent_bearers(&server).await[0];
    let claims = decode(token, Algorithm::HS256);
    assert_eq!(claims.exp - claims.iat, 120);
}

#[tokio::test]
async fn the_token_is_cached_not_signed_per_request() {
    let server = count_server().await;
    let client = client(&server);

    for _ in 0..3 {
        client.class_count(["a"]).send().await.unwrap();
    }

    let bearers = sent_bearers(&server).await;
    assert_eq!(bearers.len(), 3);
    assert!(
        bearers.iter().all(|b| b == &bearers[0]),
        "one JWT for all three calls"
    );
}

#[tokio::test]
async fn a_ready_made_token_is_sent_as_is() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer portal-token-xyz"))
        .respond_with(bws(200).set_body_json(serde_json::json!({"numberOfClasses": 0})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let client = Client::builder(server.uri())
        .bearer_token("portal-token-xyz")
        .build()
        .unwrap();

    client
        .class_count(Vec::<String>::new())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_401_is_an_auth_error_after_one_freshly_signed_retry() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;

    let err = client(&server).class_count(["a"]).send().await.unwrap_err();

    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "first try and one replay"
    );

    // A ready-made token cannot get better by replaying it.
    let fixed = Client::builder(server.uri())
        .bearer_token("t")
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let err = fixed.class_count(["a"]).send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[test]
fn bad_configuration_fails_at_build_time() {
    let cases = [
        (
            Client::builder("https://bws.example").client_credentials(CLIENT_ID, "%%% not base64"),
            "client_key",
        ),
        (
            Client::builder("https://bws.example").client_credentials(CLIENT_ID, ""),
            "client_key",
        ),
        (
            Client::builder("https://bws.example").client_credentials("", CLIENT_KEY),
            "client_id",
        ),
        (Client::builder("https://bws.example"), "credentials"),
        (
            Client::builder("https://bws.example").bearer_token(""),
            "bearer_token",
        ),
        (Client::builder("bws.example").bearer_token("t"), "base_url"),
    ];
    for (builder, field) in cases {
        let err = builder.build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field: f, .. } if f == field),
            "{field}: {err:?}"
        );
    }
}

#[test]
fn debug_output_hides_the_key() {
    let client = Client::builder("https://bws.example")
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        .build()
        .unwrap();
    let text = format!("{client:?}");
    assert!(
        !text.contains(CLIENT_KEY) && !text.contains("test-secret-key"),
        "{text}"
    );
}
