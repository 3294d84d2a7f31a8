//! The EF-45 fake started on loopback and raw requests to it, shared by the EF-45 wire tests.
// Each test file uses a different part of these helpers.
#![allow(dead_code)]

use biometric_sim::ef45::{Ef45Config, Ef45Sim};
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
    reqwest::Client::new()
}

pub(crate) struct Fake {
    pub(crate) sim: Ef45Sim,
    pub(crate) running: biometric_sim::Running,
    pub(crate) http: reqwest::Client,
}

/// An answer: status, the `x-sim-reason` header and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) body: Value,
}

impl Fake {
    pub(crate) async fn start() -> Fake {
        Fake::with(Ef45Config::default()).await
    }

    pub(crate) async fn with(config: Ef45Config) -> Fake {
        let sim = Ef45Sim::new(config);
        let running = sim.start().await.unwrap();
        Fake {
            sim,
            running,
            http: http(),
        }
    }

    /// `/1.0/<path>` as written (the caller puts the query in).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/1.0/{path}", self.running.base_url())
    }

    pub(crate) async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
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
    pub(crate) async fn json(&self, method: Method, path: &str, body: &Value) -> Answer {
        self.raw(
            self.http
                .request(method, self.url(path))
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    pub(crate) async fn bare(&self, method: Method, path: &str) -> Answer {
        self.raw(self.http.request(method, self.url(path))).await
    }

    /// `POST lock` without a body (the factory credentials), returning the `lock_uid`.
    pub(crate) async fn lock(&self) -> String {
        let answer = self.bare(Method::POST, "lock").await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["lock_uid"].as_str().unwrap().to_owned()
    }
}

pub(crate) fn is_uid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn assert_stale(answer: &Answer) {
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"})
    );
}

/// `path` with `lock_uid=<uid>` added to its query.
pub(crate) fn locked(path: &str, uid: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}lock_uid={uid}")
}
