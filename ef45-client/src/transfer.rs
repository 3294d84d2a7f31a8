//! What the chunked uploads (sheets Firmware and Database) share: a start call, then units read
//! from a source into one reused buffer and sent as base64 text, the last one to a `done` call;
//! progress after each unit, and an error that says where the upload stopped.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;

use biometric_core::{Body, Bytes, Error, Operation};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::auth::is_stale_lock;
use crate::client::Client;
use crate::database::DatabaseFile;

/// The default unit: 786 432 raw bytes (768 KiB), which is 1 MiB of base64 text. The Firmware
/// sheet says "about 1MB in total per each unit"; the Database sheet's own example sends
/// `continuous/786432`.
pub const DEFAULT_UNIT_SIZE: usize = 786_432;

/// The content type of a unit. The sheets say units are "encoded with Base64" and document
/// nothing more: each unit's body is its base64 text (standard alphabet, padded), sent as
/// `text/plain` without a JSON wrapper (the reading the simulator implements too).
pub(crate) const UNIT_CONTENT_TYPE: &str = "text/plain";

/// How many times an upload restarts from its start call after its lock went stale, unless
/// the caller says otherwise.
pub const DEFAULT_MAX_RESTARTS: u32 = 3;

/// Where an upload is, reported after every unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Source bytes sent and acknowledged so far in this run of the upload (back to the first
    /// unit's bytes after a restart).
    pub sent: u64,
    /// Source bytes in all.
    pub total: u64,
    /// The index (from 0) of the unit just acknowledged.
    pub unit: usize,
    /// The number of units in all.
    pub units: usize,
    /// How many times the upload restarted from its start call (0 on the first run): a lock
    /// that went stale mid-upload (device code 1102) makes it start over in a new lock.
    pub restart: u32,
}

/// A finished upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadReport {
    /// Source bytes sent.
    pub bytes: u64,
    /// Units sent (the last one through the `done` call) in the run that finished.
    pub units: usize,
    /// How many times the upload restarted from its start call in a new lock.
    pub restarts: u32,
}

/// What an upload reads, able to start again from its first byte: a file (opened again, its
/// length read again), bytes in memory, or a function that opens a fresh reader.
///
/// An upload whose lock goes stale mid-way (device code 1102: another client forced a lock,
/// or the lock timed out) restarts from its start call in a new lock, which the Firmware sheet
/// says aborts the incomplete transfer, and reads its source again from the beginning. A
/// plain reader ([`Client::upload_firmware`]) cannot be read twice, so that upload stops with
/// the error instead.
///
/// ```
/// use ef45_client::UploadSource;
/// let from_disk = UploadSource::file("ef45-2.2.41.bin");
/// let in_memory = UploadSource::bytes(vec![0u8; 1024]);
/// let opened = UploadSource::from_fn(1024, || async {
///     Ok::<_, std::io::Error>(std::io::Cursor::new(vec![0u8; 1024]))
/// });
/// # let _ = (from_disk, in_memory, opened);
/// ```
pub struct UploadSource {
    opener: Opener,
}

type OpenFuture = Pin<Box<dyn Future<Output = io::Result<BoxedReader<'static>>> + Send>>;
type BoxedReader<'a> = Box<dyn AsyncRead + Unpin + Send + 'a>;

enum Opener {
    File(PathBuf),
    Bytes(Bytes),
    Function {
        len: u64,
        open: Box<dyn Fn() -> OpenFuture + Send + Sync>,
    },
}

impl UploadSource {
    /// The file at `path`, opened for each run of the upload; its length is read when opened.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        UploadSource {
            opener: Opener::File(path.into()),
        }
    }

    /// Bytes in memory (cloning [`Bytes`] copies nothing).
    pub fn bytes(data: impl Into<Bytes>) -> Self {
        UploadSource {
            opener: Opener::Bytes(data.into()),
        }
    }

    /// `open` gives a reader of `total_len` bytes from the first one, each time it is called.
    pub fn from_fn<F, Fut, R>(total_len: u64, open: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<R>> + Send + 'static,
        R: AsyncRead + Unpin + Send + 'static,
    {
        let open = move || -> OpenFuture {
            let opening = open();
            Box::pin(async move { Ok(Box::new(opening.await?) as BoxedReader<'static>) })
        };
        UploadSource {
            opener: Opener::Function {
                len: total_len,
                open: Box::new(open),
            },
        }
    }

    /// A reader from the first byte and the number of bytes it holds.
    async fn open(&self) -> io::Result<(BoxedReader<'static>, u64)> {
        match &self.opener {
            Opener::File(path) => {
                let file = tokio::fs::File::open(path).await?;
                let len = file.metadata().await?.len();
                Ok((Box::new(file), len))
            }
            Opener::Bytes(data) => Ok((Box::new(io::Cursor::new(data.clone())), data.len() as u64)),
            Opener::Function { len, open } => Ok((open().await?, *len)),
        }
    }
}

impl fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.opener {
            Opener::File(path) => f.debug_tuple("UploadSource::File").field(path).finish(),
            Opener::Bytes(data) => write!(f, "UploadSource::Bytes({} bytes)", data.len()),
            Opener::Function { len, .. } => write!(f, "UploadSource::Function({len} bytes)"),
        }
    }
}

/// The source of one upload: one that starts again, or a reader read once.
pub(crate) enum Source<'a> {
    Reopen(&'a UploadSource),
    Once(Option<(BoxedReader<'a>, u64)>),
}

impl<'a> Source<'a> {
    /// A reader read once, `len` bytes long.
    pub(crate) fn once(reader: impl AsyncRead + Unpin + Send + 'a, len: u64) -> Self {
        Source::Once(Some((Box::new(reader), len)))
    }

    fn can_restart(&self) -> bool {
        matches!(self, Source::Reopen(_))
    }

    async fn open(&mut self) -> Result<(BoxedReader<'a>, u64), Error> {
        let unreadable = |e: io::Error| Error::invalid("source", format!("cannot be read: {e}"));
        match self {
            Source::Reopen(source) => source.open().await.map_err(unreadable),
            Source::Once(reader) => reader
                .take()
                .ok_or_else(|| Error::invalid("source", "was read already and cannot restart")),
        }
    }
}

/// Which upload failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transfer {
    /// A firmware image (`update/...`).
    Firmware,
    /// A database file (`database/...`).
    Database(DatabaseFile),
}

/// Which step of an upload failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferStage {
    /// The arguments were refused before any I/O, or the start call failed.
    Start,
    /// A unit before the last (`continuous`).
    Continuous,
    /// The last unit (`done`), or the device's answer to it.
    Done,
    /// The source could not be read, or holds fewer or more bytes than announced. The unit was
    /// not sent.
    Source,
}

/// An upload that stopped: which step and unit, where in the source, and whether sending that
/// unit again is safe. The cause is [`source`](Self::source), printed by `Display`.
///
/// The device documents no way to resume an upload, and this crate has no call to send one unit
/// alone. When `resend_safe` is false the unit may have reached the device, which then holds an
/// unknown part of the upload. For firmware, the Firmware sheet says `update/start` discards an
/// incomplete upload, so upload again from the beginning; the database sheets say nothing of a
/// second start. A failure of the last unit ([`TransferStage::Done`]) may hide a success (the
/// device restarts or reboots after it): check first (the application version, the database
/// size) before uploading again. A lock lost during the upload (device code 1102) stops it: its
/// units are not sent in the new lock, whose upload state the sheets do not describe.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransferError {
    /// The upload.
    pub transfer: Transfer,
    /// The step that failed.
    pub stage: TransferStage,
    /// The index (from 0) of the unit being read or sent (0 for the start call).
    pub unit: usize,
    /// The number of units in all (0 when the arguments were refused).
    pub units: usize,
    /// The source offset of the unit's first byte.
    pub offset: u64,
    /// True only when the unit certainly did not reach the device ([`Error::is_unsent`]: refused
    /// before any I/O, or the connection could not be made), so the device holds exactly the
    /// units before it.
    pub resend_safe: bool,
    /// How many times the upload had restarted from its start call before this failure.
    pub restarts: u32,
    /// What failed.
    pub source: Error,
}

impl TransferError {
    /// True when the device refused a unit because the lock had gone stale (device code
    /// 1102): the unit was not executed, and the device's half-done upload belongs to the lost
    /// lock. Only a new upload from its start call can go on from there.
    pub fn is_lock_lost(&self) -> bool {
        matches!(self.stage, TransferStage::Continuous | TransferStage::Done)
            && self.source.as_api().is_some_and(is_stale_lock)
    }
}

impl fmt::Display for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transfer::Firmware => f.write_str("firmware"),
            Transfer::Database(file) => write!(f, "{file} database"),
        }
    }
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.stage {
            TransferStage::Start => "at its start",
            TransferStage::Continuous => "sending",
            TransferStage::Done => "sending the last",
            TransferStage::Source => "reading the source for",
        };
        write!(f, "{} upload failed {step}", self.transfer)?;
        if self.stage != TransferStage::Start {
            write!(
                f,
                " unit index {} of {} units (source offset {})",
                self.unit, self.units, self.offset
            )?;
        }
        if self.restarts > 0 {
            write!(f, " after {} restarts", self.restarts)?;
        }
        // The cause is printed here, so `source()` goes on below it.
        write!(f, ": {}", self.source)?;
        if self.is_lock_lost() {
            return f.write_str(
                "; the lock went stale and the unit was not executed: upload again from the \
                 start (from a file or an UploadSource it restarts by itself)",
            );
        }
        match (self.resend_safe, self.stage) {
            (true, _) => f.write_str("; the device holds the units before it"),
            (false, TransferStage::Done) => f.write_str(
                "; the last unit may have reached the device, which may be restarting: \
                 check the device before uploading again",
            ),
            (false, _) => f.write_str(
                "; the unit may have reached the device, which documents no resume: upload \
                 again from the start",
            ),
        }
    }
}

/// `Display` prints the cause whole; the chain goes on from the cause's own source.
impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.source)
    }
}

/// The calls of one upload sequence.
pub(crate) trait UnitSequence {
    /// Which upload it is, for errors.
    fn transfer(&self) -> Transfer;
    /// The call that opens the upload.
    fn start(&self) -> Operation<()>;
    /// A unit before the last, `len` raw bytes encoded in `body`.
    fn continuous(&self, len: usize, body: Body) -> Operation<()>;
    /// The last unit, `len` raw bytes of `total`.
    fn done(&self, len: usize, total: u64, body: Body) -> Operation<()>;
}

/// The number of units, or why the arguments are refused (before any I/O). A unit size that is
/// a multiple of 3 encodes to base64 without padding, so the units' texts joined are the base64
/// text of the whole source.
pub(crate) fn plan(total: u64, unit_size: usize) -> Result<usize, Error> {
    if total == 0 {
        return Err(Error::invalid("total_len", "must be at least 1 byte"));
    }
    if unit_size == 0 || !unit_size.is_multiple_of(3) {
        return Err(Error::invalid(
            "unit_size",
            "must be a positive multiple of 3 (units then join into one base64 text)",
        ));
    }
    if unit_size > DEFAULT_UNIT_SIZE {
        return Err(Error::invalid(
            "unit_size",
            "must be at most 786432 bytes, 1 MiB of base64 (the sheet: \"about 1MB in total \
             per each unit\")",
        ));
    }
    usize::try_from(total.div_ceil(unit_size as u64))
        .map_err(|_| Error::invalid("total_len", "needs more units than this platform counts"))
}

/// One run of an upload: the arguments every step needs to report a failure.
struct Run<'a, S> {
    sequence: &'a S,
    total: u64,
    units: usize,
    restart: u32,
}

impl<S: UnitSequence> Run<'_, S> {
    fn error(
        &self,
        stage: TransferStage,
        unit: usize,
        offset: u64,
        source: Error,
    ) -> TransferError {
        TransferError {
            transfer: self.sequence.transfer(),
            stage,
            unit,
            units: self.units,
            offset,
            resend_safe: source.is_unsent(),
            restarts: self.restart,
            source,
        }
    }
}

impl Client {
    /// Runs `sequence` over `source` in units of `unit_size`, restarting from its start call in
    /// a new lock (at most `max_restarts` times) when the device refuses a unit because the lock
    /// went stale, if the source can be read again from its beginning.
    ///
    /// Units are never sent twice once they may have reached the device: their operations are
    /// not idempotent, so the engine retries one only when the connection could not be made,
    /// and never replays one in a new lock. A restart sends the start call first, which aborts
    /// the device's incomplete upload (sheet Firmware), then every unit again from the first.
    pub(crate) async fn upload_units<S>(
        &self,
        sequence: &S,
        mut source: Source<'_>,
        unit_size: usize,
        max_restarts: u32,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<UploadReport, TransferError>
    where
        S: UnitSequence + Sync,
    {
        let mut restart = 0;
        loop {
            let run = |total, units| Run {
                sequence,
                total,
                units,
                restart,
            };
            let (reader, total) = source
                .open()
                .await
                .map_err(|e| run(0, 0).error(TransferStage::Source, 0, 0, e))?;
            let result = self
                .upload_run(run(total, 0), reader, unit_size, progress)
                .await;
            match result {
                Err(err)
                    if err.is_lock_lost() && source.can_restart() && restart < max_restarts =>
                {
                    restart += 1;
                    tracing::warn!(
                        transfer = %sequence.transfer(),
                        restart,
                        "the lock went stale mid-upload: starting again in a new lock"
                    );
                    self.drop_lock().await;
                }
                other => return other,
            }
        }
    }

    /// One run: the start call, then every unit. Holds one unit and its base64 text at a time.
    async fn upload_run<S>(
        &self,
        run: Run<'_, S>,
        mut source: BoxedReader<'_>,
        unit_size: usize,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<UploadReport, TransferError>
    where
        S: UnitSequence + Sync,
    {
        let total = run.total;
        let units = plan(total, unit_size).map_err(|e| run.error(TransferStage::Start, 0, 0, e))?;
        let run = Run { units, ..run };
        self.send(run.sequence.start())
            .await
            .map_err(|e| run.error(TransferStage::Start, 0, 0, e))?;
        let mut buffer = vec![0u8; usize::try_from(total).map_or(unit_size, |t| t.min(unit_size))];
        for unit in 0..units {
            let offset = unit as u64 * unit_size as u64;
            let len = (total - offset).min(unit_size as u64) as usize;
            let last = unit + 1 == units;
            let raw = &mut buffer[..len];
            read_unit(&mut source, raw, offset, total, last)
                .await
                .map_err(|e| run.error(TransferStage::Source, unit, offset, e))?;
            let body = Body::bytes(UNIT_CONTENT_TYPE, biometric_core::base64::encode(raw));
            let (stage, op) = if last {
                (TransferStage::Done, run.sequence.done(len, total, body))
            } else {
                (
                    TransferStage::Continuous,
                    run.sequence.continuous(len, body),
                )
            };
            self.send(op)
                .await
                .map_err(|e| run.error(stage, unit, offset, e))?;
            progress(Progress {
                sent: offset + len as u64,
                total,
                unit,
                units,
                restart: run.restart,
            });
        }
        Ok(UploadReport {
            bytes: total,
            units,
            restarts: run.restart,
        })
    }
}

/// Fills `unit` from `source`; after the last unit, checks that the source has ended. A source
/// shorter or longer than announced is refused before the unit is sent (never truncated).
async fn read_unit<R: AsyncRead + Unpin + ?Sized>(
    source: &mut R,
    unit: &mut [u8],
    offset: u64,
    total: u64,
    last: bool,
) -> Result<(), Error> {
    let unreadable = |e: std::io::Error| Error::invalid("source", format!("cannot be read: {e}"));
    let mut filled = 0;
    while filled < unit.len() {
        match source.read(&mut unit[filled..]).await.map_err(unreadable)? {
            0 => {
                return Err(Error::invalid(
                    "source",
                    format!(
                        "ended after {} bytes, but total_len is {total}",
                        offset + filled as u64
                    ),
                ));
            }
            n => filled += n,
        }
    }
    if last && source.read(&mut [0u8; 1]).await.map_err(unreadable)? > 0 {
        return Err(Error::invalid(
            "source",
            format!("holds more than total_len ({total} bytes)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_refuses_what_cannot_be_sent_and_counts_units() {
        assert_eq!(plan(1, 3).unwrap(), 1);
        assert_eq!(plan(3, 3).unwrap(), 1);
        assert_eq!(plan(4, 3).unwrap(), 2);
        assert_eq!(
            plan(256 * 1024 * 1024, DEFAULT_UNIT_SIZE).unwrap(),
            342,
            "256 MiB in 768 KiB units"
        );
        for (total, unit) in [(0, 3), (10, 0), (10, 4), (10, 786_433)] {
            let err = plan(total, unit).unwrap_err();
            assert!(err.is_unsent(), "{err}");
        }
        assert_eq!(DEFAULT_UNIT_SIZE % 3, 0);
        assert_eq!(DEFAULT_UNIT_SIZE / 3 * 4, 1024 * 1024, "1 MiB of base64");
    }
}
