//! Sheets User-schedule and Schedule. The Schedule sheet has no body examples: the bodies below
//! follow its field tables.

use crate::common::*;
use ef45_client::chrono::NaiveDate;
use ef45_client::{Error, ScheduleInfo, ScheduleType, SpecialDay, UserSchedule};
use wiremock::ResponseTemplate;

fn at(y: i32, m: u32, d: u32, h: u32) -> ef45_client::chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn sheet_schedule() -> UserSchedule {
    UserSchedule::new("100000", at(2019, 5, 21, 14), at(2020, 5, 21, 14)).enabled(true)
}

#[tokio::test]
async fn a_user_schedule_is_written_as_the_sheets_body_and_read_back() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/user-schedule",
        ResponseTemplate::new(201),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/user-schedule",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/user-schedule/uuid/100000",
        ResponseTemplate::new(200).set_body_string(fixture("user_schedule_body.json")),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/user-schedule/uuid/100000",
        ResponseTemplate::new(204),
    )
    .await;

    device
        .create_user_schedule(&sheet_schedule())
        .await
        .unwrap();
    device
        .update_user_schedule(&sheet_schedule().group(12))
        .await
        .unwrap();
    let read = device.user_schedule("100000").await.unwrap();
    device.delete_user_schedule("100000").await.unwrap();

    assert_eq!(read, sheet_schedule());
    let calls = calls(&server).await;
    assert_eq!(
        body_json(&calls[0]),
        fixture_json("user_schedule_body.json")
    );
    assert_eq!(body_json(&calls[1])["sc_idx"], 12);
    assert_eq!(calls.len(), 4);
}

#[tokio::test]
async fn bad_user_schedules_are_refused_before_any_io() {
    let (server, device) = locked().await;
    let backwards = UserSchedule::new("1", at(2020, 1, 1, 0), at(2019, 1, 1, 0));
    let group_too_big = sheet_schedule().group(1_000_000);
    let no_user = UserSchedule::new(" ", at(2019, 1, 1, 0), at(2020, 1, 1, 0));

    for schedule in [backwards, group_too_big, no_user] {
        let err = device.create_user_schedule(&schedule).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn schedules_list_register_update_and_delete() {
    let (server, device) = locked().await;
    let item = serde_json::json!({"sc_idx": 1, "si_idx": 2, "st_idx": 3, "sc_type": "W",
                                  "sc_cond": "1111100", "sc_re_day": 0});
    answer(
        &server,
        "GET",
        "/1.0/schedule/schedule-info",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([item]),
            1,
            50,
            false,
            1,
        )),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/schedule/schedule-info",
        ResponseTemplate::new(200).set_body_json(envelope(serde_json::json!([]), 1, 50, false, 0)),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/schedule/schedule-info",
        ResponseTemplate::new(201),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/schedule/schedule-info",
        ResponseTemplate::new(204),
    )
    .await;

    let listed = device.schedules().await.unwrap();
    let schedule = ScheduleInfo::new(1, 2, 3, "W", "1111100", 0);
    device
        .register_schedules(std::slice::from_ref(&schedule))
        .await
        .unwrap();
    device.update_schedule(&schedule).await.unwrap();
    device.delete_schedule(1, Some(2)).await.unwrap();

    assert_eq!(listed, [schedule]);
    let calls = calls(&server).await;
    assert_eq!(
        body_json(&calls[1]),
        serde_json::json!({"size": 1, "items": [item]})
    );
    assert_eq!(body_json(&calls[2]), item);
    assert_eq!(
        body_json(&calls[3]),
        serde_json::json!({"sc_idx": 1, "si_idx": 2})
    );
}

#[tokio::test]
async fn items_returned_by_a_registration_are_the_refused_ones() {
    let (server, device) = locked().await;
    let refused = serde_json::json!([{"sti_idx": 1, "st_idx": 1, "sti_start_time": "0900",
                                      "sti_end_time": "1800", "sti_type": "x"}]);
    answer(
        &server,
        "POST",
        "/1.0/schedule/type-info",
        ResponseTemplate::new(200).set_body_json(envelope(refused, 1, 50, false, 1)),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/schedule/specialday-info",
        ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "status_code": 400, "reason_phrase": "bad sd_date", "items": [],
        })),
    )
    .await;

    let schedule_type = ScheduleType::new(1, 1, "0900", "1800", "x");
    let err = device
        .register_schedule_types(&[schedule_type])
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert!(
        api.message.as_deref().unwrap().contains("1 item(s)"),
        "{err}"
    );

    let day = SpecialDay::new("1", "0001", NaiveDate::from_ymd_opt(2018, 9, 5).unwrap(), 1);
    let err = device.register_special_days(&[day]).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.message.as_deref(), Some("bad sd_date"));
}

#[tokio::test]
async fn special_days_are_selected_by_query_as_the_sheets_urls() {
    let (server, device) = locked().await;
    let item = serde_json::json!({"sd_type": "1", "uuid": "0001", "sd_date": "2018-09-05",
                                  "st_idx": 4});
    answer(
        &server,
        "GET",
        "/1.0/schedule/specialday-info",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([item]),
            1,
            50,
            false,
            1,
        )),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/schedule/specialday-info",
        ResponseTemplate::new(201),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/schedule/specialday-info",
        ResponseTemplate::new(204),
    )
    .await;
    let date = NaiveDate::from_ymd_opt(2018, 9, 5).unwrap();

    let days = device.special_days("1", "0001", None).await.unwrap();
    device.update_special_day(&days[0]).await.unwrap();
    device
        .delete_special_days("1", "0001", Some(date))
        .await
        .unwrap();

    assert_eq!(days, [SpecialDay::new("1", "0001", date, 4)]);
    let calls = calls(&server).await;
    assert_eq!(
        query(&calls[0]),
        with_lock(&[("sd_type", "1"), ("uuid", "0001")])
    );
    assert_eq!(body_json(&calls[1]), item);
    assert_eq!(
        query(&calls[2]),
        with_lock(&[
            ("sd_date", "2018-09-05"),
            ("sd_type", "1"),
            ("uuid", "0001")
        ])
    );
}

#[tokio::test]
async fn schedule_types_device_schedule_and_delete_all() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/schedule/type-info",
        ResponseTemplate::new(200).set_body_json(envelope(serde_json::json!([]), 1, 50, false, 0)),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/schedule/type-info",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/schedule/device-schedule",
        ResponseTemplate::new(201),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/schedule/all",
        ResponseTemplate::new(204),
    )
    .await;

    assert!(device.schedule_types().await.unwrap().is_empty());
    device.delete_schedule_type(7).await.unwrap();
    device.register_device_schedule(1).await.unwrap();
    device.delete_all_schedules().await.unwrap();

    let calls = calls(&server).await;
    assert_eq!(body_json(&calls[1]), serde_json::json!({"sti_idx": 7}));
    // schedule/device-schedule?lock_uid=..&sc_idx=1
    assert_eq!(query(&calls[2]), with_lock(&[("sc_idx", "1")]));
    assert_eq!(calls[3].url.path(), "/1.0/schedule/all");
}

#[tokio::test]
async fn empty_batches_and_selectors_are_refused_before_any_io() {
    let (server, device) = locked().await;

    let refusals = [
        device.register_schedules(&[]).await.unwrap_err(),
        device.register_special_days(&[]).await.unwrap_err(),
        device.register_schedule_types(&[]).await.unwrap_err(),
        device.special_days("", "0001", None).await.unwrap_err(),
        device.delete_special_days("1", "", None).await.unwrap_err(),
        device.user_schedule("").await.unwrap_err(),
    ];

    for err in refusals {
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
