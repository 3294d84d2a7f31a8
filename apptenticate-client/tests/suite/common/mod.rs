//! Shared by the Apptenticate wiremock tests.
#![allow(dead_code, unreachable_pub)]

use apptenticate_client::{Client, Image, RetryPolicy};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const USERNAME: &str = "user-7";
pub const PASSWORD: &str = "pa55-w0rd!";
/// The path the tests configure for the citizen-ID check (the real one is not public).
pub const CHECK_PATH: &str = "contract/biometria/";

pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(USERNAME, PASSWORD)
        .biometric_check_path(CHECK_PATH)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

pub fn jpeg(tag: &str) -> Image {
    let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
    data.extend_from_slice(tag.as_bytes());
    Image::from_bytes(data)
}

/// A JWT-shaped token (unsigned: the client does not check signatures) with `exp` and `iat`.
/// The client counts `exp - iat` from receipt: `jwt(t, t)` is due at once.
pub fn jwt(exp: u64, iat: u64) -> String {
    let encode = |s: &str| {
        let mut out = String::new();
        // base64url without padding, written out here so the tests do not share the SDK's codec.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for chunk in s.as_bytes().chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    };
    format!(
        "{}.{}.c2lnbmF0dXJl",
        encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        encode(&format!(
            r#"{{"token_type":"access","exp":{exp},"iat":{iat},"jti":"j","user_id":7}}"#
        ))
    )
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode_form(k), encode_form(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode_form(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `POST /api/token/` with the test credentials as form fields answers `access`/`refresh`.
pub async fn mount_login(server: &MockServer, access: &str, refresh: &str) {
    Mock::given(method("POST"))
        .and(path("/api/token/"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(form(&[
            ("username", USERNAME),
            ("password", PASSWORD),
        ])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"refresh": refresh, "access": access})),
        )
        .named("login")
        .mount(server)
        .await;
}

/// One part of a multipart body, as received.
#[derive(Debug, PartialEq, Eq)]
pub struct ReceivedPart {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// Parses a `multipart/form-data` request body (independently of any multipart library).
pub fn multipart(request: &Request) -> Vec<ReceivedPart> {
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let boundary = format!("--{}", content_type.split("boundary=").nth(1).unwrap());
    let body = &request.body;
    let mut parts = Vec::new();
    let positions: Vec<usize> = find_all(body, boundary.as_bytes());
    assert!(
        positions.len() >= 2,
        "no parts in {}",
        String::from_utf8_lossy(body)
    );
    for pair in positions.windows(2) {
        let start = pair[0] + boundary.len() + 2; // CRLF after the boundary
        let end = pair[1] - 2; // CRLF before the next boundary
        let part = &body[start..end];
        let split = find_all(part, b"\r\n\r\n")[0];
        let head = String::from_utf8(part[..split].to_vec()).unwrap();
        let data = part[split + 4..].to_vec();
        let mut name = None;
        let mut file_name = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for item in line.split(';').skip(1) {
                    let (k, v) = item.trim().split_once('=').unwrap();
                    let v = v.trim_matches('"').to_owned();
                    match k {
                        "name" => name = Some(v),
                        "filename" => file_name = Some(v),
                        other => panic!("unexpected disposition parameter {other}"),
                    }
                }
            } else if lower.starts_with("content-type:") {
                part_type = Some(line["content-type:".len()..].trim().to_owned());
            }
        }
        parts.push(ReceivedPart {
            name: name.unwrap(),
            file_name,
            content_type: part_type,
            data,
        });
    }
    parts
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

pub fn text(name: &str, value: &str) -> ReceivedPart {
    ReceivedPart {
        name: name.into(),
        file_name: None,
        content_type: None,
        data: value.as_bytes().to_vec(),
    }
}

pub fn jpeg_file(name: &str, file_name: &str, image: &Image) -> ReceivedPart {
    ReceivedPart {
        name: name.into(),
        file_name: Some(file_name.into()),
        content_type: Some("image/jpeg".into()),
        data: image.bytes().to_vec(),
    }
}

/// The requests the server received on `path`.
pub async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == wanted)
        .collect()
}
