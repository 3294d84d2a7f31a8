//! The BioPass ID fake on the wire, without the SDK's client: what any BioPass ID client would see.

use std::time::Duration;

use biometric_sim::biopassid::{
    BioPassIdConfig, BioPassIdSim, face_image, finger_image, image_without_face,
};
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
    reqwest::Client::new()
}

fn b64(data: &[u8]) -> String {
    biometric_core::base64::encode(data)
}

struct Fake {
    sim: BioPassIdSim,
    config: BioPassIdConfig,
    running: biometric_sim::Running,
    http: reqwest::Client,
}

impl Fake {
    async fn start() -> Fake {
        let config = BioPassIdConfig::default();
        let sim = BioPassIdSim::new(config.clone());
        let running = sim.start().await.unwrap();
        Fake {
            sim,
            config,
            running,
            http: http(),
        }
    }

    fn url(&self, call: &str) -> String {
        format!("{}/multibiometrics/{call}", self.running.base_url())
    }

    /// Sends `body` as the docs show: the key and one `Content-Type`.
    async fn send(
        &self,
        method: reqwest::Method,
        call: &str,
        content_type: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.http
            .request(method, self.url(call))
            .header("Ocp-Apim-Subscription-Key", self.config.key())
            .header("Content-Type", content_type)
            .body(serde_json::to_vec(body).unwrap())
            .send()
            .await
            .unwrap()
    }

    async fn enroll(&self, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, "enroll", "application/json", body)
            .await
    }

    async fn verify(&self, body: &Value) -> reqwest::Response {
        self.send(
            reqwest::Method::POST,
            "verify",
            "application/json-patch+json",
            body,
        )
        .await
    }
}

async fn text(response: reqwest::Response) -> (u16, String) {
    (response.status().as_u16(), response.text().await.unwrap())
}

fn ana() -> Value {
    json!({"Person": {
        "CustomID": "ana",
        "Fingers": [{"Finger-1": b64(&finger_image("ana", 1))}, {"Finger-2": b64(&finger_image("ana", 2))}],
        "Face": [{"Face-1": b64(&face_image("ana"))}]
    }})
}

#[tokio::test]
async fn the_documented_example_enrolls_and_answers_the_documented_shape() {
    let fake = Fake::start().await;
    let body = json!({"Person": {"CustomID": "1234", "Face": [{"Face-1": b64(&face_image("x"))}]}});

    let response = fake.enroll(&body).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"Person": {"ClientID": fake.config.client_id(), "CustomID": "1234", "BioPassID": "1648"}})
    );
    assert!(fake.sim.is_enrolled("1234"));
}

#[tokio::test]
async fn the_key_must_be_exact() {
    let fake = Fake::start().await;
    let body = serde_json::to_vec(&ana()).unwrap();
    let missing = fake
        .http
        .post(fake.url("enroll"))
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let wrong = fake
        .http
        .post(fake.url("enroll"))
        .header("Ocp-Apim-Subscription-Key", "not-the-key")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(wrong.status(), 401);
    assert_eq!(fake.sim.person_count(), 0);
}

#[tokio::test]
async fn misspelled_or_mistyped_bodies_are_invalid_json_format_in_plain_text() {
    let fake = Fake::start().await;
    let face = b64(&face_image("x"));
    let bad_bodies = [
        json!({"person": {"CustomID": "1", "Face": [{"Face-1": face}]}}),
        json!({"Person": {"CustomId": "1", "Face": [{"Face-1": face}]}}),
        json!({"Person": {"CustomID": 1, "Face": [{"Face-1": face}]}}),
        json!({"Person": {"CustomID": "", "Face": [{"Face-1": face}]}}),
        json!({"Person": {"CustomID": "1", "Faces": [{"Face-1": face}]}}),
        json!({"Person": {"CustomID": "1", "Face": [{"face-1": face}]}}),
        json!({"Person": {"CustomID": "1", "Face": {"Face-1": face}}}),
        json!({"Person": {"CustomID": "1", "Face": [{"Face-1": "not base64!"}]}}),
        json!({"Person": {"CustomID": "1", "Fingers": [{"Finger-11": face}]}}),
        json!({"Person": {"CustomID": "1", "Fingers": [{"Finger-1": face, "Finger-2": face}]}}),
        json!({"Person": {"CustomID": "1", "Fingers": [{"Finger-1": face}, {"Finger-1": face}]}}),
        json!({"Person": {"CustomID": "1"}}),
        json!({"Person": {"CustomID": "1", "Face": []}}),
        json!({"Person": {"CustomID": "1", "Face": [{"Face-1": face}]}, "Extra": true}),
    ];
    for body in &bad_bodies {
        let (status, text) = text(fake.enroll(body).await).await;
        assert_eq!(
            (status, text.as_str()),
            (400, "Invalid JSON format"),
            "{body}"
        );
    }
    assert_eq!(fake.sim.person_count(), 0);
}

#[tokio::test]
async fn content_types_follow_the_docs_one_header_each() {
    let fake = Fake::start().await;
    let patch = fake
        .send(
            reqwest::Method::POST,
            "enroll",
            "application/json-patch+json",
            &ana(),
        )
        .await;
    assert_eq!(
        patch.status(),
        415,
        "enroll is documented as application/json"
    );

    let mut headers = reqwest::header::HeaderMap::new();
    headers.append("content-type", "application/json".parse().unwrap());
    headers.append("content-type", "application/json".parse().unwrap());
    let two = fake
        .http
        .post(fake.url("enroll"))
        .header("Ocp-Apim-Subscription-Key", fake.config.key())
        .headers(headers)
        .body(serde_json::to_vec(&ana()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(two.status(), 415, "two Content-Type headers");

    assert_eq!(fake.enroll(&ana()).await.status(), 200);
    let plain_json = fake
        .send(reqwest::Method::POST, "verify", "application/json", &ana())
        .await;
    assert_eq!(plain_json.status(), 200);
    assert_eq!(fake.verify(&ana()).await.status(), 200);
}

#[tokio::test]
async fn verify_matches_equal_images_and_lists_fingers_not_matched() {
    let fake = Fake::start().await;
    assert_eq!(fake.enroll(&ana()).await.status(), 200);

    let face_and_one_finger = json!({"Person": {
        "CustomID": "ana",
        "Fingers": [{"Finger-1": b64(&finger_image("ana", 1))}],
        "Face": [{"Face-1": b64(&face_image("ana"))}]
    }});
    let answer: Value = fake
        .verify(&face_and_one_finger)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"Person": {"CustomID": "ana", "Match": true,
            "MatchDetails": {"FaceMatched": true, "NonMatchedFingers": ["Finger-2"]}}})
    );

    let someone_else =
        json!({"Person": {"CustomID": "ana", "Face": [{"Face-1": b64(&face_image("bob"))}]}});
    let answer: Value = fake.verify(&someone_else).await.json().await.unwrap();
    assert_eq!(answer["Person"]["Match"], false);
    assert_eq!(answer["Person"]["MatchDetails"]["FaceMatched"], false);
    assert_eq!(
        answer["Person"]["MatchDetails"]["NonMatchedFingers"],
        json!(["Finger-1", "Finger-2"])
    );
}

#[tokio::test]
async fn duplicates_unknown_ids_and_faceless_images_are_refused_in_plain_text() {
    let fake = Fake::start().await;
    assert_eq!(fake.enroll(&ana()).await.status(), 200);
    assert_eq!(
        text(fake.enroll(&ana()).await).await,
        (400, "CustomID already exists".to_owned())
    );

    let nobody =
        json!({"Person": {"CustomID": "nobody", "Face": [{"Face-1": b64(&face_image("x"))}]}});
    assert_eq!(
        text(fake.verify(&nobody).await).await,
        (404, "Person not found".to_owned())
    );

    let faceless =
        json!({"Person": {"CustomID": "zed", "Face": [{"Face-1": b64(&image_without_face())}]}});
    let response = fake.enroll(&faceless).await;
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        text(response).await,
        (400, "Failed to extract face template".to_owned())
    );
    assert!(!fake.sim.is_enrolled("zed"));
}

#[tokio::test]
async fn update_replaces_images_and_delete_takes_only_the_id() {
    let fake = Fake::start().await;
    assert_eq!(fake.enroll(&ana()).await.status(), 200);
    let new_face =
        json!({"Person": {"CustomID": "ana", "Face": [{"Face-1": b64(&face_image("ana-2026"))}]}});
    let updated: Value = fake
        .send(
            reqwest::Method::PUT,
            "update",
            "application/json",
            &new_face,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["Person"]["BioPassID"], "1648");
    assert_eq!(updated["Person"]["Success"], true);
    let answer: Value = fake.verify(&new_face).await.json().await.unwrap();
    assert_eq!(answer["Person"]["MatchDetails"]["FaceMatched"], true);

    let with_images = fake
        .send(
            reqwest::Method::DELETE,
            "delete",
            "application/json",
            &ana(),
        )
        .await;
    assert_eq!(with_images.status(), 400, "delete takes CustomID only");
    let deleted: Value = fake
        .send(
            reqwest::Method::DELETE,
            "delete",
            "application/json",
            &json!({"Person": {"CustomID": "ana"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(deleted, json!({"Person": {"CustomID": "ana"}}));
    assert_eq!(fake.sim.person_count(), 0);
    let again = fake
        .send(
            reqwest::Method::DELETE,
            "delete",
            "application/json",
            &json!({"Person": {"CustomID": "ana"}}),
        )
        .await;
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn injected_faults_answer_before_anything_happens() {
    let fake = Fake::start().await;
    fake.sim.fail_next(500, 1);
    assert_eq!(fake.enroll(&ana()).await.status(), 500);
    fake.sim.fail_next(401, 1);
    assert_eq!(fake.enroll(&ana()).await.status(), 401);
    assert_eq!(fake.sim.person_count(), 0);
    assert_eq!(fake.enroll(&ana()).await.status(), 200);
    assert_eq!(fake.sim.calls(), 3);

    fake.sim.delay_next(1, Duration::from_secs(5));
    let slow = fake
        .http
        .post(fake.url("verify"))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(slow.is_timeout(), "{slow}");
}
