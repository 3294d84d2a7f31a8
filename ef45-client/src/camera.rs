//! Sheet Camera: camera settings, device time, start and stop, match-template simulation.

use biometric_core::chrono::{Datelike, NaiveDateTime};
use biometric_core::{Error, Method, Operation, Result};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::models::Subject;
use crate::outcome::decode_outcome;

biometric_core::string_enum! {
    /// The camera mode (sheet Camera). The names are the device's and do not say what they
    /// mean: the sheet maps them as below.
    pub enum CameraMode {
        /// `Slave`: enrol mode, driven by this API. Needed before
        /// [`Client::start_camera`] and the card-input screen.
        Slave = "Slave",
        /// `Recog`: recognition mode.
        Recog = "Recog",
        /// `Enrol`: the sheet calls it "Use Mode".
        Enrol = "Enrol",
    }
}

/// The camera settings (`GET`/`POST camera`: `{"serial_number": "EB0022A002929", "camera_mode":
/// "Recog", "audio_enabled": true}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CameraSettings {
    /// The device's serial number.
    pub serial_number: String,
    /// The camera mode.
    pub camera_mode: CameraMode,
    /// Whether the device speaks.
    pub audio_enabled: bool,
}

impl CameraSettings {
    /// Settings for the device `serial_number`.
    pub fn new(
        serial_number: impl Into<String>,
        camera_mode: CameraMode,
        audio_enabled: bool,
    ) -> Self {
        CameraSettings {
            serial_number: serial_number.into(),
            camera_mode,
            audio_enabled,
        }
    }
}

/// What a capture looks for (`camera/control/start`'s query flags). At least one of the four
/// biometric modes is needed: the sheet says eye (both or either) or face (with or without
/// glasses) "needs to be selected".
///
/// ```
/// use ef45_client::CaptureModes;
/// let both_eyes_and_face = CaptureModes::new().both_eyes().face();
/// # let _ = both_eyes_and_face;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct CaptureModes {
    face: bool,
    glasses: bool,
    both_eyes: bool,
    either_eye: bool,
    streaming: Option<bool>,
    recog: Option<bool>,
}

impl CaptureModes {
    /// No mode yet (add at least one of the four biometric modes).
    pub fn new() -> Self {
        CaptureModes::default()
    }

    /// `face_mode=true`: a face without glasses.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub fn face(mut self) -> Self {
        self.face = true;
        self
    }

    /// `glasses_mode=true`: a face with glasses.
    pub fn glasses(mut self) -> Self {
        self.glasses = true;
        self
    }

    /// `both_eye_mode=true`: both irises.
    pub fn both_eyes(mut self) -> Self {
        self.both_eyes = true;
        self
    }

    /// `either_eye_mode=true`: either iris.
    pub fn either_eye(mut self) -> Self {
        self.either_eye = true;
        self
    }

    /// `streaming_mode`: "start camera to get face at full resolution" (optional).
    pub fn streaming(mut self, on: bool) -> Self {
        self.streaming = Some(on);
        self
    }

    /// `recog_mode`: `true` applies the recognition camera settings (faster capture), `false`
    /// (the device's default) the enrolment settings (optional).
    pub fn recog(mut self, on: bool) -> Self {
        self.recog = Some(on);
        self
    }

    pub(crate) fn check_modes(&self) -> Result<()> {
        if !(self.face || self.glasses || self.both_eyes || self.either_eye) {
            return Err(Error::invalid(
                "face_mode",
                "or glasses_mode, both_eye_mode or either_eye_mode must be set: the device \
                 needs at least one biometric mode",
            ));
        }
        Ok(())
    }

    fn apply<T>(self, op: Operation<T>) -> Operation<T> {
        op.query("face_mode", self.face)
            .query("glasses_mode", self.glasses)
            .query("both_eye_mode", self.both_eyes)
            .query("either_eye_mode", self.either_eye)
            .query_opt("streaming_mode", self.streaming)
            .query_opt("recog_mode", self.recog)
    }
}

/// `MMddHHmmyyyy.ss`, 24-hour (notes.md: the reference's `MMddhhmmyyy.ss` and its "2:20:30 PM"
/// are typos; `052014402018.30` is 2018-05-20 14:40:30).
pub(crate) fn device_time_text(at: NaiveDateTime) -> Result<String> {
    if !(0..=9999).contains(&at.year()) {
        return Err(Error::invalid("device_time", "year must have four digits"));
    }
    Ok(at.format("%m%d%H%M%Y.%S").to_string())
}

impl Client {
    /// The camera settings (`GET camera`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn camera(&self) -> Result<CameraSettings> {
        let op = Operation::new("ef45.camera", Method::GET, "camera");
        self.send(op).await
    }

    /// Changes the camera settings (`POST camera`); the device's status text (`Success set
    /// mode`). `success: false` is an [`Error::Api`] with the device's text.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn set_camera(&self, settings: &CameraSettings) -> Result<String> {
        if let CameraMode::Unknown(_) = settings.camera_mode {
            return Err(Error::invalid(
                "camera_mode",
                "must be Slave, Recog or Enrol",
            ));
        }
        let op = Operation::with_decoder("ef45.set_camera", Method::POST, "camera", decode_outcome)
            .json_body(settings)?
            // Sets the settings: the same result however often it is sent.
            .idempotent(true);
        self.send(op).await
    }

    /// Switches the camera mode, keeping the serial number and audio setting (`GET camera`
    /// then `POST camera`).
    ///
    /// **Resent** after a failure that may go away: it reads the settings, then writes them whole
    /// with the new mode.
    pub async fn set_camera_mode(&self, mode: CameraMode) -> Result<String> {
        let mut settings = self.camera().await?;
        settings.camera_mode = mode;
        self.set_camera(&settings).await
    }

    /// Sets the device clock (`POST camera/control/setDeviceTime/{MMddHHmmyyyy.ss}`). The
    /// device keeps no time zone: pass its local time.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use ef45_client::chrono::NaiveDate;
    /// let at = NaiveDate::from_ymd_opt(2018, 5, 20).unwrap().and_hms_opt(14, 40, 30).unwrap();
    /// device.set_device_time(at).await?; // sends 052014402018.30
    /// # Ok(()) }
    /// ```
    ///
    /// **Not resent** once it may have reached the device: a resend would set the clock to a time
    /// already past by the retry's delay.
    pub async fn set_device_time(&self, at: NaiveDateTime) -> Result<()> {
        let text = device_time_text(at)?;
        let op = Operation::with_decoder(
            "ef45.set_device_time",
            Method::POST,
            "camera/control/setDeviceTime/",
            decode_outcome,
        )
        .segment("device_time", text)
        // Not repeated: a repeat would set the clock to a time already past by the retry's
        // delay.
        .idempotent(false);
        self.send(op).await.map(drop)
    }

    /// Starts a capture (`POST camera/control/start?face_mode=&glasses_mode=&both_eye_mode=
    /// &either_eye_mode=[&streaming_mode=][&recog_mode=]`).
    ///
    /// The camera must be in [`CameraMode::Slave`] first (the device answers `success: false`,
    /// "Please first chagne mode to Slave(Enrollment)", spelled as the device spells it, an [`Error::Api`]). The sheet asks to
    /// read and delete any biometric data left in the buffer before starting, then to poll
    /// [`Client::biometric_data`]; [`Client::enroll_by_capture`] does all of it.
    ///
    /// **Not resent** once it may have reached the device: it starts a capture, and a second start
    /// would replace the first.
    pub async fn start_camera(&self, modes: CaptureModes) -> Result<String> {
        modes.check_modes()?;
        let op = Operation::with_decoder(
            "ef45.start_camera",
            Method::POST,
            "camera/control/start",
            decode_outcome,
        );
        self.send(modes.apply(op)).await
    }

    /// Stops the camera (`POST camera/control/stop`). The camera also stops by itself once a
    /// capture is done.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn stop_camera(&self) -> Result<String> {
        let op = Operation::with_decoder(
            "ef45.stop_camera",
            Method::POST,
            "camera/control/stop",
            decode_outcome,
        )
        // Stopping a stopped camera leaves it stopped.
        .idempotent(true);
        self.send(op).await
    }

    /// Starts the match-template simulation (`POST camera/control/start/matchtemplate/{seq_uid}`
    /// with a subject holding the templates "read from a card"). The sheet's sequence: capture
    /// in `Slave` mode, switch to `Recog`, call this, capture again; the result follows.
    ///
    /// The body carries the twelve subject keys of the sheet's table, all marked required:
    /// unset ones are sent with the Subject sheet's example values (as for
    /// [`NewUser`](crate::NewUser)); the image paths, not in this table, are not sent.
    ///
    /// **Not resent** once it may have reached the device: it starts a matching, and a second
    /// request would start another.
    pub async fn start_match_template(&self, seq_uid: &str, subject: &Subject) -> Result<String> {
        subject.check()?;
        let body = serde_json::Value::Object(subject.full_body()?);
        let op = Operation::with_decoder(
            "ef45.start_match_template",
            Method::POST,
            "camera/control/start/matchtemplate/",
            decode_outcome,
        )
        .segment("seq_uid", seq_uid)
        .json_body(&body)?;
        self.send(op).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use biometric_core::chrono::NaiveDate;

    #[test]
    fn the_notes_example_device_time() {
        let at = NaiveDate::from_ymd_opt(2018, 5, 20)
            .unwrap()
            .and_hms_opt(14, 40, 30)
            .unwrap();
        assert_eq!(device_time_text(at).unwrap(), "052014402018.30");
    }

    #[test]
    fn the_sheets_url_example_device_time() {
        // camera/control/setDeviceTime/051814412018.41
        let at = NaiveDate::from_ymd_opt(2018, 5, 18)
            .unwrap()
            .and_hms_opt(14, 41, 41)
            .unwrap();
        assert_eq!(device_time_text(at).unwrap(), "051814412018.41");
    }
}
