//! Firmware upload (sheet Firmware): `update/start`, `update/continuous` for every unit but the
//! last, `update/done` with the last; `POST` for a normal upgrade, `PUT` for a forced one.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::post;
use serde_json::json;

use super::Ef45Sim;
use super::upload::{UploadDigest, no_body, unit};
use super::wire::{Query, Reject, bad, json_answer, no_content};

/// What the fake knows of a firmware upload: counts and a digest, never the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FirmwareUpload {
    /// Sent with `PUT` (a forced upgrade or downgrade) rather than `POST`.
    pub forced: bool,
    /// Units received, the last (`done`) included.
    pub units: usize,
    /// Decoded bytes received.
    pub bytes: u64,
    /// The digest of the decoded bytes, in order.
    pub digest: UploadDigest,
    /// `update/done` was accepted.
    pub done: bool,
}

/// The Firmware sheet's state.
#[derive(Default)]
pub(super) struct FirmwareState {
    /// The current or last upload.
    upload: Option<FirmwareUpload>,
    /// The size of the upload's `continuous` units (all equal: "pre-defined upload buffer size").
    unit_size: Option<usize>,
    /// Uploads abandoned by a new `update/start`.
    aborted: usize,
}

/// The firmware calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/update/start", post(start).put(start))
        .route("/1.0/update/continuous", post(continuous).put(continuous))
        .route("/1.0/update/done", post(done).put(done))
}

impl Ef45Sim {
    /// The current or last firmware upload, if any was started.
    pub fn firmware_upload(&self) -> Option<FirmwareUpload> {
        self.store().firmware.upload
    }

    /// How many unfinished uploads a new `update/start` abandoned ("the previous incomplete
    /// firmware data transmission will be aborted and the firmware data will be deleted").
    pub fn firmware_aborts(&self) -> usize {
        self.store().firmware.aborted
    }
}

fn conflict(reason: &str) -> Reject {
    Reject::new(StatusCode::CONFLICT, 409, "CONFLICT", reason)
}

/// `update/start` (no body): a new upload, abandoning an unfinished one. Answers 204: the sheet
/// documents no answer.
async fn start(
    State(sim): State<Ef45Sim>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    no_body(&body, "update/start")?;
    let mut store = sim.store();
    let firmware = &mut store.firmware;
    if firmware.upload.is_some_and(|upload| !upload.done) {
        firmware.aborted += 1;
    }
    firmware.unit_size = None;
    firmware.upload = Some(FirmwareUpload {
        forced: method == Method::PUT,
        units: 0,
        bytes: 0,
        digest: UploadDigest::new(),
        done: false,
    });
    Ok(no_content())
}

/// Adds `data` to the unfinished upload started with the same method. A unit without a
/// started upload is a 409 and one sent with the other method a 400 (the fake's answers).
fn receive(sim: &Ef45Sim, method: &Method, data: &[u8], last: bool) -> Result<(), Reject> {
    let mut store = sim.store();
    let firmware = &mut store.firmware;
    let Some(upload) = firmware.upload.as_mut().filter(|upload| !upload.done) else {
        return Err(conflict("no firmware upload started: update/start first"));
    };
    if upload.forced != (*method == Method::PUT) {
        return Err(bad(
            "the upload was started with the other method (POST normal, PUT forced)",
        ));
    }
    match (firmware.unit_size, last) {
        (None, false) => firmware.unit_size = Some(data.len()),
        (Some(size), false) if size != data.len() => {
            return Err(bad(format!(
                "units are all {size} bytes (the upload buffer size), found {}",
                data.len()
            )));
        }
        (Some(size), true) if data.len() > size => {
            return Err(bad(format!(
                "the last unit is at most {size} bytes, found {}",
                data.len()
            )));
        }
        _ => {}
    }
    upload.units += 1;
    upload.bytes += data.len() as u64;
    upload.digest.update(data);
    upload.done = last;
    Ok(())
}

/// `update/continuous`: one unit (all of the same size), in order. Answers 204: the sheet
/// documents no answer.
async fn continuous(
    State(sim): State<Ef45Sim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let data = unit(&headers, &body, "update/continuous")?;
    receive(&sim, &method, &data, false)?;
    Ok(no_content())
}

/// `update/done`: the last unit (not larger than the others) -> the sheet's `{"file": "Upload
/// success"}`. The sheet: the device then checks the version and reboots to upgrade. The fake
/// does not read the bytes, but it drops the lock as a reboot would (a rebooted device knows
/// no session), like the main database's `done`.
async fn done(
    State(sim): State<Ef45Sim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let data = unit(&headers, &body, "update/done")?;
    receive(&sim, &method, &data, true)?;
    sim.store().lock = None;
    Ok(json_answer(json!({"file": "Upload success"})))
}
