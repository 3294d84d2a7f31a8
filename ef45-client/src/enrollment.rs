//! Enrolment by capture: the documented sequence (camera to `Slave`, empty the buffer, start,
//! wait for the capture, read it, create the records, acknowledge it) in one call.

use std::time::Duration;

use biometric_core::{Error, Result};

use crate::biometric_data::DataVersion;
use crate::camera::{CameraMode, CaptureModes};
use crate::capture_data::{BiometricData, FaceCapture};
use crate::client::Client;
use crate::models::{Face, FaceSubId, Subject};

/// How [`Client::enroll_by_capture`] captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct CaptureEnrollment {
    modes: CaptureModes,
    version: DataVersion,
    poll_interval: Duration,
    timeout: Duration,
    allow_duplicates: bool,
}

impl Default for CaptureEnrollment {
    /// Both eyes and the face, `biometric-data/ver1`, a poll every 500 ms, 60 s to capture,
    /// duplicates refused.
    fn default() -> Self {
        CaptureEnrollment {
            modes: CaptureModes::new().both_eyes().face(),
            version: DataVersion::Ver1,
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

    /// Which biometric-data endpoint to poll (`ver1` by default: app 1.2.34 or later).
    pub fn version(mut self, version: DataVersion) -> Self {
        self.version = version;
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

impl Client {
    /// Enrols a person in one call, walking the sequence of sheets Camera and Biometric-data:
    ///
    /// 1. camera to `Slave` (enrol) mode;
    /// 2. read and delete any capture left in the buffer ("before request", the sheet says);
    /// 3. start the camera with the options' modes;
    /// 4. poll `biometric-data` until a capture arrives (or the timeout: the camera is then
    ///    stopped and a [`TransportKind::Timeout`](biometric_core::TransportKind::Timeout)
    ///    error returned);
    /// 5. refuse a capture with an `error_message` or without any template
    ///    ([`CaptureOutcome::Unusable`]); unless duplicates are allowed, ask the device's
    ///    duplication check (`PUT subjects/is-exist/template`) with the captured iris
    ///    templates ([`CaptureOutcome::Duplicate`]; a face-only capture is not checked);
    /// 6. create `subject` with the captured iris templates and record version, and a face
    ///    record per captured face (colour/B/W, with/without glasses: the crate's mapping of the
    ///    capture's face groups to sheet Face's sub ids, which no sheet states);
    /// 7. delete the capture from the buffer, whatever step 5 decided.
    ///
    /// `subject` gives the user id, names and access fields; its templates are replaced by
    /// the capture's. Dropping the future cancels the enrolment: the camera stops by itself
    /// once a capture is done, or call [`stop_camera`](Self::stop_camera).
    pub async fn enroll_by_capture(
        &self,
        subject: Subject,
        options: CaptureEnrollment,
    ) -> Result<CaptureOutcome> {
        // Boxed: the sequence holds several calls' futures, which would make the caller's
        // future large.
        Box::pin(self.walk_enrolment(subject, options)).await
    }

    async fn walk_enrolment(
        &self,
        subject: Subject,
        options: CaptureEnrollment,
    ) -> Result<CaptureOutcome> {
        subject.check()?;
        options.modes_checked()?;
        self.set_camera_mode(CameraMode::Slave).await?;
        for stale in self.biometric_data(options.version).await? {
            self.delete_biometric_data(&stale.encounter_id).await?;
        }
        self.start_camera(options.modes).await?;
        let capture =
            match tokio::time::timeout(options.timeout, self.wait_for_capture(&options)).await {
                Ok(capture) => capture?,
                Err(_) => {
                    // Best effort: the timeout is the error the caller needs to see.
                    let _ = self.stop_camera().await;
                    return Err(Error::deadline("ef45.enroll_by_capture"));
                }
            };
        let outcome = self
            .store_capture(subject, capture, options.allow_duplicates)
            .await;
        if let Ok(
            CaptureOutcome::Enrolled { capture, .. } | CaptureOutcome::Duplicate { capture, .. },
        ) = &outcome
        {
            self.delete_biometric_data(&capture.encounter_id).await?;
        }
        outcome
    }

    async fn wait_for_capture(&self, options: &CaptureEnrollment) -> Result<BiometricData> {
        loop {
            if let Some(capture) = self
                .biometric_data(options.version)
                .await?
                .into_iter()
                .next()
            {
                return Ok(capture);
            }
            tokio::time::sleep(options.poll_interval).await;
        }
    }

    async fn store_capture(
        &self,
        mut subject: Subject,
        capture: BiometricData,
        allow_duplicates: bool,
    ) -> Result<CaptureOutcome> {
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
        if !allow_duplicates && let Some(duplicate_of) = self.find_duplicate(&subject).await? {
            return Ok(CaptureOutcome::Duplicate {
                duplicate_of,
                capture: Box::new(capture),
            });
        }
        self.create_subject(&subject).await?;
        let faces = face_records(&subject.user_uuid, &capture);
        for face in &faces {
            self.create_face(face).await?;
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
