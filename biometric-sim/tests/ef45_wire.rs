//! The EF-45 fake on the wire, without the SDK's client: what any EF-45 client would see.
//! Bodies and URLs are the sheets' examples where the sheets give one.

use std::time::Duration;

use biometric_sim::ef45::{Ef45Config, Ef45Sim};
use reqwest::Method;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

struct Fake {
    sim: Ef45Sim,
    running: biometric_sim::Running,
    http: reqwest::Client,
}

/// An answer: status, the `x-sim-reason` header and the body as JSON (`Null` when empty).
#[derive(Debug)]
struct Answer {
    status: u16,
    reason: String,
    body: Value,
}

impl Fake {
    async fn start() -> Fake {
        Fake::with(Ef45Config::default()).await
    }

    async fn with(config: Ef45Config) -> Fake {
        let sim = Ef45Sim::new(config);
        let running = sim.start().await.unwrap();
        Fake {
            sim,
            running,
            http: http(),
        }
    }

    /// `/1.0/<path>` as written (the caller puts the query in).
    fn url(&self, path: &str) -> String {
        format!("{}/1.0/{path}", self.running.base_url())
    }

    async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let reason = response
            .headers()
            .get("x-sim-reason")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Answer {
            status,
            reason,
            body,
        }
    }

    /// A call with a JSON body sent as `application/json`.
    async fn json(&self, method: Method, path: &str, body: &Value) -> Answer {
        self.raw(
            self.http
                .request(method, self.url(path))
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    async fn bare(&self, method: Method, path: &str) -> Answer {
        self.raw(self.http.request(method, self.url(path))).await
    }

    /// `POST lock` without a body (the factory credentials), returning the `lock_uid`.
    async fn lock(&self) -> String {
        let answer = self.bare(Method::POST, "lock").await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["lock_uid"].as_str().unwrap().to_owned()
    }
}

fn is_uid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn assert_stale(answer: &Answer) {
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"})
    );
}

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
