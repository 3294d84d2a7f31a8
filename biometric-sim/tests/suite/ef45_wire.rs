//! The EF-45 fake on the wire, without the SDK's client: what any EF-45 client would see.
//! Bodies and URLs are the sheets' examples where the sheets give one.

use std::time::Duration;

use crate::ef45_support::{Answer, Fake, assert_stale, is_uid};
use biometric_sim::ef45::Ef45Config;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Session (sheet Common)

#[tokio::test]
async fn lock_with_and_without_the_documented_body() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    assert!(is_uid(&uid), "{uid}");
    assert_eq!(fake.sim.current_lock().as_deref(), Some(uid.as_str()));
    // DELETE lock/{lock_uid} closes it; it is stale afterwards.
    let closed = fake.bare(Method::DELETE, &format!("lock/{uid}")).await;
    assert_eq!((closed.status, closed.body), (204, Value::Null));
    assert_eq!(fake.sim.current_lock(), None);
    let again = fake.bare(Method::DELETE, &format!("lock/{uid}")).await;
    assert_stale(&again);
    // The sheet's body example.
    let answer = fake
        .json(
            Method::POST,
            "lock",
            &json!({"id": "root", "passwd": "cmi1003"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(is_uid(answer.body["lock_uid"].as_str().unwrap()));
    assert_eq!(answer.body.as_object().unwrap().len(), 1);
    assert_eq!(fake.sim.stats().locks, 2);
}

#[tokio::test]
async fn wrong_credentials_are_http_400() {
    let fake = Fake::with(Ef45Config::new("root", "other-pass")).await;
    for body in [
        json!({"id": "root", "passwd": "cmi1003"}),
        json!({"id": "admin", "passwd": "other-pass"}),
    ] {
        let answer = fake.json(Method::POST, "lock", &body).await;
        assert_eq!(answer.status, 400, "{answer:?}");
        let answer = fake.json(Method::PUT, "lock", &body).await;
        assert_eq!(answer.status, 400, "{answer:?}");
    }
    // Without a body the factory credentials are assumed: refused once the password changed.
    assert_eq!(fake.bare(Method::POST, "lock").await.status, 400);
    let ok = fake
        .json(
            Method::POST,
            "lock",
            &json!({"id": "root", "passwd": "other-pass"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(fake.sim.stats().locks, 1);
}

#[tokio::test]
async fn lock_bodies_are_strict() {
    let fake = Fake::start().await;
    for body in [
        json!({"id": "root", "password": "cmi1003"}),
        json!({"ID": "root", "passwd": "cmi1003"}),
        json!({"id": "root", "passwd": "cmi1003", "force": true}),
        json!({"id": "root", "passwd": 1003}),
        json!({"id": "root"}),
        json!(["root", "cmi1003"]),
    ] {
        let answer = fake.json(Method::POST, "lock", &body).await;
        assert_eq!(answer.status, 400, "{body} -> {answer:?}");
        assert!(!answer.reason.is_empty());
    }
    let form = fake
        .raw(
            fake.http
                .post(fake.url("lock"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("id=root&passwd=cmi1003"),
        )
        .await;
    assert_eq!(form.status, 415, "{form:?}");
    assert_eq!(fake.sim.current_lock(), None);
}

#[tokio::test]
async fn put_lock_takes_over_and_the_previous_lock_is_stale() {
    let fake = Fake::start().await;
    let first = fake.lock().await;
    // A second POST while a lock is current fails (the fake's reading of "force connect").
    assert_eq!(fake.bare(Method::POST, "lock").await.status, 500);
    let taken = fake.bare(Method::PUT, "lock").await;
    assert_eq!(taken.status, 200, "{taken:?}");
    let second = taken.body["lock_uid"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_stale(
        &fake
            .bare(
                Method::GET,
                &format!("subjects/record-version?lock_uid={first}"),
            )
            .await,
    );
    let ok = fake
        .bare(
            Method::GET,
            &format!("subjects/record-version?lock_uid={second}"),
        )
        .await;
    assert_eq!((ok.status, ok.body), (200, json!({"record_version": 8976})));
    let stats = fake.sim.stats();
    assert_eq!(
        (stats.locks, stats.takeovers, stats.stale_refusals),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn version_needs_no_lock_and_every_other_call_does() {
    let fake = Fake::with(Ef45Config::default().version("2.2.41")).await;
    let version = fake.bare(Method::GET, "version").await;
    assert_eq!(
        (version.status, version.body),
        (200, json!({"version": "2.2.41"}))
    );
    let uid = fake.lock().await;
    for path in [
        "subjects/record-version".to_owned(),
        "subjects/record-version?lock_uid=".to_owned(),
        "subjects/record-version?lock_uid=not-a-uid".to_owned(),
        format!("subjects/record-version?lock_uid={}", uid.to_uppercase()),
        "subjects/record-version?lock_uid=13dbb896-ed1e-11e6-9822-503f98000109".to_owned(),
    ] {
        assert_stale(&fake.bare(Method::GET, &path).await);
    }
    let ok = fake
        .bare(
            Method::GET,
            &format!("subjects/record-version?lock_uid={uid}"),
        )
        .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn chpasswd_takes_the_key_names_with_spaces() {
    let fake = Fake::start().await;
    for body in [
        json!({"id": "root", "current_passwd": "cmi1003", "new_passwd": "cmi1004"}),
        json!({"id": "root", "currentPasswd": "cmi1003", "newPasswd": "cmi1004"}),
        json!({"id": "root", "current passwd": "cmi1003"}),
    ] {
        let answer = fake.json(Method::POST, "lock/chpasswd", &body).await;
        assert_eq!(answer.status, 400, "{body} -> {answer:?}");
    }
    let wrong = fake
        .json(
            Method::POST,
            "lock/chpasswd",
            &json!({"id": "root", "current passwd": "nope", "new passwd": "cmi1004"}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    // The sheet's body example.
    let changed = fake
        .json(
            Method::POST,
            "lock/chpasswd",
            &json!({"id":"root","current passwd":"cmi1003","new passwd":"cmi1004"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{changed:?}");
    assert_eq!(fake.bare(Method::POST, "lock").await.status, 400);
    let locked = fake
        .json(
            Method::POST,
            "lock",
            &json!({"id": "root", "passwd": "cmi1004"}),
        )
        .await;
    assert_eq!(locked.status, 200);
}

#[tokio::test]
async fn injected_faults_answer_before_anything_happens() {
    let fake = Fake::start().await;
    fake.sim.fail_next(503, 2);
    for _ in 0..2 {
        let answer = fake.bare(Method::POST, "lock").await;
        assert_eq!(answer.status, 503);
        assert_eq!(answer.body["status_code"], 503);
    }
    assert_eq!(fake.sim.current_lock(), None);
    let uid = fake.lock().await;
    fake.sim.device_error_next(403, 1301);
    let denied = fake
        .bare(
            Method::GET,
            &format!("subjects/record-version?lock_uid={uid}"),
        )
        .await;
    assert_eq!(
        (denied.status, denied.body),
        (
            403,
            json!({"status_code": 1301, "reason_phrase": "Permission denied!"})
        )
    );
    // Expiring the lock makes it stale and lets POST lock open a new one.
    fake.sim.expire_lock();
    assert_stale(
        &fake
            .bare(
                Method::GET,
                &format!("subjects/record-version?lock_uid={uid}"),
            )
            .await,
    );
    let fresh = fake.lock().await;
    assert_ne!(fresh, uid);
    // A slow answer still arrives, late (no timing is asserted, only that it is served).
    fake.sim.delay_next(1, Duration::from_millis(50));
    assert_eq!(fake.bare(Method::GET, "version").await.status, 200);
    assert_eq!(fake.sim.stats().calls, 7);
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let answer = fake
        .bare(Method::GET, &format!("nothing?lock_uid={uid}"))
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(fake.bare(Method::GET, "version/").await.status, 404);
}

// ---------------------------------------------------------------------------------------------
// Records (sheets Subject, User_info, Face, User, Card)

/// The Subject sheet's create example, verbatim.
fn subject_example() -> Value {
    serde_json::from_str(
        r#"{"access_allowed":true,"first_name":null,"last_name":"david","left_eye_template":"","match_until":null,"record_version":0,"right_eye_template":"\n","user_uuid":"1","wiegand_code":-1,"wiegand_custom":"","wiegand_facility":-1,"wiegand_site":-1}"#,
    )
    .unwrap()
}

/// The User_info sheet's create example, verbatim.
fn user_info_example() -> Value {
    serde_json::from_str(
        r#"{"admin":0,"apb_status":0,"by_pass_card":0,"card":"","group_index":0,"indivisual":0,"job_code":0,"message":"","pin":"","three_out_access_allowed":"","three_out_status":0,"time_schedule_code":0,"user_uuid":"1"}"#,
    )
    .unwrap()
}

/// The Card sheet's create example, verbatim.
fn cards_example() -> Value {
    serde_json::from_str(
        r#"{"user_uuid":"1","cards":[{"sub_id":0,"card":"00 22 33 99","remarks":""},{"sub_id":1,"card":"01 22 33 99","remarks":""},{"sub_id":2,"card":"02 22 33 99","remarks":""},{"sub_id":3,"card":"03 22 33 99","remarks":""},{"sub_id":4,"card":"04 22 33 99","remarks":""},{"sub_id":5,"card":"05 22 33 99","remarks":""},{"sub_id":6,"card":"06 22 33 99","remarks":""},{"sub_id":7,"card":"07 22 33 99","remarks":""}]}"#,
    )
    .unwrap()
}

fn face(uuid: &str, sub_id: i64) -> Value {
    json!({
        "user_uuid": uuid, "sub_id": sub_id, "face_eye_width": 64, "face_feature_size": 512,
        "face_frontal_score": 0.93, "face_left_eye_x": 210, "face_right_eye_x": 274,
        "face_roll": -1.5, "face_score": 0.88, "face_LED_state": 1, "face_feature": "QUJDRA=="
    })
}

/// A full `POST user` body: the sheet's example is elided ("..."), so its keys are filled in
/// from the User sheet's table.
fn user_body(uuid: &str, cards: usize) -> Value {
    let mut face_item = face(uuid, 1);
    face_item.as_object_mut().unwrap().remove("user_uuid");
    let cards: Vec<Value> = (0..cards)
        .map(|i| json!({"sub_id": i, "card": format!("{i:02X} 22 33 99"), "remarks": ""}))
        .collect();
    json!({
        "user_uuid": uuid, "record_version": 0, "last_name": "abc", "access_allowed": true,
        "first_name": "Ann", "match_until": "", "wiegand_facility": -1, "wiegand_site": -1,
        "wiegand_code": -1, "wiegand_custom": -1, "left_eye_template": "L-TEMPLATE",
        "right_eye_template": "R-TEMPLATE", "left_image_path": "", "right_image_path": "",
        "faces": [face_item],
        "card": "65 D8 A1 BD", "pin": "1234", "admin": 0, "group_index": 0, "by_pass_card": 0,
        "indivisual": 0, "three_out_status": 0, "three_out_status_access_allowd": 0,
        "job_code": 0, "time_schedule_code": -1, "apb_status": 0, "message": "",
        "cards": cards
    })
}

impl Fake {
    /// A fake with a lock, and the `?lock_uid=` text to append.
    async fn locked() -> (Fake, String) {
        let fake = Fake::start().await;
        let uid = fake.lock().await;
        (fake, uid)
    }
}

#[tokio::test]
async fn the_subject_example_round_trips() {
    let (fake, uid) = Fake::locked().await;
    let created = fake
        .json(
            Method::POST,
            &format!("subjects?lock_uid={uid}"),
            &subject_example(),
        )
        .await;
    assert_eq!((created.status, &created.body), (201, &Value::Null));
    let got = fake
        .bare(Method::GET, &format!("subjects/1?lock_uid={uid}"))
        .await;
    assert_eq!(got.status, 200);
    let mut expected = subject_example();
    expected["left_image_path"] = json!("");
    expected["right_image_path"] = json!("");
    assert_eq!(got.body, expected);
    // Again: 409.
    let again = fake
        .json(
            Method::POST,
            &format!("subjects?lock_uid={uid}"),
            &subject_example(),
        )
        .await;
    assert_eq!(again.status, 409);
    // Update (204), count, delete (204), then 404 with the device's 1100.
    let mut changed = subject_example();
    changed["last_name"] = json!("davis");
    let updated = fake
        .json(Method::PUT, &format!("subjects/1?lock_uid={uid}"), &changed)
        .await;
    assert_eq!((updated.status, updated.body), (204, Value::Null));
    let got = fake
        .bare(Method::GET, &format!("subjects/1?lock_uid={uid}"))
        .await;
    assert_eq!(got.body["last_name"], "davis");
    let count = fake
        .bare(Method::GET, &format!("subjects/count?lock_uid={uid}"))
        .await;
    assert_eq!(count.body, json!({"count": 1}));
    let deleted = fake
        .bare(Method::DELETE, &format!("subjects/1?lock_uid={uid}"))
        .await;
    assert_eq!(deleted.status, 204);
    let gone = fake
        .bare(Method::GET, &format!("subjects/1?lock_uid={uid}"))
        .await;
    assert_eq!(
        (gone.status, gone.body),
        (
            404,
            json!({"status_code": 1100, "reason_phrase": "User not found!"})
        )
    );
}

#[tokio::test]
async fn subject_lists_use_page_size_and_the_documented_envelope() {
    let (fake, uid) = Fake::locked().await;
    for n in 0..7 {
        let mut subject = subject_example();
        subject["user_uuid"] = json!(format!("u{n}"));
        let answer = fake
            .json(Method::POST, &format!("subjects?lock_uid={uid}"), &subject)
            .await;
        assert_eq!(answer.status, 201);
    }
    let all = fake
        .bare(Method::GET, &format!("subjects?lock_uid={uid}"))
        .await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 7);
    assert_eq!(all.body["total"], 7);
    assert_eq!(all.body["has_more"], false);
    let page = fake
        .bare(
            Method::GET,
            &format!("subjects?lock_uid={uid}&page=2&page_size=3"),
        )
        .await;
    assert_eq!(page.status, 200);
    let body = page.body.as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "has_more",
            "items",
            "page",
            "page_size",
            "reason_phrase",
            "status_code",
            "total"
        ]
    );
    assert_eq!(
        (
            &body["status_code"],
            &body["reason_phrase"],
            &body["page"],
            &body["page_size"],
            &body["has_more"],
            &body["total"]
        ),
        (
            &json!(200),
            &json!("OK"),
            &json!(2),
            &json!(3),
            &json!(true),
            &json!(7)
        )
    );
    let uuids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["user_uuid"].as_str().unwrap())
        .collect();
    assert_eq!(uuids, ["u3", "u4", "u5"]);
    let default = fake
        .bare(Method::GET, &format!("subjects?lock_uid={uid}&page=1"))
        .await;
    assert_eq!(default.body["page_size"], 50);
    // The other calls' spelling is refused here.
    let wrong = fake
        .bare(
            Method::GET,
            &format!("subjects?lock_uid={uid}&page=1&pageSize=3"),
        )
        .await;
    assert_eq!(wrong.status, 400, "{wrong:?}");
    for bad in ["page=0", "page=x", "page=1&page_size=0", "page=1&page=2"] {
        let answer = fake
            .bare(Method::GET, &format!("subjects?lock_uid={uid}&{bad}"))
            .await;
        assert_eq!(answer.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn user_info_and_faces_page_with_page_size_spelled_pagesize() {
    let (fake, uid) = Fake::locked().await;
    for n in 0..3 {
        let mut info = user_info_example();
        info["user_uuid"] = json!(format!("u{n}"));
        let answer = fake
            .json(Method::POST, &format!("user-info?lock_uid={uid}"), &info)
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        let answer = fake
            .json(
                Method::POST,
                &format!("faces?lock_uid={uid}"),
                &face(&format!("u{n}"), 0),
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    for call in ["user-info", "faces"] {
        let page = fake
            .bare(
                Method::GET,
                &format!("{call}?lock_uid={uid}&page=1&pageSize=2"),
            )
            .await;
        assert_eq!(page.status, 200, "{call}");
        assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
        assert_eq!(
            (&page.body["page_size"], &page.body["has_more"]),
            (&json!(2), &json!(true))
        );
        let wrong = fake
            .bare(
                Method::GET,
                &format!("{call}?lock_uid={uid}&page=1&page_size=2"),
            )
            .await;
        assert_eq!(wrong.status, 400, "{call}: {wrong:?}");
        assert!(wrong.reason.contains("page_size"), "{}", wrong.reason);
    }
}

#[tokio::test]
async fn the_user_info_example_round_trips_with_the_sheets_spellings() {
    let (fake, uid) = Fake::locked().await;
    let created = fake
        .json(
            Method::POST,
            &format!("user-info?lock_uid={uid}"),
            &user_info_example(),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let got = fake
        .bare(Method::GET, &format!("user-info/uuid/1?lock_uid={uid}"))
        .await;
    assert_eq!(
        got.body,
        json!({
            "admin": 0, "apb_status": 0, "by_pass_card": 0, "card": "", "group_index": 0,
            "indivisual": 0, "job_code": 0, "message": "", "pin": "", "three_out_status": 0,
            "three_out_status_access_allowd": 0, "time_schedule_code": 0, "user_uuid": "1"
        })
    );
    // Update with a card, then find the user by card as the sheet's URL example writes it.
    let mut info = user_info_example();
    info["card"] = json!("65 D8 A1 BD");
    let updated = fake
        .json(
            Method::PUT,
            &format!("user-info/uuid/1?lock_uid={uid}"),
            &info,
        )
        .await;
    assert_eq!(updated.status, 204, "{updated:?}");
    let by_card = fake
        .bare(
            Method::GET,
            &format!("user-info/card/65%20D8%20A1%20BD?lock_uid={uid}"),
        )
        .await;
    assert_eq!(by_card.status, 200, "{by_card:?}");
    assert_eq!(by_card.body["user_uuid"], "1");
    let unknown = fake
        .bare(
            Method::GET,
            &format!("user-info/card/65%20D8%20A1%20BE?lock_uid={uid}"),
        )
        .await;
    assert_eq!(unknown.status, 404);
    // The schedule variant (the sheet's example, whose size disagrees with its array).
    let schedule = fake
        .json(
            Method::PUT,
            &format!("user-info/schedule?lock_uid={uid}"),
            &json!({ "size":1, "users": [ {"id": "1", "time_schedule_code":3},  {"id": "0002", "time_schedule_code":1}  ]}),
        )
        .await;
    assert_eq!(schedule.status, 200, "{schedule:?}");
    let got = fake
        .bare(Method::GET, &format!("user-info/uuid/1?lock_uid={uid}"))
        .await;
    assert_eq!(got.body["time_schedule_code"], 3);
    let deleted = fake
        .bare(Method::DELETE, &format!("user-info/uuid/1?lock_uid={uid}"))
        .await;
    assert_eq!(deleted.status, 204);
}

#[tokio::test]
async fn misspelled_keys_and_wrong_types_are_refused() {
    let (fake, uid) = Fake::locked().await;
    let subjects = format!("subjects?lock_uid={uid}");
    let user_info = format!("user-info?lock_uid={uid}");
    let faces = format!("faces?lock_uid={uid}");
    let with = |base: Value, key: &str, value: Value| {
        let mut body = base;
        body[key] = value;
        body
    };
    let without = |base: Value, key: &str| {
        let mut body = base;
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases = [
        // Subject: misspelled keys, wrong types, missing required keys.
        (&subjects, with(subject_example(), "lastName", json!("x"))),
        (&subjects, with(subject_example(), "uuid", json!("1"))),
        (
            &subjects,
            with(subject_example(), "access_allowed", json!("true")),
        ),
        (
            &subjects,
            with(subject_example(), "record_version", json!("8976")),
        ),
        (
            &subjects,
            with(subject_example(), "wiegand_code", json!(1.5)),
        ),
        (&subjects, with(subject_example(), "user_uuid", json!(1))),
        (&subjects, with(subject_example(), "first_name", json!(7))),
        (&subjects, without(subject_example(), "user_uuid")),
        (&subjects, without(subject_example(), "last_name")),
        // User info: the dictionary's spellings instead of the sheet's.
        (
            &user_info,
            with(user_info_example(), "individual", json!(0)),
        ),
        (
            &user_info,
            with(
                user_info_example(),
                "three_out_status_access_allowed",
                json!(0),
            ),
        ),
        (&user_info, with(user_info_example(), "admin", json!(false))),
        (&user_info, with(user_info_example(), "pin", json!(1234))),
        (
            &user_info,
            with(user_info_example(), "card", json!("65 d8 a1 bd")),
        ),
        (
            &user_info,
            with(user_info_example(), "card", json!("65D8A1BD")),
        ),
        (
            &user_info,
            with(user_info_example(), "card", json!("65  D8")),
        ),
        // Faces: sub_id outside 0..5, camelCase, a string for a double.
        (&faces, with(face("1", 0), "sub_id", json!(6))),
        (&faces, with(face("1", 0), "subId", json!(1))),
        (&faces, with(face("1", 0), "face_led_state", json!(1))),
        (&faces, with(face("1", 0), "face_score", json!("0.9"))),
        (&faces, without(face("1", 0), "sub_id")),
    ];
    for (path, body) in cases {
        let answer = fake.json(Method::POST, path, &body).await;
        assert_eq!(answer.status, 400, "{path} {body} -> {answer:?}");
        assert_eq!(answer.body["status_code"], 400);
        assert!(!answer.reason.is_empty());
    }
    assert_eq!(fake.sim.subject_count(), 0);
    assert_eq!(fake.sim.face_count(), 0);
    // Bad hex in the path too.
    let answer = fake
        .bare(
            Method::GET,
            &format!("user-info/card/65d8a1bd?lock_uid={uid}"),
        )
        .await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn bodies_must_be_sent_as_json() {
    let (fake, uid) = Fake::locked().await;
    let body = serde_json::to_vec(&subject_example()).unwrap();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = fake
            .http
            .post(fake.url(&format!("subjects?lock_uid={uid}")))
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let answer = fake.raw(request).await;
        assert_eq!(answer.status, 415, "{content_type:?}");
    }
    let charset = fake
        .raw(
            fake.http
                .post(fake.url(&format!("subjects?lock_uid={uid}")))
                .header("Content-Type", "application/json; charset=utf-8")
                .body(body),
        )
        .await;
    assert_eq!(charset.status, 201);
    let not_json = fake
        .raw(
            fake.http
                .post(fake.url(&format!("subjects?lock_uid={uid}")))
                .header("Content-Type", "application/json")
                .body("{\"user_uuid\": "),
        )
        .await;
    assert_eq!(not_json.status, 400);
}

#[tokio::test]
async fn record_calls_refuse_a_missing_or_stale_lock() {
    let (fake, uid) = Fake::locked().await;
    let created = fake
        .json(
            Method::POST,
            &format!("subjects?lock_uid={uid}"),
            &subject_example(),
        )
        .await;
    assert_eq!(created.status, 201);
    fake.sim.expire_lock();
    assert_stale(
        &fake
            .json(
                Method::PUT,
                &format!("subjects/1?lock_uid={uid}"),
                &subject_example(),
            )
            .await,
    );
    let fresh = fake.lock().await;
    for (method, path) in [
        (Method::GET, "subjects".to_owned()),
        (Method::GET, "subjects/1".to_owned()),
        (Method::DELETE, "subjects/1".to_owned()),
        (Method::GET, "user-info".to_owned()),
        (Method::GET, "faces/1".to_owned()),
        (Method::DELETE, "user/1".to_owned()),
        (Method::GET, format!("cards/1?lock_uid={uid}")),
    ] {
        assert_stale(&fake.bare(method, &path).await);
    }
    assert_eq!(fake.sim.subject_count(), 1);
    let ok = fake
        .bare(Method::GET, &format!("subjects/1?lock_uid={fresh}"))
        .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn faces_by_sub_id() {
    let (fake, uid) = Fake::locked().await;
    for sub_id in [0, 1, 5] {
        let answer = fake
            .json(
                Method::POST,
                &format!("faces?lock_uid={uid}"),
                &face("111", sub_id),
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let all = fake
        .bare(Method::GET, &format!("faces/111?lock_uid={uid}"))
        .await;
    assert_eq!(all.body["total"], 3);
    let one = fake
        .bare(Method::GET, &format!("faces/111?lock_uid={uid}&subId=1"))
        .await;
    assert_eq!(one.body, face("111", 1));
    let mut changed = face("111", 1);
    changed["face_score"] = json!(0.5);
    let updated = fake
        .json(
            Method::PUT,
            &format!("faces/111?lock_uid={uid}&subId=1"),
            &changed,
        )
        .await;
    assert_eq!(updated.status, 204, "{updated:?}");
    // subId is required on an update, spelled subId, and must agree with the body.
    for query in ["", "&sub_id=1", "&subId=2", "&subId=9"] {
        let answer = fake
            .json(
                Method::PUT,
                &format!("faces/111?lock_uid={uid}{query}"),
                &changed,
            )
            .await;
        assert_eq!(answer.status, 400, "{query}");
    }
    // The sheet's delete URL examples: one sub id, then all.
    let one = fake
        .bare(Method::DELETE, &format!("faces/111?lock_uid={uid}&subId=1"))
        .await;
    assert_eq!(one.status, 204);
    assert_eq!(fake.sim.face_count(), 2);
    let rest = fake
        .bare(Method::DELETE, &format!("faces/111?lock_uid={uid}"))
        .await;
    assert_eq!(rest.status, 204);
    assert_eq!(fake.sim.face_count(), 0);
    let none = fake
        .bare(Method::GET, &format!("faces/111?lock_uid={uid}&subId=0"))
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn a_user_in_one_call_with_up_to_eight_cards() {
    let (fake, uid) = Fake::locked().await;
    let nine = fake
        .json(
            Method::POST,
            &format!("user?lock_uid={uid}"),
            &user_body("7", 9),
        )
        .await;
    assert_eq!(nine.status, 400, "{nine:?}");
    let mut face_with_uuid = user_body("7", 1);
    face_with_uuid["faces"][0]["user_uuid"] = json!("7");
    let mut bad_card = user_body("7", 1);
    bad_card["cards"][0]["card"] = json!("0x65D8");
    let mut unknown = user_body("7", 1);
    unknown["fingers"] = json!([]);
    for body in [face_with_uuid, bad_card, unknown] {
        let answer = fake
            .json(Method::POST, &format!("user?lock_uid={uid}"), &body)
            .await;
        assert_eq!(answer.status, 400, "{body} -> {answer:?}");
    }
    assert_eq!(fake.sim.subject_count(), 0);
    let created = fake
        .json(
            Method::POST,
            &format!("user?lock_uid={uid}"),
            &user_body("7", 8),
        )
        .await;
    assert_eq!((created.status, created.body), (201, Value::Null));
    let subject = fake
        .bare(Method::GET, &format!("subjects/7?lock_uid={uid}"))
        .await;
    assert_eq!(subject.body["last_name"], "abc");
    assert!(subject.body.get("pin").is_none());
    let info = fake
        .bare(Method::GET, &format!("user-info/uuid/7?lock_uid={uid}"))
        .await;
    assert_eq!(info.body["card"], "65 D8 A1 BD");
    let face = fake
        .bare(Method::GET, &format!("faces/7?lock_uid={uid}&subId=1"))
        .await;
    assert_eq!(face.body["user_uuid"], "7");
    let cards = fake
        .bare(Method::GET, &format!("cards/7?lock_uid={uid}"))
        .await;
    assert_eq!(cards.body["cards"].as_array().unwrap().len(), 8);
    assert_eq!(cards.body["cards"][7]["card"], "07 22 33 99");
    // By one of the listed cards.
    let by_card = fake
        .bare(
            Method::GET,
            &format!("user-info/card/03%2022%2033%2099?lock_uid={uid}"),
        )
        .await;
    assert_eq!(by_card.body["user_uuid"], "7");
    // DELETE user removes it all.
    let deleted = fake
        .bare(Method::DELETE, &format!("user/7?lock_uid={uid}"))
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!((fake.sim.subject_count(), fake.sim.face_count()), (0, 0));
    assert!(fake.sim.cards_of("7").is_empty());
    let again = fake
        .bare(Method::DELETE, &format!("user/7?lock_uid={uid}"))
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn the_card_example_round_trips_and_a_ninth_card_is_refused() {
    let (fake, uid) = Fake::locked().await;
    let created = fake
        .json(
            Method::POST,
            &format!("cards?lock_uid={uid}"),
            &cards_example(),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let got = fake
        .bare(Method::GET, &format!("cards/1?lock_uid={uid}"))
        .await;
    assert_eq!(got.body, cards_example());
    let ninth = fake
        .json(
            Method::POST,
            &format!("cards?lock_uid={uid}"),
            &json!({"user_uuid": "1", "cards": [{"sub_id": 8, "card": "08 22 33 99", "remarks": ""}]}),
        )
        .await;
    assert_eq!(ninth.status, 400);
    let deleted = fake
        .bare(Method::DELETE, &format!("cards/1?lock_uid={uid}"))
        .await;
    assert_eq!(deleted.status, 204);
    assert!(fake.sim.cards_of("1").is_empty());
}

#[tokio::test]
async fn duplication_check_and_record_version() {
    let (fake, uid) = Fake::locked().await;
    let mut stored = subject_example();
    stored["user_uuid"] = json!("111");
    stored["left_eye_template"] = json!("IRIS-A");
    let created = fake
        .json(Method::POST, &format!("subjects?lock_uid={uid}"), &stored)
        .await;
    assert_eq!(created.status, 201);
    let mut probe = subject_example();
    probe["user_uuid"] = json!("new");
    probe["right_eye_template"] = json!("IRIS-A");
    let found = fake
        .json(
            Method::PUT,
            &format!("subjects/is-exist/template?lock_uid={uid}"),
            &probe,
        )
        .await;
    assert_eq!(
        (found.status, found.body),
        (200, json!({"duplicate_uuid": "111"}))
    );
    probe["right_eye_template"] = json!("IRIS-B");
    let none = fake
        .json(
            Method::PUT,
            &format!("subjects/is-exist/template?lock_uid={uid}"),
            &probe,
        )
        .await;
    assert_eq!(none.body, json!({"duplicate_uuid": ""}));
    probe["leftEyeTemplate"] = json!("IRIS-A");
    let strict = fake
        .json(
            Method::PUT,
            &format!("subjects/is-exist/template?lock_uid={uid}"),
            &probe,
        )
        .await;
    assert_eq!(strict.status, 400);
}

#[tokio::test]
async fn delete_users_takes_integers() {
    let (fake, uid) = Fake::locked().await;
    for uuid in ["1", "2", "3"] {
        let created = fake
            .json(
                Method::POST,
                &format!("user?lock_uid={uid}"),
                &user_body(uuid, 0),
            )
            .await;
        assert_eq!(created.status, 201, "{created:?}");
    }
    let strings = fake
        .json(
            Method::PUT,
            &format!("user/delete-users?lock_uid={uid}"),
            &json!({"list": ["1", "2"]}),
        )
        .await;
    assert_eq!(strings.status, 400);
    let nothing = fake
        .json(
            Method::PUT,
            &format!("user/delete-users?lock_uid={uid}"),
            &json!({"list": null}),
        )
        .await;
    assert_eq!(nothing.status, 204);
    assert_eq!(fake.sim.subject_count(), 3);
    let two = fake
        .json(
            Method::PUT,
            &format!("user/delete-users?lock_uid={uid}"),
            &json!({"list": [1, 2, 5]}),
        )
        .await;
    assert_eq!(two.status, 204);
    assert_eq!(fake.sim.subject_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Logs (sheet Log)

fn ids(answer: &Answer) -> Vec<i64> {
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_log_example_url_answers_the_example_items() {
    let (fake, uid) = Fake::locked().await;
    // The sheet's URL example and, for its first two items, its answer verbatim.
    let answer = fake
        .bare(
            Method::GET,
            &format!("logs/from/to?lock_uid={uid}&page=1&min=68&max=74"),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let example: Value = serde_json::from_str(
        r#"[{"id":68,"event_type":"Recognition","timestamp":"2018-05-28T14:26:26Z","user_uuid":"111","info":"Recog/BioOnly/IrisOk","additional_data":"Allowed","matched_faceimage_data":""},{"id":69,"event_type":"UserData","timestamp":"2018-05-28T14:45:57Z","user_uuid":"111","info":"DeleteUsers","additional_data":"Success","matched_faceimage_data":""}]"#,
    )
    .unwrap();
    assert_eq!(answer.body["items"][0], example[0]);
    assert_eq!(answer.body["items"][1], example[1]);
    assert_eq!(
        (
            &answer.body["page"],
            &answer.body["page_size"],
            &answer.body["has_more"],
            &answer.body["total"]
        ),
        (&json!(1), &json!(50), &json!(false), &json!(7))
    );
    let one = fake
        .bare(Method::GET, &format!("logs/68?lock_uid={uid}"))
        .await;
    assert_eq!(one.body, example[0]);
    let from_count = fake
        .bare(
            Method::GET,
            &format!("logs/from/count?lock_uid={uid}&from=70&count=2"),
        )
        .await;
    assert_eq!(ids(&from_count), [70, 71]);
    let count = fake
        .bare(Method::GET, &format!("logs/count?lock_uid={uid}"))
        .await;
    assert_eq!(count.body, json!({"count": 7}));
}

#[tokio::test]
async fn recent_logs_page_in_descending_order() {
    let (fake, uid) = Fake::locked().await;
    fake.sim.add_logs(100);
    assert_eq!(fake.sim.log_count(), 107);
    let recent = fake
        .bare(
            Method::GET,
            &format!("logs?lock_uid={uid}&page=1&page_size=3&order=desc"),
        )
        .await;
    assert_eq!(ids(&recent), [174, 173, 172]);
    assert_eq!(recent.body["has_more"], true);
    let last = fake
        .bare(Method::GET, &format!("logs?lock_uid={uid}&page=3"))
        .await;
    assert_eq!(ids(&last), [168, 169, 170, 171, 172, 173, 174]);
    assert_eq!(last.body["has_more"], false);
    for bad in ["order=down", "page=1&pageSize=3", "page=1&limit=3"] {
        let answer = fake
            .bare(Method::GET, &format!("logs?lock_uid={uid}&{bad}"))
            .await;
        assert_eq!(answer.status, 400, "{bad}");
    }
    // By type and id range: 50 a page, fixed.
    let typed = fake
        .bare(
            Method::GET,
            &format!("logs/from/to/type?lock_uid={uid}&page=1&min=1&max=100&type=UserData"),
        )
        .await;
    assert_eq!(typed.status, 200, "{typed:?}");
    assert!(
        typed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["event_type"] == "UserData" && l["id"].as_i64().unwrap() <= 100)
    );
    assert_eq!(typed.body["page_size"], 50);
    let unknown_type = fake
        .bare(
            Method::GET,
            &format!("logs/from/to/type?lock_uid={uid}&type=Door"),
        )
        .await;
    assert_eq!(unknown_type.status, 400);
}

#[tokio::test]
async fn logs_by_period_and_date() {
    let (fake, uid) = Fake::locked().await;
    // "2018-05-28" means 00:00: the whole seed lies between the 28th and the 29th.
    let day = fake
        .bare(
            Method::GET,
            &format!("logs/fromto/2018-05-28/2018-05-29?lock_uid={uid}"),
        )
        .await;
    assert_eq!(day.body["total"], 7, "{day:?}");
    let before = fake
        .bare(
            Method::GET,
            &format!("logs/fromto/2018-05-27/2018-05-28?lock_uid={uid}"),
        )
        .await;
    assert_eq!(before.body["total"], 0);
    let timed = fake
        .bare(
            Method::GET,
            &format!(
                "logs/fromto/Recognition/2018-05-28T14:00:00Z/2018-05-28T14:30:00Z?lock_uid={uid}"
            ),
        )
        .await;
    assert_eq!(ids(&timed), [68]);
    let counted = fake
        .bare(
            Method::GET,
            &format!("logs/count/UserData/2018-05-28/2018-05-29?lock_uid={uid}"),
        )
        .await;
    assert_eq!(
        counted.body,
        json!({"count": 2}),
        "ids 69 (the example) and 70"
    );
    let all = fake
        .bare(
            Method::GET,
            &format!("logs/count/2018-05-28/2018-05-29?lock_uid={uid}"),
        )
        .await;
    assert_eq!(all.body, json!({"count": 7}));
    for date in ["2018", "2018-05", "2018-05-28"] {
        let answer = fake
            .bare(
                Method::GET,
                &format!("logs/from/date/{date}?lock_uid={uid}"),
            )
            .await;
        assert_eq!(answer.body["total"], 7, "{date}");
    }
    let later = fake
        .bare(
            Method::GET,
            &format!("logs/from/date/2019-12-05?lock_uid={uid}"),
        )
        .await;
    assert_eq!(later.body["total"], 0);
    for bad in [
        "logs/fromto/28-05-2018/2018-05-29",
        "logs/fromto/Door/2018-05-28/2018-05-29",
        "logs/from/date/May",
    ] {
        let answer = fake
            .bare(Method::GET, &format!("{bad}?lock_uid={uid}"))
            .await;
        assert_eq!(answer.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn log_deletes() {
    let (fake, uid) = Fake::locked().await;
    let missing = fake
        .bare(Method::DELETE, &format!("logs?lock_uid={uid}&min=68"))
        .await;
    assert_eq!(missing.status, 400, "both min and max are required");
    let range = fake
        .bare(
            Method::DELETE,
            &format!("logs?lock_uid={uid}&min=68&max=70"),
        )
        .await;
    assert_eq!((range.status, range.body), (204, Value::Null));
    assert_eq!(fake.sim.log_count(), 4);
    let one = fake
        .bare(Method::DELETE, &format!("logs/71?lock_uid={uid}"))
        .await;
    assert_eq!(one.status, 204);
    let gone = fake
        .bare(Method::GET, &format!("logs/71?lock_uid={uid}"))
        .await;
    assert_eq!(gone.status, 404);
    let not_a_number = fake
        .bare(Method::GET, &format!("logs/seventy?lock_uid={uid}"))
        .await;
    assert_eq!(not_a_number.status, 400);
    let all = fake
        .bare(Method::DELETE, &format!("logs/db?lock_uid={uid}"))
        .await;
    assert_eq!(all.status, 204);
    assert_eq!(fake.sim.log_count(), 0);
    assert_stale(&fake.bare(Method::DELETE, "logs/db").await);
}
