//! Files on the device (sheet Biometric-data): saving capture images as bitmaps, and loading,
//! saving and deleting the files the sheet's filename table lists.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::{delete, get, put};
use serde_json::{Map, Value, json};

use super::Ef45Sim;
use super::wire::{
    DEFAULT_PAGE_SIZE, Kind, Paging, Query, Reject, bad, check_fields, json_answer, json_object,
    no_content, not_found, require_keys, strict_base64,
};

/// Where the device keeps capture images.
const IMAGES: &str = "/usr/local/share/CMITECH/Images/";

/// The bitmap names of `save-8bmp` (B/W iris) and `save-24bmp` (colour face), as the reference
/// and the API Overview's "BMP File Name" table give them.
const IRIS_BITMAPS: [&str; 2] = ["lefteye.bmp", "righteye.bmp"];
const FACE_BITMAPS: [&str; 5] = [
    "irisoff.bmp",
    "faroff.bmp",
    "faron.bmp",
    "nearoff.bmp",
    "nearon.bmp",
];

/// The capture JPGs of the filename table: `{IMAGES}{uuid}_<name>.jpg`.
const JPG_NAMES: [&str; 6] = [
    "lefteye.jpg",
    "righteye.jpg",
    "faroff.jpg",
    "faron.jpg",
    "nearoff.jpg",
    "nearon.jpg",
];

/// The PNG logos of the filename table, with the size the table gives each.
const LOGOS: [(&str, u32, u32); 2] = [
    (
        "/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png",
        854,
        480,
    ),
    (
        "/usr/local/share/CMITECH/gui/logo/screenSaver_854x420.png",
        854,
        420,
    ),
];

/// The table's "Max file size: 768kB" for the logos, read as 768 KiB.
const MAX_LOGO_BYTES: usize = 768 * 1024;

/// The files the fake's device holds, by path.
#[derive(Default)]
pub(super) struct DeviceFiles {
    files: BTreeMap<String, Vec<u8>>,
}

/// The file calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/biometric-data/save-8bmp", put(save_iris_bitmap))
        .route("/1.0/biometric-data/save-24bmp", put(save_face_bitmap))
        .route("/1.0/biometric-data/load-file", get(load_file))
        .route("/1.0/biometric-data/save-file", put(save_file))
        .route("/1.0/biometric-data/delete-file", delete(delete_file))
}

impl Ef45Sim {
    /// The bytes of the device file `path` (saved with `save-file`, `save-8bmp`, `save-24bmp`
    /// or [`Ef45Sim::put_file`]).
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.store().files.files.get(path).cloned()
    }

    /// Places a file on the device, e.g. the Biometric-data sheet's delete example
    /// `/usr/local/share/CMITECH/Images/ktt_schedule_list.txt`, which no call of the sheets
    /// creates.
    pub fn put_file(&self, path: impl Into<String>, bytes: Vec<u8>) {
        self.store().files.files.insert(path.into(), bytes);
    }
}

/// `{uuid}_name` or `name` under the images folder, `name` one of `names`.
fn is_image_path(path: &str, names: &[&str]) -> bool {
    let Some(file) = path.strip_prefix(IMAGES) else {
        return false;
    };
    names.iter().any(|name| {
        file == *name
            || file
                .strip_suffix(name)
                .and_then(|prefix| prefix.strip_suffix('_'))
                .is_some_and(|uuid| !uuid.is_empty() && !uuid.contains('/'))
    })
}

/// An `int` the example sends as a decimal string (`"height": "480"`, `"size": "5744"`): both
/// are accepted.
fn int_or_decimal(map: &Map<String, Value>, key: &str, at: &str) -> Result<i64, Reject> {
    match &map[key] {
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text
            .parse()
            .map_err(|_| bad(format!("{at}.{key} is too big"))),
        value => value
            .as_i64()
            .ok_or_else(|| bad(format!("{at}.{key} must be an integer"))),
    }
}

const BITMAP_BODY: &[(&str, Kind)] = &[
    ("filename", Kind::Text),
    ("height", Kind::Any),
    ("image", Kind::Text),
    ("width", Kind::Any),
];

/// The `save-8bmp`/`save-24bmp` answer the sheet shows: the list envelope with no items.
fn saved() -> Response {
    Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(Vec::new())
}

/// `{filename, height, image, width}`: every key required, `filename` one of `names` under the
/// images folder (optionally `{uuid}_`-prefixed, as the API Overview names them), `height` and
/// `width` positive (integers or, as in the example, decimal strings), `image` standard base64
/// (`""`, the example's value, is accepted). The image's pixel format is not documented: its
/// length is not compared with the size. The decoded image is stored under `filename`.
fn save_bitmap(
    sim: &Ef45Sim,
    names: &[&str],
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let map = json_object(headers, body)?;
    let at = "bitmap";
    check_fields(&map, BITMAP_BODY, at)?;
    require_keys(&map, &["filename", "height", "image", "width"], at)?;
    let filename = map["filename"].as_str().unwrap_or_default();
    if !is_image_path(filename, names) {
        return Err(bad(format!(
            "{at}.filename {filename:?} is not {IMAGES}[uuid_]one of {names:?}"
        )));
    }
    for key in ["height", "width"] {
        if int_or_decimal(&map, key, at)? <= 0 {
            return Err(bad(format!("{at}.{key} must be positive")));
        }
    }
    let image = strict_base64(map["image"].as_str().unwrap_or_default(), "bitmap.image")?;
    sim.store().files.files.insert(filename.to_owned(), image);
    Ok(saved())
}

/// `PUT biometric-data/save-8bmp`: a B/W iris bitmap (`lefteye.bmp`, `righteye.bmp`).
async fn save_iris_bitmap(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    save_bitmap(&sim, &IRIS_BITMAPS, &uri, &headers, &body)
}

/// `PUT biometric-data/save-24bmp`: a colour face bitmap (`irisoff.bmp`, `faroff.bmp`...).
async fn save_face_bitmap(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    save_bitmap(&sim, &FACE_BITMAPS, &uri, &headers, &body)
}

/// The required `filename` query parameter.
fn filename(uri: &Uri) -> Result<String, Reject> {
    Query::parse(uri, &["filename"])?
        .get("filename")
        .map(str::to_owned)
        .ok_or_else(|| bad("filename is required"))
}

/// `GET biometric-data/load-file?filename=`: `{"file": base64, "size": bytes}`; a file the
/// device does not hold is a 404 (not documented).
async fn load_file(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let path = filename(&uri)?;
    let store = sim.store();
    let bytes = store
        .files
        .files
        .get(&path)
        .ok_or_else(|| not_found(format!("no file {path}")))?;
    Ok(json_answer(json!({
        "file": biometric_core::base64::encode(bytes), "size": bytes.len()
    })))
}

/// The checks of the filename table: a capture JPG (`{uuid}_lefteye.jpg`...: JPEG bytes) or
/// one of the two PNG logos (PNG bytes of the table's width and height, at most 768 KiB).
fn check_file(path: &str, bytes: &[u8]) -> Result<(), Reject> {
    if is_image_path(path, &JPG_NAMES) {
        return if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Ok(())
        } else {
            Err(bad(format!("{path} must be a JPG")))
        };
    }
    let Some((_, width, height)) = LOGOS.iter().find(|(logo, _, _)| *logo == path) else {
        return Err(bad(format!("{path} is not in the sheet's filename table")));
    };
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(bad(format!("{path} is over 768 kB")));
    }
    match png_size(bytes) {
        Some(size) if size == (*width, *height) => Ok(()),
        Some((w, h)) => Err(bad(format!(
            "{path} must be {width}x{height}, found {w}x{h}"
        ))),
        None => Err(bad(format!("{path} must be a PNG"))),
    }
}

/// A PNG's width and height (its signature, then the IHDR chunk).
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.len() < 24 || bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let number =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((number(16), number(20)))
}

const FILE_BODY: &[(&str, Kind)] = &[("file", Kind::Text), ("size", Kind::Any)];

/// `PUT biometric-data/save-file?filename=` `{"file": base64, "size": bytes}`: both required,
/// `size` (an integer or, as in the example, a decimal string) the decoded length, and the file
/// one the filename table allows, of its format (see [`check_file`]). The example's `{"file":
/// "", "size": "5744"}` is a placeholder that cannot pass the size check. Answers 204 (not
/// documented).
async fn save_file(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let path = filename(&uri)?;
    let map = json_object(&headers, &body)?;
    check_fields(&map, FILE_BODY, "file")?;
    require_keys(&map, &["file", "size"], "file")?;
    let bytes = strict_base64(map["file"].as_str().unwrap_or_default(), "file.file")?;
    let size = int_or_decimal(&map, "size", "file")?;
    if usize::try_from(size).ok() != Some(bytes.len()) {
        return Err(bad(format!(
            "file.size {size} is not the decoded length {}",
            bytes.len()
        )));
    }
    check_file(&path, &bytes)?;
    sim.store().files.files.insert(path, bytes);
    Ok(no_content())
}

/// `DELETE biometric-data/delete-file?filename=`: 204; a file the device does not hold is a
/// 404 (not documented).
async fn delete_file(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let path = filename(&uri)?;
    sim.store()
        .files
        .files
        .remove(&path)
        .ok_or_else(|| not_found(format!("no file {path}")))?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_paths_follow_the_filename_table() {
        let iris = &IRIS_BITMAPS;
        assert!(is_image_path(
            "/usr/local/share/CMITECH/Images/righteye.bmp",
            iris
        ));
        assert!(is_image_path(
            "/usr/local/share/CMITECH/Images/111_lefteye.bmp",
            iris
        ));
        for bad in [
            "/usr/local/share/CMITECH/Images/_lefteye.bmp",
            "/usr/local/share/CMITECH/Images/a/b_lefteye.bmp",
            "/usr/local/share/CMITECH/Images/faroff.bmp",
            "/tmp/lefteye.bmp",
            "/usr/local/share/CMITECH/Images/lefteye.BMP",
        ] {
            assert!(!is_image_path(bad, iris), "{bad}");
        }
    }

    #[test]
    fn png_sizes_come_from_the_header() {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&854u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((854, 480)));
        assert_eq!(png_size(&png[..20]), None);
        assert_eq!(png_size(b"GIF89a................."), None);
    }
}
