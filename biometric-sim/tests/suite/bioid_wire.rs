//! The BWS fake on the wire, without the SDK's client: what any BWS client would see.

use biometric_sim::bioid::{BioIdConfig, BioIdSim, face_image};
use serde_json::{Value, json};

fn jwt(config: &BioIdConfig, key: &[u8], audience: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "sub": config.client_id(), "iss": config.client_id(), "aud": audience,
        "iat": now, "nbf": now, "exp": now + 300
    });
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512);
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

fn key(config: &BioIdConfig) -> Vec<u8> {
    biometric_core::base64::decode(&config.client_key_base64()).unwrap()
}

fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
    reqwest::Client::new()
}

#[tokio::test]
async fn api_calls_need_a_jwt_for_bws_signed_with_the_key() {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await.unwrap();
    let url = format!("{}/api/face/v1/classcount", running.base_url());
    let http = http();

    let none = http.get(&url).send().await.unwrap();
    let wrong_key = http
        .get(&url)
        .bearer_auth(jwt(&config, b"other", "BWS"))
        .send()
        .await
        .unwrap();
    let wrong_audience = http
        .get(&url)
        .bearer_auth(jwt(&config, &key(&config), "NOT-BWS"))
        .send()
        .await
        .unwrap();
    let good = http
        .get(&url)
        .bearer_auth(jwt(&config, &key(&config), "BWS"))
        .send()
        .await
        .unwrap();

    assert_eq!(none.status(), 401);
    assert_eq!(wrong_key.status(), 401);
    assert_eq!(wrong_audience.status(), 401);
    assert_eq!(good.status(), 200);
    assert_eq!(
        good.json::<Value>().await.unwrap(),
        json!({"numberOfClasses": 0})
    );
}

#[tokio::test]
async fn successful_answers_carry_the_documented_headers() {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await.unwrap();
    let image = biometric_core::base64::encode(&face_image("carol"));

    let response = http()
        .post(format!("{}/api/face/v1/enroll/12", running.base_url()))
        .bearer_auth(jwt(&config, &key(&config), "BWS"))
        .header("reference-number", "ref-9")
        .json(&json!([{"image": image}]))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["reference-number"], "ref-9");
    assert!(headers["jobid"].to_str().unwrap().len() == 36, "a GUID");
    assert!(headers.contains_key("bws-version") && headers.contains_key("date"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["performedAction"], "NEW_TEMPLATE_CREATED");
    assert_eq!(body["enrolledImages"], 1);
    assert_eq!(body["templateStatus"]["classId"], 12);
}

#[tokio::test]
async fn bad_arguments_are_400_with_a_grpc_code_and_health_needs_no_token() {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await.unwrap();
    let http = http();

    let response = http
        .post(format!("{}/api/face/v1/enroll/0", running.base_url()))
        .bearer_auth(jwt(&config, &key(&config), "BWS"))
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], 3);

    let livez = http
        .get(format!("{}/livez", running.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(livez.status(), 200);
    assert_eq!(livez.text().await.unwrap(), "Healthy");
}

// ---------------------------------------------------------------------------------------------
// Strictness and fault injection.

use biometric_sim::bioid::{Fault, image_without_face};

/// A JWT with `claims` (the defaults of BioID's samples, minus `drop`, plus `extra`).
fn jwt_with(config: &BioIdConfig, drop: &[&str], extra: Value) -> String {
    let now = chrono_now();
    let mut claims = json!({
        "sub": config.client_id(), "iss": config.client_id(), "aud": "BWS",
        "iat": now, "nbf": now, "exp": now + 300
    });
    let map = claims.as_object_mut().unwrap();
    for key in drop {
        map.remove(*key);
    }
    map.extend(extra.as_object().unwrap().clone());
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&key(config)),
    )
    .unwrap()
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn a_jwt_missing_documented_claims_or_living_too_long_is_refused() {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await.unwrap();
    let url = format!("{}/api/face/v1/classcount", running.base_url());
    let now = chrono_now();
    for (name, token) in [
        ("no iat", jwt_with(&config, &["iat"], json!({}))),
        ("no nbf", jwt_with(&config, &["nbf"], json!({}))),
        ("no exp", jwt_with(&config, &["exp"], json!({}))),
        (
            "aud as another service",
            jwt_with(&config, &[], json!({"aud": "BWS2"})),
        ),
        (
            "an hour",
            jwt_with(&config, &[], json!({"exp": now + 3600})),
        ),
        (
            "not yet valid",
            jwt_with(&config, &[], json!({"nbf": now + 600, "exp": now + 300})),
        ),
        (
            "expired",
            jwt_with(
                &config,
                &[],
                json!({"iat": now - 900, "nbf": now - 900, "exp": now - 600}),
            ),
        ),
    ] {
        let response = http().get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 401, "{name}");
    }
    let exactly_five_minutes = jwt_with(&config, &[], json!({}));
    let response = http()
        .get(&url)
        .bearer_auth(exactly_five_minutes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn post(
    running: &biometric_sim::Running,
    config: &BioIdConfig,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let response = http()
        .post(format!("{}{path}", running.base_url()))
        .bearer_auth(jwt(config, &key(config), "BWS"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn misspelled_keys_and_wrong_types_are_invalid_arguments() {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await.unwrap();
    let image = biometric_core::base64::encode(&face_image("dan"));
    for (path, body) in [
        (
            "/api/face/v1/search",
            json!({"images": [{"image": image}], "top_matches": true}),
        ),
        (
            "/api/face/v1/search",
            json!({"images": [{"image": image}], "topMatches": "yes"}),
        ),
        (
            "/api/face/v1/search",
            json!({"images": [{"image": image}], "Tags": ["a"]}),
        ),
        (
            "/api/face/v1/enroll/1",
            json!([{"image": image, "Tags": ["a"]}]),
        ),
        (
            "/api/face/v1/enroll/1",
            json!([{"image": image, "tags": "a"}]),
        ),
        ("/api/face/v1/enroll/1", json!([{"Image": image}])),
        (
            "/api/face/v1/verify/1",
            json!({"image": image, "classId": 1}),
        ),
        (
            "/api/v1/livenessdetection",
            json!({"live_images": [{"image": image}]}),
        ),
        (
            "/api/v1/photoverify",
            json!({"liveImages": [{"image": image}], "photo": image, "disableLivenessDetection": "true"}),
        ),
        (
            "/api/v1/videolivenessdetection",
            json!({"video": image, "tags": []}),
        ),
    ] {
        let (status, answer) = post(&running, &config, path, body.clone()).await;
        assert_eq!(
            (status, &answer["code"]),
            (400, &json!(3)),
            "{path} {body}: {answer}"
        );
    }
    let (status, _) = post(
        &running,
        &config,
        "/api/face/v1/search",
        json!({"images": [{"image": image, "tags": ["x"]}], "tags": ["a"], "topMatches": true}),
    )
    .await;
    assert_eq!(status, 200, "the documented spelling passes");
}

#[tokio::test]
async fn a_body_not_sent_as_json_is_refused() {
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let body = json!([{"image": biometric_core::base64::encode(&face_image("eve"))}]).to_string();
    for content_type in [None, Some("text/plain"), Some("application/octet-stream")] {
        let mut request = http()
            .post(format!("{}/api/face/v1/enroll/3", running.base_url()))
            .bearer_auth(jwt(&config, &key(&config), "BWS"))
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            415,
            "{content_type:?}"
        );
    }
    assert_eq!(sim.template_count(), 0);
}

#[tokio::test]
async fn injected_faults_are_answered_in_order() {
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let image = biometric_core::base64::encode(&face_image("fay"));
    for fault in [
        Fault::Unavailable,
        Fault::RequestTimeout,
        Fault::ServerError,
        Fault::BadRequestWithStringCode,
        Fault::JobFaulted,
        Fault::JobCancelled,
    ] {
        sim.inject(fault);
    }
    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(
            post(
                &running,
                &config,
                "/api/face/v1/verify/1",
                json!({"image": image}),
            )
            .await,
        );
    }

    assert_eq!(
        answers
            .iter()
            .map(|(status, _)| *status)
            .collect::<Vec<_>>(),
        [503, 408, 500, 400, 200, 200]
    );
    assert_eq!(
        answers[3].1["code"], "InvalidArgument",
        "the code as a string"
    );
    assert_eq!(answers[4].1["status"], "FAULTED");
    assert_eq!(answers[5].1["status"], "CANCELLED");
    assert!(answers[4].1["errors"][0]["errorCode"].is_string());
    assert_eq!(sim.pending_faults(), 0);
}

#[tokio::test]
async fn no_feature_vectors_waits_for_an_enrollment() {
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let image = biometric_core::base64::encode(&face_image("gus"));
    sim.inject(Fault::NoFeatureVectors);

    let (status, _) = post(
        &running,
        &config,
        "/api/v1/livenessdetection",
        json!({"liveImages": [{"image": image}]}),
    )
    .await;
    assert_eq!(
        (status, sim.pending_faults()),
        (200, 1),
        "not an enrollment: still queued"
    );
    let (status, enrolled) = post(
        &running,
        &config,
        "/api/face/v1/enroll/8",
        json!([{"image": image}]),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(enrolled["performedAction"], "ENROLLMENT_FAILED");
    assert_eq!(enrolled["errors"][0]["errorCode"], "NoFeatureVectors");
    let checks: Vec<&str> = enrolled["imageProperties"][0]["qualityAssessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"FaceFeaturesAvailable"), "{checks:?}");
    assert_eq!(sim.template_count(), 0);
}

#[tokio::test]
async fn thumbnails_are_png_as_documented() {
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let image = biometric_core::base64::encode(&face_image("hal"));
    let faceless = biometric_core::base64::encode(&image_without_face());
    post(
        &running,
        &config,
        "/api/face/v1/enroll/21",
        json!([{"image": image}, {"image": faceless}]),
    )
    .await;

    let status: Value = http()
        .get(format!(
            "{}/api/face/v1/template/status/21",
            running.base_url()
        ))
        .query(&[("downloadThumbnails", "true")])
        .bearer_auth(jwt(&config, &key(&config), "BWS"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let thumbnails = status["thumbnails"].as_array().unwrap();
    assert_eq!(thumbnails.len(), 1, "only the suitable face");
    let png = biometric_core::base64::decode(thumbnails[0]["image"].as_str().unwrap()).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(png, biometric_sim::bioid::png_thumbnail("hal"));
}
