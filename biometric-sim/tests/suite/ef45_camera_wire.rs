//! The EF-45 fake's camera and capture sheets on the wire (Camera, Biometric-data, Match-data,
//! Preview), without the SDK's client. Bodies and URLs are the sheets' examples where the sheets
//! give one.

use std::collections::BTreeSet;

use crate::ef45_support::{Fake, assert_stale, is_uid, locked};
use biometric_sim::ef45::{CameraMode, Capture, ConfigValue, DEFAULT_IMAGE_BYTES};
use reqwest::Method;
use serde_json::{Value, json};

/// The Camera sheet's start URL example's flags.
const START_EXAMPLE: &str = "camera/control/start?face_mode=true&glasses_mode=false&both_eye_mode=false&either_eye_mode=true";

/// The Camera sheet's body example (Slave mode).
fn slave_example() -> Value {
    json!({"serial_number": "EB0022A002929", "camera_mode": "Slave", "audio_enabled": true})
}

// ---------------------------------------------------------------------------------------------
// Camera

#[tokio::test]
async fn camera_settings_follow_the_sheet_examples() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("camera", &uid);
    let answer = fake.bare(Method::GET, &path).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    // The sheet's GET example.
    assert_eq!(
        answer.body,
        json!({"serial_number": "EB0022A002929", "camera_mode": "Recog", "audio_enabled": true})
    );
    let answer = fake.json(Method::POST, &path, &slave_example()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"success": true, "status": "Success set mode"})
    );
    assert_eq!(fake.sim.camera_mode(), CameraMode::Slave);
    assert_eq!(
        fake.bare(Method::GET, &path).await.body["camera_mode"],
        "Slave"
    );
    let with = |key: &str, value: Value| {
        let mut body = slave_example();
        body[key] = value;
        body
    };
    for (body, why) in [
        (with("camera_mode", json!("slave")), "a mode in lower case"),
        (with("camera_mode", json!("Enroll")), "an unknown mode"),
        (
            with("serial_number", json!("EB0022A000000")),
            "another serial",
        ),
        (
            with("audio_enabled", json!("true")),
            "a boolean as a string",
        ),
        (with("cameraMode", json!("Slave")), "an unknown key"),
        (json!({"serial_number": "EB0022A002929"}), "no camera_mode"),
    ] {
        let answer = fake.json(Method::POST, &path, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
    let answer = fake
        .json(Method::POST, &path, &with("camera_mode", json!("Enrol")))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(fake.sim.camera_mode(), CameraMode::Enrol);
}

#[tokio::test]
async fn the_device_time_is_a_real_month_day_time_year_dot_seconds() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    // The sheet's URL example.
    let answer = fake
        .bare(
            Method::POST,
            &locked("camera/control/setDeviceTime/051814412018.41", &uid),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, json!({"success": true, "status": ""}));
    assert_eq!(
        fake.sim.device_time().unwrap().to_string(),
        "2018-05-18 14:41:41"
    );
    for bad in [
        "133014402018.30",
        "022914402019.00",
        "052024402018.30",
        "2018-05-20T14:40:30",
        "05201440201830",
    ] {
        let answer = fake
            .bare(
                Method::POST,
                &locked(&format!("camera/control/setDeviceTime/{bad}"), &uid),
            )
            .await;
        assert_eq!(answer.status, 400, "{bad}: {answer:?}");
    }
    assert_eq!(
        fake.sim.device_time().unwrap().to_string(),
        "2018-05-18 14:41:41"
    );
}

#[tokio::test]
async fn the_camera_starts_in_slave_mode_with_a_biometric_mode() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let example = locked(START_EXAMPLE, &uid);
    // The device starts in Recog: the sheet's refusal, spelling included.
    let answer = fake.bare(Method::POST, &example).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"success": false, "status": "Please first chagne mode to Slave(Enrollment)"})
    );
    assert_eq!(fake.sim.camera_running(), None);
    let set = fake
        .json(Method::POST, &locked("camera", &uid), &slave_example())
        .await;
    assert_eq!(set.status, 200);
    let none = locked(
        "camera/control/start?face_mode=false&glasses_mode=false&both_eye_mode=false&either_eye_mode=false&streaming_mode=true",
        &uid,
    );
    let answer = fake.bare(Method::POST, &none).await;
    assert_eq!(
        answer.body,
        json!({"success": false, "status": "Unknown start mode"})
    );
    assert_eq!(fake.sim.camera_running(), None);
    let answer = fake.bare(Method::POST, &example).await;
    assert_eq!(
        answer.body,
        json!({"success": true, "status": "Started camera"})
    );
    let running = fake.sim.camera_running().unwrap();
    assert!(running.face_mode && running.either_eye_mode && !running.glasses_mode);
    for query in [
        "face_mode=1",
        "face_mode=TRUE",
        "face_mode=true&faceMode=true",
    ] {
        let answer = fake
            .bare(
                Method::POST,
                &locked(&format!("camera/control/start?{query}"), &uid),
            )
            .await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
    }
    let answer = fake
        .json(
            Method::POST,
            &locked("camera/control/start", &uid),
            &json!({"face_mode": true}),
        )
        .await;
    assert_eq!(answer.status, 400, "the flags go in the query: {answer:?}");
    let answer = fake
        .bare(Method::POST, &locked("camera/control/stop", &uid))
        .await;
    assert_eq!(
        (answer.status, answer.body),
        (200, json!({"success": true, "status": "Stopped camera"}))
    );
    assert_eq!(fake.sim.camera_running(), None);
}

// ---------------------------------------------------------------------------------------------
// Biometric-data

/// The Biometric-data sheet's item fields, in its order (without the diameters, which need
/// `launcher.network.diameter` = 1, and `record_version`, revised endpoints only).
const BIOMETRIC_FIELDS: &str = "encounter_id timestamp serial_number left_eye left_eye_duplicate_uuid left_eye_enrol_template left_eye_usable_iris_area left_eye_quality_score left_eye_quality_ok right_eye right_eye_duplicate_uuid right_eye_enrol_template right_eye_usable_iris_area right_eye_quality_score right_eye_quality_ok iris_off_face iris_off_face_duplicate_uuid iris_off_face_eye_width iris_off_face_feature iris_off_face_feature_size iris_off_face_frontal_score iris_off_face_LED_state iris_off_face_left_eye_x iris_off_face_right_eye_x iris_off_face_roll iris_off_face_score far_off_face far_off_face_duplicate_uuid far_off_face_eye_width far_off_face_feature far_off_face_feature_size far_off_face_frontal_score far_off_face_LED_state far_off_face_left_eye_x far_off_face_right_eye_x far_off_face_roll far_off_face_score far_on_face far_on_face_duplicate_uuid far_on_face_eye_width far_on_face_feature far_on_face_feature_size far_on_face_frontal_score far_on_face_LED_state far_on_face_left_eye_x far_on_face_right_eye_x far_on_face_roll far_on_face_score near_off_face near_off_face_duplicate_uuid near_off_face_eye_width near_off_face_feature near_off_face_feature_size near_off_face_frontal_score near_off_face_LED_state near_off_face_left_eye_x near_off_face_right_eye_x near_off_face_roll near_off_face_score near_on_face near_on_face_duplicate_uuid near_on_face_eye_width near_on_face_feature near_on_face_feature_size near_on_face_frontal_score near_on_face_LED_state near_on_face_left_eye_x near_on_face_right_eye_x near_on_face_roll near_on_face_score error_message bodyTemperature alarm mask";

const ALL_MODES: &str = "camera/control/start?face_mode=true&glasses_mode=true&both_eye_mode=true&either_eye_mode=false";

/// Slave mode and a started camera with `start` (a path with its query).
async fn start_camera(fake: &Fake, uid: &str, start: &str) {
    let set = fake
        .json(Method::POST, &locked("camera", uid), &slave_example())
        .await;
    assert_eq!(set.body["success"], true, "{set:?}");
    let started = fake.bare(Method::POST, &locked(start, uid)).await;
    assert_eq!(started.body["status"], "Started camera", "{started:?}");
}

fn keys(item: &Value) -> BTreeSet<String> {
    item.as_object().unwrap().keys().cloned().collect()
}

fn field_set(fields: &str) -> BTreeSet<String> {
    fields.split(' ').map(str::to_owned).collect()
}

fn decoded_len(text: &Value) -> usize {
    biometric_core::base64::decode(text.as_str().unwrap())
        .unwrap()
        .len()
}

#[tokio::test]
async fn an_enrolment_capture_gives_one_item_shaped_like_the_sheet() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    fake.sim.set_camera_mode(CameraMode::Slave);
    assert_eq!(
        fake.sim.capture(&Capture::of("alice")),
        None,
        "Slave mode without a start captures nothing"
    );
    start_camera(&fake, &uid, ALL_MODES).await;
    let id = fake.sim.capture(&Capture::of("alice")).unwrap();
    assert_eq!(
        fake.sim.camera_running(),
        None,
        "the camera stops by itself"
    );
    let answer = fake
        .bare(Method::GET, &locked("biometric-data/ver1", &uid))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let body = answer.body;
    // The sheet's envelope remarks: "200", "OK", "1", "1", "false", "1".
    for (key, value) in [
        ("status_code", json!(200)),
        ("reason_phrase", json!("OK")),
        ("page", json!(1)),
        ("page_size", json!(1)),
        ("has_more", json!(false)),
        ("total", json!(1)),
    ] {
        assert_eq!(body[key], value, "{key}");
    }
    let item = &body["items"][0];
    let mut expected = field_set(BIOMETRIC_FIELDS);
    expected.insert("record_version".into());
    assert_eq!(keys(item), expected);
    assert_eq!(item["encounter_id"], json!(id));
    assert!(is_uid(&id), "{id}");
    assert_eq!(item["record_version"], 8976);
    assert_eq!(item["serial_number"], "EB0022A002929");
    assert!(
        chrono::NaiveDateTime::parse_from_str(
            item["timestamp"].as_str().unwrap(),
            "%Y-%m-%dT%H:%M:%SZ"
        )
        .is_ok()
    );
    assert_eq!(decoded_len(&item["left_eye"]), DEFAULT_IMAGE_BYTES);
    assert_eq!(decoded_len(&item["near_on_face"]), DEFAULT_IMAGE_BYTES);
    assert_eq!(
        item["left_eye_enrol_template"],
        json!(Capture::of("alice").left_eye_template())
    );
    assert_eq!(item["left_eye_quality_ok"], true);
    assert!(item["left_eye_usable_iris_area"].is_f64());
    assert_eq!(item["far_on_face_LED_state"], 1);
    assert_eq!(item["far_off_face_LED_state"], 0);
    assert!(item["far_off_face_feature_size"].is_u64());
    assert_eq!(item["left_eye_duplicate_uuid"], "");
    // The original endpoint has no record_version; ver2 answers as ver1 (no field is listed
    // for its "server match key").
    let original = fake
        .bare(Method::GET, &locked("biometric-data", &uid))
        .await;
    assert_eq!(
        keys(&original.body["items"][0]),
        field_set(BIOMETRIC_FIELDS)
    );
    let ver2 = fake
        .bare(Method::GET, &locked("biometric-data/ver2", &uid))
        .await;
    assert_eq!(ver2.body["items"][0], *item);
    let answer = fake
        .bare(Method::GET, &locked("biometric-data/ver1?page=1", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    // Emptying the buffer, as the sheet says to right after receiving.
    let path = locked(&format!("biometric-data/{id}"), &uid);
    let answer = fake.bare(Method::DELETE, &path).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let empty = fake
        .bare(Method::GET, &locked("biometric-data/ver1", &uid))
        .await;
    assert_eq!(
        (&empty.body["items"], &empty.body["total"]),
        (&json!([]), &json!(0))
    );
    assert_eq!(fake.bare(Method::DELETE, &path).await.status, 404);
    let answer = fake
        .bare(Method::DELETE, &locked("biometric-data/not-an-id", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
}

#[tokio::test]
async fn the_start_modes_decide_what_a_capture_carries_and_duplicates_are_named() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    start_camera(
        &fake,
        &uid,
        "camera/control/start?face_mode=true&glasses_mode=false&both_eye_mode=false&either_eye_mode=false",
    )
    .await;
    fake.sim.capture(&Capture::of("bob")).unwrap();
    // A subject enrolled with bob's templates is then named as the duplicate.
    let subject = json!({"user_uuid": "1010", "last_name": "uk",
        "left_eye_template": Capture::of("bob").left_eye_template()});
    let created = fake
        .json(Method::POST, &locked("subjects", &uid), &subject)
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    fake.sim
        .set_config("launcher.network.diameter", ConfigValue::Int(1));
    start_camera(&fake, &uid, START_EXAMPLE).await;
    fake.sim.capture(&Capture::of("bob")).unwrap();
    let answer = fake
        .bare(Method::GET, &locked("biometric-data/ver1", &uid))
        .await;
    let (face_only, eyes_and_face) = (&answer.body["items"][0], &answer.body["items"][1]);
    assert_eq!(face_only["left_eye"], "");
    assert_eq!(face_only["left_eye_quality_ok"], false);
    assert_eq!(face_only["near_off_face"], "");
    assert_ne!(face_only["far_off_face"], "");
    assert!(face_only.get("leftIrisDiameter").is_none());
    assert_ne!(eyes_and_face["left_eye"], "");
    assert_eq!(eyes_and_face["left_eye_duplicate_uuid"], "1010");
    assert_eq!(eyes_and_face["right_eye_duplicate_uuid"], "");
    assert!(eyes_and_face["leftIrisDiameter"].is_i64());
    assert_eq!(fake.sim.biometric_data_count(), 2);
}

#[tokio::test]
async fn a_capture_of_about_five_megabytes() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    start_camera(&fake, &uid, ALL_MODES).await;
    fake.sim
        .capture(&Capture::of("carol").image_bytes(560_000))
        .unwrap();
    let response = fake
        .http
        .get(fake.url(&locked("biometric-data/ver1", &uid)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    assert!(
        (5_000_000..6_000_000).contains(&bytes.len()),
        "{} bytes",
        bytes.len()
    );
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(decoded_len(&body["items"][0]["right_eye"]), 560_000);
}

/// The list envelope with no items, the save-8bmp/save-24bmp answer the sheet shows.
fn no_items() -> Value {
    json!({"status_code": 200, "reason_phrase": "OK", "items": [], "page": 1, "page_size": 0, "has_more": false, "total": 0})
}

#[tokio::test]
async fn bitmaps_are_saved_from_the_sheets_examples() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let iris = locked("biometric-data/save-8bmp", &uid);
    let face = locked("biometric-data/save-24bmp", &uid);
    // The sheet's two body examples, strings for int and an empty image included.
    let iris_example = json!({"filename": "/usr/local/share/CMITECH/Images/righteye.bmp", "height": "480", "image": "", "width": "640"});
    let face_example = json!({"filename": "/usr/local/share/CMITECH/Images/faroff.bmp", "height": "916", "image": "", "width": "688"});
    let answer = fake.json(Method::PUT, &iris, &iris_example).await;
    assert_eq!((answer.status, answer.body), (200, no_items()));
    let answer = fake.json(Method::PUT, &face, &face_example).await;
    assert_eq!((answer.status, answer.body), (200, no_items()));
    let image = biometric_core::base64::encode(b"BM-not-really");
    let answer = fake
        .json(
            Method::PUT,
            &iris,
            &json!({"filename": "/usr/local/share/CMITECH/Images/111_lefteye.bmp", "height": 480, "image": image, "width": 640}),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        fake.sim
            .file("/usr/local/share/CMITECH/Images/111_lefteye.bmp"),
        Some(b"BM-not-really".to_vec())
    );
    let with = |key: &str, value: Value| {
        let mut body = iris_example.clone();
        body[key] = value;
        body
    };
    let without_width = {
        let mut body = iris_example.clone();
        body.as_object_mut().unwrap().remove("width");
        body
    };
    for (path, body, why) in [
        (&iris, face_example.clone(), "a face bitmap on save-8bmp"),
        (&face, iris_example.clone(), "an iris bitmap on save-24bmp"),
        (
            &iris,
            with("height", json!("4x0")),
            "a height that is no number",
        ),
        (&iris, with("width", json!(0)), "a zero width"),
        (
            &iris,
            with("image", json!("not base64!")),
            "an image that is not base64",
        ),
        (
            &iris,
            with("filename", json!("/tmp/righteye.bmp")),
            "another folder",
        ),
        (&iris, without_width, "no width"),
        (&iris, with("depth", json!(8)), "an unknown key"),
    ] {
        let answer = fake.json(Method::PUT, path, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
}

/// A PNG signature and IHDR chunk of `width` x `height`, padded to `len` bytes.
fn png(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.resize(len, 0);
    bytes
}

#[tokio::test]
async fn files_of_the_filename_table_are_saved_loaded_and_deleted() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    // The sheet's URL example (lower-case percent escapes).
    let logo = locked(
        "biometric-data/save-file?filename=%2fusr%2flocal%2fshare%2fCMITECH%2fgui%2flogo%2fpc_enroll_logo.png",
        &uid,
    );
    let bytes = png(854, 480, 5744);
    let body = json!({"file": biometric_core::base64::encode(&bytes), "size": "5744"});
    let answer = fake.json(Method::PUT, &logo, &body).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    let load = locked(
        "biometric-data/load-file?filename=%2Fusr%2Flocal%2Fshare%2FCMITECH%2Fgui%2Flogo%2Fpc_enroll_logo.png",
        &uid,
    );
    let answer = fake.bare(Method::GET, &load).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["size"], 5744);
    assert_eq!(
        biometric_core::base64::decode(answer.body["file"].as_str().unwrap()).unwrap(),
        bytes
    );
    let jpg = locked(
        "biometric-data/save-file?filename=/usr/local/share/CMITECH/Images/111_lefteye.jpg",
        &uid,
    );
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    let answer = fake
        .json(
            Method::PUT,
            &jpg,
            &json!({"file": biometric_core::base64::encode(&jpeg), "size": 7}),
        )
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    let encoded =
        |bytes: &[u8]| json!({"file": biometric_core::base64::encode(bytes), "size": bytes.len()});
    let saver = "biometric-data/save-file?filename=/usr/local/share/CMITECH/gui/logo/screenSaver_854x420.png";
    for (path, body, why) in [
        (
            logo.clone(),
            json!({"file": "", "size": "5744"}),
            "the example's placeholder",
        ),
        (
            logo.clone(),
            encoded(&png(854, 420, 100)),
            "the screensaver's size on the enrolment logo",
        ),
        (
            locked(saver, &uid),
            encoded(&png(854, 420, 768 * 1024 + 1)),
            "over 768 kB",
        ),
        (jpg.clone(), encoded(&png(854, 480, 100)), "a PNG as a JPG"),
        (
            locked("biometric-data/save-file?filename=/etc/passwd", &uid),
            encoded(b"x"),
            "a file outside the table",
        ),
        (
            locked("biometric-data/save-file", &uid),
            encoded(&jpeg),
            "no filename",
        ),
        (
            logo.clone(),
            json!({"file": biometric_core::base64::encode(&bytes), "size": 5743}),
            "a wrong size",
        ),
        (
            logo.clone(),
            json!({"file": "iVBORw0KGgo", "size": 8}),
            "unpadded base64",
        ),
    ] {
        let answer = fake.json(Method::PUT, &path, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
    let answer = fake
        .json(
            Method::PUT,
            &locked(saver, &uid),
            &encoded(&png(854, 420, 768 * 1024)),
        )
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    // The sheet's delete example names a file no call creates: placed by the test.
    let example = locked(
        "biometric-data/delete-file?filename=%2fusr%2flocal%2fshare%2fCMITECH%2fImages%2fktt_schedule_list.txt",
        &uid,
    );
    assert_eq!(fake.bare(Method::DELETE, &example).await.status, 404);
    fake.sim.put_file(
        "/usr/local/share/CMITECH/Images/ktt_schedule_list.txt",
        b"schedule".to_vec(),
    );
    let answer = fake.bare(Method::DELETE, &example).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(
        fake.sim
            .file("/usr/local/share/CMITECH/Images/ktt_schedule_list.txt"),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// Match-data

/// The Match-data sheet's item fields (`left_eye__iris_template` with its two underscores).
const MATCH_FIELDS: &str = "encounter_id timestamp serial_number uuid log_id left_eye left_eye__iris_template left_eye_usable_iris_area left_eye_quality_score left_eye_quality_ok right_eye right_eye_iris_template right_eye_usable_iris_area right_eye_quality_score right_eye_quality_ok iris_off_face iris_off_face_eye_width iris_off_face_feature iris_off_face_feature_size iris_off_face_frontal_score iris_off_face_LED_state iris_off_face_left_eye_x iris_off_face_right_eye_x iris_off_face_roll iris_off_face_score far_off_face far_off_face_eye_width far_off_face_feature far_off_face_feature_size far_off_face_frontal_score far_off_face_LED_state far_off_face_left_eye_x far_off_face_right_eye_x far_off_face_roll far_off_face_score far_on_face far_on_face_eye_width far_on_face_feature far_on_face_feature_size far_on_face_frontal_score far_on_face_LED_state far_on_face_left_eye_x far_on_face_right_eye_x far_on_face_roll far_on_face_score near_off_face near_off_face_eye_width near_off_face_feature near_off_face_feature_size near_off_face_frontal_score near_off_face_LED_state near_off_face_left_eye_x near_off_face_right_eye_x near_off_face_roll near_off_face_score near_on_face near_on_face_eye_width near_on_face_feature near_on_face_feature_size near_on_face_frontal_score near_on_face_LED_state near_on_face_left_eye_x near_on_face_right_eye_x near_on_face_roll near_on_face_score";

/// The Camera sheet's matchtemplate body example.
fn match_template_example() -> Value {
    json!({"access_allowed": true, "first_name": "", "last_name": "uk", "left_eye_template": "",
        "match_until": "", "record_version": 0, "right_eye_template": "", "user_uuid": "1010",
        "wiegand_code": -1, "wiegand_custom": "", "wiegand_facility": -1, "wiegand_site": -1})
}

/// The sheet's matchtemplate URL example's `seq_uid`.
const SEQ_UID: &str = "1c0539ba-c50a-4bc7-b174-2e9faee8d596";

#[tokio::test]
async fn pushed_match_data_is_shaped_like_the_sheet_and_logged() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let id = fake.sim.push_match("111", &Capture::of("alice"));
    let answer = fake.bare(Method::GET, &locked("match-data", &uid)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        (&answer.body["total"], &answer.body["status_code"]),
        (&json!(1), &json!(200))
    );
    let item = &answer.body["items"][0];
    assert_eq!(keys(item), field_set(MATCH_FIELDS));
    assert_eq!(
        (&item["encounter_id"], &item["uuid"]),
        (&json!(id), &json!("111"))
    );
    assert_eq!(
        item["left_eye__iris_template"],
        json!(Capture::of("alice").left_eye_template())
    );
    assert_eq!(decoded_len(&item["far_on_face"]), DEFAULT_IMAGE_BYTES);
    let log = fake
        .bare(
            Method::GET,
            &locked(&format!("logs/{}", item["log_id"]), &uid),
        )
        .await;
    assert_eq!(log.status, 200, "{log:?}");
    assert_eq!(
        (
            &log.body["event_type"],
            &log.body["user_uuid"],
            &log.body["info"]
        ),
        (
            &json!("Recognition"),
            &json!("111"),
            &json!("Recog/BioOnly/IrisOk")
        )
    );
    let answer = fake
        .bare(Method::GET, &locked("match-data?page=1", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let path = locked(&format!("match-data/{id}"), &uid);
    let answer = fake.bare(Method::DELETE, &path).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    assert_eq!(fake.sim.match_data_count(), 0);
    assert_eq!(fake.bare(Method::DELETE, &path).await.status, 404);
    let answer = fake
        .bare(Method::DELETE, &locked("match-data/0265aebc", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
}

#[tokio::test]
async fn in_recog_mode_a_capture_is_a_recognition() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    assert_eq!(fake.sim.camera_mode(), CameraMode::Recog);
    let subject = json!({"user_uuid": "111", "last_name": "a",
        "right_eye_template": Capture::of("alice").right_eye_template()});
    let created = fake
        .json(Method::POST, &locked("subjects", &uid), &subject)
        .await;
    assert_eq!(created.status, 201);
    let alice = fake.sim.capture(&Capture::of("alice")).unwrap();
    let stranger = fake.sim.capture(&Capture::of("eve")).unwrap();
    assert_eq!(fake.sim.biometric_data_count(), 0);
    let answer = fake.bare(Method::GET, &locked("match-data", &uid)).await;
    let items = answer.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (&items[0]["encounter_id"], &items[0]["uuid"]),
        (&json!(alice), &json!("111"))
    );
    assert_eq!(
        (&items[1]["encounter_id"], &items[1]["uuid"]),
        (&json!(stranger), &json!(""))
    );
    let log = fake
        .bare(
            Method::GET,
            &locked(&format!("logs/{}", items[1]["log_id"]), &uid),
        )
        .await;
    assert_eq!(log.body["info"], "Recog/BioOnly/IrisFail");
    // "Use Mode" captures nothing the sheets describe.
    fake.sim.set_camera_mode(CameraMode::Enrol);
    assert_eq!(fake.sim.capture(&Capture::of("alice")), None);
}

#[tokio::test]
async fn match_template_compares_the_next_capture_with_the_card_subject() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked(
        &format!("camera/control/start/matchtemplate/{SEQ_UID}"),
        &uid,
    );
    fake.sim.set_camera_mode(CameraMode::Slave);
    let answer = fake
        .json(Method::POST, &path, &match_template_example())
        .await;
    assert_eq!(answer.body["success"], false, "Recog first: {answer:?}");
    fake.sim.set_camera_mode(CameraMode::Recog);
    // The sheet's URL and body examples.
    let answer = fake
        .json(Method::POST, &path, &match_template_example())
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"success": true, "status": "Started matching template"})
    );
    // The example's card has empty templates: nobody matches.
    let id = fake.sim.capture(&Capture::of("dave")).unwrap();
    assert_eq!(id, SEQ_UID);
    let mut card = match_template_example();
    card["left_eye_template"] = json!(Capture::of("dave").left_eye_template());
    let answer = fake.json(Method::POST, &path, &card).await;
    assert_eq!(answer.body["success"], true);
    fake.sim.capture(&Capture::of("dave")).unwrap();
    let items = fake
        .bare(Method::GET, &locked("match-data", &uid))
        .await
        .body["items"]
        .clone();
    assert_eq!(
        (&items[0]["uuid"], &items[1]["uuid"]),
        (&json!(""), &json!("1010"))
    );
    let without = {
        let mut body = match_template_example();
        body.as_object_mut().unwrap().remove("record_version");
        body
    };
    let with = |key: &str, value: Value| {
        let mut body = match_template_example();
        body[key] = value;
        body
    };
    for (url, body, why) in [
        (
            locked("camera/control/start/matchtemplate/1c0539ba", &uid),
            match_template_example(),
            "a malformed seq_uid",
        ),
        (path.clone(), without, "record_version missing"),
        (
            path.clone(),
            with("wiegand_custom", json!("x")),
            "wiegand_custom neither int nor \"\"",
        ),
        (
            path.clone(),
            with("left_image_path", json!("")),
            "an image path (not in this table)",
        ),
        (
            path.clone(),
            with("access_allowed", json!(1)),
            "a boolean as a number",
        ),
    ] {
        let answer = fake.json(Method::POST, &url, &body).await;
        assert_eq!(answer.status, 400, "{why}: {answer:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Preview

/// The Preview sheet's fields.
const PREVIEW_FIELDS: &str = "left_eye right_eye face_image avg_distance left_boundary right_boundary left_iris_center_x right_iris_center_x left_iris_center_y right_iris_center_y left_eye_center_x right_eye_center_x left_eye_center_y right_eye_center_y left_iris_radius right_iris_radius left_distance right_distance message switch_flag";

#[tokio::test]
async fn the_preview_has_frames_only_while_the_camera_captures() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    let path = locked("preview", &uid);
    let answer = fake.bare(Method::GET, &path).await;
    assert_eq!((answer.status, answer.body), (204, Value::Null));
    fake.sim.set_preview_image_bytes(3000);
    start_camera(&fake, &uid, START_EXAMPLE).await;
    let first = fake.bare(Method::GET, &path).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(keys(&first.body), field_set(PREVIEW_FIELDS));
    assert_eq!(decoded_len(&first.body["face_image"]), 3000);
    assert!(first.body["left_iris_radius"].is_i64());
    assert!(first.body["message"].is_i64());
    assert_eq!(first.body["switch_flag"], false);
    let second = fake.bare(Method::GET, &path).await;
    assert_ne!(
        first.body["left_eye"], second.body["left_eye"],
        "a new frame"
    );
    assert_eq!(fake.sim.preview_frames(), 2);
    let answer = fake
        .bare(Method::GET, &locked("preview?frame=1", &uid))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    // The capture completes: no more frames.
    fake.sim.capture(&Capture::of("alice")).unwrap();
    assert_eq!(fake.bare(Method::GET, &path).await.status, 204);
    start_camera(&fake, &uid, START_EXAMPLE).await;
    assert_eq!(fake.bare(Method::GET, &path).await.status, 200);
    let stopped = fake
        .bare(Method::POST, &locked("camera/control/stop", &uid))
        .await;
    assert_eq!(stopped.body["success"], true);
    assert_eq!(fake.bare(Method::GET, &path).await.status, 204);
}

// ---------------------------------------------------------------------------------------------
// Every sheet

/// Every camera and capture route, as method and path without `lock_uid`.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "camera"),
    ("POST", "camera"),
    ("POST", "camera/control/setDeviceTime/051814412018.41"),
    ("POST", START_EXAMPLE),
    ("POST", "camera/control/stop"),
    ("GET", "biometric-data"),
    ("GET", "biometric-data/ver1"),
    ("GET", "biometric-data/ver2"),
    (
        "DELETE",
        "biometric-data/5da3c96c-5d18-11e8-b8ae-503f98000288",
    ),
    ("PUT", "biometric-data/save-8bmp"),
    ("PUT", "biometric-data/save-24bmp"),
    (
        "GET",
        "biometric-data/load-file?filename=/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png",
    ),
    (
        "PUT",
        "biometric-data/save-file?filename=/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png",
    ),
    (
        "DELETE",
        "biometric-data/delete-file?filename=/usr/local/share/CMITECH/Images/ktt_schedule_list.txt",
    ),
];

#[tokio::test]
async fn every_route_needs_the_current_lock_and_answers_injected_faults() {
    let fake = Fake::start().await;
    let uid = fake.lock().await;
    fake.sim.expire_lock();
    for (method, path) in ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        assert_stale(&fake.bare(method.clone(), path).await);
        assert_stale(&fake.bare(method, &locked(path, &uid)).await);
    }
    let uid = fake.lock().await;
    for (method, path) in ROUTES {
        fake.sim.device_error_next(403, 1301);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let answer = fake.bare(method, &locked(path, &uid)).await;
        assert_eq!(
            (answer.status, answer.body),
            (
                403,
                json!({"status_code": 1301, "reason_phrase": "Permission denied!"})
            ),
            "{path}"
        );
    }
}
