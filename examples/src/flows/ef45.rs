//! CMITECH EF-45: lock, enrol a person with a face and a card, list subjects, page through a
//! date range of logs, read the door; enrol by capture and handle recognitions; upload a
//! firmware. The caller unlocks whatever happens ([`release`]).

use ef45_client::chrono::NaiveDate;
use ef45_client::{
    BiometricText, Card, CardEntry, Client, Error, Face, FaceSubId, LogTime, NewUser, Result,
    SensorState, Subject, UserInfo,
};
use futures_util::TryStreamExt;

use crate::step;

/// What the flow observed, for a reader and for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The device's application version.
    pub version: String,
    /// The subjects listed after the enrolment.
    pub subjects: Vec<String>,
    /// The card the device holds for the new user.
    pub card: String,
    /// The logs counted in the date range.
    pub logs_in_range: u64,
    /// The logs walked page by page in that range.
    pub logs_walked: usize,
    /// Recognitions among them.
    pub recognitions: usize,
    /// The door sensor's state.
    pub door_sensor: SensorState,
    /// The calls the device was too old for, each with what the flow did instead.
    pub fallbacks: Vec<String>,
}

/// The person the flow enrols (templates are placeholders: a real enrolment captures them).
fn person(user_uuid: &str) -> Result<NewUser> {
    let subject = Subject::new(user_uuid, "Kim").templates(
        BiometricText::new("bGVmdC1pcmlz"),
        BiometricText::new("cmlnaHQtaXJpcw=="),
    );
    let card: Card = "65 D8 A1 BD".parse()?;
    Ok(NewUser::new(subject, UserInfo::new(user_uuid))
        .face(Face::new(
            user_uuid,
            FaceSubId::Color,
            BiometricText::new("ZmFjZQ=="),
        ))
        .card(CardEntry::new(0, card)))
}

/// `Some(why)` when `error` says the device's application is too old for the call.
fn too_old(error: &Error) -> Option<String> {
    match error {
        Error::Unsupported(unsupported) => Some(format!(
            "{} needs {}; the device has {}",
            unsupported.operation, unsupported.needs, unsupported.found
        )),
        _ => None,
    }
}

/// Runs the flow, enrolling `user_uuid` (which must not exist yet) and reading the logs of
/// `from` (inclusive) to `to` (exclusive: a date alone is the start of that day). Locks on its
/// first call and leaves the lock to the caller, who releases it whatever happens
/// ([`Client::close`]).
///
/// A device too old for a call (sheet Revision_History) gets the fallback the SDK offers: the
/// log count of a period by walking the log, the logs of a period by walking the ids.
pub async fn run(
    device: &Client,
    user_uuid: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Summary> {
    let version = device.version().await?;
    step(format!("application version {version} (no lock needed)"));
    device.lock().await?;
    step("locked (POST lock); the lock_uid is never printed");
    let mut fallbacks = Vec::new();

    device.enroll_user(&person(user_uuid)?).await?;
    let cards = device.cards(user_uuid).await?;
    let card = cards
        .cards
        .first()
        .map(|c| c.card.to_string())
        .unwrap_or_default();
    step(format!(
        "enrolled {user_uuid} with a face and the card {card} (POST user)"
    ));

    let subjects: Vec<String> = device
        .subjects_stream(Some(50))
        .map_ok(|subject| subject.user_uuid)
        .try_collect()
        .await?;
    step(format!(
        "{} subject(s): {}",
        subjects.len(),
        subjects.join(", ")
    ));

    let logs_in_range = match device.log_count_between(from, to, None).await {
        Err(error) => {
            let Some(why) = too_old(&error) else {
                return Err(error);
            };
            let fallback = format!("{why}: counted by walking the whole log instead");
            step(&fallback);
            fallbacks.push(fallback);
            device.count_logs_by_walking(from, to, None).await?
        }
        count => count?,
    };
    let in_range = match device.logs_between(from, to, None).await {
        Err(error) => {
            let Some(why) = too_old(&error) else {
                return Err(error);
            };
            let fallback = format!("{why}: the period's logs were read by walking the log");
            step(&fallback);
            fallbacks.push(fallback);
            let (start, end) = (LogTime::from(from), LogTime::from(to));
            device
                .logs_stream(Some(100))
                .try_filter(|log| {
                    let inside = log
                        .timestamp
                        .is_some_and(|at| at >= start.to_datetime() && at <= end.to_datetime());
                    std::future::ready(inside)
                })
                .try_collect()
                .await?
        }
        logs => logs?,
    };
    // Walk the same logs again by id, 20 per page, as a poller that remembers ids would.
    let walked: Vec<_> = match (in_range.first(), in_range.last()) {
        (Some(first), Some(last)) => {
            device
                .logs_by_id_stream(first.id..=last.id, Some(20))
                .try_collect()
                .await?
        }
        _ => Vec::new(),
    };
    let recognitions = walked
        .iter()
        .filter(|log| log.recognition().is_some())
        .count();
    step(format!(
        "{logs_in_range} log(s) from {from} to {to}; walked {} in pages of 20, {recognitions} recognition(s)",
        walked.len()
    ));
    if let Some(log) = walked.iter().find(|log| log.recognition().is_some()) {
        // The device's clock has no zone (its `Z` does not make it UTC): convert only with the
        // offset the application configured.
        let when = match (
            log.timestamp,
            log.timestamp.and_then(|at| device.device_time_to_utc(at)),
        ) {
            (Some(_), Some(utc)) => format!("{} UTC", utc.format("%Y-%m-%d %H:%M:%S")),
            (Some(at), None) => format!("{at} device time (zone unknown: set device_utc_offset)"),
            (None, _) => format!("{:?} (not a time)", log.timestamp_text),
        };
        step(format!(
            "e.g. log {} at {when}: {} ({})",
            log.id, log.info, log.additional_data
        ));
    }

    let door = device.door_status().await?;
    step(format!(
        "door sensor {:?}, relay {:?}, tamper {:?}, exit button {:?}",
        door.door_sensor, door.relay, door.tamper, door.rte
    ));
    Ok(Summary {
        version,
        subjects,
        card,
        logs_in_range,
        logs_walked: walked.len(),
        recognitions,
        door_sensor: door.door_sensor,
        fallbacks,
    })
}

/// Releases the lock whatever `outcome` was, and says so; a failed release is reported after
/// the outcome's own error (which matters more).
pub async fn release<T>(
    device: &Client,
    outcome: std::result::Result<T, Box<dyn std::error::Error>>,
) -> std::result::Result<T, Box<dyn std::error::Error>> {
    let closed = device.close().await;
    match (&outcome, closed) {
        (_, Ok(())) => step("unlocked (DELETE lock/{lock_uid})"),
        (Ok(_), Err(error)) => {
            return Err(format!("the lock could not be released: {error}").into());
        }
        (Err(_), Err(error)) => eprintln!("  the lock could not be released either: {error}"),
    }
    outcome
}

/// What to do about `error`, for a person running the example against a terminal.
pub fn advice(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let core = error
        .downcast_ref::<Error>()
        .or_else(|| {
            error
                .downcast_ref::<ef45_client::TransferError>()
                .map(|t| &t.source)
        })
        .or_else(|| {
            error
                .downcast_ref::<ef45_client::CaptureError>()
                .map(|c| &c.source)
        })?;
    Some(match core {
        Error::Auth { .. } => {
            "check --id and EF45_PASSWORD: the device refused them (its factory login is root)"
        }
        _ if core.is_connect() => {
            "check --url (http://{host}:9980) and that this machine reaches the terminal"
        }
        _ if core.is_timeout() => {
            "the terminal did not answer in time: check the network, or try again when it is idle"
        }
        Error::Unsupported(_) => {
            "the terminal's application is older than this call: upgrade its firmware, or skip it"
        }
        _ => return None,
    })
}

/// What the capture part of the flow observed.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSummary {
    /// The face records created with the subject.
    pub faces: usize,
    /// Whether the subject was created with both iris templates.
    pub iris_templates: bool,
    /// The users the match events named, in order.
    pub recognised: Vec<String>,
}

/// Enrols `user_uuid` by capture (the person presents at the camera), switches the camera to
/// recognition, then handles and acknowledges `events` recognitions.
pub async fn capture_and_recognise(
    device: &Client,
    user_uuid: &str,
    events: usize,
) -> Result<CaptureSummary> {
    use ef45_client::{CameraMode, CaptureEnrollment, CaptureOutcome, Error, MatchPolling};
    use futures_util::StreamExt;
    use std::time::Duration;

    step(format!(
        "{user_uuid}: please present at the camera (enrolment by capture)"
    ));
    let options = CaptureEnrollment::new()
        .poll_interval(Duration::from_millis(100))
        .timeout(Duration::from_secs(60));
    let (faces, iris_templates) = match device
        .enroll_by_capture(Subject::new(user_uuid, "Kim"), options)
        .await
        // The error says which step failed and exactly what is left on the device.
        .map_err(|error| Error::invalid("capture", error.to_string()))?
    {
        CaptureOutcome::Enrolled {
            subject,
            faces,
            capture,
        } => {
            step(format!(
                "captured {} and enrolled {}: both irises, {} face record(s) (capture {})",
                capture.timestamp.map(|t| t.to_string()).unwrap_or_default(),
                subject.user_uuid,
                faces.len(),
                capture.encounter_id
            ));
            let iris =
                !subject.left_eye_template.is_empty() && !subject.right_eye_template.is_empty();
            (faces.len(), iris)
        }
        other => {
            return Err(Error::invalid(
                "capture",
                format!("was not enrolled: {other:?}"),
            ));
        }
    };

    device.set_camera_mode(CameraMode::Recog).await?;
    step(format!(
        "camera in recognition mode: waiting for {events} recognition(s)"
    ));
    let mut recognised = Vec::new();
    let mut stream = std::pin::pin!(
        device.match_events(MatchPolling::new().interval(Duration::from_millis(100)))
    );
    while recognised.len() < events {
        let Some(event) = stream.next().await else {
            break;
        };
        let mut event = event?;
        let data = event.data();
        step(format!(
            "recognised {:?} (log {}), left iris quality {:?}",
            data.uuid,
            data.log_id.unwrap_or_default(),
            data.left_eye.quality_score
        ));
        recognised.push(data.uuid.clone());
        // Handled: only now is it removed from the device.
        event.ack().await?;
    }
    Ok(CaptureSummary {
        faces,
        iris_templates,
        recognised,
    })
}

/// Plays the person in front of the simulated camera: presents whenever the camera is started
/// for an enrolment, and again and again (every 50 ms) while it is in recognition mode, so
/// that recognitions keep coming even when a re-lock empties the match buffer (sheet Common).
pub fn simulate_person(sim: &biometric_sim::ef45::Ef45Sim, person: &str) -> PersonAtCamera {
    let capture = biometric_sim::ef45::Capture::of(person);
    PersonAtCamera(sim.attend_camera(capture, std::time::Duration::from_millis(50)))
}

/// Someone in front of the simulated camera, who leaves when this is dropped.
#[derive(Debug)]
#[must_use = "the person leaves when this is dropped"]
pub struct PersonAtCamera(tokio::task::JoinHandle<()>);

impl Drop for PersonAtCamera {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the firmware part of the flow observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareSummary {
    /// Units sent.
    pub units: usize,
    /// Bytes sent.
    pub bytes: u64,
    /// Progress reports received.
    pub progress_reports: usize,
    /// Restarts from `update/start` after the lock went stale.
    pub restarts: u32,
}

/// Uploads the firmware file at `path` (`forced`: `PUT`, a forced up- or downgrade), drawing a
/// progress bar on standard error.
pub async fn upload_firmware(
    device: &Client,
    path: &std::path::Path,
    forced: bool,
) -> std::result::Result<FirmwareSummary, ef45_client::TransferError> {
    use ef45_client::{FirmwareMode, FirmwareUpload};
    use std::sync::{Arc, Mutex};

    step(format!("uploading firmware {}", path.display()));
    let reports = Arc::new(Mutex::new(0usize));
    let counted = reports.clone();
    let mode = if forced {
        FirmwareMode::Forced
    } else {
        FirmwareMode::Normal
    };
    let mut restart = 0;
    let options = FirmwareUpload::new()
        .mode(mode)
        .on_progress(move |progress| {
            *counted.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            if progress.restart != restart {
                restart = progress.restart;
                eprintln!(
                    "\n    the lock went stale mid-upload (device code 1102): started again in a \
                     new lock from update/start (restart {restart})"
                );
            }
            draw_bar(
                progress.sent,
                progress.total,
                progress.unit + 1,
                progress.units,
            );
        });
    // From a file: if the lock goes stale mid-way, the upload restarts and reads it again.
    let report = device.upload_firmware_file(path, options).await?;
    eprintln!();
    step(format!(
        "firmware accepted: {} bytes in {} units of base64{} (the device now upgrades and \
         reboots by itself)",
        report.bytes,
        report.units,
        match report.restarts {
            0 => String::new(),
            n => format!(", after {n} restart(s) in a new lock"),
        }
    ));
    let progress_reports = *reports.lock().unwrap_or_else(|e| e.into_inner());
    Ok(FirmwareSummary {
        units: report.units,
        bytes: report.bytes,
        progress_reports,
        restarts: report.restarts,
    })
}

/// `  [#########...........]  45% unit 3/7` on one line, redrawn in place.
fn draw_bar(sent: u64, total: u64, unit: usize, units: usize) {
    const WIDTH: u64 = 30;
    let filled = (sent * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let percent = (sent * 100).checked_div(total).unwrap_or(100);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '.' })
        .collect();
    eprint!("\r    [{bar}] {percent:>3}% unit {unit}/{units}");
}

/// A firmware file of `len` generated bytes in the system's temporary directory, removed when
/// dropped (for the simulator: its bytes mean nothing).
pub fn synthetic_firmware(len: usize) -> std::io::Result<TempFile> {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!(
        "ef45-example-firmware-{}-{:?}.bin",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let mut state = 0x2545_f491_u32;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        for byte in chunk.iter_mut() {
            // xorshift: varied bytes, so that a unit boundary bug shows in the device's digest.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *byte = state as u8;
        }
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n])?;
        left -= n;
    }
    file.flush()?;
    Ok(TempFile(path))
}

/// A file removed when dropped.
#[derive(Debug)]
pub struct TempFile(std::path::PathBuf);

impl TempFile {
    /// Where it is.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
