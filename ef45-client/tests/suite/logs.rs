//! Sheet Log: every list variant, counts, deletes, the typed log item.

use crate::common::*;
use ef45_client::chrono::NaiveDate;
use ef45_client::{AuthMode, Error, EventType, LogFilter, LogsSince, Purpose, RecognizedBio};
use futures_util::TryStreamExt;
use wiremock::ResponseTemplate;

fn sheet_logs() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(fixture("log_list_answer.json"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn the_sheets_example_reads_as_typed_log_entries() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/logs/from/to", sheet_logs()).await;

    let page = device.logs_by_id_page(68..=74, 1, None).await.unwrap();

    assert_eq!((page.has_more, page.total), (false, Some(7)));
    let [recognition, deletion] = &page.items[..] else {
        panic!("two items: {:?}", page.items)
    };
    assert_eq!(recognition.id, 68);
    assert_eq!(recognition.event_type, EventType::Recognition);
    assert_eq!(
        recognition.timestamp,
        Some(day(2018, 5, 28).and_hms_opt(14, 26, 26).unwrap())
    );
    assert_eq!(recognition.timestamp_text, "2018-05-28T14:26:26Z");
    let parts = recognition.recognition().unwrap();
    assert_eq!(
        (parts.purpose, parts.mode, parts.result),
        (Purpose::Recog, AuthMode::BioOnly, RecognizedBio::IrisOk)
    );
    assert_eq!(recognition.additional_data, "Allowed");
    assert_eq!(recognition.matched_face_image().unwrap(), None);
    assert_eq!(deletion.event_type, EventType::UserData);
    assert_eq!(deletion.info, "DeleteUsers");
    assert_eq!(deletion.recognition(), None, "not purpose/mode/result");
    // The sheet's URL example: logs/from/to?lock_uid=..&page=1&min=68&max=74
    assert_eq!(
        query(&only_call(&server).await),
        with_lock(&[("max", "74"), ("min", "68"), ("page", "1")])
    );
}

#[tokio::test]
async fn unknown_event_types_and_odd_timestamps_are_kept_not_refused() {
    let (server, device) = locked().await;
    let items = serde_json::json!([{
        "id": 1, "event_type": "DoorForced", "timestamp": "yesterday", "user_uuid": "",
        "info": "Out/Card-Pin/Iris&FaceFail", "additional_data": "",
        "matched_faceimage_data": "/9j/4AAQ",
    }]);
    answer(
        &server,
        "GET",
        "/1.0/logs",
        ResponseTemplate::new(200).set_body_json(envelope(items, 1, 50, false, 1)),
    )
    .await;

    let logs = device.logs().await.unwrap();

    assert_eq!(logs[0].event_type.as_str(), "DoorForced");
    assert!(logs[0].event_type.is_unknown());
    assert_eq!(logs[0].timestamp, None);
    assert_eq!(logs[0].timestamp_text, "yesterday");
    let parts = logs[0].recognition().unwrap();
    assert_eq!(parts.mode, AuthMode::CardPin);
    assert_eq!(parts.result, RecognizedBio::IrisAndFaceFail);
    let image = logs[0].matched_face_image().unwrap().unwrap();
    assert_eq!(&image.bytes()[..3], &[0xff, 0xd8, 0xff]);
    assert!(
        !format!("{:?}", logs[0]).contains("/9j/4AAQ"),
        "no image in Debug"
    );
    assert_eq!(query(&only_call(&server).await), with_lock(&[]));
}

#[tokio::test]
async fn a_malformed_face_image_is_a_decode_error_on_demand() {
    let entry: ef45_client::LogEntry = serde_json::from_value(serde_json::json!({
        "id": 1, "event_type": "Recognition", "matched_faceimage_data": "not base64!",
    }))
    .unwrap();
    assert!(matches!(entry.matched_face_image(), Err(Error::Decode(_))));
}

#[tokio::test]
async fn a_page_and_recent_logs_use_the_sheets_queries() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/logs", sheet_logs()).await;

    device.logs_page(3, Some(20)).await.unwrap();
    let recent = device.recent_logs(5).await.unwrap();

    assert_eq!(recent.len(), 2);
    let calls = calls(&server).await;
    assert_eq!(
        query(&calls[0]),
        with_lock(&[("page", "3"), ("page_size", "20")])
    );
    assert_eq!(
        query(&calls[1]),
        with_lock(&[("order", "desc"), ("page", "1"), ("page_size", "5")])
    );
}

#[tokio::test]
async fn from_count_by_type_and_by_id_send_their_parameters() {
    let (server, device) = locked().await;
    for to in [
        "/1.0/logs/from/count",
        "/1.0/logs/from/to/type",
        "/1.0/logs/from/to",
    ] {
        answer(&server, "GET", to, sheet_logs()).await;
    }

    device.logs_from_count(1, 1).await.unwrap();
    let filter = LogFilter::new()
        .event_type(EventType::UserData)
        .ids(1..=100);
    device.logs_by_type_page(&filter, 1).await.unwrap();
    device
        .logs_by_type_page(&LogFilter::new(), 2)
        .await
        .unwrap();
    device.logs_by_id_page(5..=9, 1, Some(10)).await.unwrap();

    let calls = calls(&server).await;
    // logs/from/count?lock_uid=..&from=1&count=1 (the sheet's URL example)
    assert_eq!(
        query(&calls[0]),
        with_lock(&[("count", "1"), ("from", "1")])
    );
    // logs/from/to/type?lock_uid=xxx&page=1&min=1&max=100&type=UserData
    assert_eq!(
        query(&calls[1]),
        with_lock(&[
            ("max", "100"),
            ("min", "1"),
            ("page", "1"),
            ("type", "UserData")
        ])
    );
    assert_eq!(
        query(&calls[2]),
        with_lock(&[("page", "2")]),
        "unset parts are left out"
    );
    assert_eq!(
        query(&calls[3]),
        with_lock(&[
            ("max", "9"),
            ("min", "5"),
            ("page", "1"),
            ("page_size", "10")
        ])
    );
}

#[tokio::test]
async fn the_id_range_stream_walks_pages_until_has_more_is_false() {
    let (server, device) = locked().await;
    for (page, more) in [(1u32, true), (2, false)] {
        let item = serde_json::json!([{"id": page, "event_type": "General"}]);
        wiremock::Mock::given(wiremock::matchers::path("/1.0/logs/from/to"))
            .and(wiremock::matchers::query_param("page", page.to_string()))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(envelope(item, page, 1, more, 2)),
            )
            .mount(&server)
            .await;
    }

    let ids: Vec<i64> = device
        .logs_by_id_stream(1..=2, Some(1))
        .map_ok(|log| log.id)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids, [1, 2]);
    assert_eq!(calls(&server).await.len(), 2);
}

#[tokio::test]
async fn dates_and_periods_go_in_the_path_as_the_sheet_writes_them() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/logs/from/date/2019", sheet_logs()).await;
    answer(&server, "GET", "/1.0/logs/from/date/2019-12", sheet_logs()).await;
    answer(
        &server,
        "GET",
        "/1.0/logs/from/date/2019-12-05",
        sheet_logs(),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/logs/fromto/2020-04-08/2020-04-09",
        sheet_logs(),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/logs/fromto/UserDataByPC/2020-04-08T13:21:40Z/2020-04-09",
        sheet_logs(),
    )
    .await;

    device.logs_since(LogsSince::Year(2019)).await.unwrap();
    device.logs_since(LogsSince::Month(2019, 12)).await.unwrap();
    device.logs_since(day(2019, 12, 5)).await.unwrap();
    device
        .logs_between(day(2020, 4, 8), day(2020, 4, 9), None)
        .await
        .unwrap();
    let at = day(2020, 4, 8).and_hms_opt(13, 21, 40).unwrap();
    let logs = device
        .logs_between(at, day(2020, 4, 9), Some(&EventType::UserDataByPc))
        .await
        .unwrap();

    assert_eq!(logs.len(), 2);
    assert_eq!(calls(&server).await.len(), 5, "every path matched a mock");
}

#[tokio::test]
async fn counts_read_the_count_field() {
    let (server, device) = locked().await;
    let count = |n: u64| ResponseTemplate::new(200).set_body_json(serde_json::json!({"count": n}));
    answer(&server, "GET", "/1.0/logs/count", count(34)).await;
    answer(
        &server,
        "GET",
        "/1.0/logs/count/2020-04-08/2020-04-09",
        count(3),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/logs/count/Recognition/2020-04-08/2020-04-09",
        count(2),
    )
    .await;

    let (from, to) = (day(2020, 4, 8), day(2020, 4, 9));
    assert_eq!(device.log_count().await.unwrap(), 34);
    assert_eq!(device.log_count_between(from, to, None).await.unwrap(), 3);
    assert_eq!(
        device
            .log_count_between(from, to, Some(&EventType::Recognition))
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn deletes_use_the_sheets_paths_and_queries() {
    let (server, device) = locked().await;
    for to in ["/1.0/logs", "/1.0/logs/42", "/1.0/logs/db"] {
        answer(&server, "DELETE", to, ResponseTemplate::new(204)).await;
    }

    device.delete_logs(10..=20).await.unwrap();
    device.delete_log(42).await.unwrap();
    device.delete_all_logs().await.unwrap();

    let calls = calls(&server).await;
    assert_eq!(query(&calls[0]), with_lock(&[("max", "20"), ("min", "10")]));
    assert_eq!(calls[1].url.path(), "/1.0/logs/42");
    assert_eq!(calls[2].url.path(), "/1.0/logs/db");
}

#[tokio::test]
// Backwards ranges are what this test sends.
#[allow(clippy::reversed_empty_ranges)]
async fn backwards_ranges_and_bad_dates_are_refused_before_any_io() {
    let (server, device) = locked().await;
    let (from, to) = (day(2020, 4, 9), day(2020, 4, 8));

    let refusals = [
        device.delete_logs(20..=10).await.unwrap_err(),
        device.logs_by_id_page(9..=1, 1, None).await.unwrap_err(),
        device.logs_page(0, None).await.unwrap_err(),
        device.logs_page(1, Some(0)).await.unwrap_err(),
        device.recent_logs(0).await.unwrap_err(),
        device.logs_from_count(1, 0).await.unwrap_err(),
        device.logs_between(from, to, None).await.unwrap_err(),
        device.log_count_between(from, to, None).await.unwrap_err(),
        device
            .logs_since(LogsSince::Month(2019, 13))
            .await
            .unwrap_err(),
        device.logs_since(LogsSince::Year(12345)).await.unwrap_err(),
        device
            .logs_by_type_page(&LogFilter::new().ids(5..=1), 1)
            .await
            .unwrap_err(),
        device
            .logs_by_id_stream(3..=1, None)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err(),
    ];

    for err in refusals {
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_status_code_other_than_200_in_the_envelope_is_an_error() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/logs/from/date/2019",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status_code": 1101, "reason_phrase": "Incorrect information", "items": [],
        })),
    )
    .await;

    let err = device.logs_since(LogsSince::Year(2019)).await.unwrap_err();

    let failure = ef45_client::DeviceFailure::from_error(&err).unwrap();
    assert_eq!(
        failure.code,
        Some(ef45_client::ResponseCode::IncorrectInformation)
    );
}

#[test]
fn one_odd_value_does_not_fail_a_log_page() {
    // A firmware that writes the id as text, a null user and a numeric additional_data.
    let page = r#"{"status_code":200,"reason_phrase":"OK","items":[
        {"id":"68","event_type":"Recognition","timestamp":"2018-05-28T14:26:26Z",
         "user_uuid":null,"info":"Recog/BioOnly/IrisOk","additional_data":7,
         "matched_faceimage_data":null},
        {"id":69,"event_type":"UserData","timestamp":"2018-05-28T14:45:57Z","user_uuid":"111",
         "info":"DeleteUsers","additional_data":"Success","matched_faceimage_data":""}],
        "page":1,"page_size":50,"has_more":false,"total":2}"#;
    let logs: Vec<ef45_client::LogEntry> = serde_json::from_value(
        serde_json::from_str::<serde_json::Value>(page).unwrap()["items"].clone(),
    )
    .unwrap();
    assert_eq!(logs[0].id, 68);
    assert_eq!(logs[0].user_uuid, "");
    assert_eq!(logs[0].additional_data, "7");
    assert_eq!(logs[1].id, 69);
}
