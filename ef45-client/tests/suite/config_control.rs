//! Sheets Config and Control: settings, door status, relay, manual commands, the card-input
//! screen, anti-passback, the door's operation mode.

use crate::common::*;
use ef45_client::{Card, ConfigKind, ConfigValue, DoorMode, Error, ManualCommand, SensorState};
use wiremock::ResponseTemplate;

const TITLE: &str = "umx.camera.recog.eitherEye";

#[tokio::test]
async fn a_setting_is_read_by_its_type_from_the_sheets_example() {
    let (server, device) = locked().await;
    let path = format!("/1.0/config/{TITLE}/int");
    let sheet = ResponseTemplate::new(200).set_body_string(fixture("config_answer.json"));
    answer(&server, "GET", &path, sheet.clone()).await;
    answer(
        &server,
        "GET",
        &format!("/1.0/config/{TITLE}/float"),
        sheet.clone(),
    )
    .await;
    answer(
        &server,
        "GET",
        &format!("/1.0/config/{TITLE}/bool"),
        sheet.clone(),
    )
    .await;
    answer(
        &server,
        "GET",
        &format!("/1.0/config/{TITLE}/string"),
        sheet,
    )
    .await;

    assert_eq!(
        device.config(TITLE, ConfigKind::Int).await.unwrap(),
        ConfigValue::Int(1)
    );
    assert_eq!(
        device.config(TITLE, ConfigKind::Float).await.unwrap(),
        ConfigValue::Float(-1.0)
    );
    assert_eq!(
        device.config(TITLE, ConfigKind::Bool).await.unwrap(),
        ConfigValue::Bool(false)
    );
    assert_eq!(
        device.config(TITLE, ConfigKind::String).await.unwrap(),
        ConfigValue::String(String::new())
    );
    assert_eq!(query(&calls(&server).await[0]), with_lock(&[]));
}

#[tokio::test]
async fn an_answer_without_the_types_field_is_a_decode_error_with_the_body() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        &format!("/1.0/config/{TITLE}/int"),
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"title": TITLE})),
    )
    .await;

    let err = device.config(TITLE, ConfigKind::Int).await.unwrap_err();

    let Error::Decode(decode) = err else {
        panic!("{err:?}")
    };
    assert!(decode.message.contains("`int`"), "{}", decode.message);
    assert!(!decode.body.is_empty());
}

#[tokio::test]
async fn a_setting_is_written_with_every_types_field_like_the_sheets_body() {
    let (server, device) = locked().await;
    let title = "launcher.device.door.relay";
    answer(
        &server,
        "PUT",
        &format!("/1.0/config/{title}/int"),
        ResponseTemplate::new(204),
    )
    .await;

    device
        .set_config(title, &ConfigValue::Int(1))
        .await
        .unwrap();

    let call = only_call(&server).await;
    let mut want = fixture_json("config_put_body.json");
    want["title"] = title.into();
    assert_eq!(body_json(&call), want);
    assert_eq!(query(&call), with_lock(&[]));
}

#[tokio::test]
async fn a_float_that_json_cannot_carry_and_an_empty_title_are_refused_before_any_io() {
    let (server, device) = locked().await;

    for err in [
        device
            .set_config(TITLE, &ConfigValue::Float(f64::NAN))
            .await
            .unwrap_err(),
        device.config("", ConfigKind::Int).await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn door_status_reads_each_inputs_state() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/config/door-status",
        ResponseTemplate::new(200).set_body_string(fixture("config_door_status_answer.json")),
    )
    .await;

    let sheet = device.door_status().await.unwrap();
    assert_eq!(sheet.door_sensor, SensorState::Disabled);
    assert_eq!(sheet.rte, SensorState::Disabled);
}

#[tokio::test]
async fn door_states_beyond_the_sheet_are_kept() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/config/door-status",
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"door_sensor":0,"relay":1,"tamper":2,"rte":7})),
    )
    .await;

    let status = device.door_status().await.unwrap();

    assert_eq!(
        [status.door_sensor, status.relay, status.tamper, status.rte],
        [
            SensorState::Normal,
            SensorState::Event,
            SensorState::Disabled,
            SensorState::Unknown(7)
        ]
    );
}

#[tokio::test]
async fn the_relay_goes_in_the_query_as_the_sheets_url() {
    let (server, device) = locked().await;
    answer(
        &server,
        "PUT",
        "/1.0/config/relay",
        ResponseTemplate::new(204),
    )
    .await;

    device.set_relay(Some(false), Some(5)).await.unwrap();

    // config/relay?lock_uid=..&forced=false&duration=5
    assert_eq!(
        query(&only_call(&server).await),
        with_lock(&[("duration", "5"), ("forced", "false")])
    );
}

#[tokio::test]
async fn a_manual_command_sends_only_the_fields_set_and_a_refusal_is_an_error() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/control",
        ResponseTemplate::new(200).set_body_string(fixture("control_answer.json")),
    )
    .await;
    let card: Card = "65 D8 A1 BD".parse().unwrap();
    let command = ManualCommand::new()
        .result(false)
        .recog_start(true)
        .card(card)
        .wiegand_code(7);

    let err = device.control(&command).await.unwrap_err();

    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.message.as_deref(),
        Some("Fail"),
        "the device's status text"
    );
    assert_eq!(
        body_json(&only_call(&server).await),
        serde_json::json!({"result": false, "recog_start": true, "card": "65 D8 A1 BD",
                           "wiegand_code": 7})
    );
}

#[tokio::test]
async fn a_successful_command_returns_the_status_and_an_empty_one_is_refused() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/control",
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"success": true, "status": "Ok"})),
    )
    .await;

    assert_eq!(
        device
            .control(&ManualCommand::new().launcher_show(1))
            .await
            .unwrap(),
        "Ok"
    );
    let err = device.control(&ManualCommand::new()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    assert_eq!(calls(&server).await.len(), 1);
}

#[tokio::test]
async fn the_card_input_screen_starts_reads_and_stops() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/control/card/start",
        ResponseTemplate::new(200),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/control/card/data",
        ResponseTemplate::new(200).set_body_string(fixture("control_card_data_answer.json")),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/control/card/stop",
        ResponseTemplate::new(200),
    )
    .await;

    device.start_card_input().await.unwrap();
    let card = device.card_input().await.unwrap().unwrap();
    device.stop_card_input().await.unwrap();

    assert_eq!(card.as_bytes(), [0x65, 0xD8, 0xA1, 0xBD]);
    let paths: Vec<_> = calls(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/1.0/control/card/start",
            "/1.0/control/card/data",
            "/1.0/control/card/stop"
        ]
    );
}

#[tokio::test]
async fn no_card_yet_is_none_and_a_typed_card_is_kept_as_written() {
    let (server, device) = locked().await;
    wiremock::Mock::given(wiremock::matchers::path("/1.0/control/card/data"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"card": ""})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/1.0/control/card/data",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"card": "12345"})),
    )
    .await;

    assert_eq!(device.card_input().await.unwrap(), None);
    let typed = device.card_input().await.unwrap().unwrap();
    assert!(!typed.is_hex());
    assert_eq!(typed.to_string(), "12345");
}

#[tokio::test]
async fn anti_passback_clears_one_user_or_all() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/control/apb/clear/111",
        ResponseTemplate::new(200),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/control/apb/clearall",
        ResponseTemplate::new(200),
    )
    .await;

    device.clear_anti_passback("111").await.unwrap();
    device.clear_all_anti_passback().await.unwrap();

    assert_eq!(calls(&server).await.len(), 2);
    let err = device.clear_anti_passback("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
}

#[tokio::test]
async fn the_door_mode_is_set_by_query_and_read_back() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/control/manual",
        ResponseTemplate::new(200),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/control/manual",
        ResponseTemplate::new(200).set_body_string(fixture("control_manual_answer.json")),
    )
    .await;

    device
        .set_door_mode(DoorMode::OpenTemporarily)
        .await
        .unwrap();
    assert_eq!(device.door_mode().await.unwrap(), DoorMode::StayOpen);

    let err = device
        .set_door_mode(DoorMode::Unknown(9))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    let calls = calls(&server).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(query(&calls[0]), with_lock(&[("operation", "3")]));
}
