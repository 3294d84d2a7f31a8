//! Hostile input (issue 13) for Apptenticate: the token answers (login and refresh, with JWTs
//! whose `exp` and `iat` are hostile) and every check's answer (the fixtures mutated, arbitrary
//! JSON and bytes, any status) through the real client, and every caller value at its edges
//! (citizen ids, usernames, the check path, zero-byte and 100 MB images), refused before any
//! I/O.

use std::time::Duration;

use crate::common::{CHECK_PATH, PASSWORD, USERNAME, jpeg};
use apptenticate_client::{
    Client, Device, DocumentType, Error, Image, MAX_TEXT_CHARS, RetryPolicy,
};
use hostile_input::server::{Answer, Harness, assert_nothing_sent, silent_server};
use hostile_input::{check, edge, mutate};
use proptest::prelude::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEYS: &[&str] = &[
    "access",
    "refresh",
    "detail",
    "code",
    "valid",
    "message",
    "id",
    "data",
    "api_response",
    "score",
    "quality",
    "liveness",
    "exp",
    "iat",
];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A JWT-shaped token whose payload is `claims` as written (any JSON text).
fn jwt_with(claims: &str) -> String {
    let encode = |text: &str| base64url(text.as_bytes());
    format!("{}.{}.c2ln", encode(r#"{"alg":"HS256"}"#), encode(claims))
}

/// base64url without padding, written out so the test does not share the SDK's codec.
fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// `exp`/`iat` values no clock can hold, and some that are not numbers.
const HOSTILE_TIMES: &[&str] = &[
    "1e300",
    "-1",
    "1.8446744073709552e19",
    "9223372036854775807",
    "0",
    "\"soon\"",
    "null",
    "1700000000.5",
    "4102444800",
];

fn token_answer() -> impl Strategy<Value = Vec<u8>> {
    let hostile_jwt = (
        prop::sample::select(HOSTILE_TIMES),
        proptest::option::of(prop::sample::select(HOSTILE_TIMES)),
    )
        .prop_map(|(exp, iat)| {
            let claims = match iat {
                Some(iat) => format!(r#"{{"exp":{exp},"iat":{iat}}}"#),
                None => format!(r#"{{"exp":{exp}}}"#),
            };
            let access = jwt_with(&claims);
            serde_json::to_vec(&serde_json::json!({"refresh": "r-1", "access": access})).unwrap()
        });
    let valid = [
        fixture("token.json"),
        fixture("token-refresh.json"),
        fixture("token-wrong-credentials.json"),
        fixture("token-refresh-rejected.json"),
    ];
    let valid: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
    prop_oneof![2 => hostile_jwt, 3 => mutate::body(&valid, KEYS)]
}

fn client_for(uri: impl Into<String>) -> Client {
    Client::builder(uri)
        .credentials(USERNAME, PASSWORD)
        .biometric_check_path(CHECK_PATH)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .expect("a client")
}

thread_local! {
    /// Every answer, the login's included, from the slot.
    static ANYTHING: (Harness, Client) = {
        let harness = Harness::start();
        let client = client_for(harness.uri());
        (harness, client)
    };
}

proptest! {
    #![proptest_config(hostile_input::config())]

    /// The login answer, then a check answered with the same body: a bad token is refused
    /// when it arrives, and whatever was accepted can be used.
    #[test]
    fn a_hostile_token_answer_is_refused_or_usable(
        status in prop::sample::select(vec![200u16, 200, 200, 401, 500]),
        body in token_answer(),
    ) {
        ANYTHING.with(|(harness, client)| {
            harness.slot().set(Answer::json(status, body.clone()));
            harness.block_on(client.forget_tokens());
            match harness.block_on(client.login()) {
                Ok(()) => {
                    prop_assert_eq!(status, 200);
                    // The check gets the same body: not a check answer, so a typed failure.
                    let outcome = harness.block_on(client.check_liveness(jpeg("a")).send());
                    if let Err(err) = outcome {
                        check::server_failure(&err, &body)?;
                    }
                }
                Err(err) => {
                    prop_assert!(matches!(err, Error::Auth { .. }), "{err:?}");
                    check::server_failure(&err, &body)?;
                }
            }
            Ok(())
        })?;
    }
}

thread_local! {
    /// A service whose token endpoints always work and whose checks answer from the slot.
    static SERVICE: (Harness, Client) = {
        let harness = Harness::start();
        harness.mount(
            Mock::given(method("POST"))
                .and(path("/api/token/"))
                .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
                    {"refresh": "r-1", "access": "opaque-access-1"}))),
        );
        harness.mount(
            Mock::given(method("POST"))
                .and(path("/api/token/refresh/"))
                .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
                    {"access": "opaque-access-2"}))),
        );
        let client = client_for(harness.uri());
        (harness, client)
    };
}

fn valid_answers(call: usize) -> Vec<Vec<u8>> {
    let liveness =
        br#"{"data": {"api_response": {"score": 0.91, "quality": 0.8, "liveness": 0.7}}, "id": 9}"#;
    match call {
        0 => vec![
            fixture("biometria-response.json"),
            fixture("biometria-response-with-id.json"),
        ],
        1..=3 => vec![
            fixture("biometria-response-with-id.json"),
            liveness.to_vec(),
        ],
        4 => vec![liveness.to_vec()],
        _ => unreachable!("{call}"),
    }
}

async fn make_call(client: &Client, call: usize) -> Result<String, Error> {
    Ok(match call {
        0 => format!(
            "{:?}",
            client
                .check_citizen("0102030405", jpeg("a"))
                .return_id(true)
                .send()
                .await?
        ),
        1 => format!(
            "{:?}",
            client
                .check_national("0102030405", jpeg("a"))
                .send()
                .await?
        ),
        2 => format!(
            "{:?}",
            client
                .check_national("0102030405", jpeg("a"))
                .sib_plus(true)
                .device(Device::Ios)
                .send()
                .await?
        ),
        3 => format!(
            "{:?}",
            client
                .check_foreigner(jpeg("f"), jpeg("s"), DocumentType::Passport)
                .send()
                .await?
        ),
        4 => format!(
            "{:?}",
            client
                .check_liveness(jpeg("a"))
                .details(true)
                .send()
                .await?
        ),
        _ => unreachable!("{call}"),
    })
}

fn check_answer() -> impl Strategy<Value = (usize, u16, Vec<u8>)> {
    (0..5usize).prop_flat_map(|call| {
        let valid = valid_answers(call);
        let valid: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        (
            Just(call),
            prop::sample::select(vec![200u16, 200, 200, 400, 401, 500]),
            mutate::body(&valid, KEYS),
        )
    })
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn every_check_answer_is_read_or_refused_with_its_body((call, status, body) in check_answer()) {
        SERVICE.with(|(harness, client)| {
            harness.slot().set(Answer::json(status, body.clone()));
            match harness.block_on(make_call(client, call)) {
                Ok(shown) => {
                    prop_assert_eq!(status, 200);
                    prop_assert!(shown.len() <= 1024 + check::OUTPUT_PER_INPUT_BYTE * body.len());
                }
                Err(err) => check::server_failure(&err, &body)?,
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_citizen_id_with_a_control_character_is_refused_unsent(text in edge::text_with_control()) {
        SERVICE.with(|(harness, client)| {
            let outcome = harness.block_on(client.check_citizen(text.clone(), jpeg("a")).send());
            let rule = check::refused(outcome, "cedula");
            prop_assert!(rule.contains("control") || rule.contains("blank"), "{rule}");
            Ok(())
        })?;
    }
}

// ---- The caller's side: refused before anything is sent. ----

async fn refused_unsent<T: std::fmt::Debug>(
    server: &MockServer,
    outcome: apptenticate_client::Result<T>,
    field: &str,
) -> String {
    let rule = check::refused(outcome, field);
    assert_nothing_sent(server).await;
    rule
}

#[tokio::test]
async fn citizen_ids_blank_with_control_characters_or_1_mb_are_refused() {
    let server = silent_server().await;
    let service = client_for(server.uri());
    let huge = edge::huge_text();
    let bad: Vec<&str> = edge::BLANK_TEXTS
        .iter()
        .chain(edge::CONTROL_TEXTS)
        .copied()
        .chain([huge.as_str()])
        .collect();
    for id in bad {
        refused_unsent(
            &server,
            service.check_citizen(id, jpeg("a")).send().await,
            "cedula",
        )
        .await;
        refused_unsent(
            &server,
            service.check_national(id, jpeg("a")).send().await,
            "citizen_id",
        )
        .await;
    }
    let rule = refused_unsent(
        &server,
        service.check_citizen(huge, jpeg("a")).send().await,
        "cedula",
    )
    .await;
    assert_eq!(
        rule,
        format!("must be at most {MAX_TEXT_CHARS} characters (found 1000000)")
    );
}

#[tokio::test]
async fn zero_byte_and_100_mb_images_are_refused_in_every_check() {
    let server = silent_server().await;
    let service = client_for(server.uri());
    let empty = Image::from_bytes(Vec::new());
    let huge = Image::from_bytes(edge::jpeg(edge::HUNDRED_MB));
    for (image, expected) in [
        (&empty, "is empty"),
        (&huge, "must be at most 2 MB (found 100000000 bytes)"),
    ] {
        let rule = refused_unsent(
            &server,
            service.check_citizen("1", image.clone()).send().await,
            "imagen",
        )
        .await;
        assert_eq!(rule, expected);
        refused_unsent(
            &server,
            service.check_national("1", image.clone()).send().await,
            "selfie",
        )
        .await;
        let foreigner = service.check_foreigner(image.clone(), jpeg("s"), DocumentType::Passport);
        refused_unsent(&server, foreigner.send().await, "frontside").await;
        let foreigner = service.check_foreigner(jpeg("f"), image.clone(), DocumentType::Passport);
        refused_unsent(&server, foreigner.send().await, "selfie").await;
        refused_unsent(
            &server,
            service.check_liveness(image.clone()).send().await,
            "selfie",
        )
        .await;
    }
}

#[test]
fn usernames_and_check_paths_at_their_edges_are_refused_when_building() {
    let builder = || Client::builder("http://127.0.0.1:9").credentials(USERNAME, PASSWORD);
    let huge = edge::huge_text();
    for name in ["", " ", "user\n7", huge.as_str()] {
        let built = Client::builder("http://127.0.0.1:9")
            .credentials(name, PASSWORD)
            .build();
        check::refused(built, "username");
    }
    let long_path = format!("{}/", "segment/".repeat(200));
    for path in [long_path.as_str(), "a\u{85}b", huge.as_str()] {
        check::refused(
            builder().biometric_check_path(path).build(),
            "biometric_check_path",
        );
    }
    assert!(
        builder()
            .biometric_check_path("a/".repeat(500))
            .build()
            .is_ok()
    );
}

/// A service's `exp` of 1e300 panicked `Duration::from_secs_f64`; a caller's `Duration::MAX`
/// lifetime overflowed the renewal time. Both are now ordinary tokens.
#[tokio::test]
async fn token_lifetimes_beyond_the_clock_do_not_panic() {
    for (access, lifetime) in [
        (
            jwt_with(r#"{"exp":1e300,"iat":0}"#),
            Duration::from_secs(300),
        ),
        (jwt_with(r#"{"exp":1e300}"#), Duration::from_secs(300)),
        (
            jwt_with(r#"{"exp":18446744073709551615,"iat":0}"#),
            Duration::from_secs(300),
        ),
        ("opaque".to_owned(), Duration::MAX),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/api/token/"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"refresh": "r", "access": access})),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/api/v2/biometrics/liveness/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
                {"data": {"api_response": {"score": 1, "quality": 1, "liveness": 1}}})))
            .expect(2)
            .mount(&server)
            .await;
        let service = Client::builder(server.uri())
            .credentials(USERNAME, PASSWORD)
            .access_token_lifetime(lifetime)
            .build()
            .unwrap();
        for _ in 0..2 {
            service.check_liveness(jpeg("a")).send().await.unwrap();
        }
    }
}

/// An access token that cannot travel in a header used to fail the next call as if the caller
/// had sent something wrong (`InvalidRequest` on `credential`).
#[tokio::test]
async fn an_access_token_that_is_not_a_header_value_fails_the_login() {
    for access in ["line\nbreak", "", "tok\u{e9}n"] {
        let server = MockServer::start().await;
        let body = serde_json::json!({"refresh": "r", "access": access}).to_string();
        Mock::given(path("/api/token/"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let err = client_for(server.uri()).login().await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        check::server_failure(&err, body.as_bytes()).unwrap();
    }
}
