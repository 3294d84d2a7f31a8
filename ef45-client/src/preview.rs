//! Sheet Preview: the live preview frame during a capture.

use std::time::Duration;

use biometric_core::{Image, Method, Operation, RawResponse, Result, StatusCode};
use futures_core::Stream;
use serde::{Deserialize, Deserializer};

use crate::client::Client;

/// One preview frame (`GET preview`): the eye and face images (base64 on the wire) and where
/// the device sees the eyes. The sheet lists the fields without explaining them; their names
/// are the device's. Images never show in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Preview {
    /// `left_eye`.
    #[serde(default, deserialize_with = "optional_image")]
    pub left_eye: Option<Image>,
    /// `right_eye`.
    #[serde(default, deserialize_with = "optional_image")]
    pub right_eye: Option<Image>,
    /// `face_image`.
    #[serde(default, deserialize_with = "optional_image")]
    pub face_image: Option<Image>,
    /// `avg_distance`.
    pub avg_distance: Option<i64>,
    /// `left_boundary`.
    pub left_boundary: Option<i64>,
    /// `right_boundary`.
    pub right_boundary: Option<i64>,
    /// `left_iris_center_x`.
    pub left_iris_center_x: Option<i64>,
    /// `right_iris_center_x`.
    pub right_iris_center_x: Option<i64>,
    /// `left_iris_center_y`.
    pub left_iris_center_y: Option<i64>,
    /// `right_iris_center_y`.
    pub right_iris_center_y: Option<i64>,
    /// `left_eye_center_x`.
    pub left_eye_center_x: Option<i64>,
    /// `right_eye_center_x`.
    pub right_eye_center_x: Option<i64>,
    /// `left_eye_center_y`.
    pub left_eye_center_y: Option<i64>,
    /// `right_eye_center_y`.
    pub right_eye_center_y: Option<i64>,
    /// `left_iris_radius`.
    pub left_iris_radius: Option<i64>,
    /// `right_iris_radius`.
    pub right_iris_radius: Option<i64>,
    /// `left_distance`.
    pub left_distance: Option<i64>,
    /// `right_distance`.
    pub right_distance: Option<i64>,
    /// `message` (an int; the sheet does not list its values).
    pub message: Option<i64>,
    /// `switch_flag`.
    pub switch_flag: Option<bool>,
}

/// Base64 text as an image; `null` or `""` is none.
fn optional_image<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Image>, D::Error> {
    let image = Option::<Image>::deserialize(deserializer)?;
    Ok(image.filter(|image| !image.is_empty()))
}

/// 204 or an empty body is "no frame yet" (notes.md); anything else is a frame.
fn decode_preview(raw: RawResponse) -> Result<Option<Preview>> {
    if raw.status == StatusCode::NO_CONTENT || raw.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    raw.json().map(Some)
}

impl Client {
    /// The current preview frame (`GET preview`), `None` when the device has none yet (204 or
    /// an empty body). The sheet: poll it after starting the camera until the capture is done.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn preview(&self) -> Result<Option<Preview>> {
        let op = Operation::with_decoder("ef45.preview", Method::GET, "preview", decode_preview);
        self.send(op).await
    }

    /// Preview frames, polled every `interval` (no frame yet is skipped, not yielded). The
    /// stream never ends by itself: stop reading it (or drop it) when the capture is done. A
    /// failed poll is yielded as an error and polling goes on at the next interval.
    pub fn preview_frames(
        &self,
        interval: Duration,
    ) -> impl Stream<Item = Result<Preview>> + Send + 'static {
        let client = self.clone();
        futures_util::stream::unfold((client, true), move |(client, first)| async move {
            let mut first = first;
            loop {
                if !first {
                    tokio::time::sleep(interval).await;
                }
                first = false;
                match client.preview().await {
                    Ok(None) => continue,
                    Ok(Some(frame)) => return Some((Ok(frame), (client, false))),
                    Err(err) => return Some((Err(err), (client, false))),
                }
            }
        })
    }
}
