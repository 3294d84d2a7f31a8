//! Shared by the BWS wiremock tests.
#![allow(dead_code, unreachable_pub)]

use bioid_client::{ClassId, Client, Image, RetryPolicy};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_ID: &str = "test-client-7";
/// base64 of "test-secret-key-0123456789".
pub const CLIENT_KEY: &str = "dGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODk=";
pub const KEY_BYTES: &[u8] = b"test-secret-key-0123456789";

pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

pub fn jpeg(tag: &str) -> Image {
    let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
    data.extend_from_slice(tag.as_bytes());
    Image::from_bytes(data)
}

pub fn b64(image: &Image) -> String {
    standard_base64(image.bytes())
}

pub fn standard_base64(data: &[u8]) -> String {
    use std::fmt::Write;
    // Independent of the SDK's codec: a plain standard-alphabet encoder for assertions.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.write_char(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char)
                    .unwrap();
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn class(id: u64) -> ClassId {
    ClassId::new(id).unwrap()
}

/// BWS's documented response headers.
pub fn bws(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("jobid", "3f2b8c1e-5d7a-4b9e-8c2d-1a2b3c4d5e6f")
        .insert_header("bws-version", "3.4.1")
        .insert_header("date", "Sun, 22 Nov 2026 03:00:00 GMT")
}

/// Answers 500 to anything no other mock matched, so a wrong request fails readably.
pub async fn catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_string("no mock matched this request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}
