//! The EF-45 fake's camera and capture sheets on the wire (Camera, Biometric-data, Match-data,
//! Preview), without the SDK's client. Bodies and URLs are the sheets' examples where the sheets
//! give one.

mod ef45_support;

use biometric_sim::ef45::CameraMode;
use ef45_support::{Fake, assert_stale, locked};
use reqwest::Method;
use serde_json::json;

/// The Camera sheet's start URL example's flags.
const START_EXAMPLE: &str = "camera/control/start?face_mode=true&glasses_mode=false&both_eye_mode=false&either_eye_mode=true";

/// The Camera sheet's body example (Slave mode).
fn slave_example() -> serde_json::Value {
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
    let with = |key: &str, value: serde_json::Value| {
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
        .bare(Method::POST, &locked("camera/control/stop", &uid))
        .await;
    assert_eq!(
        (answer.status, answer.body),
        (200, json!({"success": true, "status": "Stopped camera"}))
    );
    assert_eq!(fake.sim.camera_running(), None);
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
