//! Sheets Database and Database (eyelock): the size, the download whole or in parts, and the
//! upload in units.

use std::fmt;
use std::time::Duration;

use biometric_core::json_field::{
    JsonFieldDecoder, JsonFieldError, JsonFieldErrorKind, insert_missing_commas,
};
use biometric_core::{
    ApiError, Body, DecodeError, Error, Method, Operation, RawResponse, Result, StatusCode,
    decode_unit,
};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::client::Client;
use crate::transfer::{
    DEFAULT_MAX_RESTARTS, DEFAULT_UNIT_SIZE, Progress, Source, Transfer, TransferError,
    UnitSequence, UploadReport, UploadSource,
};

/// The timeout of one database download call (the whole answer, or one part), unless the
/// client's options set another. The sheets say only "give a sufficient timeout if the
/// database size is large" and give no transfer rate; ten minutes is the crate's choice.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(600);

/// Which database file: the device's own, or one of the two EyeLock files (sheet Database
/// (eyelock), whose paths end in `/EyeLockFull` or `/EyeLockPart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DatabaseFile {
    /// The device database (sheet Database).
    #[default]
    Main,
    /// "The complete database file" (`.../EyeLockFull`).
    EyeLockFull,
    /// "The partial/incremental database file" (`.../EyeLockPart`).
    EyeLockPart,
}

impl DatabaseFile {
    /// The last path segment of the EyeLock variants.
    fn suffix(self) -> Option<&'static str> {
        match self {
            DatabaseFile::Main => None,
            DatabaseFile::EyeLockFull => Some("EyeLockFull"),
            DatabaseFile::EyeLockPart => Some("EyeLockPart"),
        }
    }

    /// `operation` with this file's suffix appended.
    fn path<T>(self, operation: Operation<T>) -> Operation<T> {
        match self.suffix() {
            Some(suffix) => operation.literal(suffix),
            None => operation,
        }
    }
}

impl fmt::Display for DatabaseFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.suffix().unwrap_or("main"))
    }
}

/// Where a download in parts is, reported after every part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartProgress {
    /// The index of the part just written (from 0, as in the path).
    pub part: usize,
    /// The decoded bytes of that part.
    pub part_bytes: u64,
    /// The decoded bytes written so far, this part included.
    pub received: u64,
    /// Whether the device said `done`: this was the last part.
    pub last: bool,
}

/// What a `{"file": "<base64>", "size": n, ...}` answer said besides its bytes.
struct FileAnswer {
    written: u64,
    status: Option<String>,
}

/// A part's `status` (sheet Database, Multipart Download).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartStatus {
    Start,
    Continuous,
    Done,
}

impl PartStatus {
    /// The sheet's remarks spell it "continous" once, its examples "continuous": both are read.
    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "start" => Some(PartStatus::Start),
            "continuous" | "continous" => Some(PartStatus::Continuous),
            "done" => Some(PartStatus::Done),
            _ => None,
        }
    }
}

/// The upload calls of one file (all `POST`, as both sheets say).
struct DatabaseSequence {
    file: DatabaseFile,
}

impl UnitSequence for DatabaseSequence {
    fn transfer(&self) -> Transfer {
        Transfer::Database(self.file)
    }

    fn start(&self) -> Operation<()> {
        let op = Operation::with_decoder(
            "ef45.database_start",
            Method::POST,
            "database/start",
            decode_unit,
        )
        // The sheets do not say what a second start does to an upload in progress.
        .idempotent(false);
        self.file.path(op)
    }

    fn continuous(&self, len: usize, body: Body) -> Operation<()> {
        let op = Operation::with_decoder(
            "ef45.database_unit",
            Method::POST,
            "database/continuous",
            decode_unit,
        )
        .segment("strSize", len)
        .body(body)
        // The sheet says only that chunks are sent in order; this crate assumes the device
        // appends each one, so a repeat would store it twice. Nor is it sent in a new lock.
        .idempotent(false)
        .no_replay_after_renewal();
        self.file.path(op)
    }

    fn done(&self, len: usize, total: u64, body: Body) -> Operation<()> {
        let op = Operation::with_decoder(
            "ef45.database_done",
            Method::POST,
            "database/done",
            decode_unit,
        )
        .segment("strSize", len)
        .segment("strTotalSize", total)
        .body(body)
        // Appends the last chunk and stores the file (the main file's sheet: the device then
        // restarts): never sent twice, nor in a new lock.
        .idempotent(false)
        .no_replay_after_renewal();
        self.file.path(op)
    }
}

/// `{"size": n, ...}`: `size` as a number or numeric text (the download reads it the same way).
/// Read with the commas the sheets' examples leave out put back.
fn decode_size(raw: RawResponse) -> Result<u64> {
    let text = insert_missing_commas(&raw.body);
    let answer: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| raw.decode_error(None, format!("not a JSON object: {e}")))?;
    answer
        .get("size")
        .and_then(as_count)
        .ok_or_else(|| raw.decode_error(Some("size".into()), "`size` is not a byte count"))
}

/// Sheets Database and Database (eyelock).
impl Client {
    /// The size in bytes of a database file (`GET database/size[/EyeLock...]`).
    ///
    /// The sheets' example, `{"size":44915712,"status":"""file":""}`, is not valid JSON: a
    /// comma is missing, as in all three of the parts download's examples. Both that and
    /// valid JSON are read (only `size` is used, a number or numeric text); anything else is
    /// an [`Error::Decode`] carrying the body.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn database_size(&self, file: DatabaseFile) -> Result<u64> {
        let op = Operation::with_decoder(
            "ef45.database_size",
            Method::GET,
            "database/size",
            decode_size,
        );
        self.send(file.path(op)).await
    }

    /// Downloads a database file whole (`GET database[/EyeLock...]`) and writes its bytes to
    /// `sink`; returns the number of bytes written.
    ///
    /// The answer is `{"file": "<base64>", "size": n}`, tens of MB: it is decoded while it
    /// arrives, never held whole (see [`JsonFieldDecoder`]), and the decoded length is checked
    /// against `size`. An answer that is not that object, base64 that breaks off, or a length
    /// other than `size` is an [`Error::Decode`] saying how many bytes were written and what
    /// `size` said; `sink` then holds those bytes. A connection that breaks or times out
    /// mid-answer is the transport error alone: `sink` holds what arrived before, a count this
    /// error does not give. `sink` is flushed, not shut down. The call's
    /// timeout is [`DATABASE_TIMEOUT`] unless the client's options set one.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use ef45_client::DatabaseFile;
    /// let mut file = tokio::fs::File::create("ef45.db").await?;
    /// let bytes = device.download_database(DatabaseFile::Main, &mut file).await?;
    /// println!("{bytes} bytes");
    /// # Ok(()) }
    /// ```
    ///
    /// **Resent** after a failure that may go away only before its first byte reached `sink`; a
    /// download that broke mid-way is returned as an error (`sink` holds the partial body).
    pub async fn download_database<W>(&self, file: DatabaseFile, sink: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let op = Operation::with_decoder("ef45.database", Method::GET, "database", decode_unit);
        let answer = self
            .download_file(file.path(op).timeout(DATABASE_TIMEOUT), sink)
            .await?;
        Ok(answer.written)
    }

    /// Downloads a database file in parts (`GET database/partial/{index}[/EyeLock...]`, the
    /// sheet's "Multipart Download", 10 MB parts) and writes them in order to `sink`; returns
    /// the number of bytes written.
    ///
    /// Asks for index 0, 1, 2... until a part's `status` is `done` (index 0 answers `start`,
    /// the others `continuous`). Each part is streamed and checked like
    /// [`download_database`](Self::download_database), and `progress` is called after it. A
    /// `start` after index 0, an unknown status, or a part that is neither the last nor holds
    /// any byte (the walk would never end) is an [`Error::Decode`]. On failure, the parts
    /// reported to `progress` were written whole; the failing part may be partly written.
    ///
    /// **Resent** part by part after a failure that may go away, only before a part's first byte
    /// reached `sink`.
    pub async fn download_database_parts<W>(
        &self,
        file: DatabaseFile,
        sink: &mut W,
        mut progress: impl FnMut(PartProgress) + Send,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let mut received = 0u64;
        let mut part = 0usize;
        loop {
            let op = Operation::with_decoder(
                "ef45.database_part",
                Method::GET,
                "database/partial",
                decode_unit,
            )
            .segment("index", part);
            let answer = self
                .download_file(file.path(op).timeout(DATABASE_TIMEOUT), sink)
                .await?;
            received += answer.written;
            let status = part_status(part, &answer)?;
            let last = status == PartStatus::Done;
            progress(PartProgress {
                part,
                part_bytes: answer.written,
                received,
                last,
            });
            if last {
                return Ok(received);
            }
            if answer.written == 0 {
                return Err(part_error(part, "holds no bytes and is not `done`"));
            }
            part += 1;
        }
    }

    /// Uploads a database file of `total_len` bytes read from `source`: `database/start`,
    /// units of base64 text through `database/continuous/{strSize}` and the last one through
    /// `database/done/{strSize}/{strTotalSize}` (each with the file's `/EyeLock...` suffix),
    /// where `strSize` is the unit's raw byte count and `strTotalSize` the file's: the crate's
    /// reading (the sheets' examples, `786432` and `78643200`, fit it, but also a base64
    /// length). Units are [`DEFAULT_UNIT_SIZE`] bytes.
    ///
    /// The Database sheet: after storing the main file the device restarts (the EyeLock sheet
    /// says nothing of a restart). The answers are not documented: any 2xx is success. What
    /// `database/start` does to an unfinished upload is not documented either. Memory, source checks, retries and errors are as for
    /// [`upload_firmware`](Self::upload_firmware).
    pub async fn upload_database(
        &self,
        file: DatabaseFile,
        source: impl AsyncRead + Unpin + Send,
        total_len: u64,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<UploadReport, TransferError> {
        let sequence = DatabaseSequence { file };
        let source = Source::once(source, total_len);
        self.upload_units(&sequence, source, DEFAULT_UNIT_SIZE, 0, &mut progress)
            .await
    }

    /// [`upload_database`](Self::upload_database) from a source that can be read again: when
    /// the lock goes stale mid-upload (a unit refused with code 1102, not executed), the upload
    /// starts over in a new lock from `database/start`, reading the source from its first byte,
    /// at most [`DEFAULT_MAX_RESTARTS`] times ([`Progress::restart`] shows it). The sheets do
    /// not say what a second `database/start` does to the lost lock's unfinished upload; this
    /// crate's reading is the Firmware sheet's (a start abandons it). No unit of the lost run is
    /// sent in the new lock.
    pub async fn upload_database_from(
        &self,
        file: DatabaseFile,
        source: UploadSource,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<UploadReport, TransferError> {
        let sequence = DatabaseSequence { file };
        let source = Source::Reopen(&source);
        self.upload_units(
            &sequence,
            source,
            DEFAULT_UNIT_SIZE,
            DEFAULT_MAX_RESTARTS,
            &mut progress,
        )
        .await
    }

    /// Streams one `{"file": "<base64>", "size": n}` answer into `sink`, decoded, and checks
    /// the length against `size`.
    async fn download_file<W>(&self, op: Operation<()>, sink: &mut W) -> Result<FileAnswer>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let name = op.name();
        // The sheets print these answers without commas between members: both are read.
        let mut decoder = JsonFieldDecoder::new("file", sink).commas_optional();
        let streamed = self.download(op, &mut decoder).await;
        let finished = match streamed {
            Ok(_) => decoder.finish().await.map_err(|e| Error::writer(name, e)),
            Err(error) => Err(error),
        };
        if let Some(failure) = decoder.error() {
            return Err(answer_error(name, failure, &decoder));
        }
        let written = finished?;
        let size = decoder.member("size").and_then(as_count);
        match size {
            Some(size) if size == written => Ok(FileAnswer {
                written,
                status: decoder
                    .member("status")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            }),
            Some(size) => Err(decode_error(
                name,
                format!("decoded {written} bytes, but `size` says {size}"),
            )),
            None => Err(decode_error(
                name,
                format!("no `size` to check the {written} decoded bytes against"),
            )),
        }
    }
}

/// The sheets type `size` as an int; a number in a string is read too.
fn as_count(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

fn decode_error(operation: &'static str, message: String) -> Error {
    DecodeError::new(operation, message)
        .with_status(StatusCode::OK)
        .into()
}

/// The answer was not the documented object. An answer without `file` but with the device's
/// error fields (`status_code`, `reason_phrase`; notes.md) is the device refusing under a
/// success status: an [`Error::Api`] with its code and text. Anything else is an
/// [`Error::Decode`] at path `file` saying what is known (the bytes decoded, all written, and
/// `size` if it came before the failure).
fn answer_error<W>(
    operation: &'static str,
    failure: &JsonFieldError,
    decoder: &JsonFieldDecoder<W>,
) -> Error {
    let text = |name: &str| {
        decoder.member(name).map(|v| match v {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    };
    let (code, reason) = (text("status_code"), text("reason_phrase"));
    if failure.kind() == JsonFieldErrorKind::Missing && (code.is_some() || reason.is_some()) {
        let mut api = ApiError::new(operation, StatusCode::OK);
        api.code = code;
        api.message = reason;
        return api.into();
    }
    let size = match decoder.member("size").and_then(as_count) {
        Some(size) => format!("`size` says {size}"),
        None => "no `size` read".to_owned(),
    };
    // The decoded bytes the failure counts were all handed to the writer: the decoder passes
    // each piece on before it reads the next.
    let error = DecodeError::new(operation, format!("{failure}; {size}"))
        .with_status(StatusCode::OK)
        .with_path("file");
    error.into()
}

fn part_status(part: usize, answer: &FileAnswer) -> Result<PartStatus> {
    let Some(text) = answer.status.as_deref() else {
        return Err(part_error(part, "has no `status`"));
    };
    match PartStatus::parse(text) {
        Some(PartStatus::Start) if part > 0 => Err(part_error(
            part,
            "says `start` again: the device restarted the transfer",
        )),
        Some(status) => Ok(status),
        None => Err(part_error(
            part,
            "has a `status` other than start, continuous or done",
        )),
    }
}

fn part_error(part: usize, what: &str) -> Error {
    decode_error("ef45.database_part", format!("part {part} {what}"))
}
