//! Biometric bytes (eye images, iris templates, face features) of an unreadable capture never
//! reach Debug, Display, errors or tracing output.
//!
//! Alone in its own test binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

use hostile_input::logs::capture;

use crate::common::*;
use wiremock::ResponseTemplate;

/// A biometric answer the client cannot read (a wrong type deep inside) still carries the eye
/// images and iris templates in its raw body: its Debug and Display, and the log, must not.
#[tokio::test(flavor = "current_thread")]
async fn biometric_bytes_in_an_unreadable_capture_never_reach_errors_or_logs() {
    let (captured, _guard) = capture();

    // Recognisable "image" and "template" base64, longer than any redaction threshold.
    let eye = "SVJJUy1JTUFHRS1CWVRFUy1PRi1BLVBFUlNPTg==".repeat(8);
    let template = "VEVNUExBVEUtT0YtQS1QRVJTT04tSVJJUw==".repeat(4);
    let face_feature = "RkFDRS1GRUFUVVJFLU9GLUEtUEVSU09O".repeat(4);
    let mut item = fixture_json("biometric_data_item.json");
    item["left_eye"] = eye.clone().into();
    item["left_eye_enrol_template"] = template.clone().into();
    item["far_off_face_feature"] = face_feature.clone().into();
    item["right_eye_quality_score"] = "high".into(); // not a number: the decode fails
    let mut matched = fixture_json("match_data_item.json");
    matched["left_eye__iris_template"] = template.clone().into();
    matched["log_id"] = "sixty-eight".into();
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver1",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([item]),
            1,
            1,
            false,
            1,
        )),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/match-data",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([matched]),
            1,
            1,
            false,
            1,
        )),
    )
    .await;

    let capture = device
        .biometric_data(ef45_client::DataVersion::Ver1)
        .await
        .unwrap_err();
    let matches = device.match_data().await.unwrap_err();

    assert!(
        matches!(capture, ef45_client::Error::Decode(_)),
        "{capture:?}"
    );
    let logs = captured.text();
    for (what, text) in [
        ("logs", logs),
        ("capture error", format!("{capture:?} {capture}")),
        ("match error", format!("{matches:?} {matches}")),
    ] {
        for secret in [&eye, &template, &face_feature] {
            assert!(
                !text.contains(&secret[..24]),
                "{what} shows biometric bytes: {text}"
            );
        }
    }
}

/// A database (which holds every enrolled template) whose download fails must not show its
/// contents in the error.
#[tokio::test(flavor = "current_thread")]
async fn database_contents_never_reach_a_download_error() {
    let template = "VEVNUExBVEUtT0YtQS1QRVJTT04tSVJJUw==".repeat(8);
    let (server, device) = locked().await;
    // Valid base64, but `size` disagrees: the decode fails after the contents went by.
    let body = format!(r#"{{"file":"{template}","size":5}}"#);
    answer(
        &server,
        "GET",
        "/1.0/database",
        ResponseTemplate::new(200).set_body_string(body),
    )
    .await;

    let mut sink = Vec::new();
    let err = device
        .download_database(ef45_client::DatabaseFile::Main, &mut sink)
        .await
        .unwrap_err();

    let text = format!("{err:?} {err}");
    assert!(!text.contains(&template[..24]), "{text}");
    assert!(!text.contains(LOCK), "{text}");
}
