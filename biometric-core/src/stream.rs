//! Request bodies read chunk by chunk from a file or a reader, so that a 100 MB upload holds a
//! few chunks in memory, not the file.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::HeaderValue;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, Result};

/// The default size of one chunk read from a streamed body: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

type Reader = Pin<Box<dyn AsyncRead + Send>>;

enum Source {
    /// Reopened for every attempt, so a retry can send it again.
    File(PathBuf),
    /// Read once: a second attempt has nothing to send.
    Reader(Mutex<Option<Reader>>),
}

/// A request body that is streamed, never held whole (see [`crate::Body::Stream`]).
///
/// ```no_run
/// # async fn demo() -> biometric_core::Result<()> {
/// use biometric_core::{Body, StreamBody};
/// let firmware = StreamBody::file("application/octet-stream", "ef45-1.4.10.bin").await?;
/// assert_eq!(firmware.length(), Some(std::fs::metadata("ef45-1.4.10.bin").unwrap().len()));
/// let body = Body::Stream(firmware);
/// # let _ = body; Ok(()) }
/// ```
#[derive(Clone)]
pub struct StreamBody {
    content_type: HeaderValue,
    length: Option<u64>,
    chunk_size: usize,
    source: Arc<Source>,
}

impl StreamBody {
    /// The file at `path`, sent with its length as `Content-Length`. A retry reopens the file.
    ///
    /// Fails with [`Error::InvalidRequest`] when `path` is not a readable regular file.
    pub async fn file(content_type: &'static str, path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let metadata = tokio::fs::metadata(&path)
            .await
            .map_err(|e| Error::invalid("body", format!("cannot read the file: {e}")))?;
        if !metadata.is_file() {
            return Err(Error::invalid("body", "must be a regular file"));
        }
        Ok(StreamBody {
            content_type: HeaderValue::from_static(content_type),
            length: Some(metadata.len()),
            chunk_size: DEFAULT_CHUNK_SIZE,
            source: Arc::new(Source::File(path)),
        })
    }

    /// Whatever `reader` yields, sent once (chunked unless `length` is given). An operation with
    /// such a body is never retried: the reader cannot be rewound.
    pub fn reader(
        content_type: &'static str,
        reader: impl AsyncRead + Send + 'static,
        length: Option<u64>,
    ) -> Self {
        StreamBody {
            content_type: HeaderValue::from_static(content_type),
            length,
            chunk_size: DEFAULT_CHUNK_SIZE,
            source: Arc::new(Source::Reader(Mutex::new(Some(Box::pin(reader))))),
        }
    }

    /// The most bytes read at a time ([`DEFAULT_CHUNK_SIZE`] by default, at least 1).
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// The length sent as `Content-Length`, when known.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// The `Content-Type` sent.
    pub fn content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    /// Whether the body can be sent again (a file can, a reader cannot).
    pub fn is_replayable(&self) -> bool {
        matches!(*self.source, Source::File(_))
    }

    /// The chunks to send for one attempt.
    pub(crate) fn open(
        &self,
    ) -> Result<impl Stream<Item = std::io::Result<Bytes>> + Send + 'static> {
        let reader: Reader = match &*self.source {
            Source::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| Error::invalid("body", format!("cannot open the file: {e}")))?;
                Box::pin(tokio::fs::File::from_std(file))
            }
            Source::Reader(slot) => slot
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take()
                .ok_or_else(|| Error::invalid("body", "a reader body can be sent only once"))?,
        };
        Ok(chunks(reader, self.chunk_size))
    }
}

/// Reads `reader` into chunks of at most `size` bytes, one buffer per chunk.
fn chunks(reader: Reader, size: usize) -> impl Stream<Item = std::io::Result<Bytes>> + Send {
    futures_util::stream::unfold(Some(reader), move |state| async move {
        let mut reader = state?;
        let mut buffer = BytesMut::with_capacity(size);
        match reader.read_buf(&mut buffer).await {
            Ok(0) => None,
            Ok(_) => Some((Ok(buffer.freeze()), Some(reader))),
            Err(error) => Some((Err(error), None)),
        }
    })
}

impl fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &*self.source {
            Source::File(_) => "file",
            Source::Reader(_) => "reader",
        };
        f.debug_struct("StreamBody")
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .field("source", &source)
            .finish()
    }
}
