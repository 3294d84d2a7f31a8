//! What deployed Control iD devices send, and what the client must keep of it. The payloads
//! below have the shapes captured from iDFace / iDAccess terminals in the field (values are our
//! own): numbers as strings inside `dao` values, a top-level `time`, device ids beyond 32 bits,
//! fields newer firmware adds, refusals with `info` and `scores`, `usb_drive`.

use controlid_client::callbacks::{
    AccessEvent, Callback, ChangeType, Notification, TemplateRow, parse,
};
use controlid_client::{
    Client, EnrollFailure, EnrollTarget, Image, PhotoRejection, RetryPolicy, UserId,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn notification(name: &str, body: &str) -> Notification {
    let path = format!("/api/notifications/{name}");
    match parse(&path, "", Some("application/json"), body.as_bytes()) {
        Ok(Callback::Notification(notification)) => notification,
        other => panic!("{name}: {other:?}"),
    }
}

/// A `dao` as newer firmware posts it: top-level `device_id` (beyond 32 bits) and `time`,
/// every value a string, and the fields newer firmware adds.
const NEWER_DAO: &str = r#"{"object_changes":[{"object":"access_logs","type":"inserted",
    "values":{"id":"24","time":"1705523584","event":"7","device_id":"4408801109264246",
    "identifier_id":"0","user_id":"1","portal_id":"1","identification_rule_id":"0",
    "card_value":"0","qrcode_value":"","pin_value":"4321","confidence":"1009","mask":"1",
    "log_type_id":"-1"}}],"device_id":4408801109264246,"time":1705523585}"#;

#[test]
fn a_dao_keeps_its_device_and_time_and_types_the_access_log() {
    let Notification::Dao(dao) = notification("dao", NEWER_DAO) else {
        panic!()
    };

    assert_eq!(dao.device_id.map(|d| d.0), Some(4_408_801_109_264_246));
    assert_eq!(
        dao.time.map(|t| t.timestamp()),
        Some(1_705_523_585),
        "the top-level time is not dropped"
    );
    let logs: Vec<_> = dao.access_logs().collect();
    assert_eq!(logs.len(), 1);
    let log = &logs[0];
    assert_eq!(log.id, Some(24));
    assert_eq!(log.event, AccessEvent::AccessGranted);
    assert!(log.event.is_granted());
    assert_eq!(log.user_id, Some(UserId::new(1).unwrap()));
    assert_eq!(
        log.time.unwrap().to_rfc3339(),
        "2024-01-17T20:33:04+00:00",
        "the device's Unix seconds are UTC"
    );
    assert_eq!(log.device_id.map(|d| d.0), Some(4_408_801_109_264_246));
    assert_eq!(log.portal_id, Some(1));
    assert_eq!(log.confidence, Some(1009));
    assert_eq!(log.mask, Some(true));
    assert_eq!(log.card_value, None, "card 0 is no card");
    assert_eq!(
        log.raw.get("pin_value"),
        Some(&serde_json::json!("4321")),
        "untyped fields stay reachable"
    );
    let shown = format!("{dao:?} {log:?}");
    assert!(
        !shown.contains("4321"),
        "a PIN never reaches Debug: {shown}"
    );
}

#[test]
fn an_unidentified_person_is_nobody_and_detection_confidence_is_read() {
    // As captured from an iDFace: `user_id` empty, `detection_confidence` instead of
    // `confidence`.
    let body = r#"{"object_changes":[{"object":"access_logs","type":"inserted","values":{
        "id":"399","time":"1648487955","event":"3","device_id":"4408801109217724",
        "identifier_id":"1717658368","user_id":"","portal_id":"","identification_rule_id":"",
        "card_value":"0","qrcode_value":"","detection_confidence":"1364","mask":"0",
        "log_type_id":"-1"}}],"device_id":4408801109217724,"time":1648487956}"#;
    let Notification::Dao(dao) = notification("dao", body) else {
        panic!()
    };

    let log = dao.access_logs().next().unwrap();

    assert_eq!(log.event, AccessEvent::NotIdentified);
    assert!(!log.event.is_granted());
    assert_eq!(log.user_id, None);
    assert_eq!(log.portal_id, None, "an empty value is none");
    assert_eq!(log.identifier_id, Some(1_717_658_368));
    assert_eq!(log.confidence, Some(1364));
    assert_eq!(log.mask, Some(false));
}

#[test]
fn event_codes_the_sdk_does_not_know_are_kept() {
    assert_eq!(AccessEvent::from_code(42), AccessEvent::Unknown(42));
    assert_eq!(AccessEvent::from_code(42).code(), 42);
    for code in 1..=15 {
        assert_eq!(AccessEvent::from_code(code).code(), code);
        assert!(!matches!(
            AccessEvent::from_code(code),
            AccessEvent::Unknown(_)
        ));
    }
}

#[test]
fn a_template_insert_is_typed_and_its_bytes_stay_out_of_debug() {
    let template = biometric_core::base64::encode(b"SECRET-TEMPLATE-BYTES");
    let body = format!(
        r#"{{"object_changes":[{{"object":"templates","type":"inserted","values":{{
        "id":"5","user_id":"12","finger_position":"0","finger_type":"0",
        "template":"{template}"}}}},{{"object":"users","type":"updated","values":{{"id":"12"}}}}],
        "device_id":478435,"time":1490271121}}"#
    );
    let Notification::Dao(dao) = notification("dao", &body) else {
        panic!()
    };

    let rows: Vec<TemplateRow> = dao.templates().collect();

    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].user_id, Some(UserId::new(12).unwrap()));
    assert_eq!(
        rows[0].template.as_ref().unwrap().bytes().as_ref(),
        b"SECRET-TEMPLATE-BYTES"
    );
    assert_eq!(dao.object_changes[1].change, ChangeType::Updated);
    assert!(dao.object_changes[1].access_log().is_none());
    let shown = format!("{rows:?} {dao:?}");
    assert!(
        !shown.contains(&template) && !shown.contains("SECRET"),
        "{shown}"
    );
}

#[test]
fn usb_drive_is_typed_with_its_device_and_time() {
    let body = r#"{"usb_drive":{"event":"Export formatted access logs routine succeeded [uuid=2C9D-476B]"},"device_id":478435,"time":1490271121}"#;

    let Notification::UsbDrive(usb) = notification("usb_drive", body) else {
        panic!("usb_drive is not left in Callback::Unknown")
    };

    assert_eq!(
        usb.usb_drive.event,
        "Export formatted access logs routine succeeded [uuid=2C9D-476B]"
    );
    assert_eq!(usb.device_id.map(|d| d.0), Some(478_435));
    assert_eq!(usb.time.map(|t| t.timestamp()), Some(1_490_271_121));
}

#[test]
fn every_notification_keeps_the_device_id_and_time_it_was_sent_with() {
    let with = |name: &str, fields: &str| {
        format!(
            r#"{{{fields},"device_id":"4408801109264246","time":"1705523585","firmware_field":1}}"#
        )
        .replace("NAME", name)
    };
    for (name, fields) in [
        ("dao", r#""object_changes":[]"#),
        ("device_is_alive", r#""access_logs":"12""#),
        ("door", r#""door":{"id":"1","open":"1"}"#),
        ("secbox", r#""secbox":{"id":1,"open":false}"#),
        (
            "operation_mode",
            r#""operation_mode":{"mode":"1","mode_name":"online"}"#,
        ),
        (
            "catra_event",
            r#""event":{"type":"7","name":"TURN LEFT","time":"1705523584","uuid":"x"}"#,
        ),
        ("access_photo", r#""event":"7","access_photo":"/9j/2Q==""#),
        ("usb_drive", r#""usb_drive":{"event":"ok"}"#),
        ("user_image", r#""user_id":"12""#),
    ] {
        let notification = notification(name, &with(name, fields));
        assert_eq!(
            notification.device_id().map(|d| d.0),
            Some(4_408_801_109_264_246),
            "{name}"
        );
        assert_eq!(
            notification.time().map(|t| t.timestamp()),
            Some(1_705_523_585),
            "{name}"
        );
    }
}

#[test]
fn fields_newer_firmware_adds_stay_reachable() {
    let body = r#"{"door":{"id":1,"open":true},"device_id":1,"time":2,"door_name":"Lobby"}"#;
    let Notification::Door(door) = notification("door", body) else {
        panic!()
    };
    assert_eq!(
        door.other.get("door_name"),
        Some(&serde_json::json!("Lobby"))
    );
}

#[test]
fn callbacks_read_numbers_sent_as_strings() {
    let body = r#"{"user_id":"1","card_value":"132456789","device_id":"4408801109264246"}"#;
    let Callback::CardCreated(card) = parse(
        "/card_create.fcgi",
        "",
        Some("application/json"),
        body.as_bytes(),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(
        (card.user_id.get(), card.card_value.get(), card.device_id.0),
        (1, 132_456_789, 4_408_801_109_264_246)
    );
}

// ---------------------------------------------------------------------------------------------
// Refusals that say why

const FACE_EXISTS: &str = r#"{"success":false,"errors":[{"code":3,"message":"Face exists",
    "info":{"match_user_id":1003088,"match_confidence":1048}}],"scores":{"bounds_width":118,
    "horizontal_center_offset":-160,"vertical_center_offset":32,"center_pose_quality":915,
    "sharpness_quality":750}}"#;

async fn device_answering(path_: &str, status: u16, body: &str) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "session": "s1"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(path_))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/json")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .credentials("admin", "admin")
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn a_refused_photo_says_whom_the_face_matched_how_surely_and_the_scores() {
    for status in [200, 400] {
        let (_server, client) = device_answering("/user_set_image.fcgi", status, FACE_EXISTS).await;
        let photo = Image::from_bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0xFF, 0xD9].to_vec());

        let err = client
            .set_user_image(UserId::new(7).unwrap(), &photo, true)
            .await
            .unwrap_err();

        let rejection = PhotoRejection::from_error(&err).expect("a typed refusal");
        let problem = &rejection.problems[0];
        assert!(problem.is_face_exists(), "under {status}");
        assert_eq!(problem.message, "Face exists");
        assert_eq!(
            rejection.face_exists(),
            Some((UserId::new(1_003_088).unwrap(), Some(1048))),
            "under {status}"
        );
        let scores = rejection.scores.expect("the refusal's scores");
        assert_eq!(
            (scores.bounds_width, scores.center_pose_quality),
            (Some(118), Some(915))
        );
        assert_eq!(scores.horizontal_center_offset, Some(-160));
    }
}

#[tokio::test]
async fn an_enrollment_refused_with_the_errors_shape_names_the_matched_user() {
    let (_server, client) = device_answering("/remote_enroll.fcgi", 200, FACE_EXISTS).await;

    let err = client
        .remote_enroll_face(EnrollTarget::SaveToUser(UserId::new(7).unwrap()))
        .sync()
        .send()
        .await
        .unwrap_err();

    let failure = EnrollFailure::from_error(&err).expect("a typed refusal");
    assert!(failure.is_face_exists(), "{failure:?}");
    assert_eq!(failure.match_user_id, Some(UserId::new(1_003_088).unwrap()));
    assert_eq!(failure.match_confidence, Some(1048));
}

#[tokio::test]
async fn a_refusal_is_a_refusal_whatever_the_type_of_its_fields() {
    for body in [
        r#"{"success": "false"}"#,
        r#"{"success": 0, "error": "Timeout"}"#,
        r#"{"error": {"code": 5, "text": "busy"}}"#,
        r#"{"errors": [{"code": "2", "message": "Face not detected"}]}"#,
    ] {
        let (_server, client) = device_answering("/remote_enroll.fcgi", 200, body).await;

        let sent = client
            .remote_enroll_face(EnrollTarget::return_only())
            .sync()
            .send()
            .await;

        let err = sent.expect_err(body);
        assert!(err.as_api().is_some(), "{body}: {err:?}");
    }
}
