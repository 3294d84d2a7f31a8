//! Hostile input (issue 13) for BioPass ID: every call's answer (the documented answer mutated,
//! JSON and plain-text error bodies, arbitrary bytes, any status) through the real client, and
//! every caller value at its edges (custom ids, zero-byte and 100 MB images, fingers), refused
//! before any I/O.

use crate::common::{KEY, finger, id, jpeg, png};
use biopassid_client::{
    BioPassIdFailure, Client, CustomId, Error, Finger, Image, MAX_CUSTOM_ID_CHARS, Person,
    RetryPolicy, WebSdkCode,
};
use hostile_input::server::{Answer, Harness, assert_nothing_sent, silent_server};
use hostile_input::{check, edge, mutate};
use proptest::prelude::*;
use wiremock::MockServer;

const KEYS: &[&str] = &[
    "Person",
    "ClientID",
    "CustomID",
    "BioPassID",
    "Success",
    "Message",
    "Match",
    "MatchDetails",
    "FaceMatched",
    "NonMatchedFingers",
    "Fingers",
    "Face",
    "message",
    "error",
    "code",
];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The calls (enroll, update, verify, delete) and their valid answers to mutate, the error
/// bodies the notes describe among them.
fn valid_answers(call: usize) -> Vec<Vec<u8>> {
    let errors = [
        b"Failed to extract face template".to_vec(),
        b"Invalid JSON format".to_vec(),
        br#"{"Message": "CustomID already exists"}"#.to_vec(),
    ];
    let mut answers = match call {
        0 | 1 => vec![fixture("enroll-response-documented.json")],
        2 => vec![
            br#"{"Person": {"CustomID": "1234", "Match": false, "MatchDetails": {"FaceMatched": true, "NonMatchedFingers": ["Finger-2", "7", "LeftThumb"]}}}"#
                .to_vec(),
        ],
        3 => vec![br#"{"Person": {"CustomID": "1234"}}"#.to_vec()],
        _ => unreachable!("{call}"),
    };
    answers.extend(errors);
    answers
}

async fn make_call(client: &Client, call: usize) -> Result<String, Error> {
    let person = Person::new(id("1234"))
        .face(jpeg("f"))
        .finger(finger(2), png("p"));
    Ok(match call {
        0 => format!("{:?}", client.enroll(&person).await?),
        1 => format!("{:?}", client.update(&person).await?),
        2 => format!("{:?}", client.verify(&person).await?),
        3 => format!("{:?}", client.delete(person.custom_id()).await?),
        _ => unreachable!("{call}"),
    })
}

fn client_for(uri: impl Into<String>) -> Client {
    Client::builder(uri.into())
        .subscription_key(KEY)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .expect("a client")
}

thread_local! {
    static SERVICE: (Harness, Client) = {
        let harness = Harness::start();
        let client = client_for(harness.uri());
        (harness, client)
    };
}

fn answer() -> impl Strategy<Value = (usize, u16, &'static str, Vec<u8>)> {
    (0..4usize).prop_flat_map(|call| {
        let valid = valid_answers(call);
        let valid: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        (
            Just(call),
            prop::sample::select(vec![200u16, 200, 200, 400, 401, 404, 500]),
            prop::sample::select(vec!["application/json", "text/plain"]),
            mutate::body(&valid, KEYS),
        )
    })
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn every_answer_is_read_or_refused_with_its_body(
        (call, status, content_type, body) in answer(),
    ) {
        SERVICE.with(|(harness, client)| {
            let mut answer = Answer::json(status, body.clone());
            answer.content_type = content_type.to_owned();
            harness.slot().set(answer);
            match harness.block_on(make_call(client, call)) {
                Ok(shown) => {
                    prop_assert_eq!(status, 200);
                    prop_assert!(shown.len() <= 1024 + check::OUTPUT_PER_INPUT_BYTE * body.len());
                }
                Err(err) => {
                    check::server_failure(&err, &body)?;
                    if let Some(failure) = BioPassIdFailure::from_error(&err) {
                        let shown = format!("{failure:?}");
                        prop_assert!(shown.len() <= check::PRINT_LIMIT, "{}", shown.len());
                    }
                    let _ = WebSdkCode::from_error(&err);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_custom_id_with_a_control_character_is_refused(text in edge::text_with_control()) {
        let rule = check::refused(CustomId::new(text), "custom_id");
        prop_assert!(rule.contains("control") || rule.contains("blank"), "{rule}");
    }
}

// ---- The caller's side: refused before anything is sent. ----

async fn refused_unsent<T: std::fmt::Debug>(
    server: &MockServer,
    outcome: biopassid_client::Result<T>,
    field: &str,
) -> String {
    let rule = check::refused(outcome, field);
    assert_nothing_sent(server).await;
    rule
}

#[test]
fn custom_ids_blank_with_control_characters_or_1_mb_are_refused() {
    let huge = edge::huge_text();
    for bad in edge::BLANK_TEXTS.iter().chain(edge::CONTROL_TEXTS).copied() {
        let err = CustomId::new(bad).unwrap_err();
        assert_eq!(
            WebSdkCode::from_error(&err),
            Some(WebSdkCode::InvalidCustomId)
        );
        check::refused(Err::<(), _>(err), "custom_id");
    }
    let rule = check::refused(CustomId::new(huge), "custom_id");
    assert_eq!(
        rule,
        format!("must be at most {MAX_CUSTOM_ID_CHARS} characters (found 1000000)")
    );
    assert!(CustomId::new("é".repeat(MAX_CUSTOM_ID_CHARS)).is_ok());
}

#[tokio::test]
async fn zero_byte_images_are_refused_naming_their_slot() {
    let server = silent_server().await;
    let service = client_for(server.uri());
    let empty = Image::from_bytes(Vec::new());
    let face = Person::new(id("1")).face(jpeg("a")).face(empty.clone());
    let rule = refused_unsent(&server, service.enroll(&face).await, "Face-2").await;
    assert_eq!(rule, "is empty (a zero-byte image)");
    let thumb = Person::new(id("1")).finger(finger(1), empty);
    refused_unsent(&server, service.verify(&thumb).await, "Finger-1").await;
    refused_unsent(
        &server,
        service.update(&Person::new(id("1"))).await,
        "person",
    )
    .await;
}

#[tokio::test]
async fn a_100_mb_image_is_refused_before_it_is_encoded() {
    let server = silent_server().await;
    let service = client_for(server.uri());
    let huge = Person::new(id("1")).face(Image::from_bytes(edge::jpeg(edge::HUNDRED_MB)));
    let rule = refused_unsent(&server, service.enroll(&huge).await, "request body").await;
    assert_eq!(
        rule,
        "must be at most 10000000 bytes (its images alone are 133333336 bytes as base64)"
    );
    // The body's own size is still measured: images just under the limit in base64 plus the
    // JSON around them go over it.
    let at_limit = Person::new(id("1")).face(Image::from_bytes(edge::jpeg(7_500_000)));
    let rule = refused_unsent(&server, service.enroll(&at_limit).await, "request body").await;
    assert!(rule.starts_with("must be at most 10 MB (found"), "{rule}");
}

#[tokio::test]
async fn fingers_out_of_range_or_given_twice_are_refused() {
    let server = silent_server().await;
    let service = client_for(server.uri());
    for bad in [0u8, 11, u8::MAX] {
        check::refused(Finger::new(bad), "finger");
    }
    for bad in [
        "Finger-",
        "Finger-1x",
        "Finger--1",
        "Finger-99999999999",
        "\u{0}",
    ] {
        check::refused(bad.parse::<Finger>(), "finger");
    }
    let twice = Person::new(id("1"))
        .finger(finger(3), jpeg("a"))
        .finger(finger(3), jpeg("b"));
    refused_unsent(&server, service.verify(&twice).await, "Finger-3").await;
}

/// A plain-text error body becomes the failure's message whole; its `Debug` printed all of it.
#[tokio::test]
async fn a_megabyte_plain_text_error_prints_short() {
    let server = MockServer::start().await;
    let text = "Failed to extract face template ".repeat(32_000);
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_string(text.clone()))
        .mount(&server)
        .await;
    let person = Person::new(id("1")).face(jpeg("a"));
    let err = client_for(server.uri()).enroll(&person).await.unwrap_err();
    let failure = BioPassIdFailure::from_error(&err).expect("a BioPass ID failure");
    assert_eq!(failure.message.as_deref(), Some(text.trim()));
    assert!(format!("{failure:?}").len() <= check::PRINT_LIMIT);
    check::server_failure(&err, text.as_bytes()).unwrap();
}
