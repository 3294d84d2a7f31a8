//! `JsonFieldDecoder`: one base64 member of a streamed JSON object decoded on the fly, checked
//! against reading the whole text with serde_json and decoding it at once.

use std::pin::Pin;
use std::task::{Context, Poll};

use biometric_core::base64::{decode, encode};
use biometric_core::json_field::{JsonFieldDecoder, JsonFieldErrorKind, MAX_MEMBER_BYTES};
use biometric_core::{Engine, Error, Method, Operation, RetryPolicy, decode_unit};
use serde_json::json;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Feeds `pieces` to a decoder of `file` and finishes it: the decoded bytes or the error, and
/// the decoder (for its members).
async fn feed<'a>(
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> (Result<Vec<u8>, std::io::Error>, JsonFieldDecoder<Vec<u8>>) {
    let mut decoder = JsonFieldDecoder::new("file", Vec::new());
    for piece in pieces {
        if let Err(error) = decoder.write_all(piece).await {
            return (Err(error), decoder);
        }
    }
    match decoder.finish().await {
        Ok(count) => {
            let out = decoder.get_ref().clone();
            assert_eq!(count, out.len() as u64);
            (Ok(out), decoder)
        }
        Err(error) => (Err(error), decoder),
    }
}

async fn feed_text(text: &str) -> (Result<Vec<u8>, std::io::Error>, JsonFieldDecoder<Vec<u8>>) {
    feed([text.as_bytes()]).await
}

fn kind(decoder: &JsonFieldDecoder<Vec<u8>>) -> JsonFieldErrorKind {
    decoder.error().expect("a recorded error").kind()
}

#[tokio::test]
async fn size_before_or_after_the_field_with_escapes_and_whitespace() {
    let data = pattern(1000);
    let b64 = encode(&data).replace('/', "\\/");
    for text in [
        format!(r#"{{"file":"{b64}","size":1000}}"#),
        format!(" {{ \"size\" : 1000 ,\n \"file\" :\t\"{b64}\" }} \n"),
        format!(r#"{{"status":"start","size":1000,"file":"{b64}"}}"#),
    ] {
        let (out, decoder) = feed_text(&text).await;
        assert_eq!(out.unwrap(), data);
        assert_eq!(decoder.member("size"), Some(&json!(1000)));
        assert!(decoder.field_complete());
    }
}

#[tokio::test]
async fn json_escapes_inside_the_field_are_undone() {
    // `\/` (escaped solidus), `\n` and `\r\n` line breaks, `\u0041` for "A", `\u002F` for "/".
    let data = pattern(300);
    let b64 = encode(&data);
    let (head, tail) = b64.split_at(76);
    let text = format!(
        r#"{{"file":"{}\r\n{}"}}"#,
        head.replace('/', "\\/").replace('A', "\\u0041"),
        tail.replace('/', "\\u002F")
    );
    let (out, _) = feed_text(&text).await;
    assert_eq!(out.unwrap(), data);
}

#[tokio::test]
async fn other_members_of_any_shape_are_kept_and_skipped_over() {
    let text = r#"{"meta":{"a":[1,{"b":"}]\"{"}],"c":null},"file":"aGk=","list":[1,2],"ok":true,"n":-1.5e3,"s":"x\"}"}"#;
    let (out, decoder) = feed_text(text).await;
    assert_eq!(out.unwrap(), b"hi");
    assert_eq!(
        decoder.member("meta"),
        Some(&json!({"a": [1, {"b": "}]\"{"}], "c": null}))
    );
    assert_eq!(decoder.member("list"), Some(&json!([1, 2])));
    assert_eq!(decoder.member("ok"), Some(&json!(true)));
    assert_eq!(decoder.member("n"), Some(&json!(-1500.0)));
    assert_eq!(decoder.member("s"), Some(&json!("x\"}")));
    assert_eq!(decoder.members().len(), 5);
}

#[tokio::test]
async fn a_nested_member_of_the_same_name_is_not_the_field() {
    let text = r#"{"inner":{"file":"bm8="},"file":"eWVz"}"#;
    let (out, _) = feed_text(text).await;
    assert_eq!(out.unwrap(), b"yes");
}

#[tokio::test]
async fn an_empty_field_decodes_to_nothing() {
    let (out, decoder) = feed_text(r#"{"size":0,"status":"","file":""}"#).await;
    assert_eq!(out.unwrap(), b"");
    assert_eq!(decoder.member("status"), Some(&json!("")));
}

#[tokio::test]
async fn members_past_the_budget_are_skipped_not_held() {
    let big = "x".repeat(MAX_MEMBER_BYTES + 10);
    let text = format!(r#"{{"size":3,"blob":"{big}","file":"YWJj","after":1}}"#);
    let (out, decoder) = feed_text(&text).await;
    assert_eq!(out.unwrap(), b"abc");
    assert_eq!(decoder.member("size"), Some(&json!(3)));
    assert_eq!(decoder.member("blob"), None);
    assert_eq!(decoder.member("after"), Some(&json!(1)));
    assert_eq!(decoder.skipped_members(), 1);
}

#[tokio::test]
async fn not_base64_fails_the_write_and_keeps_what_is_known() {
    let good = encode(&pattern(3000));
    let text = format!(r#"{{"size":9999,"file":"{good}*AAA"}}"#);
    let (out, decoder) = feed(text.as_bytes().chunks(1024)).await;
    let err = out.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let known = decoder.error().unwrap();
    assert_eq!(known.kind(), JsonFieldErrorKind::Base64);
    assert!(
        known.decoded() >= 1500,
        "the groups before the bad piece were decoded: {known}"
    );
    assert_eq!(decoder.member("size"), Some(&json!(9999)));
    assert!(!known.to_string().contains(&good[..20]), "{known}");
}

#[tokio::test]
async fn every_malformed_text_has_its_kind() {
    let cases = [
        ("", JsonFieldErrorKind::Truncated),
        (r#"{"file":"aGVsbG8"#, JsonFieldErrorKind::Truncated),
        (r#"{"file":"aGVsbG8=""#, JsonFieldErrorKind::Truncated),
        (r#"{"size":5"#, JsonFieldErrorKind::Truncated),
        (r#"{"size":5}"#, JsonFieldErrorKind::Missing),
        (r#"{}"#, JsonFieldErrorKind::Missing),
        (r#"{"file":null}"#, JsonFieldErrorKind::NotAString),
        (r#"{"file":12}"#, JsonFieldErrorKind::NotAString),
        (
            r#"{"file":"aGk=","file":"aGk="}"#,
            JsonFieldErrorKind::Duplicate,
        ),
        (r#"{"file":"aGk="}x"#, JsonFieldErrorKind::Syntax),
        (r#"{"file" "aGk="}"#, JsonFieldErrorKind::Syntax),
        (r#"{"file":"aGk=",}"#, JsonFieldErrorKind::Syntax),
        (r#"["aGk="]"#, JsonFieldErrorKind::Syntax),
        (r#"{"size":tru,"file":"aGk="}"#, JsonFieldErrorKind::Syntax),
        (r#"{"file":"aG\q="}"#, JsonFieldErrorKind::Syntax),
        (r#"{"file":"aG\u00e9k="}"#, JsonFieldErrorKind::Base64),
        (r#"{"file":"aGk=aGk="}"#, JsonFieldErrorKind::Base64),
        (r#"{"file":"a"}"#, JsonFieldErrorKind::Base64),
    ];
    for (text, want) in cases {
        let (out, decoder) = feed_text(text).await;
        assert!(out.is_err(), "{text}");
        assert_eq!(kind(&decoder), want, "{text}: {}", decoder.error().unwrap());
    }
}

/// Accepts at most 7 bytes per write and says "not now" every other call.
struct Trickle {
    out: Vec<u8>,
    turn: bool,
}

impl AsyncWrite for Trickle {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.turn = !self.turn;
        if self.turn {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = buf.len().min(7);
        self.out.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_slow_inner_writer_gets_every_byte_in_order() {
    let data = pattern(5000);
    let text = format!(r#"{{"file":"{}","size":5000}}"#, encode(&data));
    let mut decoder = JsonFieldDecoder::new(
        "file",
        Trickle {
            out: Vec::new(),
            turn: false,
        },
    );
    for piece in text.as_bytes().chunks(333) {
        decoder.write_all(piece).await.unwrap();
    }
    decoder.shutdown().await.unwrap();
    assert_eq!(decoder.decoded(), 5000);
    assert!(decoder.into_inner().out == data);
}

#[tokio::test]
async fn through_the_engine_a_download_is_decoded_on_the_fly() {
    let server = MockServer::start().await;
    let data = pattern(3 * 1024 * 1024 + 2);
    let body = format!(
        r#"{{"file":"{}","size":{}}}"#,
        encode(&data).replace('/', "\\/"),
        data.len()
    );
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()).max_response_bytes(1024))
        .build()
        .unwrap();

    let mut decoder = JsonFieldDecoder::new("file", Vec::new());
    let op = Operation::with_decoder("t.database", Method::GET, "database", decode_unit);
    engine.download(op, &mut decoder).await.unwrap();
    let decoded = decoder.finish().await.unwrap();

    assert_eq!(decoded, data.len() as u64);
    assert_eq!(decoder.member("size"), Some(&json!(data.len())));
    assert!(decoder.into_inner() == data);
}

#[tokio::test]
async fn through_the_engine_bad_base64_is_a_transport_error_and_the_decoder_says_why() {
    let server = MockServer::start().await;
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"file":"aGVs!!"}"#))
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();

    let mut decoder = JsonFieldDecoder::new("file", Vec::new());
    let op = Operation::with_decoder("t.database", Method::GET, "database", decode_unit);
    let err = engine.download(op, &mut decoder).await.unwrap_err();

    assert!(matches!(err, Error::Transport(_)), "{err}");
    assert_eq!(decoder.error().unwrap().kind(), JsonFieldErrorKind::Base64);
}

/// Builds the object text from its parts, in an order and with escapes chosen by the test.
fn object(data: &[u8], size_first: bool, escape_solidus: bool, wrap: Option<usize>) -> String {
    let mut b64 = encode(data);
    if let Some(width) = wrap {
        b64 = b64
            .as_bytes()
            .chunks(width)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect::<Vec<_>>()
            .join("\\n");
    }
    if escape_solidus {
        b64 = b64.replace('/', "\\/");
    }
    let field = format!(r#""file":"{b64}""#);
    let size = format!(r#""size":{},"status":"continuous""#, data.len());
    if size_first {
        format!("{{{size},{field}}}")
    } else {
        format!("{{{field},{size}}}")
    }
}

proptest::proptest! {
    #[test]
    fn any_chunk_split_decodes_like_the_whole_text(
        data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..700),
        cuts in proptest::collection::vec(0usize..1200, 0..10),
        size_first in proptest::prelude::any::<bool>(),
        escape_solidus in proptest::prelude::any::<bool>(),
        wrap in proptest::option::of(1usize..80),
    ) {
        let text = object(&data, size_first, escape_solidus, wrap);
        // The reference: serde_json reads the whole object, then the string is decoded at once.
        let whole: serde_json::Value = serde_json::from_str(&text).unwrap();
        let reference = decode(whole["file"].as_str().unwrap()).unwrap();
        proptest::prop_assert_eq!(&reference, &data);

        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (text.len() + 1)).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([text.len()]) {
            pieces.push(&text.as_bytes()[start..cut]);
            start = cut;
        }
        let (out, decoder) = runtime().block_on(feed(pieces));
        proptest::prop_assert_eq!(out.unwrap(), reference);
        proptest::prop_assert_eq!(decoder.member("size"), Some(&json!(data.len())));
        proptest::prop_assert_eq!(decoder.member("status"), Some(&json!("continuous")));
    }

    #[test]
    fn any_text_in_any_split_never_panics_and_agrees_with_serde(
        text in "[{}\\[\\]\":, a-zA-Z0-9+/=\\\\]{0,60}",
        cut in 0usize..61,
    ) {
        let cut = cut.min(text.len());
        let (a, b) = text.as_bytes().split_at(cut);
        let (out, _) = runtime().block_on(feed([a, b]));
        // Whatever the decoder accepts, serde_json reads as an object with that string.
        if let Ok(out) = out {
            let whole: serde_json::Value = serde_json::from_str(&text).unwrap();
            let reference = decode(whole["file"].as_str().unwrap()).unwrap();
            proptest::prop_assert_eq!(out, reference);
        }
    }
}

#[test]
fn a_writer_failure_is_a_transport_io_error_with_its_cause() {
    let err = Error::writer("t.database", std::io::Error::other("disk full"));
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), biometric_core::TransportKind::Io);
    assert_eq!(transport.operation(), "t.database");
    let cause = std::error::Error::source(transport.as_ref()).unwrap();
    assert_eq!(cause.to_string(), "disk full");
    assert!(!err.is_unsent(), "the request was sent");
}

// ---------------------------------------------------------------------------------------------
// Members without commas (the EF-45 Database sheet prints its answers that way)

use biometric_core::json_field::insert_missing_commas;
use proptest::strategy::Strategy as _;

#[test]
fn the_sheets_comma_less_answers_are_read_with_commas_optional() {
    let rt = runtime();
    for (printed, status) in [
        (r#"{"size":5,"status":"start""file":"aGVsbG8="}"#, "start"),
        (r#"{"size":5 "status":"done" "file":"aGVsbG8="}"#, "done"),
        (
            r#"{"file":"aGVsbG8=""size":5"status":"continuous"}"#,
            "continuous",
        ),
    ] {
        rt.block_on(async {
            let mut strict = JsonFieldDecoder::new("file", Vec::new());
            let refused = strict.write_all(printed.as_bytes()).await;
            assert!(refused.is_err(), "strict by default: {printed}");

            let mut lenient = JsonFieldDecoder::new("file", Vec::new()).commas_optional();
            lenient.write_all(printed.as_bytes()).await.unwrap();
            assert_eq!(lenient.finish().await.unwrap(), 5, "{printed}");
            assert_eq!(lenient.member("size"), Some(&json!(5)), "{printed}");
            assert_eq!(lenient.member("status"), Some(&json!(status)), "{printed}");
            assert_eq!(lenient.get_ref().as_slice(), b"hello");
        });
    }
}

#[test]
fn missing_commas_are_put_back_and_valid_json_is_left_alone() {
    let repaired = |text: &str| {
        let fixed = insert_missing_commas(text.as_bytes());
        serde_json::from_slice::<serde_json::Value>(&fixed)
            .unwrap_or_else(|e| panic!("{text} -> {}: {e}", String::from_utf8_lossy(&fixed)))
    };
    assert_eq!(
        repaired(r#"{"size":44915712,"status":"""file":""}"#),
        json!({"size": 44915712, "status": "", "file": ""})
    );
    assert_eq!(
        repaired(r#"{"a":1e-5"b":[1 2 "x"]"c":{"d":true"e":null}}"#),
        json!({"a": 1e-5, "b": [1, 2, "x"], "c": {"d": true, "e": null}})
    );
    assert_eq!(
        repaired(r#"{"quote \" inside":"a\"b""next":-2}"#),
        json!({"quote \" inside": "a\"b", "next": -2})
    );
    for valid in [
        r#"{"a": 1, "b": "x", "c": [1, 2.5, -3e2], "d": {}}"#,
        "[]",
        r#""s""#,
    ] {
        assert!(matches!(
            insert_missing_commas(valid.as_bytes()),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}

proptest::proptest! {
    /// Any JSON object with its member commas taken out reads back as the same object once
    /// they are put back; with its commas, it comes back unchanged.
    #[test]
    fn an_object_without_its_commas_reads_back_the_same(
        members in proptest::collection::btree_map(
            "[a-z ]{0,6}",
            proptest::prop_oneof![
                proptest::prelude::any::<i32>().prop_map(|n| json!(n)),
                proptest::prelude::any::<bool>().prop_map(|b| json!(b)),
                "[ -~]{0,8}".prop_map(|s| json!(s)),
                proptest::collection::vec(proptest::prelude::any::<i16>(), 0..4).prop_map(|v| json!(v)),
            ],
            0..6,
        ),
    ) {
        let object = serde_json::Value::Object(members.into_iter().collect());
        let text = serde_json::to_string(&object).unwrap();
        proptest::prop_assert_eq!(&*insert_missing_commas(text.as_bytes()), text.as_bytes());
        let members: Vec<String> = object
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{}:{}", json!(k), v))
            .collect();
        let without = format!("{{{}}}", members.join(""));
        let back: serde_json::Value =
            serde_json::from_slice(&insert_missing_commas(without.as_bytes())).unwrap();
        proptest::prop_assert_eq!(back, object);
    }
}
