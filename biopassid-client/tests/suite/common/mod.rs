//! Shared by the BioPass ID wiremock tests.
#![allow(dead_code, unreachable_pub)]

use biopassid_client::{Client, CustomId, Finger, Image, RetryPolicy};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const KEY: &str = "test-subscription-key-5f1e";

/// A client with retries off, for tests about the request itself.
pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .subscription_key(KEY)
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// A client with the DEFAULT retry policy, for tests about what is (not) sent again.
pub fn default_client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .subscription_key(KEY)
        .build()
        .unwrap()
}

pub fn jpeg(tag: &str) -> Image {
    let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
    data.extend_from_slice(tag.as_bytes());
    Image::from_bytes(data)
}

pub fn png(tag: &str) -> Image {
    let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
    data.extend_from_slice(tag.as_bytes());
    Image::from_bytes(data)
}

pub fn id(text: &str) -> CustomId {
    CustomId::new(text).unwrap()
}

pub fn finger(n: u8) -> Finger {
    Finger::new(n).unwrap()
}

/// Standard base64, independent of the SDK's codec.
pub fn b64(image: &Image) -> String {
    use std::fmt::Write;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let data = image.bytes();
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

/// The one request the server received, asserting there was exactly one.
pub async fn only_request(server: &MockServer) -> Request {
    let mut sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1, "expected exactly one request");
    sent.remove(0)
}

/// Every value of header `name` in `request`.
pub fn header_values(request: &Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The documented success answer of enroll and update.
pub fn enrolled_body(custom_id: &str) -> serde_json::Value {
    serde_json::json!({"Person": {
        "ClientID": "1628692218558x176807293303153250",
        "CustomID": custom_id,
        "BioPassID": "1648"
    }})
}

/// Answers 500 to anything no other mock matched, so a wrong request fails readably.
pub async fn catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_string("no mock matched this request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}
