//! The EF-45 fake's administration sheets on the wire (Config, Control, User-schedule, Schedule,
//! the forced password change), without the SDK's client. Bodies and URLs are the sheets'
//! examples where the sheets give one.

use crate::ef45_support::{Fake, assert_stale, locked};
use biometric_sim::ef45::{CameraMode, ConfigValue, DoorState, DoorStatus, RelayCall};
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Config

#[tokio::test]
async fn the_config_get_example_answers_the_sheets_shape() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    // The sheet's URL example and its answer (the sheet's text misses a quote before `string`).
    let answer = fake
        .bare(
            Method::GET,
            &locked("config/umx.camera.recog.eitherEye/int", &uid),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"title": "umx.camera.recog.eitherEye", "string": "", "int": 1, "float": -1, "bool": false})
    );
    // A type outside the four, another type than the title's own, an unknown title.
    for (path, status) in [
        ("config/umx.camera.recog.eitherEye/double", 400),
        ("config/umx.camera.recog.eitherEye/bool", 400),
        ("config/umx.camera.recog.noSuchTitle/int", 404),
    ] {
        let answer = fake.bare(Method::GET, &locked(path, &uid)).await;
        assert_eq!(answer.status, status, "{path}: {answer:?}");
    }
    let answer = fake
        .bare(
            Method::GET,
            &locked("config/umx.camera.recog.eitherEye/int?page=1", &uid),
        )
        .await;
    assert_eq!(answer.status, 400, "an undocumented parameter: {answer:?}");
}

#[tokio::test]
async fn the_config_put_example_is_stored_and_bad_bodies_are_refused() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("config/launcher.device.door.relay/int", &uid);
    // The sheet's body example, `"title": ""` included.
    let example = json!({"bool": false, "float": 0, "int": 1, "string": "", "title": ""});
    let answer = fake.json(Method::PUT, &path, &example).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let answer = fake
        .json(
            Method::PUT,
            &path,
            &json!({"title": "launcher.device.door.relay", "int": 3}),
        )
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert_eq!(
        fake.sim.config_value("launcher.device.door.relay"),
        Some(ConfigValue::Int(3))
    );
    let read = fake
        .bare(
            Method::GET,
            &locked("config/launcher.device.door.relay/int", &uid),
        )
        .await;
    assert_eq!(read.body["int"], 3);
    for (body, why) in [
        (json!({"int": "3"}), "an int sent as a string"),
        (json!({"int": 1.5}), "an int sent as a fraction"),
        (json!({"value": 3}), "an unknown key"),
        (json!({"bool": true}), "the type's own key missing"),
        (json!({"title": "other.title", "int": 3}), "another title"),
        (json!({"int": 3, "string": null}), "a null string"),
    ] {
        let answer = fake.json(Method::PUT, &path, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
        assert_eq!(
            answer.body,
            json!({"status_code": 400, "reason_phrase": "BAD_REQUEST"})
        );
    }
    // The type names the title's type; the API Overview's range for MinimumUsableIrisArea.
    let answer = fake
        .json(
            Method::PUT,
            &locked("config/launcher.device.door.relay/string", &uid),
            &json!({"string": "3"}),
        )
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let area = locked("config/umx.camera.enrol.MinimumUsableIrisArea/int", &uid);
    let answer = fake.json(Method::PUT, &area, &json!({"int": 5})).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let answer = fake.json(Method::PUT, &area, &json!({"int": 4})).await;
    assert_eq!(answer.status, 204, "{answer:?}");
    // A new title takes the type it is first written with.
    let answer = fake
        .json(
            Method::PUT,
            &locked("config/umx.test.ratio/float", &uid),
            &json!({"float": 0.25}),
        )
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    let read = fake
        .bare(Method::GET, &locked("config/umx.test.ratio/float", &uid))
        .await;
    assert_eq!(
        read.body,
        json!({"title": "umx.test.ratio", "string": "", "int": -1, "float": 0.25, "bool": false})
    );
    // A body not sent as JSON.
    let answer = fake
        .raw(
            fake.http
                .put(fake.url(&path))
                .header("Content-Type", "text/plain")
                .body(r#"{"int": 1}"#),
        )
        .await;
    assert_eq!(answer.status, 415, "{answer:?}");
}

#[tokio::test]
async fn door_status_answers_what_the_test_sets() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("config/door-status", &uid);
    let answer = fake.bare(Method::GET, &path).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    // The sheet's example.
    assert_eq!(
        answer.body,
        json!({"door_sensor": 2, "relay": 2, "tamper": 2, "rte": 2})
    );
    fake.sim.set_door_status(DoorStatus {
        door_sensor: DoorState::Event,
        relay: DoorState::Normal,
        tamper: DoorState::Disabled,
        rte: DoorState::Normal,
    });
    let answer = fake.bare(Method::GET, &path).await;
    assert_eq!(
        answer.body,
        json!({"door_sensor": 1, "relay": 0, "tamper": 2, "rte": 0})
    );
    assert_eq!(fake.sim.door_status().door_sensor, DoorState::Event);
    let answer = fake
        .bare(Method::GET, &locked("config/door-status?poll=1", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
}

#[tokio::test]
async fn the_relay_takes_its_query_and_records_it() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    assert_eq!(fake.sim.last_relay(), None);
    // The sheet's URL example.
    let answer = fake
        .bare(
            Method::PUT,
            &locked("config/relay?forced=false&duration=5", &uid),
        )
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(
        fake.sim.last_relay(),
        Some(RelayCall {
            forced: Some(false),
            duration: Some(5)
        })
    );
    for query in [
        "forced=yes",
        "forced=1",
        "duration=-1",
        "duration=5s",
        "force=true",
        "forced=true&forced=false",
    ] {
        let answer = fake
            .bare(Method::PUT, &locked(&format!("config/relay?{query}"), &uid))
            .await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
    }
    // Query only: parameters sent as a JSON body are refused.
    let answer = fake
        .json(
            Method::PUT,
            &locked("config/relay", &uid),
            &json!({"forced": true, "duration": 9}),
        )
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(
        fake.sim.last_relay().and_then(|call| call.duration),
        Some(5),
        "a refused call is not recorded"
    );
}

// ---------------------------------------------------------------------------------------------
// Control

/// The Control sheet's body example, as written (`""` for its `int` keys).
fn control_example() -> Value {
    json!({"result": false, "recog_start": true, "uuid": "", "last_name": "", "card": "",
        "wiegand_facility": "", "wiegand_code": "", "wiegand_custom": "",
        "touch_enable_start": "", "camera_init_position": "", "launcher_show": ""})
}

#[tokio::test]
async fn the_control_example_is_accepted_and_recorded() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("control", &uid);
    let answer = fake.json(Method::POST, &path, &control_example()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, json!({"success": true, "status": "Success"}));
    assert_eq!(fake.sim.last_control(), Some(control_example()));
    // "Use manual command" off: the sheet's answer.
    fake.sim.set_manual_command(false);
    let body = json!({"wav_path": "/tmp/a.wav", "wiegand_code": 7, "card": "65 D8 A1 BD"});
    let answer = fake.json(Method::POST, &path, &body).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, json!({"success": false, "status": "Fail"}));
    assert_eq!(fake.sim.last_control(), Some(body));
    for (body, why) in [
        (json!({}), "no parameter at all"),
        (json!({"recog_start": "true"}), "a boolean as a string"),
        (
            json!({"wiegand_code": "12"}),
            "an int as a non-empty string",
        ),
        (
            json!({"card": "65d8a1bd"}),
            "a card not printed as the device prints it",
        ),
        (json!({"recogStart": true}), "a misspelled key"),
        (json!({"uuid": null}), "a null string"),
    ] {
        let answer = fake.json(Method::POST, &path, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
}

#[tokio::test]
async fn the_card_input_screen_reads_the_tagged_card() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let data = locked("control/card/data", &uid);
    let answer = fake.bare(Method::GET, &data).await;
    assert_eq!((answer.status, answer.body), (200, json!({"card": ""})));
    // Tagged before the screen is shown: not read yet.
    fake.sim.tag_card("65 D8 A1 BD");
    assert_eq!(
        fake.bare(Method::GET, &data).await.body,
        json!({"card": ""})
    );
    // "The camera mode should be set to Slave first" (the device starts in Recog).
    let refused = fake
        .bare(Method::POST, &locked("control/card/start", &uid))
        .await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert!(!fake.sim.card_reading());
    fake.sim.set_camera_mode(CameraMode::Slave);
    let started = fake
        .bare(Method::POST, &locked("control/card/start", &uid))
        .await;
    assert_eq!((started.status, started.body), (204, Value::Null));
    assert!(fake.sim.card_reading());
    // The sheet's example answer.
    let answer = fake.bare(Method::GET, &data).await;
    assert_eq!(answer.body, json!({"card": "65 D8 A1 BD"}));
    let stopped = fake
        .bare(Method::POST, &locked("control/card/stop", &uid))
        .await;
    assert_eq!(stopped.status, 204, "{stopped:?}");
    assert!(!fake.sim.card_reading());
    assert_eq!(
        fake.bare(Method::GET, &data).await.body,
        json!({"card": ""})
    );
    let answer = fake
        .bare(Method::POST, &locked("control/card/start?timeout=5", &uid))
        .await;
    assert_eq!(answer.status, 400, "an undocumented parameter: {answer:?}");
    let answer = fake
        .bare(Method::GET, &locked("control/card/data", &uid))
        .await;
    assert_eq!(answer.status, 200);
}

#[test]
#[should_panic(expected = "upper-case hex")]
fn a_card_is_tagged_as_the_device_prints_it() {
    let sim = biometric_sim::ef45::Ef45Sim::new(Default::default());
    sim.tag_card("65d8a1bd");
}

#[tokio::test]
async fn anti_passback_is_cleared_for_one_user_or_all() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    for user in ["111", "112"] {
        let answer = fake
            .json(
                Method::POST,
                &locked("user-info", &uid),
                &json!({"user_uuid": user, "apb_status": 0}),
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let apb = |user: &'static str| {
        let fake = &fake;
        let uid = uid.clone();
        async move {
            fake.bare(
                Method::GET,
                &locked(&format!("user-info/uuid/{user}"), &uid),
            )
            .await
            .body["apb_status"]
                .clone()
        }
    };
    let answer = fake
        .bare(Method::POST, &locked("control/apb/clear/111", &uid))
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!((apb("111").await, apb("112").await), (json!(1), json!(0)));
    let answer = fake
        .bare(Method::POST, &locked("control/apb/clearall", &uid))
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert_eq!(apb("112").await, json!(1));
    let answer = fake
        .bare(Method::POST, &locked("control/apb/clear/999", &uid))
        .await;
    assert_eq!(answer.status, 404, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"status_code": 1100, "reason_phrase": "User not found!"})
    );
}

#[tokio::test]
async fn the_manual_door_mode_is_0_to_3() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let read = locked("control/manual", &uid);
    let answer = fake.bare(Method::GET, &read).await;
    assert_eq!((answer.status, answer.body), (200, json!({"operation": 2})));
    let answer = fake
        .bare(Method::POST, &locked("control/manual?operation=0", &uid))
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(
        fake.bare(Method::GET, &read).await.body,
        json!({"operation": 0})
    );
    assert_eq!(fake.sim.door_operation(), 0);
    for query in [
        "operation=4",
        "operation=-1",
        "operation=open",
        "",
        "mode=1",
    ] {
        let answer = fake
            .bare(
                Method::POST,
                &locked(&format!("control/manual?{query}"), &uid),
            )
            .await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
    }
    let answer = fake
        .json(
            Method::POST,
            &locked("control/manual", &uid),
            &json!({"operation": 1}),
        )
        .await;
    assert_eq!(
        answer.status, 400,
        "operation goes in the query: {answer:?}"
    );
    assert_eq!(fake.sim.door_operation(), 0);
}

// ---------------------------------------------------------------------------------------------
// User-schedule

/// The User-schedule sheet's body example.
fn user_schedule_example() -> Value {
    json!({"uuid": "100000", "from_time": "201905211400", "to_time": "202005211400", "used": 1, "sc_idx": -1})
}

#[tokio::test]
async fn the_user_schedule_example_round_trips() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let create = fake
        .json(
            Method::POST,
            &locked("user-schedule", &uid),
            &user_schedule_example(),
        )
        .await;
    assert_eq!((create.status, create.body), (201, Value::Null));
    // The sheet's URL example.
    let read = locked("user-schedule/uuid/100000", &uid);
    let answer = fake.bare(Method::GET, &read).await;
    assert_eq!((answer.status, answer.body), (200, user_schedule_example()));
    let again = fake
        .json(
            Method::POST,
            &locked("user-schedule", &uid),
            &user_schedule_example(),
        )
        .await;
    assert_eq!(again.status, 409, "{again:?}");
    // Update without `sc_idx` (not marked required): answered as -1.
    let update = json!({"uuid": "100000", "from_time": "202001010000", "to_time": "202012312359", "used": 0});
    let answer = fake
        .json(Method::PUT, &locked("user-schedule", &uid), &update)
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let answer = fake.bare(Method::GET, &read).await;
    assert_eq!(answer.body["used"], 0);
    assert_eq!(answer.body["sc_idx"], -1);
    assert_eq!(fake.sim.user_schedule("100000"), Some(answer.body));
    let deleted = fake.bare(Method::DELETE, &read).await;
    assert_eq!((deleted.status, deleted.body), (204, Value::Null));
    assert_eq!(fake.bare(Method::GET, &read).await.status, 404);
    assert_eq!(fake.bare(Method::DELETE, &read).await.status, 404);
    let answer = fake
        .json(Method::PUT, &locked("user-schedule", &uid), &update)
        .await;
    assert_eq!(answer.status, 404, "an update of no schedule: {answer:?}");
}

#[tokio::test]
async fn user_schedules_refuse_bad_formats() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let with = |key: &str, value: Value| {
        let mut body = user_schedule_example();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = user_schedule_example();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    for (body, why) in [
        (
            with("from_time", json!("2019-05-21 14:00")),
            "a dashed time",
        ),
        (with("from_time", json!("20190521140")), "eleven digits"),
        (with("to_time", json!("202013211400")), "month 13"),
        (with("to_time", json!("202005212460")), "minute 60"),
        (with("from_time", json!(201905211400_i64)), "a number"),
        (with("used", json!(2)), "used 2"),
        (with("used", json!(true)), "used as a boolean"),
        (with("sc_idx", json!(0)), "sc_idx 0"),
        (with("sc_idx", json!(1_000_000)), "sc_idx over 999999"),
        (with("sc_idx", json!("1")), "sc_idx as a string"),
        (with("user_uuid", json!("100000")), "an unknown key"),
        (without("used"), "used missing"),
        (without("uuid"), "uuid missing"),
        (with("uuid", json!("")), "an empty uuid"),
    ] {
        let answer = fake
            .json(Method::POST, &locked("user-schedule", &uid), &body)
            .await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
    assert_eq!(fake.sim.user_schedule("100000"), None);
    let answer = fake
        .json(
            Method::POST,
            &locked("user-schedule", &uid),
            &with("sc_idx", json!(999_999)),
        )
        .await;
    assert_eq!(answer.status, 201, "{answer:?}");
}

// ---------------------------------------------------------------------------------------------
// Schedule (the sheet gives no body examples: the bodies follow its tables)

fn info_item(sc_idx: i64, si_idx: i64) -> Value {
    json!({"sc_idx": sc_idx, "si_idx": si_idx, "st_idx": 1, "sc_type": "0", "sc_cond": "0", "sc_re_day": 0})
}

fn special_day(sd_type: &str, uuid: &str, sd_date: &str) -> Value {
    json!({"sd_type": sd_type, "uuid": uuid, "sd_date": sd_date, "st_idx": 1})
}

fn type_item(sti_idx: i64) -> Value {
    json!({"sti_idx": sti_idx, "st_idx": 1, "sti_start_time": "0900", "sti_end_time": "1800", "sti_type": "0"})
}

/// `{"size": n, "items": [...]}`.
fn batch(items: &[Value]) -> Value {
    json!({"size": items.len(), "items": items})
}

/// The success answer of a registration: the envelope with no items.
fn registered() -> Value {
    json!({"status_code": 200, "reason_phrase": "OK", "items": [], "page": 1, "page_size": 0, "has_more": false, "total": 0})
}

#[tokio::test]
async fn schedule_info_registers_lists_updates_and_deletes() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    // The sheet's URL example.
    let path = locked("schedule/schedule-info", &uid);
    let mut second = info_item(1, 2);
    second["sc_start_date"] = json!("2019-06-01");
    let answer = fake
        .json(
            Method::POST,
            &path,
            &batch(&[info_item(1, 1), second.clone()]),
        )
        .await;
    assert_eq!((answer.status, answer.body), (200, registered()));
    let list = fake.bare(Method::GET, &path).await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.body["items"], json!([info_item(1, 1), second]));
    assert_eq!(
        (&list.body["total"], &list.body["status_code"]),
        (&json!(2), &json!(200))
    );
    // The table's JSON parameters of the GET, read as a filter.
    let filtered = fake.json(Method::GET, &path, &json!({"si_idx": 2})).await;
    assert_eq!(filtered.body["total"], 1, "{filtered:?}");
    let answer = fake
        .json(Method::GET, &path, &json!({"sc_type": "0"}))
        .await;
    assert_eq!(answer.status, 400, "not an identifying key: {answer:?}");
    // PUT: one item, 201 as documented.
    let mut changed = info_item(1, 1);
    changed["sc_cond"] = json!("1");
    let answer = fake.json(Method::PUT, &path, &changed).await;
    assert_eq!((answer.status, answer.body), (201, Value::Null));
    assert_eq!(fake.sim.schedule_info()[0], changed);
    let answer = fake.json(Method::PUT, &path, &info_item(1, 9)).await;
    assert_eq!(answer.status, 404, "an update of no item: {answer:?}");
    let answer = fake
        .json(Method::PUT, &path, &batch(&[info_item(1, 1)]))
        .await;
    assert_eq!(answer.status, 400, "PUT takes one item: {answer:?}");
    // DELETE: a JSON body, sc_idx required, si_idx narrowing.
    let answer = fake
        .json(Method::DELETE, &path, &json!({"si_idx": 1}))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let answer = fake
        .json(Method::DELETE, &path, &json!({"sc_idx": 1, "si_idx": 1}))
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(fake.sim.schedule_info().len(), 1);
    let answer = fake
        .bare(
            Method::DELETE,
            &locked("schedule/schedule-info/100000", &uid),
        )
        .await;
    assert_eq!(answer.status, 404, "no uuid path segment: {answer:?}");
    let answer = fake
        .json(Method::DELETE, &path, &json!({"sc_idx": 1}))
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert!(fake.sim.schedule_info().is_empty());
    let answer = fake
        .json(Method::DELETE, &path, &json!({"sc_idx": 1}))
        .await;
    assert_eq!(answer.status, 404, "{answer:?}");
}

#[tokio::test]
async fn a_refused_registration_returns_the_request_items() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("schedule/schedule-info", &uid);
    let stored = fake
        .json(Method::POST, &path, &batch(&[info_item(5, 1)]))
        .await;
    assert_eq!(stored.status, 200, "{stored:?}");
    let mut no_day = info_item(1, 1);
    no_day.as_object_mut().unwrap().remove("sc_re_day");
    let mut text_index = info_item(1, 1);
    text_index["si_idx"] = json!("1");
    let mut unknown = info_item(1, 1);
    unknown["sc_name"] = json!("x");
    let cases = [
        (
            json!({"size": 3, "items": [info_item(1, 1), info_item(1, 2)]}),
            "size is not the number of items",
        ),
        (batch(&[info_item(1, 1), no_day]), "a required key missing"),
        (batch(&[text_index]), "an int as a string"),
        (batch(&[info_item(0, 1)]), "sc_idx 0"),
        (batch(&[info_item(1_000_000, 1)]), "sc_idx over 999999"),
        (batch(&[info_item(1, 1), info_item(1, 1)]), "an item twice"),
        (batch(&[info_item(5, 1)]), "an item already registered"),
        (batch(&[unknown]), "an unknown key"),
    ];
    for (body, why) in cases {
        let answer = fake.json(Method::POST, &path, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
        assert_eq!(answer.body["items"], body["items"], "{why}");
        assert_eq!(answer.body["status_code"], 400, "{why}");
        assert_eq!(answer.body["reason_phrase"], "BAD_REQUEST", "{why}");
        assert_eq!(
            answer.body["total"],
            json!(body["items"].as_array().unwrap().len())
        );
    }
    assert_eq!(fake.sim.schedule_info(), vec![info_item(5, 1)]);
    // Without an items array there is nothing to return.
    let answer = fake
        .json(
            Method::POST,
            &path,
            &json!({"size": 1, "items": info_item(1, 1)}),
        )
        .await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"status_code": 400, "reason_phrase": "BAD_REQUEST"})
        )
    );
}

#[tokio::test]
async fn special_days_go_by_query_on_get_and_delete() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("schedule/specialday-info", &uid);
    let days = [
        special_day("1", "0001", "2018-09-05"),
        special_day("1", "0001", "2018-12-25"),
        special_day("2", "0001", "2018-09-05"),
    ];
    let answer = fake.json(Method::POST, &path, &batch(&days)).await;
    assert_eq!((answer.status, answer.body), (200, registered()));
    // The sheet's two URL examples.
    let by_user = locked("schedule/specialday-info?sd_type=1&uuid=0001", &uid);
    let by_day = locked(
        "schedule/specialday-info?sd_type=1&uuid=0001&sd_date=2018-09-05",
        &uid,
    );
    let answer = fake.bare(Method::GET, &by_user).await;
    assert_eq!(
        answer.body["items"],
        json!([days[0], days[1]]),
        "{answer:?}"
    );
    let answer = fake.bare(Method::GET, &by_day).await;
    assert_eq!(answer.body["items"], json!([days[0]]), "{answer:?}");
    for query in [
        "sd_type=1",
        "uuid=0001",
        "sd_type=1&uuid=0001&sd_date=2018/09/05",
        "sd_type=1&uuid=0001&sd_date=2018-02-30",
        "sd_type=1&uuid=0001&date=2018-09-05",
    ] {
        let answer = fake
            .bare(
                Method::GET,
                &locked(&format!("schedule/specialday-info?{query}"), &uid),
            )
            .await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
    }
    // sd_type is a string since spec 1.3.6; sd_date as in the example.
    let mut numeric = special_day("3", "0002", "2019-01-01");
    numeric["sd_type"] = json!(3);
    for bad in [numeric, special_day("3", "0002", "01-01-2019")] {
        let answer = fake.json(Method::POST, &path, &batch(&[bad])).await;
        assert_eq!(answer.status, 400, "{answer:?}");
    }
    let mut moved = days[2].clone();
    moved["st_idx"] = json!(2);
    let answer = fake.json(Method::PUT, &path, &moved).await;
    assert_eq!(answer.status, 201, "{answer:?}");
    let answer = fake.bare(Method::DELETE, &by_day).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(fake.sim.special_days(), vec![days[1].clone(), moved]);
    let answer = fake.bare(Method::DELETE, &by_user).await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert_eq!(fake.sim.special_days().len(), 1);
    let answer = fake.bare(Method::DELETE, &by_user).await;
    assert_eq!(answer.status, 404, "{answer:?}");
}

#[tokio::test]
async fn schedule_types_register_update_and_delete() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("schedule/type-info", &uid);
    let answer = fake
        .json(Method::POST, &path, &batch(&[type_item(1), type_item(2)]))
        .await;
    assert_eq!((answer.status, answer.body), (200, registered()));
    let answer = fake.bare(Method::GET, &path).await;
    assert_eq!(answer.body["items"], json!([type_item(1), type_item(2)]));
    let answer = fake.json(Method::GET, &path, &json!({"sti_idx": 2})).await;
    assert_eq!(answer.body["items"], json!([type_item(2)]));
    let mut later = type_item(2);
    later["sti_end_time"] = json!("2000");
    let answer = fake.json(Method::PUT, &path, &later).await;
    assert_eq!(answer.status, 201, "{answer:?}");
    let mut no_type = type_item(3);
    no_type.as_object_mut().unwrap().remove("sti_type");
    let answer = fake.json(Method::POST, &path, &batch(&[no_type])).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let answer = fake
        .json(Method::DELETE, &path, &json!({"sti_idx": "1"}))
        .await;
    assert_eq!(answer.status, 400, "an int as a string: {answer:?}");
    let answer = fake
        .json(Method::DELETE, &path, &json!({"sti_idx": 1}))
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(fake.sim.schedule_types(), vec![later]);
}

#[tokio::test]
async fn the_device_schedule_and_deleting_every_schedule() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    // The sheet's URL example.
    let answer = fake
        .bare(
            Method::POST,
            &locked("schedule/device-schedule?sc_idx=1", &uid),
        )
        .await;
    assert_eq!((answer.status, answer.body), (201, Value::Null));
    assert_eq!(fake.sim.device_schedule(), Some(1));
    for query in ["sc_idx=0", "sc_idx=-1", "sc_idx=one", "", "idx=1"] {
        let answer = fake
            .bare(
                Method::POST,
                &locked(&format!("schedule/device-schedule?{query}"), &uid),
            )
            .await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
    }
    let stored = fake
        .json(
            Method::POST,
            &locked("schedule/type-info", &uid),
            &batch(&[type_item(1)]),
        )
        .await;
    assert_eq!(stored.status, 200);
    let stored = fake
        .json(
            Method::POST,
            &locked("user-schedule", &uid),
            &user_schedule_example(),
        )
        .await;
    assert_eq!(stored.status, 201);
    let answer = fake
        .bare(Method::DELETE, &locked("schedule/all", &uid))
        .await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(fake.sim.device_schedule(), None);
    assert!(fake.sim.schedule_types().is_empty());
    assert!(
        fake.sim.user_schedule("100000").is_some(),
        "user schedules are another sheet"
    );
    let answer = fake
        .bare(Method::DELETE, &locked("schedule/all?force=true", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
}

// ---------------------------------------------------------------------------------------------
// Common: the forced password change

#[tokio::test]
async fn a_forced_password_change_needs_neither_a_lock_nor_the_current_password() {
    let fake = Fake::start().await;
    // The sheet's body example, sent by force with a wrong current password; like POST, the
    // sheet's URL has no lock_uid.
    let body = json!({"id": "root", "current passwd": "forgotten", "new passwd": "cmi1004"});
    let path = "lock/chpasswd";
    for (bad, why) in [
        (
            json!({"id": "root", "current_passwd": "x", "new passwd": "cmi1004"}),
            "current_passwd with an underscore",
        ),
        (
            json!({"id": "root", "new passwd": "cmi1004"}),
            "current passwd missing",
        ),
        (
            json!({"id": "root", "current passwd": "x", "new passwd": 1004}),
            "a number",
        ),
    ] {
        let answer = fake.json(Method::PUT, path, &bad).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
    let other = json!({"id": "admin", "current passwd": "x", "new passwd": "cmi1004"});
    let answer = fake.json(Method::PUT, path, &other).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"status_code": 400, "reason_phrase": "Wrong ID or password"})
        )
    );
    let answer = fake.json(Method::PUT, path, &body).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    // The new password is the one to lock with; the old one and no body are refused.
    let answer = fake
        .json(
            Method::PUT,
            "lock",
            &json!({"id": "root", "passwd": "cmi1003"}),
        )
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let answer = fake
        .json(
            Method::PUT,
            "lock",
            &json!({"id": "root", "passwd": "cmi1004"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    // POST still compares the current password.
    let answer = fake
        .json(
            Method::POST,
            "lock/chpasswd",
            &json!({"id": "root", "current passwd": "forgotten", "new passwd": "x"}),
        )
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
}

// ---------------------------------------------------------------------------------------------
// Every sheet

/// Every administration route, as method and path without `lock_uid`.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "config/umx.camera.recog.eitherEye/int"),
    ("PUT", "config/umx.camera.recog.eitherEye/int"),
    ("GET", "config/door-status"),
    ("PUT", "config/relay?forced=true&duration=1"),
    ("POST", "control"),
    ("POST", "control/card/start"),
    ("GET", "control/card/data"),
    ("POST", "control/card/stop"),
    ("POST", "control/apb/clear/111"),
    ("POST", "control/apb/clearall"),
    ("GET", "control/manual"),
    ("POST", "control/manual?operation=1"),
    ("GET", "user-schedule/uuid/100000"),
    ("DELETE", "user-schedule/uuid/100000"),
    ("POST", "user-schedule"),
    ("PUT", "user-schedule"),
    ("GET", "schedule/schedule-info"),
    ("POST", "schedule/schedule-info"),
    ("PUT", "schedule/schedule-info"),
    ("DELETE", "schedule/schedule-info"),
    ("GET", "schedule/specialday-info?sd_type=1&uuid=0001"),
    ("POST", "schedule/specialday-info"),
    ("PUT", "schedule/specialday-info"),
    ("DELETE", "schedule/specialday-info?sd_type=1&uuid=0001"),
    ("GET", "schedule/type-info"),
    ("POST", "schedule/type-info"),
    ("PUT", "schedule/type-info"),
    ("DELETE", "schedule/type-info"),
    ("POST", "schedule/device-schedule?sc_idx=1"),
    ("DELETE", "schedule/all"),
];

#[tokio::test]
async fn every_route_needs_the_current_lock_and_answers_injected_faults() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    fake.sim.expire_lock();
    for (method, path) in ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let without = fake.bare(method.clone(), path).await;
        assert_stale(&without);
        let stale = fake.bare(method.clone(), &locked(path, &uid)).await;
        assert_stale(&stale);
    }
    let uid = fake.lock().await;
    for (method, path) in ROUTES {
        fake.sim.fail_next(503, 1);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let answer = fake.bare(method, &locked(path, &uid)).await;
        assert_eq!(answer.status, 503, "{path}: {answer:?}");
        assert_eq!(answer.body["status_code"], 503);
    }
}
