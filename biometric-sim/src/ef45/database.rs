//! The device's databases (sheets Database and Database (eyelock)): size, download whole or in
//! 10 MiB parts, upload in base64 units. The downloads are generated while they are sent,
//! never held; the uploads are kept as counts and a digest.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::upload::{UploadDigest, no_body, unit};
use super::wire::{Query, Reject, bad, json_answer, no_content, unknown_path};
use super::{Ef45Sim, synthetic};

/// Which database a call is about: the device's (sheet Database) or one of the EyeLock files
/// (sheet Database (eyelock), the path's last segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DatabaseTarget {
    /// The device database (`database`, `database/size`...).
    Main,
    /// `EyeLockFull`: "the complete database file".
    EyeLockFull,
    /// `EyeLockPart`: "the partial/incremental database file".
    EyeLockPart,
}

impl DatabaseTarget {
    fn index(self) -> usize {
        match self {
            DatabaseTarget::Main => 0,
            DatabaseTarget::EyeLockFull => 1,
            DatabaseTarget::EyeLockPart => 2,
        }
    }

    fn parse(segment: &str) -> Option<DatabaseTarget> {
        match segment {
            "EyeLockFull" => Some(DatabaseTarget::EyeLockFull),
            "EyeLockPart" => Some(DatabaseTarget::EyeLockPart),
            _ => None,
        }
    }
}

/// A database's size unless [`Ef45Sim::set_database_size`] says otherwise: 19 456 bytes, the
/// Download example's `size`.
pub const DEFAULT_DATABASE_BYTES: u64 = 19_456;

/// The size of a Multipart Download part: "pre-defined as 10MB", 10 485 760 bytes as the
/// sheet's example part says.
pub const PART_BYTES: u64 = 10 * 1024 * 1024;

/// The first bytes of every generated database: SQLite's header, as the sheets' example
/// (`U1FMaXRlIGZvcm1hdCAzAAQA`, "SQLite format 3\0" and two bytes) begins.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The bytes of the generated database `target` from `offset` (the same for every fake: a test
/// compares a download with them). Not a usable SQLite file past its header.
pub fn database_bytes(target: DatabaseTarget, offset: u64, len: usize) -> Vec<u8> {
    let seed = 0xDA7A_BA5E ^ target.index() as u64;
    (offset..offset + len as u64)
        .map(|at| match usize::try_from(at) {
            Ok(i) if i < SQLITE_HEADER.len() => SQLITE_HEADER[i],
            _ => synthetic::byte_at(seed, at),
        })
        .collect()
}

/// What the fake knows of a database upload: counts and a digest, never the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatabaseUpload {
    /// Chunks received, the last (`done`) included.
    pub chunks: usize,
    /// Decoded bytes received.
    pub bytes: u64,
    /// The digest of the decoded bytes, in order.
    pub digest: UploadDigest,
    /// `done` was accepted (its total matched).
    pub done: bool,
}

/// One database's state.
struct Database {
    size: u64,
    /// The last part index served, for the order check.
    last_part: Option<u64>,
    upload: Option<DatabaseUpload>,
}

/// The Database sheets' state, one per [`DatabaseTarget`].
pub(super) struct Databases([Database; 3]);

impl Default for Databases {
    fn default() -> Self {
        Databases(std::array::from_fn(|_| Database {
            size: DEFAULT_DATABASE_BYTES,
            last_part: None,
            upload: None,
        }))
    }
}

impl Databases {
    fn of(&mut self, target: DatabaseTarget) -> &mut Database {
        &mut self.0[target.index()]
    }
}

/// The database calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/database/size", get(size_main))
        .route("/1.0/database/size/{target}", get(size_of))
        .route("/1.0/database", get(download_main))
        .route("/1.0/database/{target}", get(download_of))
        .route("/1.0/database/partial/{index}", get(part_main))
        .route("/1.0/database/partial/{index}/{target}", get(part_of))
        .route("/1.0/database/start", post(start_main))
        .route("/1.0/database/start/{target}", post(start_of))
        .route("/1.0/database/continuous/{size}", post(chunk_main))
        .route("/1.0/database/continuous/{size}/{target}", post(chunk_of))
        .route("/1.0/database/done/{size}/{total}", post(done_main))
        .route("/1.0/database/done/{size}/{total}/{target}", post(done_of))
}

impl Ef45Sim {
    /// The size of the database `target` serves (the download is generated to this size:
    /// [`database_bytes`]).
    pub fn set_database_size(&self, target: DatabaseTarget, bytes: u64) {
        self.store().databases.of(target).size = bytes;
    }

    /// The current or last upload to `target`, if one was started.
    pub fn database_upload(&self, target: DatabaseTarget) -> Option<DatabaseUpload> {
        self.store().databases.of(target).upload
    }
}

fn target(segment: &str) -> Result<DatabaseTarget, Reject> {
    DatabaseTarget::parse(segment)
        .ok_or_else(|| bad(format!("{segment:?} is not EyeLockFull or EyeLockPart")))
}

// ---------------------------------------------------------------------------------------------
// Size and downloads

/// `GET database/size[/{target}]`: `{"size": bytes, "status": "", "file": ""}`, as the sheet's
/// example (`{"size":44915712,"status":"""file":""}`, a quote lost) shows.
fn size(sim: &Ef45Sim, target: DatabaseTarget, uri: &Uri) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let size = sim.store().databases.of(target).size;
    Ok(json_answer(json!({"size": size, "status": "", "file": ""})))
}

async fn size_main(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    size(&sim, DatabaseTarget::Main, &uri)
}

async fn size_of(
    State(sim): State<Ef45Sim>,
    Path(segment): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    size(&sim, target(&segment)?, &uri)
}

/// Raw bytes per generated base64 piece (a multiple of 3, so that the pieces concatenate into
/// one base64 text).
const PIECE: u64 = 3 * 16 * 1024;

/// A JSON answer `{head}<base64 of the generated bytes [from, to)>{tail}`, generated while it
/// is sent.
fn streamed(target: DatabaseTarget, from: u64, to: u64, head: String, tail: String) -> Response {
    let pieces = (from..to).step_by(PIECE as usize).map(move |start| {
        let len = usize::try_from(PIECE.min(to - start)).unwrap_or_default();
        let text = biometric_core::base64::encode(&database_bytes(target, start, len));
        Ok::<Bytes, std::convert::Infallible>(Bytes::from(text))
    });
    let parts = std::iter::once(Ok(Bytes::from(head)))
        .chain(pieces)
        .chain(std::iter::once(Ok(Bytes::from(tail))));
    let mut response = Body::from_stream(futures_util::stream::iter(parts)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `GET database[/{target}]`: `{"file": base64, "size": bytes}`, the whole database, streamed.
fn download(sim: &Ef45Sim, target: DatabaseTarget, uri: &Uri) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let size = sim.store().databases.of(target).size;
    Ok(streamed(
        target,
        0,
        size,
        "{\"file\":\"".into(),
        format!("\",\"size\":{size}}}"),
    ))
}

async fn download_main(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    download(&sim, DatabaseTarget::Main, &uri)
}

/// `GET database/{target}`; another last segment is an unknown path (404).
async fn download_of(
    State(sim): State<Ef45Sim>,
    Path(segment): Path<String>,
    uri: Uri,
) -> Response {
    match DatabaseTarget::parse(&segment) {
        Some(target) => download(&sim, target, &uri).into_response(),
        None => unknown_path().await.into_response(),
    }
}

/// `GET database/partial/{index}[/{target}]`: part `index` of [`PART_BYTES`], `{"size": part
/// bytes, "status", "file": base64}` in the example's key order. Status: `start` at index 0,
/// `continuous` after, `done` for the last part. **Fake's readings:** a database of one part
/// answers `done` at index 0 (the sheet's three statuses assume several parts); parts are asked
/// from 0, each index once more (a retry) or the next one (409 otherwise), and an index past
/// the last part is a 400.
fn part(sim: &Ef45Sim, target: DatabaseTarget, index: &str, uri: &Uri) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let index: u64 = index
        .parse()
        .map_err(|_| bad(format!("part index {index:?} is not a whole number")))?;
    let mut store = sim.store();
    let database = store.databases.of(target);
    let parts = database.size.div_ceil(PART_BYTES).max(1);
    if index >= parts {
        return Err(bad(format!("part {index} does not exist ({parts} parts)")));
    }
    let in_order = index == 0
        || database
            .last_part
            .is_some_and(|last| index == last || index == last + 1);
    if !in_order {
        return Err(Reject::new(
            StatusCode::CONFLICT,
            409,
            "CONFLICT",
            "parts are asked from 0, one after the other",
        ));
    }
    database.last_part = Some(index);
    let from = index * PART_BYTES;
    let to = database.size.min(from + PART_BYTES);
    let status = if index + 1 == parts {
        "done"
    } else if index == 0 {
        "start"
    } else {
        "continuous"
    };
    Ok(streamed(
        target,
        from,
        to,
        format!(
            "{{\"size\":{},\"status\":\"{status}\",\"file\":\"",
            to - from
        ),
        "\"}".into(),
    ))
}

async fn part_main(
    State(sim): State<Ef45Sim>,
    Path(index): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    part(&sim, DatabaseTarget::Main, &index, &uri)
}

async fn part_of(
    State(sim): State<Ef45Sim>,
    Path((index, segment)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    part(&sim, target(&segment)?, &index, &uri)
}

// ---------------------------------------------------------------------------------------------
// Upload

/// `POST database/start[/{target}]` (no body): a new upload, abandoning an unfinished one.
/// Answers 204 (not documented).
fn start(
    sim: &Ef45Sim,
    target: DatabaseTarget,
    uri: &Uri,
    body: &Bytes,
) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    no_body(body, "database/start")?;
    sim.store().databases.of(target).upload = Some(DatabaseUpload {
        chunks: 0,
        bytes: 0,
        digest: UploadDigest::new(),
        done: false,
    });
    Ok(no_content())
}

async fn start_main(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    start(&sim, DatabaseTarget::Main, &uri, &body)
}

async fn start_of(
    State(sim): State<Ef45Sim>,
    Path(segment): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    start(&sim, target(&segment)?, &uri, &body)
}

/// A path size (`strSize`, `strTotalSize`): a whole number of bytes.
fn byte_count(text: &str, name: &str) -> Result<u64, Reject> {
    text.parse()
        .map_err(|_| bad(format!("{name} {text:?} is not a whole number of bytes")))
}

/// One chunk: `strSize` is its decoded size (the Database example's 786 432 is 1 MiB of
/// base64), the body the unit (see the Firmware section). With `total` (the `done` call), the
/// uploaded bytes, this chunk included, must add up to it. A chunk without a started upload is
/// a 409.
fn chunk(
    sim: &Ef45Sim,
    target: DatabaseTarget,
    sizes: (&str, Option<&str>),
    request: (&Uri, &HeaderMap, &Bytes),
) -> Result<(), Reject> {
    let (uri, headers, body) = request;
    Query::parse(uri, &[])?;
    let size = byte_count(sizes.0, "strSize")?;
    let total = sizes.1.map(|t| byte_count(t, "strTotalSize")).transpose()?;
    let data = unit(headers, body, "database chunk")?;
    if data.len() as u64 != size {
        return Err(bad(format!(
            "strSize {size} is not the chunk's decoded size {}",
            data.len()
        )));
    }
    let mut store = sim.store();
    let Some(upload) = store
        .databases
        .of(target)
        .upload
        .as_mut()
        .filter(|upload| !upload.done)
    else {
        return Err(Reject::new(
            StatusCode::CONFLICT,
            409,
            "CONFLICT",
            "no database upload started: database/start first",
        ));
    };
    if let Some(total) = total
        && upload.bytes + size != total
    {
        return Err(bad(format!(
            "strTotalSize {total} is not the uploaded size {}",
            upload.bytes + size
        )));
    }
    upload.chunks += 1;
    upload.bytes += size;
    upload.digest.update(&data);
    upload.done = total.is_some();
    Ok(())
}

async fn chunk_main(
    State(sim): State<Ef45Sim>,
    Path(size): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    chunk(
        &sim,
        DatabaseTarget::Main,
        (&size, None),
        (&uri, &headers, &body),
    )?;
    Ok(no_content())
}

async fn chunk_of(
    State(sim): State<Ef45Sim>,
    Path((size, segment)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    chunk(
        &sim,
        target(&segment)?,
        (&size, None),
        (&uri, &headers, &body),
    )?;
    Ok(no_content())
}

/// `POST database/done/{strSize}/{strTotalSize}`: the last chunk. "After storing the uploaded
/// database as a file, the device will be restarted": the fake's lock becomes stale (a
/// restarted device knows no session). The download then serves generated bytes of the
/// uploaded size (the fake does not keep the upload). Answers 204 (not documented).
async fn done_main(
    State(sim): State<Ef45Sim>,
    Path((size, total)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    chunk(
        &sim,
        DatabaseTarget::Main,
        (&size, Some(&total)),
        (&uri, &headers, &body),
    )?;
    let mut store = sim.store();
    let uploaded = store
        .databases
        .of(DatabaseTarget::Main)
        .upload
        .map_or(0, |u| u.bytes);
    store.databases.of(DatabaseTarget::Main).size = uploaded;
    store.lock = None;
    Ok(no_content())
}

/// `POST database/done/{strSize}/{strTotalSize}/{target}`: the last EyeLock chunk. The
/// eyelock sheet mentions no restart: the lock stays. Answers 204 (not documented).
async fn done_of(
    State(sim): State<Ef45Sim>,
    Path((size, total, segment)): Path<(String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let target = target(&segment)?;
    chunk(&sim, target, (&size, Some(&total)), (&uri, &headers, &body))?;
    let mut store = sim.store();
    let uploaded = store.databases.of(target).upload.map_or(0, |u| u.bytes);
    store.databases.of(target).size = uploaded;
    Ok(no_content())
}
