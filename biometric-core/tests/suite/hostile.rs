//! Hostile input (issue 13): the core's readers of network bytes (base64 whole, streamed and
//! as serde codecs, JSON decoding with its errors, the error-body parser, redaction, the engine's
//! read path and base64 downloads) under mutated valid inputs, and multipart requests and file
//! bodies under hostile caller values.
//!
//! `media.rs` and `streaming.rs` already drive the base64 codecs with arbitrary text; here they
//! get *almost valid* text (a real encoding, mutated), where the whole and the streamed decoder
//! must agree.

use biometric_core::base64::{Base64Writer, StreamDecoder};
use biometric_core::redact::{PREVIEW_CHARS, body_preview, scrub_text};
use biometric_core::{
    Body, Bytes, Engine, Error, HeaderMap, Image, ImageFormat, MB, Method, Operation, Part,
    RawResponse, RetryPolicy, SizeLimit, StatusCode, StreamBody, Template, TextLimit,
    TransportKind, decode_unit, default_error_parser,
};
use hostile_input::server::{Answer, Harness, assert_nothing_sent, silent_server};
use hostile_input::{check, edge, mutate};
use proptest::prelude::*;
use serde::Deserialize;

/// A document with every kind of field the vendors' answers use.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Doc {
    id: u64,
    name: String,
    #[serde(with = "biometric_core::base64")]
    photo: Vec<u8>,
    #[serde(default, with = "biometric_core::base64::option")]
    thumbnail: Option<Bytes>,
    image: Option<Image>,
    template: Option<Template>,
    #[serde(default)]
    tags: Vec<String>,
    score: f64,
}

const DOC: &[u8] = br#"{"id": 42, "name": "Ana Souza", "photo": "/9j/4AAQSkZJRg==",
  "thumbnail": "data:image/png;base64,iVBORw0KGgo=", "image": "/9j/4A==", "template": "AQID",
  "tags": ["staff", "gate-2"], "score": 0.93}"#;
const ERROR_DOC: &[u8] = br#"{"code": 3, "message": "classId must be positive", "detail": "x"}"#;
const KEYS: &[&str] = &[
    "id",
    "name",
    "photo",
    "thumbnail",
    "image",
    "template",
    "tags",
    "score",
    "code",
    "message",
    "error",
];

/// A base64 encoding, possibly line-wrapped, then mutated.
fn mutated_base64() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
        prop::collection::vec(mutate::mutation(), 1..4),
    )
        .prop_map(|(data, wrap, mutations)| {
            let mut text = biometric_core::base64::encode(&data);
            if wrap {
                text = text
                    .as_bytes()
                    .chunks(76)
                    .map(|line| String::from_utf8_lossy(line).into_owned())
                    .collect::<Vec<_>>()
                    .join("\r\n");
            }
            let bytes = mutate::apply(text.as_bytes(), &mutations);
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

/// Streams `text` through a [`StreamDecoder`] in pieces cut at `cuts`.
fn stream_decode(text: &[u8], cuts: &[usize]) -> Option<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([text.len()]) {
        decoder.push(&text[start..cut], &mut out).ok()?;
        start = cut;
    }
    decoder.finish(&mut out).ok()?;
    Some(out)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// Writes `text` through a [`Base64Writer`] in pieces and shuts it down.
fn writer_decode(text: &[u8], cuts: &[usize]) -> Option<Vec<u8>> {
    use tokio::io::AsyncWriteExt;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    block_on(async {
        let mut writer = Base64Writer::new(Vec::new());
        let mut start = 0;
        for cut in cuts.into_iter().chain([text.len()]) {
            writer.write_all(&text[start..cut]).await.ok()?;
            start = cut;
        }
        writer.finish().await.ok()
    })
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn whole_decoding_of_mutated_base64_is_bounded_and_its_error_shows_no_text(
        text in mutated_base64(),
    ) {
        match biometric_core::base64::decode(&text) {
            Ok(bytes) => prop_assert!(bytes.len() <= text.len() * 3 / 4 + 3),
            Err(err) => {
                let shown = err.to_string();
                prop_assert!(shown.len() < 80, "{shown}");
                if text.len() >= 8 {
                    prop_assert!(!shown.contains(text.trim()), "{shown}");
                }
            }
        }
    }

    #[test]
    fn streamed_and_whole_decoding_agree_on_mutated_base64(
        text in mutated_base64(),
        cuts in prop::collection::vec(0usize..1000, 0..6),
    ) {
        // The stream decoder does not take a data-URL prefix (documented); whole decoding does.
        prop_assume!(!text.trim_start().starts_with("data:"));
        let whole = biometric_core::base64::decode(&text).ok();
        let streamed = stream_decode(text.as_bytes(), &cuts);
        prop_assert_eq!(&streamed, &whole, "text {:?}", text);
        prop_assert_eq!(writer_decode(text.as_bytes(), &cuts), whole);
    }

    #[test]
    fn serde_codecs_read_mutated_documents_into_bounded_values_or_errors(
        body in mutate::body(&[DOC], KEYS),
    ) {
        match serde_json::from_slice::<Doc>(&body) {
            Ok(doc) => check::output_within(&doc, body.len())?,
            Err(err) => prop_assert!(err.to_string().len() <= 200 + 2 * body.len()),
        }
    }

    #[test]
    fn json_decoding_fails_with_a_decode_error_carrying_the_body(
        body in mutate::body(&[DOC, ERROR_DOC], KEYS),
    ) {
        let raw = RawResponse::new("test.op", StatusCode::OK, HeaderMap::new(), Bytes::from(body.clone()));
        match raw.json::<Doc>() {
            Ok(doc) => check::output_within(&doc, body.len())?,
            Err(err) => {
                prop_assert!(matches!(err, Error::Decode(_)), "{err:?}");
                check::server_failure(&err, &body)?;
            }
        }
        let (code, message) = default_error_parser(&raw);
        // Bounded by the body: a byte that is not UTF-8 becomes U+FFFD (three bytes).
        for text in [code, message].into_iter().flatten() {
            prop_assert!(text.len() <= 3 * body.len(), "{} > 3 * {}", text.len(), body.len());
        }
    }

    #[test]
    fn redaction_never_grows_past_its_preview(
        body in mutate::body(&[DOC, ERROR_DOC], KEYS),
    ) {
        let preview = body_preview(&body);
        prop_assert!(preview.chars().count() <= PREVIEW_CHARS + 40, "{preview}");
        let text = String::from_utf8_lossy(&body);
        prop_assert!(scrub_text(&text).len() <= text.len());
    }
}

thread_local! {
    static HARNESS: (Harness, Engine) = {
        let harness = Harness::start();
        let engine = Engine::builder(harness.uri())
            .http(|h| h.retry(RetryPolicy::disabled()))
            .build()
            .expect("an engine");
        (harness, engine)
    };
}

fn content_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("application/json"),
        Just("text/html"),
        Just("application/octet-stream"),
        Just("application/json; charset=utf-8"),
    ]
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn the_engine_turns_any_answer_into_a_value_or_a_typed_failure(
        status in prop::sample::select(vec![200u16, 201, 400, 404, 422, 500, 503]),
        content_type in content_type(),
        body in mutate::body(&[DOC, ERROR_DOC], KEYS),
    ) {
        HARNESS.with(|(harness, engine)| {
            let mut answer = Answer::json(status, body.clone());
            answer.content_type = content_type.to_owned();
            harness.slot().set(answer);
            let op = Operation::<Doc>::new("test.doc", Method::POST, "doc");
            match harness.block_on(engine.execute(op)) {
                Ok(doc) => {
                    prop_assert!(status < 300);
                    check::output_within(&doc, body.len())
                }
                Err(err) => check::server_failure(&err, &body),
            }
        })?;
    }

    #[test]
    fn a_base64_download_of_mutated_text_decodes_like_the_whole_text_or_fails_typed(
        text in mutated_base64(),
    ) {
        prop_assume!(!text.trim_start().starts_with("data:"));
        HARNESS.with(|(harness, engine)| {
            harness.slot().set(Answer::json(200, text.clone()));
            let op = Operation::with_decoder("test.download", Method::GET, "db", decode_unit);
            let outcome = harness.block_on(async {
                let mut writer = Base64Writer::new(Vec::new());
                engine.download(op, &mut writer).await?;
                writer.finish().await.map_err(|e| Error::invalid("sink", e.to_string()))
            });
            let whole = biometric_core::base64::decode(&text).ok();
            match outcome {
                Ok(bytes) => prop_assert_eq!(Some(bytes), whole),
                Err(Error::Transport(t)) => {
                    prop_assert_eq!(t.kind(), TransportKind::Io);
                    prop_assert!(whole.is_none(), "the whole text decodes, the stream failed");
                }
                Err(err @ Error::InvalidRequest { .. }) => {
                    prop_assert!(whole.is_none(), "{err}");
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        })?;
    }
}

/// The parts of a `multipart/form-data` body: (headers, payload) each.
fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"');
    let delimiter = format!("\r\n--{boundary}");
    // Prefix a CRLF so that the first delimiter looks like the others.
    let mut text = b"\r\n".to_vec();
    text.extend_from_slice(body);
    let mut parts = Vec::new();
    let mut rest = &text[..];
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest_of_part = &rest[2..];
        let end = find(rest_of_part, delimiter.as_bytes()).expect("a closing delimiter");
        let part = &rest_of_part[..end];
        let split = find(part, b"\r\n\r\n").expect("headers end");
        parts.push((
            String::from_utf8_lossy(&part[..split]).into_owned(),
            part[split + 4..].to_vec(),
        ));
        rest = &rest_of_part[end..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

thread_local! {
    static RECORDING: (tokio::runtime::Runtime, wiremock::MockServer, Engine) = {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let server = runtime.block_on(async {
            let server = wiremock::MockServer::start().await;
            wiremock::Mock::given(wiremock::matchers::any())
                .respond_with(wiremock::ResponseTemplate::new(204))
                .mount(&server)
                .await;
            server
        });
        let engine = Engine::builder(server.uri())
            .http(|h| h.retry(RetryPolicy::disabled()))
            .build()
            .unwrap();
        (runtime, server, engine)
    };
}

proptest! {
    #![proptest_config(hostile_input::light_config())]

    /// Multipart values are the caller's (a citizen id, an image): whatever they hold (CRLF, a
    /// `--` line, quotes), each arrives as exactly one part with its bytes intact; a file name
    /// with a control character is refused before anything is sent.
    #[test]
    fn multipart_values_and_file_names_cannot_forge_parts(
        parts in prop::collection::vec(
            (
                prop_oneof![
                    prop::collection::vec(any::<u8>(), 0..64),
                    Just(b"x\r\n--\r\nContent-Disposition: form-data; name=\"forged\"\r\n\r\nv".to_vec()),
                ],
                proptest::option::of("[a-z\"\r\n;=. ]{0,12}"),
            ),
            1..4,
        ),
    ) {
        RECORDING.with(|(runtime, server, engine)| {
            runtime.block_on(server.reset());
            runtime.block_on(
                wiremock::Mock::given(wiremock::matchers::any())
                    .respond_with(wiremock::ResponseTemplate::new(204))
                    .mount(server),
            );
            let body: Vec<Part> = parts
                .iter()
                .enumerate()
                .map(|(i, (data, file_name))| match file_name {
                    Some(file_name) => Part::file(
                        format!("f{i}"),
                        file_name.clone(),
                        "application/octet-stream",
                        data.clone(),
                    ),
                    None => Part::text(format!("f{i}"), String::from_utf8_lossy(data).into_owned()),
                })
                .collect();
            let op = Operation::with_decoder("test.upload", Method::POST, "upload", decode_unit)
                .body(Body::Multipart(body));
            let outcome = runtime.block_on(engine.execute(op));
            let broken = parts
                .iter()
                .position(|(_, name)| name.as_deref().is_some_and(|n| n.chars().any(char::is_control)));
            if let Some(i) = broken {
                // A line break in a file name would end the part's headers: refused unsent.
                check::refused(outcome, &format!("f{i}.file_name"));
                prop_assert!(runtime.block_on(server.received_requests()).unwrap_or_default().is_empty());
                return Ok(());
            }
            outcome.expect("sent");
            let request = runtime
                .block_on(server.received_requests())
                .expect("recorded")
                .pop()
                .expect("one request");
            let content_type = request.headers["content-type"].to_str().unwrap().to_owned();
            let received = multipart_parts(&content_type, &request.body);
            prop_assert_eq!(received.len(), parts.len());
            for (i, ((headers, payload), (data, file_name))) in received.iter().zip(&parts).enumerate() {
                prop_assert!(headers.contains(&format!("name=\"f{i}\"")), "{headers}");
                let expected = match file_name {
                    Some(_) => data.clone(),
                    None => String::from_utf8_lossy(data).into_owned().into_bytes(),
                };
                prop_assert_eq!(payload, &expected);
                // Content-Disposition, and Content-Type for a file: nothing injected.
                prop_assert!(headers.lines().count() <= 2, "{headers}");
            }
            Ok(())
        })?;
    }
}

#[test]
fn zero_byte_and_100_mb_images_are_named_in_their_refusal() {
    let empty = Image::from_bytes(Vec::new());
    assert!(empty.is_empty());
    assert_eq!(empty.format(), ImageFormat::Unknown);
    let rule = check::refused(empty.require(ImageFormat::Jpeg, "photo"), "photo");
    assert_eq!(rule, "is empty", "a zero-byte image says so");

    let huge = Image::from_bytes(edge::jpeg(edge::HUNDRED_MB));
    assert_eq!(
        huge.format(),
        ImageFormat::Jpeg,
        "sniffing reads the first bytes only"
    );
    let rule = check::refused(SizeLimit::under(MB).check("photo", huge.len()), "photo");
    assert_eq!(rule, "must be under 1 MB (found 100000000 bytes)");
}

#[cfg(unix)]
#[tokio::test]
async fn files_with_non_utf8_names_are_read_and_sent() {
    let dir = std::env::temp_dir().join(format!("hostile-core-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(edge::non_utf8_file_name());
    std::fs::write(&path, edge::jpeg(16)).unwrap();

    let image = Image::from_file(&path).unwrap();
    assert_eq!((image.format(), image.len()), (ImageFormat::Jpeg, 16));
    let body = StreamBody::file("image/jpeg", path.clone()).await.unwrap();
    assert_eq!(body.length(), Some(16));

    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri()).build().unwrap();
    let op = Operation::with_decoder("test.upload", Method::PUT, "file", decode_unit)
        .body(Body::Stream(body));
    engine.execute(op).await.unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].body, edge::jpeg(16));

    // A missing file with such a name: an invalid request that does not echo the name.
    let missing = dir.join(edge::non_utf8_file_name()).with_extension("png");
    let err = StreamBody::file("image/png", missing).await.unwrap_err();
    let rule = check::refused(Err::<(), _>(err), "body");
    assert!(rule.contains("cannot read the file"), "{rule}");
    assert!(Image::from_file(dir.join("absent-\u{1}.jpg")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_multipart_part_with_a_bad_content_type_is_refused_before_any_io() {
    let server = silent_server().await;
    let engine = Engine::builder(server.uri()).build().unwrap();
    let op = Operation::with_decoder("test.upload", Method::POST, "upload", decode_unit).body(
        Body::Multipart(vec![Part::file(
            "face",
            "face.jpg",
            "not a mime\r\n",
            vec![1],
        )]),
    );
    let rule = check::refused(engine.execute(op).await, "face.content_type");
    assert_eq!(rule, "must be a MIME type");
    assert_nothing_sent(&server).await;
}

#[test]
fn error_texts_from_a_hostile_server_print_within_the_limit() {
    // A 1 MB message of prose (not token-like, so not elided) in an error body, and a 1 MB
    // quoted value in a decode error.
    let prose = "word ".repeat(200_000);
    let body = serde_json::to_vec(&serde_json::json!({"code": prose, "message": prose})).unwrap();
    let raw = RawResponse::new(
        "test.op",
        StatusCode::BAD_REQUEST,
        HeaderMap::new(),
        Bytes::from(body.clone()),
    );
    let (code, message) = default_error_parser(&raw);
    let api = raw.api_error(code, message);
    check::server_failure(&api, &body).unwrap();

    let body = serde_json::to_vec(&serde_json::json!({"id": prose})).unwrap();
    let raw = RawResponse::new(
        "test.op",
        StatusCode::OK,
        HeaderMap::new(),
        Bytes::from(body.clone()),
    );
    let decode = raw.json::<Doc>().unwrap_err();
    check::server_failure(&decode, &body).unwrap();
}

/// Found by `streamed_and_whole_decoding_agree_on_mutated_base64`: a last group whose unused
/// low bits are not zero (`QR==`, `QR`) decodes whole (WHATWG's forgiving decode ignores them)
/// and failed streamed, so a base64 download the whole decoder reads was refused.
#[test]
fn a_last_group_with_unused_bits_set_decodes_whole_and_streamed_alike() {
    for text in ["QR==", "QR", "QUJDRB", "QUJDRB=="] {
        let whole = biometric_core::base64::decode(text).ok();
        assert!(whole.is_some(), "{text}");
        assert_eq!(stream_decode(text.as_bytes(), &[]), whole, "{text}");
        assert_eq!(stream_decode(text.as_bytes(), &[1, 3]), whole, "{text}");
        assert_eq!(writer_decode(text.as_bytes(), &[2]), whole, "{text}");
    }
    // Found next: padding before the last group ends the text; both decoders refuse it.
    for text in ["AAAAAA==AA==", "AA==AAAA"] {
        assert!(biometric_core::base64::decode(text).is_err(), "{text}");
        assert_eq!(stream_decode(text.as_bytes(), &[]), None, "{text}");
    }
}

/// Found by `multipart_values_and_file_names_cannot_forge_parts`: reqwest writes a file name's
/// CR or LF into the part's headers behind a backslash, so `x\r\nContent-Type: text/html` would
/// have added a header to the part.
#[tokio::test]
async fn a_file_name_with_a_line_break_is_refused_before_any_io() {
    let server = silent_server().await;
    let engine = Engine::builder(server.uri()).build().unwrap();
    let op = Operation::with_decoder("test.upload", Method::POST, "upload", decode_unit).body(
        Body::Multipart(vec![
            Part::text("cedula", "0102030405"),
            Part::file(
                "imagen",
                "x.jpg\r\nContent-Type: text/html",
                "image/jpeg",
                edge::jpeg(8),
            ),
        ]),
    );
    let rule = check::refused(engine.execute(op).await, "imagen.file_name");
    assert_eq!(rule, "must not contain control characters");
    assert_nothing_sent(&server).await;
}

proptest! {
    #![proptest_config(hostile_input::config())]

    #[test]
    fn a_text_limit_refuses_any_control_character_naming_the_field(
        text in edge::text_with_control(),
    ) {
        let rule = check::refused(TextLimit::at_most(64).check("name", &text), "name");
        prop_assert!(rule.contains("control characters") || rule.contains("blank"), "{rule}");
    }
}

#[test]
fn a_text_limit_refuses_blank_and_huge_text() {
    let limit = TextLimit::at_most(1024);
    for blank in edge::BLANK_TEXTS {
        assert_eq!(
            check::refused(limit.check("name", blank), "name"),
            "must not be empty or blank"
        );
    }
    assert_eq!(
        check::refused(limit.check("name", &edge::huge_text()), "name"),
        "must be at most 1024 characters (found 1000000)"
    );
    // Characters, not bytes: 1024 two-byte characters fit.
    assert!(limit.check("name", &"é".repeat(1024)).is_ok());
}
