//! Sheet User_info: list (all, paged with `pageSize`, stream), by card, by uuid, create, update,
//! delete, schedule codes.

use crate::common::*;
use ef45_client::{Card, Pin, UserInfo};
use futures_util::TryStreamExt;
use wiremock::ResponseTemplate;

fn info_json(uuid: &str, card: &str) -> serde_json::Value {
    serde_json::json!({
        "user_uuid": uuid, "card": card, "pin": "1234", "admin": 1, "group_index": 0,
        "by_pass_card": 0, "indivisual": 0, "three_out_status": 0,
        "three_out_status_access_allowd": 0, "job_code": 0, "time_schedule_code": -1,
        "apb_status": 0, "message": "",
    })
}

#[tokio::test]
async fn pages_use_page_size_spelled_page_size_camel_case() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/user-info",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([info_json("111", "65 d8 a1 bd")]),
            1,
            10,
            false,
            1,
        )),
    )
    .await;

    let page = device.user_infos_page(1, Some(10)).await.unwrap();

    assert_eq!(
        page.items[0].card.as_ref().unwrap().to_string(),
        "65 D8 A1 BD"
    );
    assert_eq!(page.items[0].time_schedule_code, -1);
    assert_eq!(
        query(&only_call(&server).await),
        with_lock(&[("page", "1"), ("pageSize", "10")])
    );
}

#[tokio::test]
async fn all_and_stream() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/user-info",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([info_json("1", ""), info_json("2", "01")]),
            1,
            50,
            false,
            2,
        )),
    )
    .await;

    let all = device.user_infos().await.unwrap();
    let streamed: Vec<UserInfo> = device.user_infos_stream(None).try_collect().await.unwrap();

    assert_eq!(all, streamed);
    assert_eq!(all[0].card, None, "\"\" is no card");
    let calls = calls(&server).await;
    assert_eq!(query(&calls[0]), with_lock(&[]));
    assert_eq!(query(&calls[1]), with_lock(&[("page", "1")]));
}

#[tokio::test]
async fn by_card_puts_the_canonical_card_text_in_one_segment() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/user-info/card/65%20D8%20A1%20BD",
        ResponseTemplate::new(200).set_body_json(info_json("111", "65 D8 A1 BD")),
    )
    .await;
    catch_all(&server).await;

    let card: Card = "65d8a1bd".parse().unwrap();
    let info = device.user_info_by_card(&card).await.unwrap();

    assert_eq!(info.user_uuid, "111");
    assert_eq!(info.pin.expose(), "1234");
    assert!(
        !format!("{info:?}").contains("1234"),
        "the PIN stays out of Debug"
    );
}

#[tokio::test]
async fn create_reads_and_sends_the_sheet_example_with_the_tables_field_name() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/user-info",
        ResponseTemplate::new(201),
    )
    .await;
    let example: UserInfo =
        serde_json::from_value(fixture_json("user_info_create_body.json")).unwrap();

    device.create_user_info(&example).await.unwrap();

    let call = only_call(&server).await;
    assert_eq!(query(&call), with_lock(&[]));
    // The example's `three_out_access_allowed: ""` goes out under the tables' name, as 0.
    let mut expected = fixture_json("user_info_create_body.json");
    let map = expected.as_object_mut().unwrap();
    map.remove("three_out_access_allowed");
    map.insert("three_out_status_access_allowd".into(), 0.into());
    assert_eq!(body_json(&call), expected);
}

#[tokio::test]
async fn get_update_delete_by_uuid() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/user-info/uuid/111",
        ResponseTemplate::new(200).set_body_json(info_json("111", "")),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/user-info/uuid/111",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/user-info/uuid/111",
        ResponseTemplate::new(204),
    )
    .await;
    catch_all(&server).await;

    let mut info = device.user_info("111").await.unwrap();
    info.pin = Pin::new("9999");
    info.card = Some("11 22 33 99".parse().unwrap());
    device.update_user_info(&info).await.unwrap();
    device.delete_user_info("111").await.unwrap();

    let calls = calls(&server).await;
    assert_eq!(calls.len(), 3);
    let sent = body_json(&calls[1]);
    assert_eq!(
        (sent["pin"].as_str(), sent["card"].as_str()),
        (Some("9999"), Some("11 22 33 99"))
    );
    assert!(calls[2].body.is_empty(), "delete sends no body");
    for call in &calls {
        assert_eq!(query(call), with_lock(&[]));
    }
}

#[tokio::test]
async fn schedule_codes_follow_the_sheet_example_with_a_true_size() {
    let (server, device) = locked().await;
    answer(
        &server,
        "PUT",
        "/1.0/user-info/schedule",
        ResponseTemplate::new(200),
    )
    .await;

    device
        .set_schedule_codes(&[("0001", 0), ("0002", 1)])
        .await
        .unwrap();

    // The sheet's example says `size: 1` for two users; the client sends the array's size.
    let mut expected = fixture_json("user_info_schedule_body.json");
    expected["size"] = 2.into();
    assert_eq!(body_json(&only_call(&server).await), expected);
}

#[tokio::test]
async fn a_card_that_is_not_hex_is_kept_as_the_device_wrote_it() {
    // The card screen takes "manual input": one odd card must not fail the whole answer.
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/user-info/uuid/1",
        ResponseTemplate::new(200).set_body_json(info_json("1", "ZZ")),
    )
    .await;

    let info = device.user_info("1").await.unwrap();

    let card = info.card.unwrap();
    assert!(!card.is_hex());
    assert_eq!(card.to_string(), "ZZ");
    // Written back unchanged, as the device wrote it.
    assert_eq!(serde_json::to_value(&card).unwrap(), "ZZ");
}

#[tokio::test]
async fn bad_input_is_refused_before_io() {
    let (server, device) = locked().await;
    assert!(device.user_info("..").await.is_err());
    assert!(device.delete_user_info("").await.is_err());
    assert!(device.create_user_info(&UserInfo::new("")).await.is_err());
    assert!(device.set_schedule_codes(&[]).await.is_err());
    assert!(device.set_schedule_codes(&[("", 1)]).await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}
