//! Hostile input (issue 13) for Control iD: every callback and notification parser and every
//! device answer (login, objects, photos, enrollments, monitor) under mutated fixtures,
//! arbitrary JSON and arbitrary bytes; and every caller text and image at its edges, refused
//! before anything is sent.
//!
//! `callbacks.rs` already feeds `parse` arbitrary bytes (`no_input_panics_the_parser`); here it
//! gets the documented payloads mutated, with the outcome checked, not only the absence of a
//! panic.

use std::time::Duration;

use crate::common::fixture;
use controlid_client::callbacks::{Callback, parse};
use controlid_client::{
    Client, EnrollFailure, EnrollTarget, Error, Image, MAX_HOSTNAME_CHARS, MAX_TEXT_CHARS,
    MonitorConfig, NewUser, PhotoRejection, RetryPolicy, UserId,
};
use hostile_input::server::{Answer, Harness, assert_nothing_sent, silent_server};
use hostile_input::{check, edge, mutate};
use proptest::prelude::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every field name the device sends, so that arbitrary JSON hits the decoders' own fields.
const KEYS: &[&str] = &[
    "user_id",
    "device_id",
    "card_value",
    "finger_type",
    "fingerprints",
    "image",
    "width",
    "height",
    "face",
    "user_image",
    "template",
    "object_changes",
    "object",
    "type",
    "values",
    "access_logs",
    "time",
    "door",
    "id",
    "open",
    "access_event_id",
    "operation_mode",
    "mode",
    "mode_name",
    "event",
    "uuid",
    "access_photo",
    "secbox",
    "session",
    "session_is_valid",
    "ids",
    "users",
    "name",
    "changes",
    "success",
    "errors",
    "code",
    "message",
    "error",
    "match_user_id",
    "scores",
    "user_ids",
    "monitor",
    "hostname",
    "port",
    "path",
    "request_timeout",
    "alive_interval",
];

/// The callback paths with their valid payloads (fixtures, or for the enrollment notifications
/// whose shape is not documented, one built from the common fields).
fn callbacks() -> Vec<(&'static str, Vec<u8>)> {
    let file = |name: &str| fixture(name).into_bytes();
    let enroll =
        br#"{"user_id": "12", "device_id": 935107, "user_image": "/9j/4A==", "pin": "8642"}"#;
    vec![
        ("/card_create.fcgi", file("card_create.json")),
        ("/fingerprint_create.fcgi", file("fingerprint_create.json")),
        (
            "/fingerprint_create.fcgi",
            file("fingerprint_create_raw.json"),
        ),
        ("/face_create.fcgi", file("face_create.json")),
        ("/face_create.fcgi", file("face_create_array.json")),
        ("/api/notifications/dao", file("dao.json")),
        (
            "/api/notifications/operation_mode",
            file("operation_mode.json"),
        ),
        (
            "/api/notifications/device_is_alive",
            file("device_is_alive.json"),
        ),
        ("/api/notifications/door", file("door.json")),
        ("/api/notifications/secbox", file("secbox.json")),
        ("/api/notifications/catra_event", file("catra_event.json")),
        ("/api/notifications/access_photo", file("access_photo.json")),
        ("/api/notifications/user_image", enroll.to_vec()),
        ("/api/notifications/template", enroll.to_vec()),
        ("/api/notifications/card", enroll.to_vec()),
        ("/api/notifications/pin", enroll.to_vec()),
        ("/api/notifications/password", enroll.to_vec()),
    ]
}

/// A callback path and a body for it: mostly its own payload mutated.
fn callback_input() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    let all = callbacks();
    (0..all.len()).prop_flat_map(move |i| {
        let (path, valid) = all[i].clone();
        (Just(path), mutate::body(&[&valid], KEYS))
    })
}

/// A `template_create.fcgi` query: the documented keys with hostile values.
fn template_query() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "[0-9]{1,3}",
        Just("-1".to_owned()),
        Just("65".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just(String::new()),
        "[ -~]{0,6}",
    ];
    let key = prop_oneof![
        Just("temp_num".to_owned()),
        (0u8..4).prop_map(|i| format!("size{i}")),
        Just("user_id".to_owned()),
        Just("device_id".to_owned()),
        Just("finger_type".to_owned()),
        Just("card_id".to_owned()),
        Just("SIZE0".to_owned()),
    ];
    prop::collection::vec((key, value), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn every_callback_reads_its_mutated_payload_or_fails_with_a_decode_error(
        (path, body) in callback_input(),
        content_type in proptest::option::of(Just("application/json")),
    ) {
        match parse(path, "", content_type, &body) {
            Ok(callback) => {
                prop_assert!(!matches!(callback, Callback::Unknown { .. }), "{path} is known");
                check::output_within(&callback, body.len())?;
            }
            Err(err) => {
                prop_assert!(matches!(err, Error::Decode(_)), "{err:?}");
                check::server_failure(&err, &body)?;
            }
        }
    }

    #[test]
    fn templates_are_split_exactly_by_the_query_or_refused(
        query in template_query(),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        match parse("/template_create.fcgi", &query, Some("application/octet-stream"), &body) {
            Ok(Callback::TemplatesCreated(created)) => {
                let total: usize = created.templates.iter().map(|t| t.len()).sum();
                prop_assert_eq!(total, body.len(), "the sizes cover the body exactly");
                prop_assert!(created.templates.len() <= 64);
            }
            Ok(other) => prop_assert!(false, "unexpected {other:?}"),
            Err(err) => {
                prop_assert!(matches!(err, Error::Decode(_)), "{err:?}");
                check::server_failure(&err, &body)?;
            }
        }
    }
}

fn client_for(uri: String) -> Client {
    Client::builder(uri)
        .credentials("admin", "s3cret-pw")
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .expect("a client")
}

thread_local! {
    /// A device whose login always works and whose every other answer comes from the slot.
    static DEVICE: (Harness, Client) = {
        let harness = Harness::start();
        harness.mount(
            Mock::given(method("POST"))
                .and(path("/login.fcgi"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(serde_json::json!({"session": "s-1"})),
                ),
        );
        let client = client_for(harness.uri());
        (harness, client)
    };
}

fn user() -> UserId {
    UserId::new(7).unwrap()
}

/// The calls whose answers are decoded, each with the valid answers to mutate.
const CALLS: usize = 17;

fn valid_answers(call: usize) -> Vec<Vec<u8>> {
    let file = |name: &str| fixture(name).into_bytes();
    let json = |value: serde_json::Value| serde_json::to_vec(&value).unwrap();
    let users = json(serde_json::json!({"users": [
        {"id": 7, "name": "Ana", "registration": "42", "begin_time": 0, "end_time": 1893456000}
    ]}));
    match call {
        0 => vec![json(serde_json::json!({"session_is_valid": true}))],
        1 => vec![json(serde_json::json!({"ids": [7]}))],
        2 | 3 => vec![users],
        4 | 5 => vec![json(serde_json::json!({"changes": 1}))],
        6 => vec![
            json(serde_json::json!({"success": true, "scores": {
                "bounds_width": 120, "horizontal_center_offset": 3, "vertical_center_offset": -2,
                "center_pose_quality": 900, "sharpness_quality": 870}})),
            json(serde_json::json!({"success": false, "errors": [
                {"code": 2, "message": "Face not detected"}]})),
        ],
        7 => vec![edge::jpeg(64)],
        8 | 14 | 16 => vec![b"{}".to_vec(), Vec::new()],
        9 => vec![json(serde_json::json!({"user_ids": [1, 7]}))],
        10 => vec![
            file("enroll_face_sync.json"),
            file("enroll_face_exists.json"),
        ],
        11 => vec![
            file("enroll_card_sync.json"),
            file("enroll_face_exists.json"),
        ],
        12 => vec![file("enroll_biometry_sync.json")],
        13 => vec![
            json(serde_json::json!({"success": true})),
            file("enroll_face_exists.json"),
        ],
        15 => vec![json(serde_json::json!({"monitor": {
            "hostname": "192.168.0.20", "port": "8000", "path": "api/notifications",
            "request_timeout": "5000", "alive_interval": "30000",
            "enable_photo_upload": "1", "inform_access_event_id": "0"}}))],
        _ => unreachable!("{call}"),
    }
}

/// Makes call `call` and returns its outcome with `Debug` of the value (for the bound check).
async fn make_call(client: &Client, call: usize) -> Result<String, Error> {
    let debug = |v: &dyn std::fmt::Debug| format!("{v:?}");
    Ok(match call {
        0 => debug(&client.session_is_valid().await?),
        1 => debug(&client.create_user(NewUser::new("Ana")).await?),
        2 => debug(&client.user(user()).await?),
        3 => debug(&client.users_page(10, 0).await?),
        4 => debug(
            &client
                .modify_user(user(), NewUser::changes().name("Bo"))
                .await?,
        ),
        5 => debug(&client.destroy_user(user()).await?),
        6 => {
            let photo = Image::from_bytes(edge::jpeg(64));
            debug(&client.set_user_image(user(), &photo, true).await?)
        }
        7 => debug(&client.user_image(user()).await?),
        8 => debug(&client.destroy_user_image(user()).await?),
        9 => debug(&client.users_with_images().await?),
        10 => debug(
            &client
                .remote_enroll_face(EnrollTarget::SaveToUser(user()))
                .sync()
                .send()
                .await?,
        ),
        11 => debug(
            &client
                .remote_enroll_card(EnrollTarget::return_only())
                .sync()
                .send()
                .await?,
        ),
        12 => debug(
            &client
                .remote_enroll_fingerprint(EnrollTarget::return_for(user()))
                .sync()
                .send()
                .await?,
        ),
        13 => debug(
            &client
                .remote_enroll_face(EnrollTarget::return_for(user()))
                .send(&controlid_client::EnrollmentResults::in_process())
                .await?,
        ),
        14 => debug(&client.cancel_remote_enroll().await?),
        15 => debug(&client.monitor_config().await?),
        16 => {
            let config = MonitorConfig::new("192.168.0.20", 8000, "api/notifications");
            debug(&client.set_monitor_config(&config).await?)
        }
        _ => unreachable!("{call}"),
    })
}

fn device_answer() -> impl Strategy<Value = (usize, u16, Vec<u8>)> {
    (0..CALLS).prop_flat_map(|call| {
        let valid = valid_answers(call);
        let valid: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        (
            Just(call),
            prop::sample::select(vec![200u16, 200, 200, 400, 401, 403, 500]),
            mutate::body(&valid, KEYS),
        )
    })
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn every_device_answer_is_read_or_refused_with_its_body(
        (call, status, body) in device_answer(),
    ) {
        DEVICE.with(|(harness, client)| {
            harness.slot().set(Answer::json(status, body.clone()));
            match harness.block_on(make_call(client, call)) {
                Ok(debug) => {
                    prop_assert!(status == 200, "call {call} succeeded on {status}");
                    prop_assert!(debug.len() <= 1024 + check::OUTPUT_PER_INPUT_BYTE * body.len());
                }
                Err(err) => {
                    check::server_failure(&err, &body)?;
                    // The typed views read the same error without panicking, and print short.
                    if let Some(failure) = EnrollFailure::from_error(&err) {
                        let shown = format!("{failure:?}");
                        prop_assert!(shown.len() <= check::PRINT_LIMIT, "{}", shown);
                    }
                    if let Some(rejection) = PhotoRejection::from_error(&err) {
                        check::output_within(&rejection, body.len())?;
                    }
                }
            }
            Ok(())
        })?;
    }
}

thread_local! {
    /// A device whose every answer, the login's included, comes from the slot.
    static LOGIN: Harness = Harness::start();
}

proptest! {
    #![proptest_config(hostile_input::light_config())]

    #[test]
    fn a_hostile_login_answer_is_an_authentication_failure_carrying_its_body(
        status in prop::sample::select(vec![200u16, 200, 401, 500]),
        body in mutate::body(&[br#"{"session": "2a1f9c0e"}"#, br#"{"error": "Invalid user or password"}"#], KEYS),
    ) {
        LOGIN.with(|harness| {
            harness.slot().set(Answer::json(status, body.clone()));
            // A new client each case: the login runs every time.
            let client = client_for(harness.uri());
            match harness.block_on(client.login()) {
                Ok(()) => prop_assert_eq!(status, 200),
                Err(err) => check::server_failure(&err, &body)?,
            }
            Ok(())
        })?;
    }
}

// ---- The caller's side: refused before anything is sent. ----

async fn refused_unsent<T: std::fmt::Debug>(
    server: &MockServer,
    outcome: controlid_client::Result<T>,
    field: &str,
) -> String {
    let rule = check::refused(outcome, field);
    assert_nothing_sent(server).await;
    rule
}

#[tokio::test]
async fn user_names_registrations_and_columns_with_control_characters_or_1_mb_are_refused() {
    let server = silent_server().await;
    let device = client_for(server.uri());
    let huge = edge::huge_text();
    for bad in edge::CONTROL_TEXTS.iter().copied().chain([huge.as_str()]) {
        let rule =
            refused_unsent(&server, device.create_user(NewUser::new(bad)).await, "name").await;
        assert!(
            rule.contains("control") || rule.contains(&MAX_TEXT_CHARS.to_string()),
            "{rule}"
        );
        let changes = NewUser::changes().registration(bad);
        refused_unsent(
            &server,
            device.modify_user(user(), changes).await,
            "registration",
        )
        .await;
        let column = NewUser::new("Ana").column(bad, 1);
        refused_unsent(&server, device.create_user(column).await, "column").await;
    }
    for blank in edge::BLANK_TEXTS {
        refused_unsent(
            &server,
            device.create_user(NewUser::new(*blank)).await,
            "name",
        )
        .await;
    }
    refused_unsent(&server, device.create_users(Vec::new()).await, "users").await;
    refused_unsent(&server, device.users_page(0, 0).await, "limit").await;
}

#[tokio::test]
async fn a_name_of_exactly_the_limit_is_sent() {
    let server = MockServer::start().await;
    crate::common::sessions(&server, &["s-1"]).await;
    Mock::given(path("/create_objects.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ids": [9]})))
        .expect(1)
        .mount(&server)
        .await;
    let device = crate::common::client(&server);
    let name = "é".repeat(MAX_TEXT_CHARS);
    assert_eq!(
        device.create_user(NewUser::new(name)).await.unwrap().get(),
        9
    );
}

#[tokio::test]
async fn enrollment_messages_and_registrations_at_their_edges_are_refused() {
    let server = silent_server().await;
    let device = client_for(server.uri());
    let huge = edge::huge_text();
    for bad in edge::CONTROL_TEXTS.iter().copied().chain([huge.as_str()]) {
        let face = device
            .remote_enroll_face(EnrollTarget::return_only())
            .message(bad);
        refused_unsent(&server, face.sync().send().await, "msg").await;
        let card = device
            .remote_enroll_card(EnrollTarget::return_only())
            .registration(bad);
        let results = controlid_client::EnrollmentResults::in_process();
        refused_unsent(&server, card.send(&results).await, "registration").await;
    }
    let finger = device
        .remote_enroll_fingerprint(EnrollTarget::return_only())
        .registration("  ");
    refused_unsent(&server, finger.sync().send().await, "registration").await;
    let countdown = device
        .remote_enroll_face(EnrollTarget::return_only())
        .auto_capture(Duration::ZERO);
    let results = controlid_client::EnrollmentResults::in_process();
    refused_unsent(&server, countdown.send(&results).await, "countdown").await;
}

#[tokio::test]
async fn monitor_values_at_their_edges_are_refused() {
    let server = silent_server().await;
    let device = client_for(server.uri());
    let long_host = "h".repeat(MAX_HOSTNAME_CHARS + 1);
    for host in ["", "my host", "host\n", long_host.as_str()] {
        let config = MonitorConfig::new(host, 8000, "api");
        refused_unsent(
            &server,
            device.set_monitor_config(&config).await,
            "monitor.hostname",
        )
        .await;
    }
    let huge = edge::huge_text();
    for bad in ["api\r\nnotifications", huge.as_str()] {
        let config = MonitorConfig::new("10.0.0.2", 8000, bad);
        refused_unsent(
            &server,
            device.set_monitor_config(&config).await,
            "monitor.path",
        )
        .await;
        let config = MonitorConfig::new("10.0.0.2", 8000, "api").enable_photo_upload(bad);
        let rule = refused_unsent(
            &server,
            device.set_monitor_config(&config).await,
            "monitor.enable_photo_upload",
        )
        .await;
        assert!(!rule.is_empty());
    }
    let config = MonitorConfig::new("10.0.0.2", 8000, "api").inform_access_event_id(" ");
    refused_unsent(
        &server,
        device.set_monitor_config(&config).await,
        "monitor.inform_access_event_id",
    )
    .await;
    let config = MonitorConfig::new("10.0.0.2", 0, "api");
    refused_unsent(
        &server,
        device.set_monitor_config(&config).await,
        "monitor.port",
    )
    .await;
}

#[tokio::test]
async fn zero_byte_and_100_mb_photos_are_refused_naming_the_photo() {
    let server = silent_server().await;
    let device = client_for(server.uri());
    let empty = Image::from_bytes(Vec::new());
    let rule = refused_unsent(
        &server,
        device.set_user_image(user(), &empty, false).await,
        "photo",
    )
    .await;
    assert_eq!(
        rule, "is empty",
        "a zero-byte photo says so, not \"must be a Jpeg\""
    );
    let huge = Image::from_bytes(edge::jpeg(edge::HUNDRED_MB));
    let rule = refused_unsent(
        &server,
        device.set_user_image(user(), &huge, false).await,
        "photo",
    )
    .await;
    assert_eq!(rule, "must be under 1 MB (found 100000000 bytes)");
}

#[test]
fn an_empty_login_is_refused_when_building() {
    let rule = check::refused(
        Client::builder("http://127.0.0.1:9")
            .credentials("", "pw")
            .build(),
        "login",
    );
    assert_eq!(rule, "must not be empty or blank");
}

// ---- Found by the suites above, kept as plain cases. ----

/// `{"ids": []}` used to be a decode error without the device's body; ids that do not match the
/// users sent were returned as if they did.
#[tokio::test]
async fn an_answer_with_the_wrong_number_of_ids_is_a_decode_error_with_the_body() {
    for (users, body) in [
        (1, r#"{"ids": []}"#),
        (2, r#"{"ids": [5]}"#),
        (1, r#"{"ids": [5, 6]}"#),
    ] {
        let server = MockServer::start().await;
        crate::common::sessions(&server, &["s-1"]).await;
        Mock::given(path("/create_objects.fcgi"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
        let device = crate::common::client(&server);
        let new_users = (0..users)
            .map(|i| NewUser::new(format!("user {i}")))
            .collect();
        let err = device.create_users(new_users).await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(decode.path.as_deref(), Some("ids"), "{body}");
        assert_eq!(&decode.body[..], body.as_bytes());
    }
}

/// A monitor value that is not a number used to be a decode error without the device's body; a
/// port beyond 65535 was read as 0.
#[tokio::test]
async fn a_monitor_answer_with_a_bad_number_is_a_decode_error_with_the_body() {
    for (port, field) in [
        (" ", "monitor.port"),
        ("70000", "monitor.port"),
        ("8000", "monitor.request_timeout"),
    ] {
        let server = MockServer::start().await;
        crate::common::sessions(&server, &["s-1"]).await;
        let body = serde_json::json!({"monitor": {"hostname": "h", "port": port, "path": "p",
            "request_timeout": if field == "monitor.port" { "5000" } else { "5 s" }}})
        .to_string();
        Mock::given(path("/get_configuration.fcgi"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let err = crate::common::client(&server)
            .monitor_config()
            .await
            .unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(decode.path.as_deref(), Some(field), "{port}");
        assert_eq!(decode.body, body.as_bytes());
    }
}

/// A device reason of a megabyte printed whole in `EnrollFailure`'s `Debug`.
#[tokio::test]
async fn a_huge_enrollment_refusal_prints_short() {
    let server = MockServer::start().await;
    crate::common::sessions(&server, &["s-1"]).await;
    let reason = "word ".repeat(200_000);
    Mock::given(path("/remote_enroll.fcgi"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"success": false, "error": reason})),
        )
        .mount(&server)
        .await;
    let err = crate::common::client(&server)
        .remote_enroll_face(EnrollTarget::return_only())
        .sync()
        .send()
        .await
        .unwrap_err();
    let failure = EnrollFailure::from_error(&err).expect("a refusal");
    assert_eq!(failure.reason, reason, "the reason itself is kept whole");
    assert!(format!("{failure:?}").len() <= check::PRINT_LIMIT);
    assert!(check::display_chain(&err).len() <= check::PRINT_LIMIT);
}

#[test]
fn a_login_at_its_edges_is_refused_when_the_client_is_built() {
    use hostile_input::{check, edge};
    let huge = edge::huge_text();
    for bad in ["", "  ", "ad\u{0}min", "ad\nmin", huge.as_str()] {
        let built = controlid_client::Client::builder("http://127.0.0.1:9")
            .credentials(bad, "password")
            .build()
            .map(drop);
        check::refused(built, "login");
    }
}
