//! The Apptenticate fake on the wire, without the SDK's client: what any client would see.

use std::time::Duration;

use biometric_sim::apptenticate::{
    ApptenticateConfig, ApptenticateSim, DEFAULT_BIOMETRIC_CHECK_PATH, face_image,
    image_without_face, photo_of,
};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const CITIZEN: &str = "0102030405";

fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
    reqwest::Client::new()
}

async fn start(config: ApptenticateConfig) -> (ApptenticateSim, biometric_sim::Running) {
    let sim = ApptenticateSim::new(config);
    let running = sim.start().await.unwrap();
    (sim, running)
}

async fn post_form(url: String, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = http().post(url).form(fields).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `(access, refresh)` for the default account.
async fn login(base: &str) -> (String, String) {
    let (status, body) = post_form(
        format!("{base}/api/token/"),
        &[("username", "sim-user"), ("password", "sim-password")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["access"].as_str().unwrap().to_owned(),
        body["refresh"].as_str().unwrap().to_owned(),
    )
}

fn jpeg_part(data: Vec<u8>, name: &'static str) -> Part {
    Part::bytes(data)
        .file_name(name)
        .mime_str("image/jpeg")
        .unwrap()
}

fn check_form(cedula: &str, image: Vec<u8>) -> Form {
    Form::new()
        .text("cedula", cedula.to_owned())
        .part("imagen", jpeg_part(image, "imagen.jpg"))
}

async fn send(url: String, access: &str, form: Form) -> (u16, Value) {
    let response = http()
        .post(url)
        .bearer_auth(access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn check_url(base: &str) -> String {
    format!("{base}/{DEFAULT_BIOMETRIC_CHECK_PATH}")
}

#[tokio::test]
async fn token_endpoints_need_their_trailing_slash_and_a_form() {
    let (_, running) = start(ApptenticateConfig::default()).await;
    let base = running.base_url();
    let creds = [("username", "sim-user"), ("password", "sim-password")];

    assert_eq!(post_form(format!("{base}/api/token"), &creds).await.0, 404);
    let json_login = http()
        .post(format!("{base}/api/token/"))
        .json(&json!({"username": "sim-user", "password": "sim-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_login.status(), 415);
    let (status, body) = post_form(
        format!("{base}/api/token/"),
        &[("user", "sim-user"), ("password", "sim-password")],
    )
    .await;
    assert_eq!((status, body), (400, json!({"user": ["Unknown field."]})));

    let (access, refresh) = login(base).await;
    assert_eq!(access.split('.').count(), 3, "JWT-shaped");
    assert_ne!(access, refresh);
}

#[tokio::test]
async fn documented_401_bodies() {
    let (sim, running) = start(ApptenticateConfig::default()).await;
    let base = running.base_url();
    let (status, body) = post_form(
        format!("{base}/api/token/"),
        &[("username", "sim-user"), ("password", "wrong")],
    )
    .await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"detail": "No active account found with the given credentials"})
        )
    );

    let (_, refresh) = login(base).await;
    let (status, body) = post_form(
        format!("{base}/api/token/refresh/"),
        &[("refresh", &refresh)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body["access"].is_string() && body.get("refresh").is_none(),
        "{body}"
    );

    sim.revoke_refresh_tokens();
    let (status, body) = post_form(
        format!("{base}/api/token/refresh/"),
        &[("refresh", &refresh)],
    )
    .await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"detail": "Token is invalid or expired", "code": "token_not_valid"})
        )
    );
    let stats = sim.stats();
    assert_eq!(
        (stats.logins, stats.refreshes, stats.refused_refreshes),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn checks_need_a_live_access_token() {
    let (sim, running) = start(ApptenticateConfig::default()).await;
    let base = running.base_url();
    let (access, refresh) = login(base).await;

    let anonymous = http()
        .post(check_url(base))
        .multipart(check_form(CITIZEN, face_image(CITIZEN)))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // A refresh token is not an access token.
    let (status, _) = send(
        check_url(base),
        &refresh,
        check_form(CITIZEN, face_image(CITIZEN)),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = send(
        check_url(base),
        &access,
        check_form(CITIZEN, face_image(CITIZEN)),
    )
    .await;
    assert_eq!(status, 200);

    sim.expire_access_tokens();
    let (status, body) = send(
        check_url(base),
        &access,
        check_form(CITIZEN, face_image(CITIZEN)),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "token_not_valid");
}

#[tokio::test]
async fn an_access_token_expires_after_the_configured_lifetime() {
    let config = ApptenticateConfig::default().access_lifetime(Duration::from_millis(100));
    let (_, running) = start(config).await;
    let base = running.base_url();
    let (access, refresh) = login(base).await;
    tokio::time::sleep(Duration::from_millis(250)).await;

    let (status, _) = send(
        check_url(base),
        &access,
        check_form(CITIZEN, face_image(CITIZEN)),
    )
    .await;
    assert_eq!(status, 401, "expired");
    let (status, body) = post_form(
        format!("{base}/api/token/refresh/"),
        &[("refresh", &refresh)],
    )
    .await;
    assert_eq!(status, 200);
    let renewed = body["access"].as_str().unwrap();
    let (status, _) = send(
        check_url(base),
        renewed,
        check_form(CITIZEN, face_image(CITIZEN)),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn citizen_check_answers_deterministically() {
    let (_, running) = start(ApptenticateConfig::default()).await;
    let base = running.base_url();
    let (access, _) = login(base).await;

    let (status, body) = send(
        check_url(base),
        &access,
        check_form(CITIZEN, face_image(CITIZEN)),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"valid": true, "message": null, "code": 0}))
    );

    let (_, body) = send(
        check_url(base),
        &access,
        check_form(CITIZEN, face_image("someone-else"))
            .text("id", "True")
            .text("dispositivo", "ANDROID"),
    )
    .await;
    assert_eq!(body["valid"], false);
    assert_eq!(body["code"], 1);
    assert!(body["id"].is_i64(), "{body}");

    let (_, body) = send(
        check_url(base),
        &access,
        check_form("999", face_image(CITIZEN)),
    )
    .await;
    assert_eq!(
        (body["valid"].clone(), body["code"].clone()),
        (json!(false), json!(2))
    );
}

#[tokio::test]
async fn citizen_check_is_strict_about_its_multipart_form() {
    let (_, running) = start(ApptenticateConfig::default()).await;
    let base = running.base_url();
    let (access, _) = login(base).await;
    let url = check_url(base);

    // The prose's `image` is not the wire name.
    let prose = Form::new()
        .text("cedula", CITIZEN)
        .part("image", jpeg_part(face_image(CITIZEN), "imagen.jpg"));
    assert_eq!(
        send(url.clone(), &access, prose).await,
        (400, json!({"image": ["Unknown field."]}))
    );
    // The image as a text field is no upload.
    let as_text = Form::new()
        .text("cedula", CITIZEN)
        .text("imagen", "not a file");
    assert_eq!(
        send(url.clone(), &access, as_text).await,
        (400, json!({"imagen": ["This field is required."]}))
    );
    let png = check_form(CITIZEN, b"\x89PNG\r\n\x1a\n0000".to_vec());
    assert_eq!(send(url.clone(), &access, png).await.0, 400);
    let mut big = face_image(CITIZEN);
    big.resize(2_000_001, 0);
    let (status, body) = send(url.clone(), &access, check_form(CITIZEN, big)).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "The image must not exceed 2MB");
    let mut at_limit = face_image(CITIZEN);
    at_limit.resize(2_000_000, 0);
    assert_eq!(
        send(url.clone(), &access, check_form(CITIZEN, at_limit))
            .await
            .0,
        200
    );
    let bad_device = check_form(CITIZEN, face_image(CITIZEN)).text("dispositivo", "WINDOWS");
    assert_eq!(send(url.clone(), &access, bad_device).await.0, 400);
    let bad_id = check_form(CITIZEN, face_image(CITIZEN)).text("id", "yes");
    assert_eq!(send(url.clone(), &access, bad_id).await.0, 400);

    let json_body = http()
        .post(url)
        .bearer_auth(&access)
        .json(&json!({"cedula": CITIZEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 415);
}

#[tokio::test]
async fn the_check_path_is_configurable() {
    let config = ApptenticateConfig::default().biometric_check_path("/contract/check/");
    let (_, running) = start(config).await;
    let base = running.base_url();
    let (access, _) = login(base).await;
    let form = || check_form(CITIZEN, face_image(CITIZEN));
    assert_eq!(
        send(format!("{base}/contract/check/"), &access, form())
            .await
            .0,
        200
    );
    assert_eq!(send(check_url(base), &access, form()).await.0, 404);
}

#[tokio::test]
async fn newer_endpoints() {
    let (sim, running) = start(ApptenticateConfig::default()).await;
    let base = running.base_url();
    let (access, _) = login(base).await;

    for version in ["v3", "v3.2"] {
        let form = Form::new()
            .text("citizen_id", CITIZEN)
            .part("selfie", jpeg_part(face_image(CITIZEN), "selfie.jpg"))
            .text("return_id", "True")
            .text("device", "IOS");
        let (status, body) = send(
            format!("{base}/api/{version}/biometrics/nationals/"),
            &access,
            form,
        )
        .await;
        assert_eq!(status, 200, "{version}: {body}");
        assert_eq!(body["valid"], true);
        assert!(body["id"].is_i64());
    }

    let foreign = |document_type: &'static str, selfie: Vec<u8>| {
        Form::new()
            .part("frontside", jpeg_part(photo_of("maria"), "frontside.jpg"))
            .part("selfie", jpeg_part(selfie, "selfie.jpg"))
            .text("document_type", document_type)
    };
    let url = format!("{base}/api/v3/biometrics/foreigns/");
    let (_, body) = send(
        url.clone(),
        &access,
        foreign("passport", face_image("maria")),
    )
    .await;
    assert_eq!(body["valid"], true);
    let (_, body) = send(url.clone(), &access, foreign("passport", face_image("jo"))).await;
    assert_eq!(body["valid"], false);
    assert_eq!(
        send(
            url,
            &access,
            foreign("driving_licence", face_image("maria"))
        )
        .await
        .0,
        400
    );

    let url = format!("{base}/api/v2/biometrics/liveness/");
    let live = |image: Vec<u8>| {
        Form::new()
            .part("selfie", jpeg_part(image, "selfie.jpg"))
            .text("details", "True")
    };
    let (_, body) = send(url.clone(), &access, live(face_image("ana"))).await;
    assert_eq!(
        body,
        json!({"data": {"api_response": {"score": 0.95, "quality": 0.9, "liveness": 0.95}}})
    );
    let (_, body) = send(url.clone(), &access, live(photo_of("ana"))).await;
    assert_eq!(body["data"]["api_response"]["liveness"], 0.1);
    let (_, body) = send(url, &access, live(image_without_face())).await;
    assert_eq!(body["data"]["api_response"]["quality"], 0.2);

    sim.fail_next(503, 1);
    let form = Form::new().part("selfie", jpeg_part(face_image("ana"), "selfie.jpg"));
    let (status, _) = send(format!("{base}/api/v2/biometrics/liveness/"), &access, form).await;
    assert_eq!(status, 503);
}
