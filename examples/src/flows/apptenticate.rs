//! Apptenticate: log in, check a citizen with a matching and a non-matching face, survive an
//! access-token expiry mid-run, run the liveness check.

use apptenticate_client::{Client, Device, Image, Result};

use crate::step;

/// What the flow needs: a citizen ID and pictures.
#[derive(Debug, Clone)]
pub struct Pictures {
    /// The citizen ID (`cedula`).
    pub cedula: String,
    /// A live selfie of that citizen.
    pub matching: Image,
    /// A selfie of someone else (skipped when `None`).
    pub other: Option<Image>,
    /// A photo of a photo, for the liveness check (skipped when `None`).
    pub photo: Option<Image>,
}

impl Pictures {
    /// Synthetic pictures the simulator understands (see `biometric_sim::apptenticate`), for
    /// the citizen the default simulator knows.
    pub fn synthetic() -> Self {
        use biometric_sim::apptenticate::{face_image, photo_of};
        let cedula = "0102030405";
        Pictures {
            cedula: cedula.to_owned(),
            matching: Image::from_bytes(face_image(cedula)),
            other: Some(Image::from_bytes(face_image("someone-else"))),
            photo: Some(Image::from_bytes(photo_of(cedula))),
        }
    }
}

/// What the flow observed, for a reader and for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The check with the citizen's own face.
    pub matching_valid: bool,
    /// Whether that check returned a transaction id (it asks for one).
    pub matching_has_id: bool,
    /// The check with someone else's face (`None` when skipped).
    pub other_valid: Option<bool>,
    /// The same check once more after the access token expired (`None` when no expiry was
    /// arranged).
    pub valid_after_expiry: Option<bool>,
    /// Liveness of the selfie: whether it meets the documented rule.
    pub selfie_meets_rule: bool,
    /// Liveness of the photo of a photo (`None` when skipped).
    pub photo_meets_rule: Option<bool>,
}

/// Runs the flow, printing each step. `expire` makes the service drop the current access token
/// (the simulator can; against a real service pass `None`: tokens last 5 minutes).
pub async fn run(
    client: &Client,
    pictures: &Pictures,
    expire: Option<&(dyn Fn() + Sync)>,
) -> Result<Summary> {
    client.login().await?;
    step("logged in (access and refresh token)");

    let matching = client
        .check_citizen(&pictures.cedula, pictures.matching.clone())
        .return_id(true)
        .device(Device::Android)
        .send()
        .await?;
    step(format!(
        "citizen {} with their own face: valid = {} (code {:?}, transaction {:?})",
        pictures.cedula, matching.valid, matching.code, matching.id
    ));

    let other_valid = match &pictures.other {
        Some(other) => {
            let other = client
                .check_citizen(&pictures.cedula, other.clone())
                .send()
                .await?;
            step(format!(
                "citizen {} with someone else's face: valid = {} ({})",
                pictures.cedula,
                other.valid,
                other.message.as_deref().unwrap_or("no message")
            ));
            Some(other.valid)
        }
        None => None,
    };

    let valid_after_expiry = match expire {
        Some(expire) => {
            expire();
            let again = client
                .check_citizen(&pictures.cedula, pictures.matching.clone())
                .send()
                .await?;
            step(format!(
                "access token expired on the service: refreshed and repeated, valid = {}",
                again.valid
            ));
            Some(again.valid)
        }
        None => None,
    };

    let selfie = client
        .check_liveness(pictures.matching.clone())
        .device(Device::Android)
        .send()
        .await?
        .api_response;
    step(format!(
        "liveness of the selfie: score {:.2}, quality {:.2}, liveness {:.2} (meets the 0.5 rule: {})",
        selfie.score,
        selfie.quality,
        selfie.liveness,
        selfie.meets_documented_rule()
    ));
    let photo_meets_rule = match &pictures.photo {
        Some(photo) => {
            let scores = client
                .check_liveness(photo.clone())
                .send()
                .await?
                .api_response;
            step(format!(
                "liveness of a photo of a photo: liveness {:.2} (meets the 0.5 rule: {})",
                scores.liveness,
                scores.meets_documented_rule()
            ));
            Some(scores.meets_documented_rule())
        }
        None => None,
    };

    Ok(Summary {
        matching_valid: matching.valid,
        matching_has_id: matching.id.is_some(),
        other_valid,
        valid_after_expiry,
        selfie_meets_rule: selfie.meets_documented_rule(),
        photo_meets_rule,
    })
}
