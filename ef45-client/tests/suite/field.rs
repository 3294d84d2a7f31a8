//! A terminal in the field: older applications (sheet Revision_History), refusals under HTTP
//! 200, sizes computed from payloads, paging that follows the device, the sheets' comma-less
//! answers, and uploads that restart after the lock went stale.

use std::time::Duration;

use crate::common::*;
use ef45_client::chrono::NaiveDate;
use ef45_client::{
    AppVersion, BiometricText, Client, DatabaseFile, DoorMode, Error, Face, FaceSubId,
    FirmwareUpload, NewUser, RetryPolicy, Subject, UploadSource, UserInfo,
};
use futures_util::TryStreamExt;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A device reporting application `version` whose `POST lock` answers [`LOCK`].
async fn device_at(version: &str) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/1.0/version"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "version": version })),
        )
        .mount(&server)
        .await;
    locks(&server, &[LOCK, LOCK2, LOCK, LOCK2, LOCK, LOCK2]).await;
    let device = client(&server);
    (server, device)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 4, d).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Older applications

#[tokio::test]
async fn an_application_before_basic_authentication_is_locked_without_a_body() {
    let (server, device) = device_at("2.1.40").await;
    catch_all(&server).await;

    device.lock().await.unwrap();

    let lock = &requests_to(&server, "/1.0/lock").await[0];
    assert!(lock.body.is_empty(), "no id/passwd body before 2.1.50");
    assert_eq!(
        device.app_version().await.unwrap(),
        Some(AppVersion::new(2, 1, 40))
    );
}

#[tokio::test]
async fn from_basic_authentication_on_the_lock_carries_the_credentials() {
    let (server, device) = device_at("2.1.50").await;
    catch_all(&server).await;

    device.lock().await.unwrap();

    let lock = &requests_to(&server, "/1.0/lock").await[0];
    assert_eq!(
        body_json(lock),
        serde_json::json!({"id": ID, "passwd": PASSWD})
    );
}

#[tokio::test]
async fn a_call_the_application_is_too_old_for_is_refused_before_any_io() {
    let (server, device) = device_at("2.1.40").await;
    catch_all(&server).await;

    let errors = [
        device
            .log_count_between(day(8), day(9), None)
            .await
            .unwrap_err(),
        device.subject_count().await.unwrap_err(),
        device.delete_faces("1001").await.unwrap_err(),
        device.change_password("cmi1003", "new").await.unwrap_err(),
        device
            .database_size(DatabaseFile::EyeLockFull)
            .await
            .unwrap_err(),
    ];

    for err in &errors {
        let Error::Unsupported(unsupported) = err else {
            panic!("{err:?}")
        };
        assert!(err.is_unsent(), "{err}");
        assert_eq!(unsupported.status, None);
        assert_eq!(unsupported.found, "application 2.1.40", "{err}");
    }
    assert_eq!(
        errors[0].to_string(),
        "ef45.log_count_between is not supported by this server: it needs application 2.1.47 \
         or later (spec 1.3.21: log data and count retrieval by period), the server has \
         application 2.1.40; nothing was sent"
    );
    assert!(
        calls(&server).await.is_empty(),
        "nothing but the version read"
    );
    assert_eq!(
        requests_to(&server, "/1.0/version").await.len(),
        1,
        "the version is read once"
    );
}

#[tokio::test]
async fn the_version_is_read_once_per_lock_and_again_after_a_renewal() {
    let (server, device) = device_at("2.2.41").await;
    // The first count finds the lock stale (1102 under 200): the client locks again.
    Mock::given(method("GET"))
        .and(path("/1.0/subjects/count"))
        .and(query_param("lock_uid", LOCK))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/1.0/subjects/count"))
        .and(query_param("lock_uid", LOCK2))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"count": 3})))
        .mount(&server)
        .await;
    catch_all(&server).await;

    assert_eq!(device.subject_count().await.unwrap(), 3);
    assert_eq!(device.subject_count().await.unwrap(), 3);

    assert_eq!(requests_to(&server, "/1.0/lock").await.len(), 2);
    assert_eq!(
        requests_to(&server, "/1.0/version").await.len(),
        2,
        "once for the first lock, once for the renewed one (the device may have been upgraded)"
    );
}

#[tokio::test]
async fn a_404_without_a_device_code_to_a_newer_call_says_the_device_lacks_it() {
    // A device whose version text this crate cannot read gets every call; its 404 to a call a
    // revision added is read as the missing path it is.
    let (server, device) = device_at("EF45-R2").await;
    answer(
        &server,
        "GET",
        "/1.0/subjects/count",
        ResponseTemplate::new(404).set_body_string("Not Found"),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/subjects/1001",
        ResponseTemplate::new(404).set_body_string("Not Found"),
    )
    .await;
    catch_all(&server).await;

    let err = device.subject_count().await.unwrap_err();
    let Error::Unsupported(unsupported) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(unsupported.status, Some(ef45_client::StatusCode::NOT_FOUND));
    assert!(!err.is_unsent(), "the request reached the device");
    assert!(err.to_string().contains("2.1.66"), "{err}");
    // A call of the first release keeps its 404: it may mean "no such record".
    let err = device.subject("1001").await.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}

#[tokio::test]
async fn the_walking_fallback_counts_what_the_device_would() {
    let (server, device) = device_at("2.1.40").await;
    let log = |id: i64, at: &str, kind: &str| {
        serde_json::json!({"id": id, "event_type": kind, "timestamp": at, "user_uuid": "111",
            "info": "Recog/BioOnly/IrisOk", "additional_data": "Allowed",
            "matched_faceimage_data": ""})
    };
    let items = serde_json::json!([
        log(1, "2020-04-07T23:59:59Z", "Recognition"),
        log(2, "2020-04-08T00:00:00Z", "Recognition"),
        log(3, "2020-04-08T12:00:00Z", "UserData"),
        log(4, "2020-04-08T18:30:00Z", "Recognition"),
        log(5, "2020-04-10T08:00:00Z", "Recognition"),
    ]);
    answer(
        &server,
        "GET",
        "/1.0/logs",
        ResponseTemplate::new(200).set_body_json(envelope(items, 1, 100, false, 5)),
    )
    .await;
    catch_all(&server).await;

    let all = device
        .count_logs_by_walking(day(8), day(9), None)
        .await
        .unwrap();
    let recognitions = device
        .count_logs_by_walking(day(8), day(9), Some(&ef45_client::EventType::Recognition))
        .await
        .unwrap();

    assert_eq!((all, recognitions), (3, 2));
}

// ---------------------------------------------------------------------------------------------
// Refusals under HTTP 200

#[tokio::test]
async fn success_false_is_a_refusal_for_every_call_that_answers_it() {
    let (server, device) = device_at("2.2.41").await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"success": false, "status": "Fail"})),
        )
        .with_priority(200)
        .mount(&server)
        .await;

    let results = [
        device.start_card_input().await,
        device.stop_card_input().await,
        device.clear_anti_passback("1001").await,
        device.clear_all_anti_passback().await,
        device.set_door_mode(DoorMode::StayOpen).await,
    ];

    for result in results {
        let err = result.unwrap_err();
        let api = err.as_api().unwrap_or_else(|| panic!("{err:?}"));
        assert_eq!(api.message.as_deref(), Some("Fail"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes on the wire come from the payload

#[tokio::test]
async fn a_face_feature_size_is_computed_from_the_feature() {
    let (server, device) = device_at("2.2.41").await;
    answer(&server, "POST", "/1.0/user", ResponseTemplate::new(201)).await;
    answer(&server, "POST", "/1.0/faces", ResponseTemplate::new(201)).await;
    catch_all(&server).await;
    // Four bytes of feature, and a caller's size of 0 (the default) or a wrong one.
    let mut face = Face::new("1001", FaceSubId::Color, BiometricText::new("AAECAw=="));
    face.face_feature_size = 999;
    let user = NewUser::new(Subject::new("1001", "Kim"), UserInfo::new("1001")).face(Face::new(
        "1001",
        FaceSubId::BlackWhite,
        BiometricText::new("AAECAw=="),
    ));

    device.enroll_user(&user).await.unwrap();
    device.create_face(&face).await.unwrap();

    let sent = body_json(&requests_to(&server, "/1.0/user").await[0]);
    assert_eq!(sent["faces"][0]["face_feature_size"], 4);
    let sent = body_json(&requests_to(&server, "/1.0/faces").await[0]);
    assert_eq!(sent["face_feature_size"], 4);

    let not_base64 = Face::new("1001", FaceSubId::Color, BiometricText::new("not base64!"));
    let err = device.create_face(&not_base64).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "face.face_feature"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Paging follows the device

/// Answers pages of 50 whatever size was asked (a device reading the other page-size name),
/// out of `total` numbered items.
struct FiftyAPage {
    total: u32,
}

impl Respond for FiftyAPage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: u32 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let first = (page - 1) * 50;
        let items: Vec<_> = (first..(first + 50).min(self.total))
            .map(|i| serde_json::json!({"user_uuid": format!("{i:04}"), "sub_id": 0}))
            .collect();
        let more = first + 50 < self.total;
        ResponseTemplate::new(200).set_body_json(envelope(
            items.into(),
            page,
            50,
            more,
            u64::from(self.total),
        ))
    }
}

#[tokio::test]
async fn a_device_that_ignores_the_page_size_is_still_walked_whole_once() {
    let (server, device) = device_at("2.2.41").await;
    Mock::given(method("GET"))
        .and(path("/1.0/faces"))
        .respond_with(FiftyAPage { total: 120 })
        .mount(&server)
        .await;
    catch_all(&server).await;

    let faces: Vec<Face> = device.faces_stream(Some(20)).try_collect().await.unwrap();

    let ids: Vec<&str> = faces.iter().map(|f| f.user_uuid.as_str()).collect();
    let expected: Vec<String> = (0..120).map(|i| format!("{i:04}")).collect();
    assert_eq!(ids, expected, "every face once, in order");
    assert_eq!(calls(&server).await.len(), 3, "pages 1 to 3 of 50");
}

// ---------------------------------------------------------------------------------------------
// The sheets' comma-less answers

#[tokio::test]
async fn database_answers_printed_without_commas_are_read() {
    let (server, device) = device_at("2.2.41").await;
    answer(
        &server,
        "GET",
        "/1.0/database/size",
        ResponseTemplate::new(200).set_body_string(r#"{"size":44915712,"status":"""file":""}"#),
    )
    .await;
    for (index, body) in [
        (0, r#"{"size":5,"status":"start""file":"aGVsbG8="}"#),
        (1, r#"{"size":6,"status":"done""file":"IHdvcmxk"}"#),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/1.0/database/partial/{index}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    catch_all(&server).await;

    assert_eq!(
        device.database_size(DatabaseFile::Main).await.unwrap(),
        44_915_712
    );
    let mut sink = Vec::new();
    let bytes = device
        .download_database_parts(DatabaseFile::Main, &mut sink, |_| {})
        .await
        .unwrap();
    assert_eq!((bytes, sink.as_slice()), (11, &b"hello world"[..]));
}

// ---------------------------------------------------------------------------------------------
// Uploads after the lock went stale

/// Refuses the first `continuous` unit with 1102 under HTTP 200 (once, or always), accepts the
/// rest; `done` answers success.
async fn upload_device(refuse_always: bool) -> (MockServer, Client) {
    let (server, device) = device_at("2.2.41").await;
    let stale = ResponseTemplate::new(200).set_body_json(
        serde_json::json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"}),
    );
    let refusal = Mock::given(method("POST"))
        .and(path("/1.0/update/continuous"))
        .respond_with(stale)
        .with_priority(1);
    let refusal = if refuse_always {
        refusal
    } else {
        refusal.up_to_n_times(1)
    };
    refusal.mount(&server).await;
    answer(
        &server,
        "POST",
        "/1.0/update/start",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/update/continuous",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/update/done",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"file": "Upload success"})),
    )
    .await;
    catch_all(&server).await;
    (server, device)
}

fn steps(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let lock = r
                .url
                .query_pairs()
                .find(|(k, _)| k == "lock_uid")
                .map(|(_, v)| if v == LOCK { "lock1" } else { "lock2" })
                .unwrap_or("-");
            format!("{} {lock}", r.url.path().trim_start_matches("/1.0/"))
        })
        .collect()
}

#[tokio::test]
async fn an_upload_refused_mid_way_with_1102_restarts_from_its_start_in_a_new_lock() {
    let (server, device) = upload_device(false).await;
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = progress.clone();
    let options = FirmwareUpload::new()
        .unit_size(3)
        .on_progress(move |p| seen.lock().unwrap().push((p.restart, p.sent)));

    let report = device
        .upload_firmware_from(UploadSource::bytes(b"abcdefghi".to_vec()), options)
        .await
        .unwrap();

    assert_eq!((report.units, report.restarts), (3, 1));
    assert_eq!(
        steps(&calls(&server).await),
        [
            "update/start lock1",
            "update/continuous lock1",
            // Refused (not executed): never sent again in the new lock; the upload starts over.
            "update/start lock2",
            "update/continuous lock2",
            "update/continuous lock2",
            "update/done lock2",
        ]
    );
    let units: Vec<String> = calls(&server)
        .await
        .iter()
        .filter(|r| r.url.path() != "/1.0/update/start")
        .map(|r| String::from_utf8(r.body.clone()).unwrap())
        .collect();
    assert_eq!(
        units,
        ["YWJj", "YWJj", "ZGVm", "Z2hp"],
        "read again from the first byte"
    );
    assert_eq!(
        *progress.lock().unwrap(),
        [(1, 3), (1, 6), (1, 9)],
        "progress visibly restarted"
    );
}

#[tokio::test]
async fn restarts_are_bounded() {
    let (server, device) = upload_device(true).await;

    let err = device
        .upload_firmware_from(
            UploadSource::bytes(b"abcdefghi".to_vec()),
            FirmwareUpload::new().unit_size(3).max_restarts(2),
        )
        .await
        .unwrap_err();

    assert!(err.is_lock_lost(), "{err}");
    assert_eq!(err.restarts, 2);
    assert!(err.to_string().contains("after 2 restarts"), "{err}");
    let starts = requests_to(&server, "/1.0/update/start").await.len();
    assert_eq!(starts, 3, "the first run and two restarts");
}

#[tokio::test]
async fn a_reader_cannot_restart_and_says_how_to() {
    let (server, device) = upload_device(false).await;

    let err = device
        .upload_firmware(&b"abcdefghi"[..], 9, FirmwareUpload::new().unit_size(3))
        .await
        .unwrap_err();

    assert!(err.is_lock_lost(), "{err}");
    assert_eq!(err.restarts, 0);
    assert!(err.to_string().contains("UploadSource"), "{err}");
    assert_eq!(
        requests_to(&server, "/1.0/update/continuous").await.len(),
        1,
        "the refused unit is not replayed"
    );
}

#[tokio::test]
async fn a_unit_that_may_have_run_is_never_resent_even_with_retries() {
    let (server, device) = device_at("2.2.41").await;
    answer(
        &server,
        "POST",
        "/1.0/update/start",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/update/continuous",
        ResponseTemplate::new(503),
    )
    .await;
    catch_all(&server).await;
    let device = device.with_options(
        ef45_client::RequestOptions::new().retry(
            RetryPolicy::default()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(1)),
        ),
    );

    let err = device
        .upload_firmware_from(
            UploadSource::bytes(b"abcdefghi".to_vec()),
            FirmwareUpload::new().unit_size(3),
        )
        .await
        .unwrap_err();

    assert!(!err.is_lock_lost() && !err.resend_safe, "{err}");
    assert_eq!(
        requests_to(&server, "/1.0/update/continuous").await.len(),
        1
    );
    assert_eq!(
        requests_to(&server, "/1.0/update/start").await.len(),
        1,
        "no restart for a unit that may have run"
    );
}
