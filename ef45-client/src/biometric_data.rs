//! Sheet Biometric-data: the capture buffer, bitmap saving and device files.

use biometric_core::{
    Bytes, Error, Image, ImageFormat, Method, Operation, RawResponse, Result, base64, decode_unit,
};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::capture_data::BiometricData;
use crate::client::Client;
use crate::list::{ListPage, decode_list, list_operation};

/// Which biometric-data endpoint to poll (sheet Biometric-data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataVersion {
    /// `GET biometric-data`: the original endpoint, up to app 1.2.33.
    Original,
    /// `GET biometric-data/ver1`: app 1.2.34 or later, adds `record_version`.
    #[default]
    Ver1,
    /// `GET biometric-data/ver2`: app 2.0.73 or later, adds a server match key.
    Ver2,
}

impl DataVersion {
    fn path(self) -> &'static str {
        match self {
            DataVersion::Original => "biometric-data",
            DataVersion::Ver1 => "biometric-data/ver1",
            DataVersion::Ver2 => "biometric-data/ver2",
        }
    }
}

/// Which bitmap a [`Client::save_bitmap`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitmapKind {
    /// `save-8bmp`: a black and white 8-bit iris image (`lefteye.bmp`, `righteye.bmp`).
    Iris8Bit,
    /// `save-24bmp`: a colour 24-bit face image (`irisoff.bmp`, `faroff.bmp`, `faron.bmp`,
    /// `nearoff.bmp`, `nearon.bmp`).
    Face24Bit,
}

/// The largest PNG this client sends as the device's enrolment logo or screen saver. The file
/// table of sheet Biometric-data says "Max file size: 768kB" without saying whether a kB is
/// 1000 or 1024 bytes; the smaller reading, 768,000 bytes, is the one sure to be accepted.
pub const MAX_LOGO_BYTES: usize = 768_000;

/// Reads an answer that may be empty or the list envelope (the save calls document the
/// envelope's status fields); a `status_code` other than 200 is an error.
fn decode_status(raw: RawResponse) -> Result<()> {
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    decode_list::<IgnoredAny>(raw).map(drop)
}

/// `{"file": "<base64>", "size": n}`: the decoded bytes, checked against `size`.
fn decode_file(raw: RawResponse) -> Result<Bytes> {
    #[derive(Deserialize)]
    struct FileData<'a> {
        #[serde(borrow)]
        file: std::borrow::Cow<'a, str>,
        size: Option<u64>,
    }
    let answer: FileData<'_> =
        serde_json::from_slice(&raw.body).map_err(|err| raw.decode_error(None, err.to_string()))?;
    let data = base64::decode_bytes(&answer.file)
        .map_err(|err| raw.decode_error(Some("file".into()), err.to_string()))?;
    if let Some(size) = answer.size
        && size != data.len() as u64
    {
        return Err(raw.decode_error(
            Some("size".into()),
            format!("`size` says {size} bytes, `file` decodes to {}", data.len()),
        ));
    }
    Ok(data)
}

fn check_filename(filename: &str) -> Result<()> {
    // Not blank, no control character, at most MAX_TEXT_CHARS (the sheets give no limit).
    crate::models::check_uuid("filename", filename)
}

/// The file table of sheet Biometric-data: `.jpg` images must be JPEG; the `gui/logo` PNGs
/// must be PNG of at most 768 kB.
fn check_file_content(filename: &str, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Err(Error::invalid("file", "must not be empty"));
    }
    let format = ImageFormat::sniff(data);
    if filename.ends_with(".jpg") && format != ImageFormat::Jpeg {
        return Err(Error::invalid(
            "file",
            "must be a JPEG for a .jpg file (the sheet's table)",
        ));
    }
    if filename.contains("/gui/logo/") && filename.ends_with(".png") {
        if format != ImageFormat::Png {
            return Err(Error::invalid(
                "file",
                "must be a PNG for the device's logo files",
            ));
        }
        if data.len() > MAX_LOGO_BYTES {
            return Err(Error::invalid(
                "file",
                "must be at most 768,000 bytes for a logo file (the sheet: 768kB)",
            ));
        }
    }
    Ok(())
}

impl Client {
    /// The captures waiting in the device's buffer (`GET biometric-data`, `/ver1` or `/ver2`;
    /// about 5 MB each). Empty until a capture started with [`Client::start_camera`] is done;
    /// the sheet says to keep polling. Acknowledge each with
    /// [`delete_biometric_data`](Self::delete_biometric_data).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn biometric_data(&self, version: DataVersion) -> Result<Vec<BiometricData>> {
        let op: Operation<ListPage<BiometricData>> =
            list_operation("ef45.biometric_data", version.path());
        Ok(self.send(op).await?.items)
    }

    /// Empties one capture from the buffer (`DELETE biometric-data/{encounter_id}`), which the
    /// sheet says to do "right after receiving" it.
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_biometric_data(&self, encounter_id: &str) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_biometric_data",
            Method::DELETE,
            "biometric-data/",
            decode_unit,
        )
        .segment("encounter_id", encounter_id)
        // Deleting the same capture again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }

    /// Saves an image as a bitmap file on the device (`PUT biometric-data/save-8bmp` or
    /// `save-24bmp` with `{"filename", "height", "image", "width"}`; the file names are in the
    /// sheet API Overview, e.g. `/usr/local/share/CMITECH/Images/righteye.bmp`). The image
    /// goes as base64; width and height as integers, as the field table types them (the
    /// example quotes them).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn save_bitmap(
        &self,
        kind: BitmapKind,
        filename: &str,
        image: &Image,
        width: u32,
        height: u32,
    ) -> Result<()> {
        check_filename(filename)?;
        if image.is_empty() {
            return Err(Error::invalid("image", "must not be empty"));
        }
        if width == 0 || height == 0 {
            return Err(Error::invalid("width", "and height must be at least 1"));
        }
        let path = match kind {
            BitmapKind::Iris8Bit => "biometric-data/save-8bmp",
            BitmapKind::Face24Bit => "biometric-data/save-24bmp",
        };
        let op = Operation::with_decoder("ef45.save_bitmap", Method::PUT, path, decode_status)
            .json_body(&serde_json::json!({
                "filename": filename, "height": height, "image": image, "width": width,
            }))?
            // Writes the whole file: writing it twice leaves the same file.
            .idempotent(true);
        self.send(op).await
    }

    /// Reads a file from the device (`GET biometric-data/load-file?filename=`: `{"file":
    /// "<base64>", "size": n}`), decoded and checked against `size`.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn load_file(&self, filename: &str) -> Result<Bytes> {
        check_filename(filename)?;
        let op = Operation::with_decoder(
            "ef45.load_file",
            Method::GET,
            "biometric-data/load-file",
            decode_file,
        )
        .query("filename", filename);
        self.send(op).await
    }

    /// Writes a file to the device (`PUT biometric-data/save-file?filename=` with `{"file":
    /// "<base64>", "size": n}`), e.g. the enrolment logo
    /// `/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png`. The sheet's file table is
    /// checked before sending: `.jpg` files must be JPEG, the logo PNGs PNG of at most 768 kB
    /// (the required 854 x 480 / 854 x 420 sizes are not checked).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn save_file(&self, filename: &str, data: &[u8]) -> Result<()> {
        check_filename(filename)?;
        check_file_content(filename, data)?;
        let op = Operation::with_decoder(
            "ef45.save_file",
            Method::PUT,
            "biometric-data/save-file",
            decode_status,
        )
        .query("filename", filename)
        .json_body(&serde_json::json!({ "file": base64::encode(data), "size": data.len() }))?
        // Writes the whole file: writing it twice leaves the same file.
        .idempotent(true);
        self.send(op).await
    }

    /// Deletes a file on the device (`DELETE biometric-data/delete-file?filename=`).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_file(&self, filename: &str) -> Result<()> {
        check_filename(filename)?;
        let op = Operation::with_decoder(
            "ef45.delete_file",
            Method::DELETE,
            "biometric-data/delete-file",
            decode_unit,
        )
        .query("filename", filename)
        // Deleting the same file again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }
}
