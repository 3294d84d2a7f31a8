//! The capture records of sheets Biometric-data and Match-data: eye images with their iris
//! templates and quality, and five face groups, flattened on the wire into prefixed keys
//! (`left_eye_quality_score`, `far_off_face_roll`...). They are read key by key, so a 5 MB
//! answer is decoded once, straight into images, without an intermediate JSON tree.

use std::fmt;

use biometric_core::Image;
use biometric_core::chrono::NaiveDateTime;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::models::BiometricText;

/// One eye of a capture: its image, iris template and quality.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EyeCapture {
    /// The eye image (`left_eye`: 640x480 in the sheet), `None` when not sent or empty.
    pub image: Option<Image>,
    /// `{eye}_duplicate_uuid`: "Duplicated UUID" in the sheet, which says no more; the API
    /// Overview builds the saved BMP file names from it (`left_eye_duplicate_uuid +
    /// "_lefteye.bmp"`). Empty text reads as `None`.
    pub duplicate_uuid: Option<String>,
    /// The iris template (`{eye}_enrol_template` in biometric data, `left_eye__iris_template`
    /// and `right_eye_iris_template` in match data, spelled as the sheets spell them).
    pub template: BiometricText,
    /// `{eye}_usable_iris_area`: the iris area of the image.
    pub usable_iris_area: Option<f64>,
    /// `{eye}_quality_score`.
    pub quality_score: Option<f64>,
    /// `{eye}_quality_ok`.
    pub quality_ok: Option<bool>,
}

/// One face group of a capture (`iris_off_face`, `far_off_face`...): its image and features.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct FaceCapture {
    /// The face image, `None` when not sent or empty.
    pub image: Option<Image>,
    /// `{face}_duplicate_uuid` (biometric data only; see [`EyeCapture::duplicate_uuid`]).
    pub duplicate_uuid: Option<String>,
    /// `{face}_eye_width`.
    pub eye_width: Option<i64>,
    /// `{face}_feature`: the face template (base64).
    pub feature: BiometricText,
    /// `{face}_feature_size`: the template size.
    pub feature_size: Option<i64>,
    /// `{face}_frontal_score`.
    pub frontal_score: Option<f64>,
    /// `{face}_LED_state`.
    pub led_state: Option<i64>,
    /// `{face}_left_eye_x`.
    pub left_eye_x: Option<i64>,
    /// `{face}_right_eye_x`.
    pub right_eye_x: Option<i64>,
    /// `{face}_roll`.
    pub roll: Option<f64>,
    /// `{face}_score`.
    pub score: Option<f64>,
}

/// The five face groups of a capture (sheet Biometric-data's remarks).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct FaceGroups {
    /// `iris_off_face`: the face while capturing the iris (colour under normal light, B/W with
    /// the IR LED under dim light).
    pub iris_off: FaceCapture,
    /// `far_off_face`: colour face when capturing the face.
    pub far_off: FaceCapture,
    /// `far_on_face`: B/W face when capturing the face.
    pub far_on: FaceCapture,
    /// `near_off_face`: colour face with glasses.
    pub near_off: FaceCapture,
    /// `near_on_face`: B/W face with glasses.
    pub near_on: FaceCapture,
}

impl FaceGroups {
    fn group_mut(&mut self, prefix: &str) -> Option<&mut FaceCapture> {
        Some(match prefix {
            "iris_off_face" => &mut self.iris_off,
            "far_off_face" => &mut self.far_off,
            "far_on_face" => &mut self.far_on,
            "near_off_face" => &mut self.near_off,
            "near_on_face" => &mut self.near_on,
            _ => return None,
        })
    }
}

/// One capture of sheet Biometric-data (`GET biometric-data[/ver1|/ver2]`), about 5 MB on the
/// wire. Its images and templates never show in `Debug`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct BiometricData {
    /// The capture's id: acknowledge it with
    /// [`Client::delete_biometric_data`](crate::Client::delete_biometric_data).
    pub encounter_id: String,
    /// When (`2018-05-21T16:59:46Z`, kept without a zone as for logs).
    pub timestamp: Option<NaiveDateTime>,
    /// The device's serial number.
    pub serial_number: String,
    /// The left eye.
    pub left_eye: EyeCapture,
    /// The right eye.
    pub right_eye: EyeCapture,
    /// The faces.
    pub faces: FaceGroups,
    /// `error_message`.
    pub error_message: Option<String>,
    /// `bodyTemperature` (app 2.2.12 or later).
    pub body_temperature: Option<String>,
    /// `alarm`.
    pub alarm: Option<String>,
    /// `mask`.
    pub mask: Option<String>,
    /// `leftIrisDiameter` in pixels (app 2.1.35 or later, with `launcher.network.diameter` = 1).
    pub left_iris_diameter: Option<i64>,
    /// `leftPupilDiameter`.
    pub left_pupil_diameter: Option<i64>,
    /// `rightIrisDiameter`.
    pub right_iris_diameter: Option<i64>,
    /// `rightPupilDiameter`.
    pub right_pupil_diameter: Option<i64>,
    /// `record_version` (the revised endpoints only).
    pub record_version: Option<i64>,
    /// Keys the sheet does not list, by name (their values are skipped, not kept: they may be
    /// images).
    pub unknown_keys: Vec<String>,
}

/// One match event of sheet Match-data (`GET match-data`).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MatchData {
    /// The event's id: acknowledge it with `DELETE match-data/{encounter_id}`.
    pub encounter_id: String,
    /// When.
    pub timestamp: Option<NaiveDateTime>,
    /// The device's serial number.
    pub serial_number: String,
    /// The matched user (`uuid`).
    pub uuid: String,
    /// The log of this event (`log_id`).
    pub log_id: Option<i64>,
    /// The left eye.
    pub left_eye: EyeCapture,
    /// The right eye.
    pub right_eye: EyeCapture,
    /// The faces.
    pub faces: FaceGroups,
    /// Keys the sheet does not list, by name.
    pub unknown_keys: Vec<String>,
}

/// Reads one value of a prefixed key into an eye; `false` when the suffix is not an eye field.
fn eye_field<'de, A: MapAccess<'de>>(
    eye: &mut EyeCapture,
    suffix: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    match suffix {
        "" => eye.image = image(map)?,
        "_duplicate_uuid" => eye.duplicate_uuid = text(map)?,
        // Biometric data says `enrol_template`; match data `_iris_template` (and, for the left
        // eye, `__iris_template`, double underscore, as the sheet spells it).
        "_enrol_template" | "_iris_template" | "__iris_template" => {
            eye.template = map
                .next_value::<Option<BiometricText>>()?
                .unwrap_or_default()
        }
        "_usable_iris_area" => eye.usable_iris_area = map.next_value()?,
        "_quality_score" => eye.quality_score = map.next_value()?,
        "_quality_ok" => eye.quality_ok = map.next_value()?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Reads one value of a prefixed key into a face group; `false` when not a face field.
fn face_field<'de, A: MapAccess<'de>>(
    face: &mut FaceCapture,
    suffix: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    match suffix {
        "" => face.image = image(map)?,
        "_duplicate_uuid" => face.duplicate_uuid = text(map)?,
        "_eye_width" => face.eye_width = map.next_value()?,
        "_feature" => {
            face.feature = map
                .next_value::<Option<BiometricText>>()?
                .unwrap_or_default()
        }
        "_feature_size" => face.feature_size = map.next_value()?,
        "_frontal_score" => face.frontal_score = map.next_value()?,
        "_LED_state" => face.led_state = map.next_value()?,
        "_left_eye_x" => face.left_eye_x = map.next_value()?,
        "_right_eye_x" => face.right_eye_x = map.next_value()?,
        "_roll" => face.roll = map.next_value()?,
        "_score" => face.score = map.next_value()?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// The eye or face fields shared by both records; `false` when `key` is none of them.
fn capture_field<'de, A: MapAccess<'de>>(
    key: &str,
    left: &mut EyeCapture,
    right: &mut EyeCapture,
    faces: &mut FaceGroups,
    map: &mut A,
) -> Result<bool, A::Error> {
    if let Some(suffix) = key.strip_prefix("left_eye") {
        return eye_field(left, suffix, map);
    }
    if let Some(suffix) = key.strip_prefix("right_eye") {
        return eye_field(right, suffix, map);
    }
    // `iris_off_face_roll` -> group `iris_off_face`, suffix `_roll`.
    for prefix in [
        "iris_off_face",
        "far_off_face",
        "far_on_face",
        "near_off_face",
        "near_on_face",
    ] {
        if let Some(suffix) = key.strip_prefix(prefix) {
            let group = faces.group_mut(prefix).expect("listed prefix");
            return face_field(group, suffix, map);
        }
    }
    Ok(false)
}

/// An image given as base64 text; `null` or `""` is none.
fn image<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Image>, A::Error> {
    let image = map.next_value::<Option<Image>>()?;
    Ok(image.filter(|image| !image.is_empty()))
}

/// Text that may be a number or `null`; empty text is none.
fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<String>, A::Error> {
    let value = map.next_value::<Option<TextOrNumber>>()?;
    Ok(value.map(|v| v.0).filter(|t| !t.is_empty()))
}

struct TextOrNumber(String);

impl<'de> Deserialize<'de> for TextOrNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Int(i64),
            Float(f64),
        }
        Ok(TextOrNumber(match Either::deserialize(deserializer)? {
            Either::Text(text) => text,
            Either::Int(n) => n.to_string(),
            Either::Float(n) => n.to_string(),
        }))
    }
}

fn time<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<NaiveDateTime>, A::Error> {
    let text = map.next_value::<Option<String>>()?.unwrap_or_default();
    Ok(crate::log_entry::parse_log_time(&text))
}

/// A capture record: its own top-level keys, and the eye and face groups both records share.
trait CaptureRecord: Default {
    const EXPECTING: &'static str;

    /// Reads `key` when it is one of this record's own keys (not an eye or face field).
    fn own_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;

    /// The eyes, the faces and the list of unknown keys.
    fn parts(
        &mut self,
    ) -> (
        &mut EyeCapture,
        &mut EyeCapture,
        &mut FaceGroups,
        &mut Vec<String>,
    );
}

impl CaptureRecord for BiometricData {
    const EXPECTING: &'static str = "a biometric-data item";

    fn own_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "encounter_id" => self.encounter_id = map.next_value()?,
            "timestamp" => self.timestamp = time(map)?,
            "serial_number" => self.serial_number = text(map)?.unwrap_or_default(),
            "error_message" => self.error_message = text(map)?,
            "bodyTemperature" => self.body_temperature = text(map)?,
            "alarm" => self.alarm = text(map)?,
            "mask" => self.mask = text(map)?,
            "leftIrisDiameter" => self.left_iris_diameter = map.next_value()?,
            "leftPupilDiameter" => self.left_pupil_diameter = map.next_value()?,
            "rightIrisDiameter" => self.right_iris_diameter = map.next_value()?,
            "rightPupilDiameter" => self.right_pupil_diameter = map.next_value()?,
            "record_version" => self.record_version = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn parts(
        &mut self,
    ) -> (
        &mut EyeCapture,
        &mut EyeCapture,
        &mut FaceGroups,
        &mut Vec<String>,
    ) {
        (
            &mut self.left_eye,
            &mut self.right_eye,
            &mut self.faces,
            &mut self.unknown_keys,
        )
    }
}

impl CaptureRecord for MatchData {
    const EXPECTING: &'static str = "a match-data item";

    fn own_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "encounter_id" => self.encounter_id = map.next_value()?,
            "timestamp" => self.timestamp = time(map)?,
            "serial_number" => self.serial_number = text(map)?.unwrap_or_default(),
            "uuid" => self.uuid = text(map)?.unwrap_or_default(),
            "log_id" => self.log_id = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn parts(
        &mut self,
    ) -> (
        &mut EyeCapture,
        &mut EyeCapture,
        &mut FaceGroups,
        &mut Vec<String>,
    ) {
        (
            &mut self.left_eye,
            &mut self.right_eye,
            &mut self.faces,
            &mut self.unknown_keys,
        )
    }
}

struct RecordVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: CaptureRecord> Visitor<'de> for RecordVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut record = T::default();
        let mut seen_id = false;
        while let Some(key) = map.next_key::<String>()? {
            seen_id |= key == "encounter_id";
            if record.own_field(&key, &mut map)? {
                continue;
            }
            let (left, right, faces, unknown) = record.parts();
            if !capture_field(&key, left, right, faces, &mut map)? {
                map.next_value::<IgnoredAny>()?;
                unknown.push(key);
            }
        }
        if !seen_id {
            return Err(de::Error::missing_field("encounter_id"));
        }
        Ok(record)
    }
}

impl<'de> Deserialize<'de> for BiometricData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor::<BiometricData>(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for MatchData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor::<MatchData>(std::marker::PhantomData))
    }
}
