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

/// A TRACE-level subscriber for this thread writing into the returned buffer; it stays the
/// thread's default while the guard lives.
///
/// A thread-scoped subscriber sees callsites reliably only when no other test registers them
/// at the same time: keep each secrets test alone in its test binary.
pub fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
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
