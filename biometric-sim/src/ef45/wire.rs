//! What every call shares: the device's error envelope, strict JSON bodies, strict query
//! parameters and the list envelope.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{STALE_LOCK_CODE, STALE_LOCK_STATUS};

pub(super) fn is_uid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) async fn unknown_path() -> Reject {
    Reject::new(
        StatusCode::NOT_FOUND,
        404,
        "NOT_FOUND",
        "no such path on the device",
    )
}

/// A refusal: the HTTP status, the device's `status_code`/`reason_phrase` and the fake's reason.
/// With `items`, the body is the list envelope carrying them (the Schedule sheet's "the request
/// items are returned as a response with the error message").
#[derive(Debug)]
pub(super) struct Reject {
    status: StatusCode,
    code: u32,
    text: &'static str,
    reason: String,
    items: Option<Vec<Value>>,
}

impl Reject {
    pub(super) fn new(
        status: StatusCode,
        code: u32,
        text: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        Reject {
            status,
            code,
            text,
            reason: reason.into(),
            items: None,
        }
    }

    /// The same refusal, answered as a list envelope carrying `items`.
    pub(super) fn with_items(mut self, items: Vec<Value>) -> Self {
        self.items = Some(items);
        self
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let body = match self.items {
            None => json!({"status_code": self.code, "reason_phrase": self.text}),
            Some(items) => {
                let total = items.len();
                json!({
                    "status_code": self.code, "reason_phrase": self.text, "items": items,
                    "page": 1, "page_size": total, "has_more": false, "total": total
                })
            }
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let reason: String = self
            .reason
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect();
        if let Ok(value) = HeaderValue::from_str(&reason) {
            response.headers_mut().insert("x-sim-reason", value);
        }
        response
    }
}

/// 400 BAD_REQUEST, with why.
pub(super) fn bad(reason: impl Into<String>) -> Reject {
    Reject::new(StatusCode::BAD_REQUEST, 400, "BAD_REQUEST", reason)
}

/// 404 NOT_FOUND for a record that is not stored (the device's answer is not documented).
pub(super) fn not_found(reason: impl Into<String>) -> Reject {
    Reject::new(StatusCode::NOT_FOUND, 404, "NOT_FOUND", reason)
}

pub(super) fn stale(reason: &str) -> Reject {
    Reject::new(
        StatusCode::from_u16(STALE_LOCK_STATUS).expect("a valid status"),
        u32::from(STALE_LOCK_CODE),
        "Unavailable accessToken!",
        reason,
    )
}

/// The body as a JSON object: one `Content-Type: application/json` (415 otherwise), valid JSON
/// (400), an object (400).
pub(super) fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Reject> {
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
    if media != "application/json" {
        return Err(Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "the body must be sent as one Content-Type: application/json ({} header(s))",
                values.len()
            ),
        ));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad("the body must be a JSON object")),
        Err(e) => Err(bad(format!("the body is not JSON: {e}"))),
    }
}

/// The body as a JSON object when there is one (an empty body is `None`), checked as
/// [`json_object`] checks it.
pub(super) fn optional_json_object(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Option<Map<String, Value>>, Reject> {
    if body.is_empty() {
        Ok(None)
    } else {
        json_object(headers, body).map(Some)
    }
}

/// Strict standard base64 (`A-Z a-z 0-9 + /`, padded to a multiple of 4, no whitespace, no
/// `data:` prefix), decoded. The device's encoding is not documented beyond "base64"; the fake
/// takes the standard form only, so that a client sending URL-safe or unpadded text fails a
/// test.
pub(super) fn strict_base64(text: &str, at: &str) -> Result<Vec<u8>, Reject> {
    let body = text.trim_end_matches('=');
    let well_formed = text.len().is_multiple_of(4)
        && text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if !well_formed {
        return Err(bad(format!("{at} is not standard padded base64")));
    }
    biometric_core::base64::decode(text).map_err(|_| bad(format!("{at} is not base64")))
}

/// Refuses `map` unless every key of `keys` is present.
pub(super) fn require_keys(
    map: &Map<String, Value>,
    keys: &[&str],
    at: &str,
) -> Result<(), Reject> {
    match keys.iter().find(|key| !map.contains_key(**key)) {
        Some(key) => Err(bad(format!("{at}.{key} is required"))),
        None => Ok(()),
    }
}

/// Refuses a body on a call the sheets document without one (parameters in the query or the
/// path only): a client sending its parameters as JSON instead fails a test.
pub(super) fn no_body(body: &Bytes, at: &str) -> Result<(), Reject> {
    if body.is_empty() {
        Ok(())
    } else {
        Err(bad(format!("{at} takes no body")))
    }
}

/// `value` as a 200 JSON answer.
pub(super) fn json_answer(value: Value) -> Response {
    axum::Json(value).into_response()
}

/// The JSON types of the sheets' "Data type" column, as the fake checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `String`: a string or `null` (the sheets' examples send `null` for unset strings).
    Str,
    /// `String` on the sheets whose examples never send `null`: a string only.
    Text,
    /// `int`: an integer.
    Int,
    /// `double`: any number.
    Double,
    /// `boolean`.
    Bool,
    /// A field whose sheets disagree (an `int` in the table, a string in the example): an
    /// integer, a string or `null`.
    IntOrStr,
    /// An `int` whose sheet example sends `""` for "not set": an integer or `""`.
    IntOrEmpty,
    /// A JSON array (its items are checked by the caller).
    Array,
    /// Any JSON value: the caller checks it (a key whose sheet and example disagree).
    Any,
    /// A card: `""` (none) or bytes as upper-case hex with one space (`65 D8 A1 BD`).
    Card,
    /// A face `sub_id`: an integer from 0 to 5.
    SubId,
}

/// Checks `map` against `fields` (every key known, each of its type). `at` names the object.
pub(super) fn check_fields(
    map: &Map<String, Value>,
    fields: &[(&str, Kind)],
    at: &str,
) -> Result<(), Reject> {
    for (key, value) in map {
        let Some((_, kind)) = fields.iter().find(|(name, _)| name == key) else {
            return Err(bad(format!("unknown key {at}.{key}")));
        };
        let ok = match kind {
            Kind::Str => value.is_string() || value.is_null(),
            Kind::Text => value.is_string(),
            Kind::Int => value.is_i64() || value.is_u64(),
            Kind::Double => value.is_number(),
            Kind::Bool => value.is_boolean(),
            Kind::IntOrStr => value.is_i64() || value.is_string() || value.is_null(),
            Kind::IntOrEmpty => value.is_i64() || value.as_str() == Some(""),
            Kind::Array => value.is_array(),
            Kind::Any => true,
            Kind::Card => value.as_str().is_some_and(|c| c.is_empty() || is_card(c)),
            Kind::SubId => value.as_i64().is_some_and(|n| (0..=5).contains(&n)),
        };
        if !ok {
            // The value itself is not echoed: it may be a password, a card or a template.
            return Err(bad(format!(
                "{at}.{key} must be {kind:?}, found {}",
                json_type(value)
            )));
        }
    }
    Ok(())
}

/// The JSON type of `value`, for refusals that must not echo it.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a fraction",
        Value::String(s) if s.is_empty() => "an empty string",
        Value::String(_) => "a string (not of the expected form)",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Card bytes as the device prints them: two upper-case hex digits per byte, one space between.
pub(super) fn is_card(text: &str) -> bool {
    text.split(' ')
        .all(|b| b.len() == 2 && b.bytes().all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')))
}

pub(super) fn required_string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a str, Reject> {
    match map.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        _ => Err(bad(format!("{at}.{key} is required (a non-empty string)"))),
    }
}

/// The query parameters: `lock_uid` and the `allowed` names, each at most once (400 otherwise).
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    pub(super) fn parse(uri: &Uri, allowed: &[&str]) -> Result<Query, Reject> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if name != "lock_uid" && !allowed.contains(&name.as_ref()) {
                return Err(bad(format!(
                    "unknown query parameter {name} (this call takes {allowed:?})"
                )));
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(bad(format!("query parameter {name} given twice")));
            }
            pairs.push((name.into_owned(), value.into_owned()));
        }
        Ok(Query(pairs))
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An integer parameter within `range`.
    pub(super) fn int(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, Reject> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .map(Some)
                .ok_or_else(|| bad(format!("{name}={text} is not an integer in {range:?}"))),
        }
    }
}

pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// `defaults` with the stored keys over it: every documented key, as stored when sent.
pub(super) fn answer(defaults: Value, stored: &Map<String, Value>) -> Value {
    let mut out = defaults;
    if let Value::Object(out) = &mut out {
        for (key, value) in stored {
            if out.contains_key(key) {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

/// Paging as asked: `page` (none = the whole list) and the page size under `size_name`.
pub(super) struct Paging {
    pub(super) page: Option<i64>,
    pub(super) size: i64,
}

/// The default page size (Subject sheet: 50 rows).
pub const DEFAULT_PAGE_SIZE: i64 = 50;

impl Paging {
    pub(super) fn parse(query: &Query, size_name: &str) -> Result<Paging, Reject> {
        Ok(Paging {
            page: query.int("page", 1..=i64::from(i32::MAX))?,
            size: query
                .int(size_name, 1..=i64::from(i32::MAX))?
                .unwrap_or(DEFAULT_PAGE_SIZE),
        })
    }

    /// The list envelope of the notes. Without `page`: every item, `page` 1, `page_size` the
    /// number of items (the fake's choice; the sheets show only paged answers).
    pub(super) fn envelope(&self, items: Vec<Value>) -> Response {
        let total = items.len() as i64;
        let (items, page, size, has_more) = match self.page {
            None => (items, 1, total, false),
            Some(page) => {
                let start = (page - 1).saturating_mul(self.size);
                let items: Vec<Value> = items
                    .into_iter()
                    .skip(usize::try_from(start).unwrap_or(usize::MAX))
                    .take(usize::try_from(self.size).unwrap_or(usize::MAX))
                    .collect();
                let has_more = start.saturating_add(self.size) < total;
                (items, page, self.size, has_more)
            }
        };
        axum::Json(json!({
            "status_code": 200, "reason_phrase": "OK", "items": items,
            "page": page, "page_size": size, "has_more": has_more, "total": total
        }))
        .into_response()
    }
}

pub(super) fn user_not_found(what: &str) -> Reject {
    Reject::new(
        StatusCode::NOT_FOUND,
        1100,
        "User not found!",
        format!("{what} not found"),
    )
}

/// A record created twice: 409 (the fake's choice; the sheets give no answer).
pub(super) fn conflict(what: &str) -> Reject {
    Reject::new(
        StatusCode::CONFLICT,
        409,
        "CONFLICT",
        format!("{what} already exists"),
    )
}

pub(super) fn created() -> Response {
    StatusCode::CREATED.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_the_standard_padded_form_only() {
        assert_eq!(
            strict_base64("/9j/4A==", "x").unwrap(),
            [0xff, 0xd8, 0xff, 0xe0]
        );
        assert_eq!(strict_base64("", "x").unwrap(), Vec::<u8>::new());
        for bad in [
            "/9j/4A",
            "_9j-4A==",
            "/9j/\n4A==",
            "data:image/jpeg;base64,/9j/4A==",
            "/9j/4A=",
            "/9j=4A==",
        ] {
            assert!(strict_base64(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_wrong_type_is_named_without_echoing_the_value() {
        let mut map = Map::new();
        map.insert("passwd".into(), json!(12345678));
        let reject = check_fields(&map, &[("passwd", Kind::Str)], "lock").unwrap_err();
        assert!(!reject.reason.contains("12345678"), "{}", reject.reason);
        assert!(reject.reason.contains("an integer"), "{}", reject.reason);
    }

    #[test]
    fn cards_are_upper_case_hex_with_one_space() {
        assert!(is_card("65 D8 A1 BD"));
        assert!(is_card("00"));
        for bad in [
            "65 d8 a1 bd",
            "65D8A1BD",
            "65  D8",
            " 65",
            "65 ",
            "6",
            "65 G8",
            "",
        ] {
            assert!(!is_card(bad), "{bad:?}");
        }
    }
}
