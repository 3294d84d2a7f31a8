//! What the secrets suites share: the tracing output of one test, captured at TRACE, and the
//! helpers that look for secrets in it and in errors.

use std::sync::{Arc, Mutex};

/// Collects everything a tracing fmt subscriber writes.
#[derive(Debug, Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

thread_local! {
    /// The buffer of the capture running on this thread, if any.
    static SINK: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Where the process-wide subscriber writes: the capture of the thread the event happens on.
#[derive(Debug, Clone, Copy)]
struct ThreadSink;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for ThreadSink {
    type Writer = Box<dyn std::io::Write + 'a>;

    fn make_writer(&'a self) -> Self::Writer {
        match SINK.with(|sink| sink.borrow().clone()) {
            Some(captured) => Box::new(captured),
            None => Box::new(std::io::sink()),
        }
    }
}

/// A subscriber enabled only on a thread that captures: the other tests of the binary pay
/// nothing for it. Every callsite is asked again each time (`Interest::sometimes`), since the
/// answer depends on the thread.
struct WhileCapturing<S>(S);

fn capturing() -> bool {
    SINK.with(|sink| sink.borrow().is_some())
}

impl<S: tracing::Subscriber> tracing::Subscriber for WhileCapturing<S> {
    fn register_callsite(
        &self,
        metadata: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        self.0.register_callsite(metadata);
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        capturing() && self.0.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        self.0.max_level_hint()
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.0.new_span(span)
    }

    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.0.record(span, values)
    }

    fn record_follows_from(&self, span: &tracing::span::Id, follows: &tracing::span::Id) {
        self.0.record_follows_from(span, follows)
    }

    fn event(&self, event: &tracing::Event<'_>) {
        self.0.event(event)
    }

    fn enter(&self, span: &tracing::span::Id) {
        self.0.enter(span)
    }

    fn exit(&self, span: &tracing::span::Id) {
        self.0.exit(span)
    }

    fn clone_span(&self, id: &tracing::span::Id) -> tracing::span::Id {
        self.0.clone_span(id)
    }

    fn try_close(&self, id: tracing::span::Id) -> bool {
        self.0.try_close(id)
    }
}

/// Ends the capture of its thread when dropped.
#[derive(Debug)]
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        SINK.with(|sink| *sink.borrow_mut() = None);
    }
}

/// Captures at TRACE what this thread logs into the returned buffer while the guard lives.
///
/// One process-wide subscriber (installed on first use) writes each event to the capture of
/// the thread it happens on and is enabled only while one runs there. A thread-scoped
/// default subscriber would miss callsites that another test thread of the same binary
/// registered first (tracing caches each callsite's interest), and the test suites of a crate
/// share one binary. The tests run on a current-thread runtime, so the client's events happen
/// on the capturing thread.
pub fn capture() -> (Captured, CaptureGuard) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let subscriber = WhileCapturing(
            tracing_subscriber::fmt()
                .with_writer(ThreadSink)
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .finish(),
        );
        // The only global subscriber of a test binary: if one were already set, captures
        // would come out empty and the suites' "the subscriber saw the calls" checks fail.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
    let captured = Captured::default();
    SINK.with(|sink| *sink.borrow_mut() = Some(captured.clone()));
    (captured, CaptureGuard(()))
}

/// `Debug` and `Display` of an error and of every error in its `source()` chain.
pub fn error_texts(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts = vec![format!("{err:?}"), err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        texts.push(format!("{inner:?}"));
        texts.push(inner.to_string());
        source = inner.source();
    }
    texts
}

/// Standard padded base64, written independently of the SDK's codec, so that a secrets suite
/// looks for the text a server would really see.
pub fn independent_base64(data: &[u8]) -> String {
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
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A JPEG (by its magic bytes) whose bytes, and so whose base64, carry `tag`.
pub fn jpeg_carrying(tag: &str) -> Vec<u8> {
    let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
    data.extend_from_slice(tag.as_bytes());
    data
}

/// Fails naming the secret and where it was found.
pub fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows {secret:?}:\n{text}"
        );
    }
}
