//! Sheet Subject: list (all, paged, stream), get, create, update, delete, count, record version,
//! duplication check.

use crate::common::*;
use ef45_client::{BiometricText, DeviceFailure, Error, ResponseCode, Subject};
use futures_util::TryStreamExt;
use wiremock::ResponseTemplate;

fn subject_json(uuid: &str) -> serde_json::Value {
    serde_json::json!({
        "user_uuid": uuid, "record_version": 8976, "last_name": "david",
        "access_allowed": true, "first_name": null, "match_until": null,
        "wiegand_facility": -1, "wiegand_site": -1, "wiegand_code": -1, "wiegand_custom": "",
        "left_eye_template": "TEFGVA==", "right_eye_template": "UklHSFQ=",
        "left_image_path": 0, "right_image_path": "righteye.bmp",
    })
}

#[tokio::test]
async fn all_subjects_are_one_call_without_page() {
    let (server, device) = locked().await;
    let items = serde_json::json!([subject_json("1"), subject_json("111")]);
    answer(
        &server,
        "GET",
        "/1.0/subjects",
        ResponseTemplate::new(200).set_body_json(envelope(items, 1, 50, false, 2)),
    )
    .await;

    let subjects = device.subjects().await.unwrap();

    assert_eq!(subjects.len(), 2);
    assert_eq!(subjects[1].user_uuid, "111");
    assert_eq!(subjects[0].wiegand_custom, None, "\"\" reads as none");
    assert_eq!(
        subjects[0].left_image_path.as_deref(),
        Some("0"),
        "an int path reads as text"
    );
    assert_eq!(subjects[0].left_eye_template.as_str(), "TEFGVA==");
    assert_eq!(query(&only_call(&server).await), with_lock(&[]));
}

#[tokio::test]
async fn a_page_uses_page_and_page_size() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/subjects",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([subject_json("1")]),
            2,
            1,
            true,
            7,
        )),
    )
    .await;

    let page = device.subjects_page(2, Some(1)).await.unwrap();

    assert_eq!(
        (page.page, page.page_size, page.has_more, page.total),
        (Some(2), Some(1), true, Some(7))
    );
    assert_eq!(
        query(&only_call(&server).await),
        with_lock(&[("page", "2"), ("page_size", "1")])
    );
}

#[tokio::test]
async fn the_stream_walks_every_page_until_has_more_is_false() {
    let (server, device) = locked().await;
    for (page, more) in [(1u32, true), (2, true), (3, false)] {
        wiremock::Mock::given(wiremock::matchers::path("/1.0/subjects"))
            .and(wiremock::matchers::query_param("page", page.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
                serde_json::json!([
                    subject_json(&format!("{page}a")),
                    subject_json(&format!("{page}b"))
                ]),
                page,
                2,
                more,
                6,
            )))
            .mount(&server)
            .await;
    }

    let all: Vec<Subject> = device.subjects_stream(Some(2)).try_collect().await.unwrap();

    let ids: Vec<_> = all.iter().map(|s| s.user_uuid.as_str()).collect();
    assert_eq!(ids, ["1a", "1b", "2a", "2b", "3a", "3b"]);
    let calls = calls(&server).await;
    assert_eq!(calls.len(), 3);
    assert_eq!(
        query(&calls[2]),
        with_lock(&[("page", "3"), ("page_size", "2")])
    );
}

#[tokio::test]
async fn a_list_whose_status_code_is_an_error_is_an_api_error() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/subjects", ResponseTemplate::new(200).set_body_json(
        serde_json::json!({"status_code": 1301, "reason_phrase": "Permission denied!", "items": []}),
    )).await;

    let err = device.subjects().await.unwrap_err();

    let failure = DeviceFailure::from_error(&err).unwrap();
    assert_eq!(failure.code, Some(ResponseCode::PermissionDenied));
}

#[tokio::test]
async fn create_sends_the_sheet_example_with_its_empty_values_left_out() {
    let (server, device) = locked().await;
    answer(&server, "POST", "/1.0/subjects", ResponseTemplate::new(201)).await;
    let example: Subject =
        serde_json::from_value(fixture_json("subject_create_body.json")).unwrap();

    device.create_subject(&example).await.unwrap();

    let call = only_call(&server).await;
    assert_eq!(query(&call), with_lock(&[]));
    // The sheet's example minus what reads as "none": the nulls and `wiegand_custom: ""`.
    let mut expected = fixture_json("subject_create_body.json");
    for dropped in ["first_name", "match_until", "wiegand_custom"] {
        expected.as_object_mut().unwrap().remove(dropped);
    }
    assert_eq!(body_json(&call), expected);
}

#[tokio::test]
async fn get_update_and_delete_address_the_subject_by_path() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/subjects/111",
        ResponseTemplate::new(200).set_body_json(subject_json("111")),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/subjects/111",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/subjects/a%2Fb",
        ResponseTemplate::new(204),
    )
    .await;
    catch_all(&server).await;

    let mut subject = device.subject("111").await.unwrap();
    subject.first_name = Some("D.".into());
    device.update_subject(&subject).await.unwrap();
    device.delete_subject("a/b").await.unwrap();

    let calls = calls(&server).await;
    assert_eq!(calls.len(), 3);
    assert_eq!(body_json(&calls[1])["first_name"], "D.");
    assert_eq!(body_json(&calls[1])["user_uuid"], "111");
    assert_eq!(
        calls[2].url.path(),
        "/1.0/subjects/a%2Fb",
        "one segment, encoded"
    );
    for call in &calls {
        assert_eq!(query(call), with_lock(&[]));
    }
}

#[tokio::test]
async fn count_record_version_and_duplicates_read_the_sheet_examples() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/subjects/count",
        ResponseTemplate::new(200).set_body_string(fixture("subject_count_answer.json")),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/subjects/record-version",
        ResponseTemplate::new(200).set_body_string(fixture("subject_record_version_answer.json")),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/subjects/is-exist/template",
        ResponseTemplate::new(200).set_body_string(fixture("subject_duplicate_answer.json")),
    )
    .await;
    catch_all(&server).await;
    let probe =
        Subject::new("2", "lee").templates(BiometricText::new("TA=="), BiometricText::new("Ug=="));

    assert_eq!(device.subject_count().await.unwrap(), 34);
    assert_eq!(device.record_version().await.unwrap(), 8976);
    assert_eq!(
        device.find_duplicate(&probe).await.unwrap().as_deref(),
        Some("111")
    );

    let check = &requests_to(&server, "/1.0/subjects/is-exist/template").await[0];
    assert_eq!(
        body_json(check),
        serde_json::json!({
            "user_uuid": "2", "last_name": "lee", "left_eye_template": "TA==", "right_eye_template": "Ug==",
        })
    );
}

#[tokio::test]
async fn no_duplicate_reads_as_none() {
    for body in [
        serde_json::json!({}),
        serde_json::json!({"duplicate_uuid": ""}),
        serde_json::json!({"duplicate_uuid": null}),
    ] {
        let (server, device) = locked().await;
        answer(
            &server,
            "PUT",
            "/1.0/subjects/is-exist/template",
            ResponseTemplate::new(200).set_body_json(&body),
        )
        .await;
        assert_eq!(
            device
                .find_duplicate(&Subject::new("2", "lee"))
                .await
                .unwrap(),
            None,
            "{body}"
        );
    }
}

#[tokio::test]
async fn empty_or_dot_dot_uuids_and_bad_pages_are_refused_before_io() {
    let (server, device) = locked().await;

    for uuid in ["", ".", ".."] {
        let err = device.subject(uuid).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field, .. } if field == "user_uuid"),
            "{err}"
        );
        let err = device.delete_subject(uuid).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    }
    let err = device
        .create_subject(&Subject::new(" ", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    assert!(device.subjects_page(0, None).await.is_err());
    assert!(device.subjects_page(1, Some(0)).await.is_err());

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "not even a lock"
    );
}
