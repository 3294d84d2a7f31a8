//! Bodies that stream: downloads written to a sink chunk by chunk, uploads read from a file or a
//! reader. Memory figures are measured by `cargo bench -p biometric-core --bench streaming`.

use std::time::Duration;

use biometric_core::{
    Body, Engine, Error, Method, Operation, RetryPolicy, StreamBody, decode_unit,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
}

fn engine(server: &MockServer) -> Engine {
    Engine::builder(server.uri())
        .http(|h| h.retry(fast_retries()).max_response_bytes(1024))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_download_reaches_the_sink_whole_and_ignores_the_body_limit() {
    let server = MockServer::start().await;
    let data = pattern(3 * 1024 * 1024);
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(data.clone()))
        .mount(&server)
        .await;

    let mut sink = Vec::new();
    let op = Operation::with_decoder("t.database", Method::GET, "database", decode_unit);
    let written = engine(&server).download(op, &mut sink).await.unwrap();

    assert_eq!(written, data.len() as u64);
    assert!(sink == data, "the sink holds exactly the body");
}

#[tokio::test]
async fn an_error_answer_writes_nothing_and_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no database"))
        .mount(&server)
        .await;

    let mut sink = Vec::new();
    let op = Operation::with_decoder("t.database", Method::GET, "database", decode_unit);
    let err = engine(&server).download(op, &mut sink).await.unwrap_err();

    assert!(matches!(err, Error::Api(_)), "{err}");
    assert_eq!(err.body().unwrap().as_ref(), b"no database");
    assert!(sink.is_empty());
}

#[tokio::test]
async fn a_download_is_retried_while_nothing_was_written() {
    let server = MockServer::start().await;
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(pattern(4096)))
        .with_priority(2)
        .mount(&server)
        .await;

    let mut sink = Vec::new();
    let op = Operation::with_decoder("t.database", Method::GET, "database", decode_unit);
    engine(&server).download(op, &mut sink).await.unwrap();

    assert_eq!(sink, pattern(4096), "only the second answer's bytes");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_file_upload_sends_its_bytes_with_their_length_and_is_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let data = pattern(300 * 1024);
    let file = std::env::temp_dir().join(format!("biometric-core-upload-{}", std::process::id()));
    std::fs::write(&file, &data).unwrap();

    let body = StreamBody::file("application/octet-stream", &file)
        .await
        .unwrap()
        .chunk_size(8 * 1024);
    let op = Operation::with_decoder("t.upload", Method::PUT, "firmware", decode_unit)
        .idempotent(true)
        .body(Body::Stream(body));
    engine(&server).execute(op).await.unwrap();
    std::fs::remove_file(&file).unwrap();

    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2, "the file is reopened for the retry");
    for request in &sent {
        assert!(request.body == data, "every attempt sends the whole file");
        assert_eq!(
            request.headers["content-length"],
            data.len().to_string().as_str()
        );
        assert_eq!(request.headers["content-type"], "application/octet-stream");
    }
}

#[tokio::test]
async fn a_reader_upload_is_sent_once_even_when_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let data = pattern(100 * 1024);
    let reader = std::io::Cursor::new(data.clone());

    let op = Operation::with_decoder("t.upload", Method::PUT, "firmware", decode_unit)
        .idempotent(true)
        .body(Body::Stream(StreamBody::reader(
            "application/octet-stream",
            reader,
            None,
        )));
    let err = engine(&server).execute(op).await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1, "a reader cannot be rewound");
    assert!(sent[0].body == data);
}

#[tokio::test]
async fn a_missing_file_is_an_invalid_request() {
    let err = StreamBody::file("application/octet-stream", "/nonexistent/firmware.bin")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "body"),
        "{err}"
    );
}

#[tokio::test]
async fn a_base64_download_is_decoded_on_the_fly() {
    let server = MockServer::start().await;
    let data = pattern(2 * 1024 * 1024 + 1);
    // Line-wrapped and without padding, as firmware writes it.
    let encoded = biometric_core::base64::encode(&data);
    let wrapped: String = encoded
        .trim_end_matches('=')
        .as_bytes()
        .chunks(76)
        .map(|line| format!("{}\r\n", std::str::from_utf8(line).unwrap()))
        .collect();
    Mock::given(path("/database"))
        .respond_with(ResponseTemplate::new(200).set_body_string(wrapped))
        .mount(&server)
        .await;

    let mut writer = biometric_core::base64::Base64Writer::new(Vec::new());
    let op = Operation::with_decoder("t.database", Method::GET, "database", decode_unit);
    engine(&server).download(op, &mut writer).await.unwrap();
    let decoded = writer.finish().await.unwrap();

    assert!(decoded == data, "{} of {} bytes", decoded.len(), data.len());
}

proptest::proptest! {
    #[test]
    fn streamed_base64_decodes_like_the_whole_text(
        data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        cuts in proptest::collection::vec(0usize..800, 0..8),
    ) {
        use biometric_core::base64::{StreamDecoder, decode, encode};
        let text = encode(&data);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (text.len() + 1)).collect();
        cuts.sort_unstable();
        let mut decoder = StreamDecoder::new();
        let mut out = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([text.len()]) {
            decoder.push(&text.as_bytes()[start..cut], &mut out).unwrap();
            start = cut;
        }
        decoder.finish(&mut out).unwrap();
        proptest::prop_assert_eq!(&out, &data);
        proptest::prop_assert_eq!(decode(&text).unwrap(), data);
    }

    #[test]
    fn streamed_base64_never_panics(pieces in proptest::collection::vec(".{0,40}", 0..6)) {
        let mut decoder = biometric_core::base64::StreamDecoder::new();
        let mut out = Vec::new();
        for piece in &pieces {
            if decoder.push(piece.as_bytes(), &mut out).is_err() {
                return Ok(());
            }
        }
        let _ = decoder.finish(&mut out);
    }
}
