//! Sheets User and Card: one-call enrollment with up to eight cards, user deletes, cards.

use crate::common::*;
use ef45_client::{
    BiometricText, Card, CardEntry, Error, Face, FaceSubId, NewUser, Subject, UserInfo,
};
use wiremock::ResponseTemplate;

fn card(text: &str) -> Card {
    text.parse().unwrap()
}

fn new_user(cards: usize) -> NewUser {
    let subject =
        Subject::new("1", "abc").templates(BiometricText::new("TA=="), BiometricText::new("Ug=="));
    let mut user = NewUser::new(subject, UserInfo::new("1")).face(Face::new(
        "",
        FaceSubId::BlackWhite,
        BiometricText::new("RkFDRQ=="),
    ));
    for i in 0..cards {
        user = user.card(CardEntry::new(i as i64, card(&format!("{i:02X} 22 33 99"))));
    }
    user
}

#[tokio::test]
async fn enroll_sends_subject_info_faces_and_cards_in_one_body() {
    let (server, device) = locked().await;
    answer(&server, "POST", "/1.0/user", ResponseTemplate::new(201)).await;

    device.enroll_user(&new_user(8)).await.unwrap();

    let call = only_call(&server).await;
    assert_eq!(query(&call), with_lock(&[]));
    let body = body_json(&call);
    // The User sheet's field table, every key marked required: subject fields, user-info
    // fields, `faces`, `cards`.
    let mut keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    let mut table = [
        "user_uuid",
        "record_version",
        "last_name",
        "access_allowed",
        "first_name",
        "match_until",
        "wiegand_facility",
        "wiegand_site",
        "wiegand_code",
        "wiegand_custom",
        "left_eye_template",
        "right_eye_template",
        "left_image_path",
        "right_image_path",
        "faces",
        "card",
        "pin",
        "admin",
        "group_index",
        "by_pass_card",
        "indivisual",
        "three_out_status",
        "three_out_status_access_allowd",
        "job_code",
        "time_schedule_code",
        "apb_status",
        "message",
        "cards",
    ];
    table.sort();
    assert_eq!(keys, table);
    // Unset subject fields carry the Subject sheet's create-example values.
    assert_eq!(
        (
            &body["record_version"],
            &body["access_allowed"],
            &body["wiegand_site"],
            &body["first_name"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(true),
            &serde_json::json!(-1),
            &serde_json::json!("")
        )
    );
    assert_eq!(body["user_uuid"], "1");
    assert!(
        body["faces"][0].get("user_uuid").is_none(),
        "the faces table has no user_uuid"
    );
    assert_eq!(body["faces"][0]["sub_id"], 1);
    // The cards as the Card sheet's example writes them.
    let example = fixture_json("card_register_body.json");
    assert_eq!(body["cards"], example["cards"]);
}

#[tokio::test]
async fn a_ninth_card_is_refused_before_any_io() {
    let (server, device) = locked().await;

    let err = device.enroll_user(&new_user(9)).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "cards"),
        "{err}"
    );
    let nine: Vec<_> = (0..9).map(|i| CardEntry::new(i, card("01"))).collect();
    let err = device.register_cards("1", &nine).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "cards"),
        "{err}"
    );
    let twice = [CardEntry::new(0, card("01")), CardEntry::new(0, card("02"))];
    assert!(
        device.register_cards("1", &twice).await.is_err(),
        "sub_id used twice"
    );

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "not even a lock"
    );
}

#[tokio::test]
async fn mismatched_or_empty_uuids_are_refused_before_io() {
    let (server, device) = locked().await;
    let other_info = NewUser::new(Subject::new("1", "abc"), UserInfo::new("2"));
    assert!(device.enroll_user(&other_info).await.is_err());
    let other_face = NewUser::new(Subject::new("1", "abc"), UserInfo::new("1")).face(Face::new(
        "2",
        FaceSubId::Color,
        BiometricText::default(),
    ));
    assert!(device.enroll_user(&other_face).await.is_err());
    assert!(
        device
            .enroll_user(&NewUser::new(Subject::new("", "a"), UserInfo::new("")))
            .await
            .is_err()
    );
    for uuid in ["", "..", "."] {
        assert!(device.delete_user(uuid).await.is_err(), "{uuid:?}");
        assert!(device.cards(uuid).await.is_err(), "{uuid:?}");
        assert!(device.delete_cards(uuid).await.is_err(), "{uuid:?}");
    }
    assert!(device.delete_users(&[]).await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn delete_user_and_delete_users() {
    let (server, device) = locked().await;
    answer(
        &server,
        "DELETE",
        "/1.0/user/123",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/user/delete-users",
        ResponseTemplate::new(200),
    )
    .await;
    catch_all(&server).await;

    device.delete_user("123").await.unwrap();
    device.delete_users(&[1, 2, 3, 4, 5]).await.unwrap();

    let calls = calls(&server).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(
        body_json(&calls[1]),
        fixture_json("user_delete_users_body.json")
    );
    for call in &calls {
        assert_eq!(query(call), with_lock(&[]));
    }
}

#[tokio::test]
async fn cards_register_get_and_delete() {
    let (server, device) = locked().await;
    answer(&server, "POST", "/1.0/cards", ResponseTemplate::new(201)).await;
    answer(
        &server,
        "GET",
        "/1.0/cards/111",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "user_uuid": "111", "cards": [{"sub_id": 0, "card": "65 d8 a1 bd", "remarks": "blue"}],
        })),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/cards/111",
        ResponseTemplate::new(204),
    )
    .await;
    catch_all(&server).await;
    let entries: Vec<_> = (0..8u8)
        .map(|i| CardEntry::new(i64::from(i), Card::new(vec![i, 0x22, 0x33, 0x99]).unwrap()))
        .collect();

    device.register_cards("1", &entries).await.unwrap();
    let cards = device.cards("111").await.unwrap();
    device.delete_cards("111").await.unwrap();

    assert_eq!(
        cards.cards,
        [CardEntry::new(0, card("65 D8 A1 BD")).remarks("blue")]
    );
    let calls = calls(&server).await;
    assert_eq!(
        body_json(&calls[0]),
        fixture_json("card_register_body.json")
    );
    for call in &calls {
        assert_eq!(query(call), with_lock(&[]));
    }
}

#[tokio::test]
async fn a_stale_lock_during_a_create_relocks_once_and_replays_once() {
    let server = wiremock::MockServer::start().await;
    locks(&server, &[LOCK, LOCK2]).await;
    wiremock::Mock::given(wiremock::matchers::path("/1.0/cards"))
        .and(wiremock::matchers::query_param("lock_uid", LOCK))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"}),
        ))
        .mount(&server)
        .await;
    wiremock::Mock::given(wiremock::matchers::path("/1.0/cards"))
        .and(wiremock::matchers::query_param("lock_uid", LOCK2))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;

    client(&server)
        .register_cards("1", &[CardEntry::new(0, card("01"))])
        .await
        .unwrap();

    assert_eq!(requests_to(&server, "/1.0/lock").await.len(), 2);
    let posts = requests_to(&server, "/1.0/cards").await;
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body);
}
