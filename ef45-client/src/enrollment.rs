//! Enrolment by capture: the documented sequence (camera to `Slave`, empty the buffer, start,
//! wait for the capture, read it, create the records, acknowledge it) in one call.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use biometric_core::{Error, Result};

use crate::biometric_data::DataVersion;
use crate::camera::{CameraMode, CameraSettings, CaptureModes};
use crate::capture_data::{BiometricData, FaceCapture};
use crate::client::Client;
use crate::models::{Face, FaceSubId, Subject};

/// How [`Client::enroll_by_capture`] captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct CaptureEnrollment {
    modes: CaptureModes,
    version: Option<DataVersion>,
    poll_interval: Duration,
    timeout: Duration,
    allow_duplicates: bool,
}

impl Default for CaptureEnrollment {
    /// Both eyes and the face, `biometric-data/ver1` (the original endpoint on a device older
    /// than application 1.2.34), a poll every 500 ms, 60 s to capture, duplicates refused.
    fn default() -> Self {
        CaptureEnrollment {
            modes: CaptureModes::new().both_eyes().face(),
            version: None,
            poll_interval: Duration::from_millis(500),
            timeout: Duration::from_secs(60),
            allow_duplicates: false,
        }
    }
}

impl CaptureEnrollment {
    /// The defaults (see [`Default`]).
    pub fn new() -> Self {
        CaptureEnrollment::default()
    }

    /// What to capture.
    pub fn modes(mut self, modes: CaptureModes) -> Self {
        self.modes = modes;
        self
    }

    /// Which biometric-data endpoint to poll (by default `ver1`, or the original endpoint on a
    /// device older than application 1.2.34).
    pub fn version(mut self, version: DataVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// The wait between two polls of the buffer (the sheet gives no rate).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How long the person has to present themself, from the camera start.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Creates the records even when the device's duplication check (`PUT
    /// subjects/is-exist/template` with the captured templates) names an enrolled user.
    pub fn allow_duplicates(mut self, allow: bool) -> Self {
        self.allow_duplicates = allow;
        self
    }
}

/// What [`Client::enroll_by_capture`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CaptureOutcome {
    /// The subject (with the captured iris templates) and a face record per captured face were
    /// created.
    Enrolled {
        /// The subject as created.
        subject: Box<Subject>,
        /// The face records created.
        faces: Vec<Face>,
        /// The capture.
        capture: Box<BiometricData>,
    },
    /// The device's duplication check named an enrolled user; nothing was created.
    Duplicate {
        /// The enrolled user the device named.
        duplicate_of: String,
        /// The capture.
        capture: Box<BiometricData>,
    },
    /// The capture cannot make a record: it carries an `error_message`, or neither an iris
    /// template nor a face feature. Nothing was created.
    Unusable {
        /// The device's `error_message`, or what is missing.
        reason: String,
        /// The capture.
        capture: Box<BiometricData>,
    },
}

/// Why a capture cannot be stored, if it cannot.
fn unusable(capture: &BiometricData) -> Option<String> {
    if let Some(message) = capture
        .error_message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        return Some(message.to_owned());
    }
    let faces = &capture.faces;
    let has_face = [
        &faces.far_off,
        &faces.far_on,
        &faces.near_off,
        &faces.near_on,
    ]
    .iter()
    .any(|group| !group.feature.is_empty());
    let has_iris = !capture.left_eye.template.is_empty() || !capture.right_eye.template.is_empty();
    (!has_face && !has_iris).then(|| "the capture has no iris template and no face feature".into())
}

/// The face groups that map to face records. No sheet maps them: this is the crate's reading of
/// the reference's image descriptions (`faroff` colour face, `faron` B/W face, `nearoff` colour
/// with glasses, `nearon` B/W with glasses) against sheet Face's sub ids 0 colour, 1 B/W,
/// 2 colour with glasses, 3 B/W with glasses. The iris-off face has no sub id and is not stored.
fn face_records(user_uuid: &str, capture: &BiometricData) -> Vec<Face> {
    let faces = &capture.faces;
    [
        (FaceSubId::Color, &faces.far_off),
        (FaceSubId::BlackWhite, &faces.far_on),
        (FaceSubId::ColorGlasses, &faces.near_off),
        (FaceSubId::BlackWhiteGlasses, &faces.near_on),
    ]
    .into_iter()
    .filter(|(_, group)| !group.feature.is_empty())
    .map(|(sub_id, group)| face_record(user_uuid, sub_id, group))
    .collect()
}

fn face_record(user_uuid: &str, sub_id: FaceSubId, group: &FaceCapture) -> Face {
    let mut face = Face::new(user_uuid, sub_id, group.feature.clone());
    face.face_eye_width = group.eye_width.unwrap_or_default();
    face.face_feature_size = group.feature_size.unwrap_or_default();
    face.face_frontal_score = group.frontal_score.unwrap_or_default();
    face.face_left_eye_x = group.left_eye_x.unwrap_or_default();
    face.face_right_eye_x = group.right_eye_x.unwrap_or_default();
    face.face_roll = group.roll.unwrap_or_default();
    face.face_score = group.score.unwrap_or_default();
    face.face_led_state = group.led_state.unwrap_or_default();
    face
}

/// The step of [`Client::enroll_by_capture`] that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureStep {
    /// The arguments were refused before any I/O.
    Arguments,
    /// Reading the camera settings (the mode to restore at the end).
    ReadCamera,
    /// Switching the camera to `Slave` mode.
    SetMode,
    /// Reading or emptying the biometric-data buffer before the capture.
    ClearBuffer,
    /// Starting the camera.
    StartCamera,
    /// Waiting for the capture: a poll failed, or the timeout elapsed.
    WaitForCapture,
    /// The device's duplication check.
    DuplicateCheck,
    /// Creating the subject record.
    CreateSubject,
    /// Creating a face record.
    CreateFace,
    /// Tidying up after the outcome was reached: deleting the capture from the buffer or
    /// restoring the camera mode.
    CleanUp,
}

impl fmt::Display for CaptureStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaptureStep::Arguments => "checking the arguments",
            CaptureStep::ReadCamera => "reading the camera settings",
            CaptureStep::SetMode => "switching the camera to Slave mode",
            CaptureStep::ClearBuffer => "emptying the biometric-data buffer",
            CaptureStep::StartCamera => "starting the camera",
            CaptureStep::WaitForCapture => "waiting for the capture",
            CaptureStep::DuplicateCheck => "checking for a duplicate",
            CaptureStep::CreateSubject => "creating the subject",
            CaptureStep::CreateFace => "creating a face record",
            CaptureStep::CleanUp => "tidying up after the enrolment",
        })
    }
}

/// What a failed or cancelled [`Client::enroll_by_capture`] could not undo: everything here
/// is still on the device. Empty when the device is as the enrolment found it (records it
/// created were deleted again, the capture deleted from the buffer, the camera mode restored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeftOnDevice {
    /// The subject record created and not deleted (its `user_uuid`).
    pub subject: Option<String>,
    /// The face records created and not deleted.
    pub faces: Vec<FaceSubId>,
    /// The capture still in the biometric-data buffer (its `encounter_id`).
    pub capture: Option<String>,
    /// The camera mode the camera was left in, when the mode it had could not be restored.
    pub camera_mode: Option<CameraMode>,
    /// Whether the camera may still be capturing (the stop after a timeout failed).
    pub camera_running: bool,
}

impl LeftOnDevice {
    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        *self == LeftOnDevice::default()
    }
}

impl fmt::Display for LeftOnDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing was left on the device");
        }
        let mut parts = Vec::new();
        if let Some(user) = &self.subject {
            parts.push(format!("subject {user}"));
        }
        if !self.faces.is_empty() {
            let ids: Vec<String> = self.faces.iter().map(|f| f.number().to_string()).collect();
            parts.push(format!("face records sub_id {}", ids.join(", ")));
        }
        if let Some(capture) = &self.capture {
            parts.push(format!(
                "the capture {capture} in the biometric-data buffer"
            ));
        }
        if let Some(mode) = &self.camera_mode {
            parts.push(format!("the camera in {mode} mode"));
        }
        if self.camera_running {
            parts.push("the camera possibly still capturing".into());
        }
        write!(f, "left on the device: {}", parts.join("; "))
    }
}

/// A failed [`Client::enroll_by_capture`]: the step, what it left on the device, and the cause
/// ([`source`](Self::source), printed by `Display`).
#[derive(Debug)]
#[non_exhaustive]
pub struct CaptureError {
    /// The step that failed.
    pub step: CaptureStep,
    /// What the enrolment could not undo.
    pub left: LeftOnDevice,
    /// The outcome, when it was reached before a tidying-up call failed
    /// ([`CaptureStep::CleanUp`]): an enrolment that succeeded is not hidden by it.
    pub outcome: Option<Box<CaptureOutcome>>,
    /// What failed.
    pub source: Error,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enrolment by capture failed {}", self.step)?;
        if self.outcome.is_some() {
            f.write_str(" (the enrolment's outcome was reached)")?;
        }
        write!(f, ": {}; {}", self.source, self.left)
    }
}

/// `Display` prints the cause whole; the chain goes on from the cause's own source.
impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.source)
    }
}

/// What the enrolment changed on the device so far, undone on every exit: by
/// [`Tidy::finish`] on the paths that return, by a task spawned on drop when the enrolment's
/// future is dropped (cancelled) mid-way.
struct Tidy {
    client: Client,
    /// The settings to put back, when the enrolment switched the mode.
    restore: Option<CameraSettings>,
    /// The mode the camera is in now, as far as the enrolment knows.
    mode_now: Option<CameraMode>,
    camera_started: bool,
    capture: Option<String>,
    subject: Option<String>,
    faces: Vec<FaceSubId>,
    finished: bool,
}

impl Tidy {
    fn new(client: &Client) -> Self {
        Tidy {
            client: client.clone(),
            restore: None,
            mode_now: None,
            camera_started: false,
            capture: None,
            subject: None,
            faces: Vec::new(),
            finished: false,
        }
    }

    /// Undoes what the enrolment did, best effort: stops a camera still capturing, deletes the
    /// created records (when `rollback`), deletes the capture, restores the camera mode.
    /// Returns what is left and the first failure.
    async fn finish(mut self, rollback: bool) -> (LeftOnDevice, Option<Error>) {
        self.finished = true;
        let state = TidyState::take(&mut self);
        state.run(rollback).await
    }
}

/// The part of [`Tidy`] that its clean-up needs (moved out so that a drop can spawn it).
struct TidyState {
    client: Client,
    restore: Option<CameraSettings>,
    mode_now: Option<CameraMode>,
    camera_started: bool,
    capture: Option<String>,
    subject: Option<String>,
    faces: Vec<FaceSubId>,
}

impl TidyState {
    fn take(tidy: &mut Tidy) -> Self {
        TidyState {
            client: tidy.client.clone(),
            restore: tidy.restore.take(),
            mode_now: tidy.mode_now.take(),
            camera_started: std::mem::take(&mut tidy.camera_started),
            capture: tidy.capture.take(),
            subject: tidy.subject.take(),
            faces: std::mem::take(&mut tidy.faces),
        }
    }

    async fn run(self, rollback: bool) -> (LeftOnDevice, Option<Error>) {
        let client = &self.client;
        let mut left = LeftOnDevice::default();
        let mut first_error = None;
        let mut note = |result: Result<()>| match result {
            Ok(()) => true,
            Err(error) => {
                first_error.get_or_insert(error);
                false
            }
        };
        if self.camera_started && !note(client.stop_camera().await.map(drop)) {
            left.camera_running = true;
        }
        if let Some(user) = &self.subject
            && rollback
        {
            for sub_id in &self.faces {
                if !note(client.delete_face(user, *sub_id).await) {
                    left.faces.push(*sub_id);
                }
            }
            if !note(client.delete_subject(user).await) {
                left.subject = Some(user.clone());
            }
        }
        if let Some(capture) = &self.capture
            && !note(client.delete_biometric_data(capture).await)
        {
            left.capture = Some(capture.clone());
        }
        if let Some(settings) = &self.restore
            && !note(client.set_camera(settings).await.map(drop))
        {
            left.camera_mode = self.mode_now.or(Some(CameraMode::Slave));
        }
        (left, first_error)
    }
}

impl Drop for Tidy {
    /// A cancelled enrolment (its future dropped) is undone in the background, on the runtime
    /// it ran on; without a runtime nothing can be sent and the device keeps what was done.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let state = TidyState::take(self);
        let nothing_to_do = state.restore.is_none()
            && !state.camera_started
            && state.capture.is_none()
            && state.subject.is_none();
        if nothing_to_do {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let (left, _) = state.run(true).await;
                if !left.is_empty() {
                    tracing::warn!(operation = "ef45.enroll_by_capture", %left, "cancelled");
                }
            });
        }
    }
}

/// One step's failure, with what the tidying up could not undo.
async fn fail<T>(
    tidy: Tidy,
    step: CaptureStep,
    source: Error,
) -> std::result::Result<T, CaptureError> {
    let (left, _) = tidy.finish(true).await;
    Err(CaptureError {
        step,
        left,
        outcome: None,
        source,
    })
}

impl Client {
    /// Enrols a person in one call, walking the sequence of sheets Camera and Biometric-data:
    ///
    /// 1. read the camera settings, then switch the camera to `Slave` (enrol) mode;
    /// 2. read and delete any capture left in the buffer ("before request", the sheet says);
    ///    a leftover that cannot be deleted is remembered and never taken for the new capture;
    /// 3. start the camera with the options' modes;
    /// 4. poll `biometric-data` until a new capture arrives (or the timeout:
    ///    [`CaptureStep::WaitForCapture`] with a
    ///    [`TransportKind::Timeout`](biometric_core::TransportKind::Timeout) error);
    /// 5. refuse a capture with an `error_message` or without any template
    ///    ([`CaptureOutcome::Unusable`]); unless duplicates are allowed, ask the device's
    ///    duplication check (`PUT subjects/is-exist/template`) with the captured iris
    ///    templates ([`CaptureOutcome::Duplicate`]; a face-only capture is not checked);
    /// 6. create `subject` with the captured iris templates and record version, and a face
    ///    record per captured face (colour/B/W, with/without glasses: the crate's mapping of the
    ///    capture's face groups to sheet Face's sub ids, which no sheet states);
    /// 7. on every exit, whatever the outcome: delete the capture from the buffer and put the
    ///    camera back in the mode step 1 found.
    ///
    /// A failure after step 6 began deletes the records it created (the subject and its
    /// faces), so a failed enrolment leaves no half-enrolled person. The [`CaptureError`] says
    /// which step failed and, in [`CaptureError::left`], exactly what could not be undone. A
    /// tidying-up call that fails after the outcome was reached is a [`CaptureStep::CleanUp`]
    /// error carrying the outcome.
    ///
    /// `subject` gives the user id, names and access fields; its templates are replaced by
    /// the capture's. Dropping the future cancels the enrolment: what it did is undone in the
    /// background (camera stopped, records and capture deleted, mode restored).
    pub async fn enroll_by_capture(
        &self,
        subject: Subject,
        options: CaptureEnrollment,
    ) -> std::result::Result<CaptureOutcome, CaptureError> {
        // Boxed: the sequence holds several calls' futures, which would make the caller's
        // future large.
        Box::pin(self.walk_enrolment(subject, options)).await
    }

    async fn walk_enrolment(
        &self,
        subject: Subject,
        options: CaptureEnrollment,
    ) -> std::result::Result<CaptureOutcome, CaptureError> {
        let mut tidy = Tidy::new(self);
        if let Err(error) = subject.check().and_then(|()| options.modes_checked()) {
            return fail(tidy, CaptureStep::Arguments, error).await;
        }
        let found = match self.camera().await {
            Ok(settings) => settings,
            Err(error) => return fail(tidy, CaptureStep::ReadCamera, error).await,
        };
        if found.camera_mode != CameraMode::Slave {
            let mut slave = found.clone();
            slave.camera_mode = CameraMode::Slave;
            tidy.mode_now = Some(found.camera_mode.clone());
            tidy.restore = Some(found);
            if let Err(error) = self.set_camera(&slave).await {
                return fail(tidy, CaptureStep::SetMode, error).await;
            }
            tidy.mode_now = Some(CameraMode::Slave);
        }
        let version = match self.capture_data_version(&options).await {
            Ok(version) => version,
            Err(error) => return fail(tidy, CaptureStep::ClearBuffer, error).await,
        };
        let leftovers = match self.clear_buffer(version).await {
            Ok(leftovers) => leftovers,
            Err(error) => return fail(tidy, CaptureStep::ClearBuffer, error).await,
        };
        // Noted before the call: a start that may have reached the device may have started
        // the camera, and stopping a stopped camera changes nothing.
        tidy.camera_started = true;
        if let Err(error) = self.start_camera(options.modes).await {
            return fail(tidy, CaptureStep::StartCamera, error).await;
        }
        let waited = tokio::time::timeout(
            options.timeout,
            self.wait_for_capture(version, &leftovers, options.poll_interval),
        )
        .await;
        let capture = match waited {
            Ok(Ok(capture)) => capture,
            Ok(Err(error)) => return fail(tidy, CaptureStep::WaitForCapture, error).await,
            Err(_) => {
                let timeout = Error::deadline("ef45.enroll_by_capture");
                return fail(tidy, CaptureStep::WaitForCapture, timeout).await;
            }
        };
        // A completed capture stops the camera (sheet Camera).
        tidy.camera_started = false;
        tidy.capture = Some(capture.encounter_id.clone());
        let outcome = match self
            .store_capture(&mut tidy, subject, capture, options.allow_duplicates)
            .await
        {
            Ok(outcome) => outcome,
            Err((step, error)) => return fail(tidy, step, error).await,
        };
        // Keep what was enrolled; undo the rest.
        tidy.subject = None;
        tidy.faces.clear();
        match tidy.finish(false).await {
            (_, None) => Ok(outcome),
            (left, Some(error)) => Err(CaptureError {
                step: CaptureStep::CleanUp,
                left,
                outcome: Some(Box::new(outcome)),
                source: error,
            }),
        }
    }

    /// The options' data version, or the newest the device serves: `ver1` (application 1.2.34
    /// or later) when the device's version is known to be older than that, the original.
    async fn capture_data_version(&self, options: &CaptureEnrollment) -> Result<DataVersion> {
        if let Some(version) = options.version {
            return Ok(version);
        }
        let device = self.app_version().await?;
        Ok(match device {
            Some(device) if device < crate::support::VER1_SINCE => DataVersion::Original,
            _ => DataVersion::Ver1,
        })
    }

    /// Deletes every capture in the buffer; returns the ids of those the device still lists,
    /// so that none is taken for the new capture.
    async fn clear_buffer(&self, version: DataVersion) -> Result<HashSet<String>> {
        let mut leftovers = HashSet::new();
        for stale in self.biometric_data(version).await? {
            tracing::info!(
                operation = "ef45.enroll_by_capture",
                "deleting a capture left in the buffer before starting"
            );
            if let Err(error) = self.delete_biometric_data(&stale.encounter_id).await {
                tracing::warn!(%error, "a leftover capture could not be deleted: it is skipped");
                leftovers.insert(stale.encounter_id);
            }
        }
        Ok(leftovers)
    }

    async fn wait_for_capture(
        &self,
        version: DataVersion,
        leftovers: &HashSet<String>,
        poll_interval: Duration,
    ) -> Result<BiometricData> {
        loop {
            let fresh = self
                .biometric_data(version)
                .await?
                .into_iter()
                .find(|capture| !leftovers.contains(&capture.encounter_id));
            if let Some(capture) = fresh {
                return Ok(capture);
            }
            tokio::time::sleep(poll_interval).await;
        }
    }

    /// Step 5 and 6; a failure names its step. Records are noted in `tidy` as they are created.
    async fn store_capture(
        &self,
        tidy: &mut Tidy,
        mut subject: Subject,
        capture: BiometricData,
        allow_duplicates: bool,
    ) -> std::result::Result<CaptureOutcome, (CaptureStep, Error)> {
        if let Some(reason) = unusable(&capture) {
            return Ok(CaptureOutcome::Unusable {
                reason,
                capture: Box::new(capture),
            });
        }
        subject.left_eye_template = capture.left_eye.template.clone();
        subject.right_eye_template = capture.right_eye.template.clone();
        if capture.record_version.is_some() {
            subject.record_version = capture.record_version;
        }
        if !allow_duplicates {
            let duplicate = self
                .find_duplicate(&subject)
                .await
                .map_err(|e| (CaptureStep::DuplicateCheck, e))?;
            if let Some(duplicate_of) = duplicate {
                return Ok(CaptureOutcome::Duplicate {
                    duplicate_of,
                    capture: Box::new(capture),
                });
            }
        }
        // Noted before the call: a create that fails after reaching the device may still have
        // stored the record, and deleting one that does not exist changes nothing.
        tidy.subject = Some(subject.user_uuid.clone());
        self.create_subject(&subject)
            .await
            .map_err(|e| (CaptureStep::CreateSubject, e))?;
        let faces = face_records(&subject.user_uuid, &capture);
        for face in &faces {
            tidy.faces.push(face.sub_id);
            self.create_face(face)
                .await
                .map_err(|e| (CaptureStep::CreateFace, e))?;
        }
        Ok(CaptureOutcome::Enrolled {
            subject: Box::new(subject),
            faces,
            capture: Box::new(capture),
        })
    }
}

impl CaptureEnrollment {
    fn modes_checked(&self) -> Result<()> {
        self.modes.check_modes()
    }
}
