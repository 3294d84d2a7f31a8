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
    let _ = rustls::crypto::ring::default_provider().install_default();
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
