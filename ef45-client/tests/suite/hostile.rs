//! Hostile input (issue 13) for the EF-45 decoders: card hex (parsed from the caller and from
//! the device), and the answers of the session and record calls (the sheet's example answers
//! mutated, arbitrary JSON and bytes, statuses 200/400/500) through the real client.

use crate::common::{LOCK, fixture};
use ef45_client::{Card, Client, DeviceFailure, Error, RetryPolicy, Subject};
use hostile_input::server::{Answer, Harness};
use hostile_input::{check, edge, mutate};
use proptest::prelude::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const KEYS: &[&str] = &[
    "status_code",
    "reason_phrase",
    "items",
    "page",
    "page_size",
    "has_more",
    "total",
    "user_uuid",
    "record_version",
    "last_name",
    "first_name",
    "access_allowed",
    "left_eye_template",
    "right_eye_template",
    "card",
    "cards",
    "sub_id",
    "remarks",
    "pin",
    "admin",
    "version",
    "count",
    "duplicate_uuid",
    "lock_uid",
    "id",
    "event_type",
    "timestamp",
    "info",
    "matched_faceimage_data",
    "encounter_id",
    "left_eye",
    "left_eye__iris_template",
    "left_eye_enrol_template",
    "far_off_face_feature",
    "far_on_face_LED_state",
    "log_id",
    "uuid",
    "face_image",
    "avg_distance",
    "success",
    "status",
    "file",
    "size",
    "title",
    "int",
    "bool",
    "door_sensor",
    "camera_mode",
    "from_time",
    "used",
    "sc_idx",
    "operation",
];

/// Card text as the device writes it, mutated: bytes flipped, dropped, repeated, cut.
fn card_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => mutate::mutated(b"65 D8 A1 BD")
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        1 => "[0-9a-fA-F \\t\\n]{0,24}",
        1 => ".{0,16}",
    ]
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn card_hex_is_read_exactly_or_refused_naming_the_card(text in card_text()) {
        let digits: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match text.parse::<Card>() {
            Ok(card) => {
                prop_assert_eq!(card.as_bytes().len() * 2, digits.len());
                // The canonical form reads back to the same card.
                prop_assert_eq!(card.to_string().parse::<Card>().unwrap(), card);
            }
            Err(err) => {
                check::refused(Err::<(), _>(err), "card");
            }
        }
        // From the device, inside JSON: hex bytes as a card; other non-blank text kept as the
        // device wrote it (the card screen also takes manual input); blank refused.
        let json = serde_json::to_string(&text).unwrap();
        match (serde_json::from_str::<Card>(&json), text.parse::<Card>()) {
            (Ok(read), Ok(parsed)) => prop_assert_eq!(read, parsed),
            (Ok(read), Err(_)) => {
                prop_assert!(!read.is_hex());
                prop_assert_eq!(read.to_string(), text);
            }
            (Err(_), _) => prop_assert!(text.trim().is_empty()),
        }
    }
}

#[test]
fn huge_and_control_card_texts_are_refused() {
    let huge = "AB ".repeat(edge::HUGE_LEN / 3);
    // A megabyte of valid hex is a card of a third of a megabyte: the sheet gives no length.
    assert_eq!(
        huge.parse::<Card>().unwrap().as_bytes().len(),
        edge::HUGE_LEN / 3
    );
    for bad in ["65 D8\u{0}", "65\u{85}D8", "６５", ""] {
        check::refused(bad.parse::<Card>(), "card");
    }
}

thread_local! {
    static DEVICE: (Harness, Client) = {
        let harness = Harness::start();
        harness.mount(
            Mock::given(method("POST"))
                .and(path("/1.0/lock"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(serde_json::json!({"lock_uid": LOCK})),
                ),
        );
        let client = Client::builder(harness.uri())
            .credentials(crate::common::ID, crate::common::PASSWD)
            .http(|h| h.retry(RetryPolicy::disabled()))
            .build()
            .expect("a client");
        (harness, client)
    };
}

fn subject() -> serde_json::Value {
    serde_json::json!({
        "user_uuid": "111", "record_version": 8976, "last_name": "david",
        "access_allowed": true, "first_name": null, "match_until": null,
        "wiegand_facility": -1, "wiegand_site": -1, "wiegand_code": -1, "wiegand_custom": "",
        "left_eye_template": "TEFGVA==", "right_eye_template": "UklHSFQ=",
        "left_image_path": 0, "right_image_path": "righteye.bmp",
    })
}

fn info() -> serde_json::Value {
    serde_json::json!({
        "user_uuid": "111", "card": "65 d8 a1 bd", "pin": "1234", "admin": 1, "group_index": 0,
        "by_pass_card": 0, "indivisual": 0, "three_out_status": 0,
        "three_out_status_access_allowd": 0, "job_code": 0, "time_schedule_code": -1,
        "apb_status": 0, "message": "",
    })
}

fn page(items: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "status_code": 200, "reason_phrase": "OK", "items": items,
        "page": 1, "page_size": 50, "has_more": false, "total": 1,
    }))
    .unwrap()
}

const CALLS: usize = 22;

fn valid_answers(call: usize) -> Vec<Vec<u8>> {
    let refusal = br#"{"status_code": 1301, "reason_phrase": "Permission denied!"}"#.to_vec();
    let json = |v: serde_json::Value| serde_json::to_vec(&v).unwrap();
    let mut answers = match call {
        0 => vec![fixture("common_version_answer.json").into_bytes()],
        1 => vec![fixture("subject_count_answer.json").into_bytes()],
        2 => vec![fixture("subject_record_version_answer.json").into_bytes()],
        3 => vec![
            fixture("subject_duplicate_answer.json").into_bytes(),
            b"{}".to_vec(),
        ],
        4 => vec![json(subject())],
        5 => vec![page(serde_json::json!([subject()]))],
        6 => vec![json(info())],
        7 => vec![json(serde_json::json!({"user_uuid": "111",
            "cards": [{"sub_id": 0, "card": "65 d8 a1 bd", "remarks": "blue"}]}))],
        8 => vec![fixture("log_list_answer.json").into_bytes()],
        9 => vec![page(serde_json::json!([crate::common::fixture_json(
            "biometric_data_item.json"
        )]))],
        10 => vec![page(serde_json::json!([crate::common::fixture_json(
            "match_data_item.json"
        )]))],
        11 => vec![
            json(
                serde_json::json!({"left_eye": "/9j/4AAQ", "face_image": "", "avg_distance": 3,
                                    "message": 1, "switch_flag": true}),
            ),
            Vec::new(),
        ],
        12 => vec![fixture("config_answer.json").into_bytes()],
        13 => vec![fixture("config_door_status_answer.json").into_bytes()],
        14 => vec![
            fixture("control_answer.json").into_bytes(),
            br#"{"success":true,"status":"Ok"}"#.to_vec(),
        ],
        15 => vec![fixture("control_card_data_answer.json").into_bytes()],
        16 => vec![br#"{"file":"iVBORw0KGgo=","size":8}"#.to_vec()],
        17 => vec![json(serde_json::json!(
            {"serial_number":"EB0022A002929","camera_mode":"Recog","audio_enabled":true}))],
        18 => vec![br#"{"size":44915712,"status":"","file":""}"#.to_vec()],
        19 => vec![fixture("user_schedule_body.json").into_bytes()],
        20 => vec![page(
            serde_json::json!([{"sc_idx": 1, "si_idx": 2, "st_idx": 3,
            "sc_type": "W", "sc_cond": "1111100", "sc_re_day": 0}]),
        )],
        21 => vec![fixture("control_manual_answer.json").into_bytes()],
        _ => unreachable!("{call}"),
    };
    answers.push(refusal);
    answers
}

async fn make_call(device: &Client, call: usize) -> Result<String, Error> {
    Ok(match call {
        0 => format!("{:?}", device.version().await?),
        1 => format!("{:?}", device.subject_count().await?),
        2 => format!("{:?}", device.record_version().await?),
        3 => format!(
            "{:?}",
            device.find_duplicate(&Subject::new("111", "david")).await?
        ),
        4 => format!("{:?}", device.subject("111").await?),
        5 => format!("{:?}", device.subjects_page(1, None).await?),
        6 => format!("{:?}", device.user_info("111").await?),
        7 => format!("{:?}", device.cards("111").await?),
        8 => format!("{:?}", device.logs_page(1, None).await?),
        9 => format!(
            "{:?}",
            device
                .biometric_data(ef45_client::DataVersion::Ver1)
                .await?
        ),
        10 => format!("{:?}", device.match_data().await?),
        11 => format!("{:?}", device.preview().await?),
        12 => format!(
            "{:?}",
            device
                .config("umx.camera.recog.eitherEye", ef45_client::ConfigKind::Int)
                .await?
        ),
        13 => format!("{:?}", device.door_status().await?),
        14 => format!(
            "{:?}",
            device
                .control(&ef45_client::ManualCommand::new().result(true))
                .await?
        ),
        15 => format!("{:?}", device.card_input().await?),
        16 => format!("{:?}", device.load_file("/x.png").await?.len()),
        17 => format!("{:?}", device.camera().await?),
        18 => format!(
            "{:?}",
            device
                .database_size(ef45_client::DatabaseFile::Main)
                .await?
        ),
        19 => format!("{:?}", device.user_schedule("100000").await?),
        20 => format!("{:?}", device.schedules().await?),
        21 => format!("{:?}", device.door_mode().await?),
        _ => unreachable!("{call}"),
    })
}

fn device_answer() -> impl Strategy<Value = (usize, u16, Vec<u8>)> {
    (0..CALLS).prop_flat_map(|call| {
        let valid = valid_answers(call);
        let valid: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        (
            Just(call),
            prop::sample::select(vec![200u16, 200, 200, 400, 500]),
            mutate::body(&valid, KEYS),
        )
    })
}

proptest! {
    // Four times the usual cases: they are spread over 22 calls, and each is one loopback call.
    #![proptest_config(ProptestConfig {
        cases: hostile_input::config().cases * 4,
        ..hostile_input::config()
    })]

    #[test]
    fn every_device_answer_is_read_or_refused_with_its_body((call, status, body) in device_answer()) {
        DEVICE.with(|(harness, device)| {
            harness.slot().set(Answer::json(status, body.clone()));
            match harness.block_on(make_call(device, call)) {
                Ok(shown) => {
                    prop_assert!(status == 200, "call {call} succeeded on {status}");
                    prop_assert!(shown.len() <= 1024 + check::OUTPUT_PER_INPUT_BYTE * body.len());
                }
                Err(err) => {
                    check::server_failure(&err, &body)?;
                    if let Some(failure) = DeviceFailure::from_error(&err) {
                        check::output_within(&failure, body.len())?;
                    }
                }
            }
            Ok(())
        })?;
    }
}

/// Every call that takes a user id, and the record builders, refuse a blank id, a control
/// character and a megabyte before sending anything.
#[tokio::test]
async fn caller_ids_at_their_edges_are_refused_before_any_io() {
    let server = wiremock::MockServer::start().await;
    let device = Client::builder(server.uri())
        .credentials(crate::common::ID, crate::common::PASSWD)
        .build()
        .unwrap();
    let huge = edge::huge_text();
    for bad in ["", "  ", "11\u{0}1", "line\nbreak", huge.as_str()] {
        let refusals = [
            ("user_uuid", device.subject(bad).await.map(drop)),
            ("user_uuid", device.delete_subject(bad).await),
            ("user_uuid", device.user_info(bad).await.map(drop)),
            ("user_uuid", device.delete_user(bad).await),
            ("uuid", device.cards(bad).await.map(drop)),
            ("user_uuid", device.delete_faces(bad).await),
            ("user_uuid", device.clear_anti_passback(bad).await),
            ("uuid", device.user_schedule(bad).await.map(drop)),
            (
                "user_uuid",
                device.create_subject(&Subject::new(bad, "x")).await,
            ),
            ("filename", device.load_file(bad).await.map(drop)),
        ];
        for (field, result) in refusals {
            check::refused(result, field);
        }
    }
    let long_name = Subject::new("1", huge.as_str());
    check::refused(device.create_subject(&long_name).await, "last_name");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}
