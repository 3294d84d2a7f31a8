//! A fake BioPass ID Multibiometrics, written from `multibiometrics-enroll.txt` and BioPass ID's
//! notes (hosts, key header, the sibling calls, error shapes).
//!
//! # What it checks, from the documentation, and where it goes further
//!
//! The documentation names the key header, the content type, the body keys and one error text
//! ("Invalid JSON format" when no image is sent). The fake's own choices, stricter on purpose so
//! that a client bug fails a test: a wrong content type answers 415, unknown or extra keys
//! answer the same "Invalid JSON format", and an update answers the message `Person updated`.
//!
//! - Every call needs `Ocp-Apim-Subscription-Key` with exactly the configured key (401 otherwise).
//! - Exactly one `Content-Type`: `application/json` (the documented header) for enroll, update and
//!   delete; verify also accepts `application/json-patch+json`, which its examples send
//!   (415 otherwise).
//! - The body is `{"Person": {...}}` and nothing else; in `Person` only `CustomID` (a non-empty
//!   string), `Fingers` (an array of one-key objects `{"Finger-N": base64}`, N from 1 to 10, each
//!   finger once) and `Face` (an array of one-key objects `{"Face-N": base64}`), spelled exactly;
//!   delete takes `CustomID` only. Base64 must decode to a non-empty image. At least one face or
//!   finger image is needed. Any breach answers 400 with the plain text `Invalid JSON format`
//!   (the one error text the documentation gives for a bad body); the fake adds an
//!   `x-sim-reason` header naming the breach, to help whoever reads a failing test.
//!
//! # What it answers, and the synthetic rule
//!
//! No recognition runs here. A face image is usable when it is a JPEG or PNG (by its first bytes)
//! without the ASCII marker `NOFACE;`; otherwise the answer is 400 with the plain text
//! `Failed to extract face template`, as documented. Images match when they show the same person
//! (the same face, or the same finger), read from the markers every fake shares
//! ([`crate::person`]); images without a marker match when their bytes are equal.
//! [`face_image`], [`finger_image`] and [`image_without_face`] build small JPEGs for this.
//!
//! - enroll: `{"Person": {"ClientID", "CustomID", "BioPassID"}}`, as in the documented example.
//! - update: the same, plus `Success` and `Message` (which the notes say answers may carry);
//!   the faces sent replace the stored faces, each finger sent replaces that finger.
//! - verify: `Match` is true when something was sent and every face and finger sent equals the
//!   enrolled one; `FaceMatched` says whether a face was sent and matched; `NonMatchedFingers`
//!   lists, as `Finger-N`, every enrolled finger not sent or not equal and every finger sent that
//!   was not enrolled (the notes: "fingers not sent in verify are listed").
//! - delete: `{"Person": {"CustomID"}}`.
//!
//! Where the documentation is silent the fake picks an answer and says so: a `CustomID` already
//! enrolled is refused with 400 `CustomID already exists` (the web SDK's
//! `enroll/customid_already_exists`; the service's wording is not documented); an unknown
//! `CustomID` on update, verify or delete is 404 `Person not found`; a missing or wrong key is
//! 401 with a plain-text body; these texts are the fake's own.
//!
//! # Fault injection
//!
//! [`BioPassIdSim::fail_next`] makes the next calls answer a status (401, 500...);
//! [`BioPassIdSim::delay_next`] makes them answer late; [`BioPassIdSim::calls`] counts the
//! requests that arrived, so that tests can tell a retry from a single send.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use serde_json::{Map, Value, json};

use crate::person::{Person, same_subject};
use crate::server::{Running, loopback, serve};

/// The fake's account: the subscription key clients must send and the `ClientID` it answers.
#[derive(Clone)]
pub struct BioPassIdConfig {
    key: String,
    client_id: String,
}

impl BioPassIdConfig {
    /// A fake accepting `key`, answering `client_id` as `ClientID`.
    pub fn new(key: impl Into<String>, client_id: impl Into<String>) -> Self {
        BioPassIdConfig {
            key: key.into(),
            client_id: client_id.into(),
        }
    }

    /// The subscription key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The `ClientID` in answers.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl Default for BioPassIdConfig {
    /// The key `sim-biopassid-key-please-change`, client `1628692218558x176807293303153250`
    /// (the documented example's).
    fn default() -> Self {
        BioPassIdConfig::new(
            "sim-biopassid-key-please-change",
            "1628692218558x176807293303153250",
        )
    }
}

impl std::fmt::Debug for BioPassIdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BioPassIdConfig")
            .field("key", &"[REDACTED]")
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// An enrolled person.
struct Record {
    biopass_id: u64,
    faces: Vec<Vec<u8>>,
    fingers: BTreeMap<u8, Vec<u8>>,
}

#[derive(Default)]
struct Store {
    people: BTreeMap<String, Record>,
    next_id: u64,
    fail: Vec<StatusCode>,
    delay: Option<(usize, Duration)>,
    calls: usize,
}

/// The fake service and its state. Clones share the state.
#[derive(Clone)]
pub struct BioPassIdSim {
    config: Arc<BioPassIdConfig>,
    store: Arc<Mutex<Store>>,
}

impl std::fmt::Debug for BioPassIdSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BioPassIdSim")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl BioPassIdSim {
    /// A fake with nobody enrolled.
    pub fn new(config: BioPassIdConfig) -> Self {
        BioPassIdSim {
            config: Arc::new(config),
            store: Arc::new(Mutex::new(Store {
                next_id: 1648,
                ..Store::default()
            })),
        }
    }

    /// Serves the fake on a free loopback port.
    pub async fn start(&self) -> std::io::Result<Running> {
        serve(self.router(), loopback()).await
    }

    /// The fake's routes, to serve or to merge into a bigger router.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/multibiometrics/enroll", post(enroll))
            .route("/multibiometrics/update", put(update))
            .route("/multibiometrics/verify", post(verify))
            .route("/multibiometrics/delete", delete(remove))
            .route_layer(middleware::from_fn_with_state(self.clone(), guard))
            // No limit is documented; the fake takes what any reasonable client sends.
            .layer(axum::extract::DefaultBodyLimit::max(50 * 1000 * 1000))
            .with_state(self.clone())
    }

    /// The next `count` calls answer `status` (401 with a plain-text refusal, anything else
    /// with its reason phrase), before any other check and without acting.
    pub fn fail_next(&self, status: u16, count: usize) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        let mut store = self.store();
        store.fail.clear();
        store.fail.extend(std::iter::repeat_n(status, count));
    }

    /// The next `count` calls wait `delay` before being handled.
    pub fn delay_next(&self, count: usize, delay: Duration) {
        self.store().delay = Some((count, delay));
    }

    /// How many requests reached the fake's routes.
    pub fn calls(&self) -> usize {
        self.store().calls
    }

    /// How many people are enrolled.
    pub fn person_count(&self) -> usize {
        self.store().people.len()
    }

    /// Whether `custom_id` is enrolled.
    pub fn is_enrolled(&self, custom_id: &str) -> bool {
        self.store().people.contains_key(custom_id)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock would be a bug in this fake; keep serving anyway.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic images

/// A live face of `person` ([`Person::face`](crate::person::Person::face)): the same image
/// the other fakes take.
pub fn face_image(person: &str) -> Vec<u8> {
    Person::new(person).face()
}

/// Finger `finger` of `person` ([`Person::finger`](crate::person::Person::finger)).
pub fn finger_image(person: &str, finger: u8) -> Vec<u8> {
    Person::new(person).finger(finger)
}

pub use crate::person::image_without_face;

fn face_template_extractable(image: &[u8]) -> bool {
    let jpeg = image.starts_with(&[0xFF, 0xD8, 0xFF]);
    let png = image.starts_with(b"\x89PNG\r\n\x1a\n");
    (jpeg || png) && !image.windows(7).any(|w| w == b"NOFACE;")
}

// ---------------------------------------------------------------------------------------------
// Plumbing: faults, key, errors

async fn guard(State(sim): State<BioPassIdSim>, request: Request, next: Next) -> Response {
    let (delay, fail) = {
        let mut store = sim.store();
        store.calls += 1;
        let delay = match &mut store.delay {
            Some((count, delay)) if *count > 0 => {
                *count -= 1;
                Some(*delay)
            }
            _ => None,
        };
        let fail = (!store.fail.is_empty()).then(|| store.fail.remove(0));
        (delay, fail)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = fail {
        return plain(status, status.canonical_reason().unwrap_or("error"));
    }
    let keys: Vec<_> = request
        .headers()
        .get_all("ocp-apim-subscription-key")
        .iter()
        .collect();
    if keys.len() != 1 || keys[0].as_bytes() != sim.config.key.as_bytes() {
        return plain(
            StatusCode::UNAUTHORIZED,
            "Access denied: missing or invalid subscription key",
        );
    }
    next.run(request).await
}

/// A plain-text answer (BioPass ID errors may be plain text).
fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// A refusal: a status, its plain-text body and, for malformed bodies, the fake's reason.
struct Reject {
    status: StatusCode,
    text: &'static str,
    reason: Option<String>,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let mut response = plain(self.status, self.text);
        if let Some(reason) = self
            .reason
            .and_then(|r| axum::http::HeaderValue::from_str(&r).ok())
        {
            response.headers_mut().insert("x-sim-reason", reason);
        }
        response
    }
}

/// 400 `Invalid JSON format`, with why.
fn invalid(reason: impl Into<String>) -> Reject {
    Reject {
        status: StatusCode::BAD_REQUEST,
        text: "Invalid JSON format",
        reason: Some(reason.into()),
    }
}

fn not_found() -> Reject {
    Reject {
        status: StatusCode::NOT_FOUND,
        text: "Person not found",
        reason: None,
    }
}

fn check_content_type(headers: &HeaderMap, allowed: &[&str]) -> Result<(), Reject> {
    let values: Vec<_> = headers.get_all(header::CONTENT_TYPE).iter().collect();
    let media = match values.as_slice() {
        [one] => one
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
        _ => String::new(),
    };
    if allowed.contains(&media.as_str()) {
        Ok(())
    } else {
        Err(Reject {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            text: "Unsupported Media Type",
            reason: Some(format!(
                "expected exactly one Content-Type of {allowed:?}, found {} header(s)",
                values.len()
            )),
        })
    }
}

/// A `Person` as sent.
struct Sent {
    custom_id: String,
    faces: Vec<Vec<u8>>,
    fingers: BTreeMap<u8, Vec<u8>>,
}

/// Reads `{"Person": {...}}` strictly. `images`: whether `Fingers`/`Face` are allowed (and one
/// of them required).
fn parse_person(body: &Bytes, images: bool) -> Result<Sent, Reject> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let top = object(&value, "the body")?;
    if top.len() != 1 {
        return Err(invalid("the body must hold exactly the key Person"));
    }
    let person = object(
        top.get("Person")
            .ok_or_else(|| invalid("the body must hold exactly the key Person"))?,
        "Person",
    )?;
    let allowed: &[&str] = if images {
        &["CustomID", "Fingers", "Face"]
    } else {
        &["CustomID"]
    };
    if let Some(key) = person.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(format!("unknown key Person.{key}")));
    }
    let custom_id = match person.get("CustomID") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => return Err(invalid("Person.CustomID must be a non-empty string")),
    };
    let mut fingers = BTreeMap::new();
    for (i, item) in array(person, "Fingers")?.iter().enumerate() {
        let (key, bytes) = keyed_image(item, &format!("Fingers[{i}]"))?;
        let finger = key
            .strip_prefix("Finger-")
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=10).contains(n) && key == format!("Finger-{n}"))
            .ok_or_else(|| invalid(format!("Fingers[{i}]: {key} is not Finger-1..Finger-10")))?;
        if fingers.insert(finger, bytes).is_some() {
            return Err(invalid(format!("Fingers: {key} given twice")));
        }
    }
    let mut faces = Vec::new();
    let mut face_keys = Vec::new();
    for (i, item) in array(person, "Face")?.iter().enumerate() {
        let (key, bytes) = keyed_image(item, &format!("Face[{i}]"))?;
        let valid = key
            .strip_prefix("Face-")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n >= 1 && key == format!("Face-{n}"));
        if !valid || face_keys.contains(&key) {
            return Err(invalid(format!("Face[{i}]: {key} is not a new Face-N key")));
        }
        face_keys.push(key);
        faces.push(bytes);
    }
    if images && faces.is_empty() && fingers.is_empty() {
        return Err(invalid("at least one face or finger image is required"));
    }
    Ok(Sent {
        custom_id,
        faces,
        fingers,
    })
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Reject> {
    value
        .as_object()
        .ok_or_else(|| invalid(format!("{what} must be an object")))
}

fn array<'a>(person: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], Reject> {
    match person.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(format!("Person.{key} must be an array"))),
    }
}

/// `{"<key>": "<base64>"}` into the key and the decoded bytes.
fn keyed_image(item: &Value, at: &str) -> Result<(String, Vec<u8>), Reject> {
    let map = object(item, at)?;
    let Some((key, Value::String(text))) = map.iter().next().filter(|_| map.len() == 1) else {
        return Err(invalid(format!(
            "{at} must be one key with a base64 string"
        )));
    };
    // Strict standard base64 (the core's codec is lenient with whitespace and data: URLs).
    let strict = !text.is_empty()
        && text.len() % 4 == 0
        && !text.starts_with("data:")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    let bytes = strict
        .then(|| biometric_core::base64::decode(text).ok())
        .flatten()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            invalid(format!(
                "{at}.{key} is not a non-empty standard base64 image"
            ))
        })?;
    Ok((key.clone(), bytes))
}

fn check_faces(sent: &Sent) -> Result<(), Reject> {
    if sent.faces.iter().all(|f| face_template_extractable(f)) {
        Ok(())
    } else {
        Err(Reject {
            status: StatusCode::BAD_REQUEST,
            text: "Failed to extract face template",
            reason: None,
        })
    }
}

fn person_answer(sim: &BioPassIdSim, custom_id: &str, biopass_id: u64) -> Value {
    json!({"Person": {
        "ClientID": sim.config.client_id,
        "CustomID": custom_id,
        "BioPassID": biopass_id.to_string()
    }})
}

// ---------------------------------------------------------------------------------------------
// Handlers

const JSON: &[&str] = &["application/json"];

async fn enroll(
    State(sim): State<BioPassIdSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    check_content_type(&headers, JSON)?;
    let sent = parse_person(&body, true)?;
    check_faces(&sent)?;
    let mut store = sim.store();
    if store.people.contains_key(&sent.custom_id) {
        return Err(Reject {
            status: StatusCode::BAD_REQUEST,
            text: "CustomID already exists",
            reason: None,
        });
    }
    let biopass_id = store.next_id;
    store.next_id += 1;
    store.people.insert(
        sent.custom_id.clone(),
        Record {
            biopass_id,
            faces: sent.faces,
            fingers: sent.fingers,
        },
    );
    Ok(axum::Json(person_answer(&sim, &sent.custom_id, biopass_id)).into_response())
}

async fn update(
    State(sim): State<BioPassIdSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    check_content_type(&headers, JSON)?;
    let sent = parse_person(&body, true)?;
    check_faces(&sent)?;
    let mut store = sim.store();
    let record = store
        .people
        .get_mut(&sent.custom_id)
        .ok_or_else(not_found)?;
    if !sent.faces.is_empty() {
        record.faces = sent.faces;
    }
    record.fingers.extend(sent.fingers);
    let mut answer = person_answer(&sim, &sent.custom_id, record.biopass_id);
    answer["Person"]["Success"] = json!(true);
    answer["Person"]["Message"] = json!("Person updated");
    Ok(axum::Json(answer).into_response())
}

async fn verify(
    State(sim): State<BioPassIdSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    check_content_type(
        &headers,
        &["application/json", "application/json-patch+json"],
    )?;
    let sent = parse_person(&body, true)?;
    check_faces(&sent)?;
    let store = sim.store();
    let record = store.people.get(&sent.custom_id).ok_or_else(not_found)?;
    let faces_match = sent
        .faces
        .iter()
        .all(|f| record.faces.iter().any(|stored| same_subject(f, stored)));
    let face_matched = !sent.faces.is_empty() && faces_match;
    let mut non_matched: Vec<u8> = record
        .fingers
        .iter()
        .filter(|(n, stored)| {
            !sent
                .fingers
                .get(n)
                .is_some_and(|image| same_subject(image, stored))
        })
        .map(|(n, _)| *n)
        .collect();
    non_matched.extend(
        sent.fingers
            .keys()
            .filter(|n| !record.fingers.contains_key(n)),
    );
    non_matched.sort_unstable();
    let fingers_match = sent.fingers.iter().all(|(n, image)| {
        record
            .fingers
            .get(n)
            .is_some_and(|stored| same_subject(image, stored))
    });
    let matched = faces_match && fingers_match;
    let non_matched: Vec<String> = non_matched.iter().map(|n| format!("Finger-{n}")).collect();
    Ok(axum::Json(json!({"Person": {
        "CustomID": sent.custom_id,
        "Match": matched,
        "MatchDetails": {"FaceMatched": face_matched, "NonMatchedFingers": non_matched}
    }}))
    .into_response())
}

async fn remove(
    State(sim): State<BioPassIdSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    check_content_type(&headers, JSON)?;
    let sent = parse_person(&body, false)?;
    sim.store()
        .people
        .remove(&sent.custom_id)
        .ok_or_else(not_found)?;
    Ok(axum::Json(json!({"Person": {"CustomID": sent.custom_id}})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_images_follow_the_documented_rule() {
        assert!(face_template_extractable(&face_image("ana")));
        assert!(face_template_extractable(&finger_image("ana", 1)));
        assert!(!face_template_extractable(&image_without_face()));
        assert!(!face_template_extractable(b"GIF89a"));
        assert_ne!(finger_image("ana", 1), finger_image("ana", 2));
    }
}
