//! The session (sheet Common): lock, take-over, unlock, version, password change, and the
//! middleware that refuses a call without the current `lock_uid`.

use std::hash::BuildHasher;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::json;

use super::wire::{
    Kind, Query, Reject, check_fields, is_uid, json_object, no_content, required_string, stale,
};
use super::{Ef45Sim, FACTORY_ID, FACTORY_PASSWORD, Store};

/// The calls that need no `lock_uid`.
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/lock", post(lock_open).put(lock_take_over))
        .route(
            "/1.0/lock/chpasswd",
            post(change_password).put(force_change_password),
        )
        .route("/1.0/lock/{lock_uid}", delete(unlock))
        .route("/1.0/version", get(version))
}

/// The session calls that need the lock: none (the sheet's URL for both password changes has
/// no `lock_uid`).
pub(super) fn locked_routes() -> Router<Ef45Sim> {
    Router::new()
}

impl Store {
    /// A fresh `lock_uid` in the device's 8-4-4-4-12 form (time-based like the sheets' examples,
    /// unpredictable across fakes).
    pub(super) fn new_uid(&mut self) -> String {
        self.uid_counter += 1;
        let a = self.uid_keys.hash_one(self.uid_counter);
        let b = self.uid_keys.hash_one(!self.uid_counter);
        format!(
            "{:08x}-{:04x}-11e8-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            0x8000 | (b & 0x3fff),
            (b >> 16) & 0xffff_ffff_ffff
        )
    }
}

pub(super) async fn require_lock(
    State(sim): State<Ef45Sim>,
    request: Request,
    next: Next,
) -> Response {
    let sent = request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "lock_uid")
            .map(|(_, value)| value.into_owned())
    });
    {
        let mut store = sim.store();
        let current = store.lock.clone();
        match (sent, current) {
            (Some(sent), Some(current)) if sent == current => {
                if store.stale.strikes(request.uri().path()) {
                    store.lock = None;
                    store.stats.stale_refusals += 1;
                    return store.stale.refusal();
                }
            }
            (sent, _) => {
                store.stats.stale_refusals += 1;
                let why = match sent {
                    None => "no lock_uid query parameter",
                    Some(s) if !is_uid(&s) => "lock_uid is not 8-4-4-4-12 hex",
                    Some(_) => "lock_uid is not the current lock",
                };
                return stale(why).into_response();
            }
        }
    }
    next.run(request).await
}

fn wrong_credentials() -> Reject {
    Reject::new(
        StatusCode::BAD_REQUEST,
        400,
        "Wrong ID or password",
        "wrong id or passwd",
    )
}
// ---------------------------------------------------------------------------------------------
// Session (sheet Common)

const LOCK_BODY: &[(&str, Kind)] = &[("id", Kind::Str), ("passwd", Kind::Str)];

/// Checks the optional `{"id", "passwd"}` body (none = the factory credentials).
fn check_credentials(sim: &Ef45Sim, headers: &HeaderMap, body: &Bytes) -> Result<(), Reject> {
    let (id, passwd) = if body.is_empty() {
        (FACTORY_ID.to_owned(), FACTORY_PASSWORD.to_owned())
    } else {
        let map = json_object(headers, body)?;
        check_fields(&map, LOCK_BODY, "lock")?;
        let id = required_string(&map, "id", "lock")?.to_owned();
        let passwd = required_string(&map, "passwd", "lock")?.to_owned();
        (id, passwd)
    };
    let store = sim.store();
    if id == sim.config.id && passwd == store.password {
        Ok(())
    } else {
        Err(wrong_credentials())
    }
}

async fn lock_open(State(sim): State<Ef45Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reject) = check_credentials(&sim, &headers, &body) {
        return reject.into_response();
    }
    let mut store = sim.store();
    if store.lock.is_some() {
        return Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "INTERNAL_SERVER_ERROR",
            "another lock is current: take it over with PUT lock",
        )
        .into_response();
    }
    let uid = store.new_uid();
    store.lock = Some(uid.clone());
    store.stats.locks += 1;
    axum::Json(json!({"lock_uid": uid})).into_response()
}

async fn lock_take_over(State(sim): State<Ef45Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reject) = check_credentials(&sim, &headers, &body) {
        return reject.into_response();
    }
    let mut store = sim.store();
    let uid = store.new_uid();
    store.lock = Some(uid.clone());
    store.stats.takeovers += 1;
    axum::Json(json!({"lock_uid": uid})).into_response()
}

async fn unlock(State(sim): State<Ef45Sim>, Path(uid): Path<String>) -> Response {
    let mut store = sim.store();
    if store.lock.as_deref() == Some(uid.as_str()) {
        store.lock = None;
        store.stats.unlocks += 1;
        no_content()
    } else {
        store.stats.stale_refusals += 1;
        stale("lock_uid in the path is not the current lock").into_response()
    }
}

async fn version(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(axum::Json(json!({"version": sim.config.version})).into_response())
}

const CHPASSWD_BODY: &[(&str, Kind)] = &[
    ("id", Kind::Str),
    ("current passwd", Kind::Str),
    ("new passwd", Kind::Str),
];

async fn change_password(
    State(sim): State<Ef45Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let map = json_object(&headers, &body)?;
    check_fields(&map, CHPASSWD_BODY, "chpasswd")?;
    let id = required_string(&map, "id", "chpasswd")?;
    let current = required_string(&map, "current passwd", "chpasswd")?;
    let new = required_string(&map, "new passwd", "chpasswd")?;
    let mut store = sim.store();
    if id != sim.config.id || current != store.password {
        return Err(wrong_credentials());
    }
    store.password = new.to_owned();
    Ok(no_content())
}

/// `PUT lock/chpasswd` ("Change password by force"), the same body as `POST`. The sheet does not
/// say what "by force" skips; the fake's reading: the current password is not compared (the key
/// must still be sent, as the shared table marks it required), only `id` must be the device's.
/// Like `POST`, its URL has no `lock_uid` and none is required: the sheet shows none, and the
/// fake does not invent one. Answers 204 like `POST`.
async fn force_change_password(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    check_fields(&map, CHPASSWD_BODY, "chpasswd")?;
    let id = required_string(&map, "id", "chpasswd")?;
    required_string(&map, "current passwd", "chpasswd")?;
    let new = required_string(&map, "new passwd", "chpasswd")?;
    if id != sim.config.id {
        return Err(wrong_credentials());
    }
    sim.store().password = new.to_owned();
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ef45::Ef45Config;

    #[test]
    fn lock_uids_have_the_documented_form_and_differ() {
        let sim = Ef45Sim::new(Ef45Config::default());
        let mut store = sim.store();
        let a = store.new_uid();
        let b = store.new_uid();
        assert!(is_uid(&a), "{a}");
        assert!(is_uid(&b), "{b}");
        assert_ne!(a, b);
        assert!(!is_uid("13dbb896-ed1e-11e6-9822-503f9800010"));
        assert!(is_uid("13dbb896-ed1e-11e6-9822-503f98000109"));
    }
}
