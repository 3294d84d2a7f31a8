//! Sheet Firmware: `update/start`, `update/continuous` for every unit but the last,
//! `update/done` for the last one.

use std::fmt;
use std::path::Path;

use biometric_core::{Body, Method, Operation, RawResponse, Result, decode_unit};
use serde::Deserialize;
use tokio::io::AsyncRead;

use crate::client::Client;
use crate::transfer::Transfer;
use crate::transfer::{
    DEFAULT_MAX_RESTARTS, DEFAULT_UNIT_SIZE, Progress, Source, TransferError, UnitSequence,
    UploadReport, UploadSource,
};

/// How the device takes the image: the same three calls, with `POST` or `PUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FirmwareMode {
    /// A normal upgrade (`POST`).
    #[default]
    Normal,
    /// A forced upgrade or downgrade (`PUT`).
    Forced,
}

impl FirmwareMode {
    fn method(self) -> Method {
        match self {
            FirmwareMode::Normal => Method::POST,
            FirmwareMode::Forced => Method::PUT,
        }
    }
}

/// The settings of a firmware upload: mode, unit size and a progress callback.
///
/// ```
/// use ef45_client::{FirmwareMode, FirmwareUpload};
/// let options = FirmwareUpload::new()
///     .mode(FirmwareMode::Forced)
///     .on_progress(|p| eprintln!("{}/{} bytes", p.sent, p.total));
/// # let _ = options;
/// ```
#[must_use]
pub struct FirmwareUpload {
    mode: FirmwareMode,
    unit_size: usize,
    max_restarts: u32,
    progress: Option<Box<dyn FnMut(Progress) + Send>>,
}

impl FirmwareUpload {
    /// A normal upgrade in units of [`DEFAULT_UNIT_SIZE`] bytes, without progress reports.
    pub fn new() -> Self {
        FirmwareUpload {
            mode: FirmwareMode::Normal,
            unit_size: DEFAULT_UNIT_SIZE,
            max_restarts: DEFAULT_MAX_RESTARTS,
            progress: None,
        }
    }

    /// Normal (`POST`) or forced (`PUT`) for all three calls.
    pub fn mode(mut self, mode: FirmwareMode) -> Self {
        self.mode = mode;
        self
    }

    /// The raw bytes per unit (each sent as base64, a third larger). A positive multiple of 3,
    /// so that the units' texts join into the base64 text of the whole image, and at most
    /// [`DEFAULT_UNIT_SIZE`](crate::DEFAULT_UNIT_SIZE) (1 MiB of base64: the sheet's "about
    /// 1MB"); anything else is refused before any I/O.
    pub fn unit_size(mut self, bytes: usize) -> Self {
        self.unit_size = bytes;
        self
    }

    /// How many times the upload may start over in a new lock after its lock went stale
    /// mid-way (device code 1102), reading its source again from the beginning
    /// ([`DEFAULT_MAX_RESTARTS`](crate::DEFAULT_MAX_RESTARTS) by default; 0 never restarts).
    /// Only an upload from a file or an [`UploadSource`] can restart.
    pub fn max_restarts(mut self, restarts: u32) -> Self {
        self.max_restarts = restarts;
        self
    }

    /// Called after every unit the device acknowledged; [`Progress::restart`] tells a restarted
    /// run, whose `sent` counts from the first unit again.
    pub fn on_progress(mut self, progress: impl FnMut(Progress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }
}

impl Default for FirmwareUpload {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for FirmwareUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FirmwareUpload")
            .field("mode", &self.mode)
            .field("unit_size", &self.unit_size)
            .field("max_restarts", &self.max_restarts)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// The three calls with the mode's method.
struct FirmwareSequence {
    method: Method,
}

fn start_operation(name: &'static str, method: Method) -> Operation<()> {
    Operation::with_decoder(name, method, "update/start", decode_unit)
        // The sheet: a start aborts any incomplete upload and deletes its data. A second start
        // leaves the device as the first did (an upload opened, nothing received).
        .idempotent(true)
}

impl UnitSequence for FirmwareSequence {
    fn transfer(&self) -> Transfer {
        Transfer::Firmware
    }

    fn start(&self) -> Operation<()> {
        start_operation("ef45.firmware_start", self.method.clone())
    }

    fn continuous(&self, _: usize, body: Body) -> Operation<()> {
        Operation::with_decoder(
            "ef45.firmware_unit",
            self.method.clone(),
            "update/continuous",
            decode_unit,
        )
        .body(body)
        // The sheet says only that units are sent in order; this crate assumes the device
        // appends each unit it receives, so a repeat would store it twice.
        .idempotent(false)
        // A unit belongs to the upload of the lock it was sent under: after a new lock (code
        // 1102) it is not sent again, the upload is reported as broken.
        .no_replay_after_renewal()
    }

    fn done(&self, _: usize, _: u64, body: Body) -> Operation<()> {
        Operation::with_decoder(
            "ef45.firmware_done",
            self.method.clone(),
            "update/done",
            decode_upload_result,
        )
        .body(body)
        // Appends the last unit and starts the upgrade: never sent twice, nor in a new lock.
        .idempotent(false)
        .no_replay_after_renewal()
    }
}

/// The text of a successful `update/done` (sheet Firmware: `{"file":"Upload success"}`).
const UPLOAD_SUCCESS: &str = "Upload success";

/// `{"file": "Upload success"}` is success; any other `file` text is an [`Error::Api`] carrying
/// that text as its message and the raw body (the sheet documents no failure text).
fn decode_upload_result(raw: RawResponse) -> Result<()> {
    #[derive(Deserialize)]
    struct Answer {
        file: String,
    }
    let answer: Answer = raw.json()?;
    if answer.file.trim() == UPLOAD_SUCCESS {
        Ok(())
    } else {
        Err(raw.api_error(None, Some(answer.file)))
    }
}

/// Sheet Firmware.
impl Client {
    /// Uploads a firmware image from `source`: `update/start`, then units of base64 text
    /// through `update/continuous` (every unit but the last) and the last one through
    /// `update/done`, whose answer must be `{"file": "Upload success"}`. The sheet: the device
    /// then checks the version, upgrades and reboots by itself; do not power it off.
    ///
    /// Holds one unit and its base64 text at a time, never the image. A source shorter or
    /// longer than it said is an error (the last unit is then not sent). No unit is sent twice
    /// once it may have reached the device, whatever the retry policy; on failure the
    /// [`TransferError`] says which unit, at which offset, and whether resending it is safe.
    /// Each call has the client's timeout (a longer one: [`Client::with_options`]).
    ///
    /// When the lock goes stale mid-upload (another client forced a lock, or it timed out: the
    /// device refuses the unit with code 1102, which it did not execute), the upload starts
    /// over in a new lock from `update/start` (which aborts the incomplete one), reading the
    /// source again from its first byte, at most [`FirmwareUpload::max_restarts`] times;
    /// [`Progress::restart`] shows it. No unit of the lost run is sent in the new lock.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use ef45_client::{FirmwareUpload, UploadSource};
    /// let options = FirmwareUpload::new().on_progress(|p| {
    ///     if p.unit == 0 && p.restart > 0 {
    ///         eprintln!("lock lost: starting again ({})", p.restart);
    ///     }
    ///     eprintln!("{} of {}", p.sent, p.total);
    /// });
    /// let report = device
    ///     .upload_firmware_from(UploadSource::file("ef45-2.2.41.bin"), options)
    ///     .await?;
    /// println!("{} units sent, {} restarts", report.units, report.restarts);
    /// # Ok(()) }
    /// ```
    pub async fn upload_firmware_from(
        &self,
        source: UploadSource,
        options: FirmwareUpload,
    ) -> Result<UploadReport, TransferError> {
        self.run_firmware_upload(Source::Reopen(&source), options)
            .await
    }

    /// [`upload_firmware_from`](Self::upload_firmware_from) of the file at `path`, opened
    /// again (and its length read again) if the upload restarts.
    pub async fn upload_firmware_file(
        &self,
        path: impl AsRef<Path>,
        options: FirmwareUpload,
    ) -> Result<UploadReport, TransferError> {
        let source = UploadSource::file(path.as_ref());
        self.upload_firmware_from(source, options).await
    }

    /// [`upload_firmware_from`](Self::upload_firmware_from) of `total_len` bytes read once from
    /// `source`. A reader cannot be read again, so a lock lost mid-upload stops it with a
    /// [`TransferError`] whose [`is_lock_lost`](TransferError::is_lock_lost) is true: use a
    /// file or an [`UploadSource`] for an upload that restarts by itself.
    pub async fn upload_firmware(
        &self,
        source: impl AsyncRead + Unpin + Send,
        total_len: u64,
        options: FirmwareUpload,
    ) -> Result<UploadReport, TransferError> {
        self.run_firmware_upload(Source::once(source, total_len), options)
            .await
    }

    async fn run_firmware_upload(
        &self,
        source: Source<'_>,
        options: FirmwareUpload,
    ) -> Result<UploadReport, TransferError> {
        let FirmwareUpload {
            mode,
            unit_size,
            max_restarts,
            progress,
        } = options;
        let mut progress = progress.unwrap_or_else(|| Box::new(|_| {}));
        let sequence = FirmwareSequence {
            method: mode.method(),
        };
        self.upload_units(&sequence, source, unit_size, max_restarts, &mut *progress)
            .await
    }

    /// Sends `update/start` alone, in `mode`.
    ///
    /// The sheets have no abort call; the Firmware sheet says of `update/start` that "the
    /// previous incomplete firmware data transmission will be aborted and the firmware data
    /// will be deleted". This is that call with nothing after it: the device is left with an
    /// opened, empty upload, which the sheets do not say ever times out.
    ///
    /// **Resent** after a failure that may go away: a second start leaves the device as the first
    /// did (an upload opened, nothing received).
    pub async fn abort_firmware_upload(&self, mode: FirmwareMode) -> Result<()> {
        self.send(start_operation("ef45.firmware_abort", mode.method()))
            .await
    }
}
