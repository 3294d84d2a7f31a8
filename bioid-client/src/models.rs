//! BWS 3 request inputs and typed responses (JSON is camelCase on the wire).

use std::cmp::Ordering;
use std::fmt;

use biometric_core::{Error, Image, Result};
use serde::{Deserialize, Deserializer, Serialize};

/// A class id: the client-chosen number that addresses one person's template.
///
/// BWS calls it "a 64-bit positive number": zero and values above `i64::MAX` are refused.
///
/// ```
/// use bioid_client::ClassId;
/// assert_eq!(ClassId::new(42).unwrap().get(), 42);
/// assert!(ClassId::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ClassId(u64);

impl ClassId {
    /// Checks that `id` is positive and fits a signed 64-bit integer.
    pub fn new(id: u64) -> Result<Self> {
        if id == 0 || id > i64::MAX as u64 {
            return Err(Error::invalid(
                "class_id",
                "must be a positive 64-bit number (1..=9223372036854775807)",
            ));
        }
        Ok(ClassId(id))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ClassId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TryFrom<u64> for ClassId {
    type Error = Error;
    fn try_from(id: u64) -> Result<Self> {
        ClassId::new(id)
    }
}

impl TryFrom<i64> for ClassId {
    type Error = Error;
    fn try_from(id: i64) -> Result<Self> {
        u64::try_from(id)
            .map_err(|_| Error::invalid("class_id", "must be positive"))
            .and_then(ClassId::new)
    }
}

impl<'de> Deserialize<'de> for ClassId {
    /// From the server: a JSON number, or a string (the proto3 JSON mapping of int64).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Number(u64),
            Text(String),
        }
        match Wire::deserialize(deserializer)? {
            Wire::Number(n) => Ok(ClassId(n)),
            Wire::Text(text) => text.parse().map(ClassId).map_err(|_| {
                serde::de::Error::custom(format!("class id {text:?} is not a number"))
            }),
        }
    }
}

/// An image to enroll, with optional tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollImage {
    pub(crate) image: Image,
    pub(crate) tags: Vec<String>,
}

impl EnrollImage {
    /// An image without tags.
    pub fn new(image: Image) -> Self {
        EnrollImage {
            image,
            tags: Vec::new(),
        }
    }

    /// Adds tags to the image.
    pub fn tags(mut self, tags: impl crate::Tags) -> Self {
        self.tags.extend(tags.into_tags());
        self
    }
}

impl From<Image> for EnrollImage {
    fn from(image: Image) -> Self {
        EnrollImage::new(image)
    }
}

/// `ImageData` on the wire: `{"image": base64, "tags"?: [...]}`.
#[derive(Serialize)]
pub(crate) struct ImageData<'a> {
    pub(crate) image: &'a Image,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) tags: &'a [String],
}

impl<'a> From<&'a EnrollImage> for ImageData<'a> {
    fn from(image: &'a EnrollImage) -> Self {
        ImageData {
            image: &image.image,
            tags: &image.tags,
        }
    }
}

impl<'a> From<&'a Image> for ImageData<'a> {
    fn from(image: &'a Image) -> Self {
        ImageData { image, tags: &[] }
    }
}

biometric_core::string_enum! {
    /// The status of the BWS job that processed a request.
    pub enum JobStatus {
        /// The job finished; the result fields are set.
        Succeeded = "SUCCEEDED",
        /// The job failed; see the errors.
        Faulted = "FAULTED",
        /// The job was cancelled.
        Cancelled = "CANCELLED",
    }
}

impl Default for JobStatus {
    fn default() -> Self {
        JobStatus::from("")
    }
}

biometric_core::string_enum! {
    /// What an enrollment did.
    pub enum EnrollmentAction {
        /// Nothing (no images and no template to upgrade): `NONE` on the wire, named so that
        /// an enrollment's `Debug` reads `Some(NoAction)`, never `Some(None)`.
        NoAction = "NONE",
        /// A new template was created from the images.
        NewTemplateCreated = "NEW_TEMPLATE_CREATED",
        /// The images' features were added to an existing template.
        TemplateUpdated = "TEMPLATE_UPDATED",
        /// An old template was rebuilt with the current encoder.
        TemplateUpgraded = "TEMPLATE_UPGRADED",
        /// A template was imported (gRPC API only).
        TemplateImported = "TEMPLATE_IMPORTED",
        /// The enrollment failed; see the errors.
        EnrollmentFailed = "ENROLLMENT_FAILED",
    }
}

biometric_core::string_enum! {
    /// How sure a photo verification is that the live person is the one on the photo.
    ///
    /// Ordered by strength, so that `level >= VerificationLevel::Level4` (BioID's recommended
    /// acceptance) reads naturally. An unknown level compares with nothing.
    #[derive(Default)]
    pub enum VerificationLevel {
        /// Not the same person, or not sure enough (the default).
        #[default]
        NotRecognized = "NOT_RECOGNIZED",
        /// False-accept rate 0.5 %.
        Level1 = "LEVEL_1",
        /// False-accept rate 0.25 %.
        Level2 = "LEVEL_2",
        /// False-accept rate 0.1 %.
        Level3 = "LEVEL_3",
        /// False-accept rate 0.01 % (BioID's recommended minimum).
        Level4 = "LEVEL_4",
        /// False-accept rate 0.001 %.
        Level5 = "LEVEL_5",
    }
}

impl VerificationLevel {
    fn rank(&self) -> Option<u8> {
        Some(match self {
            VerificationLevel::NotRecognized => 0,
            VerificationLevel::Level1 => 1,
            VerificationLevel::Level2 => 2,
            VerificationLevel::Level3 => 3,
            VerificationLevel::Level4 => 4,
            VerificationLevel::Level5 => 5,
            VerificationLevel::Unknown(_) => return None,
        })
    }
}

impl PartialOrd for VerificationLevel {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self.rank(), other.rank()) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ if self == other => Some(Ordering::Equal),
            _ => None,
        }
    }
}

/// The direction a person was asked to move in a challenge-response liveness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Turn or move right.
    Right,
    /// Turn or move left.
    Left,
    /// Look or move up.
    Up,
    /// Look or move down.
    Down,
}

impl Direction {
    /// The tag BWS expects on the second image.
    pub fn tag(self) -> &'static str {
        match self {
            Direction::Right => "right",
            Direction::Left => "left",
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// An error BWS reports inside a job's response.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct JobError {
    /// The code (`NoSuitableFaceImage`, `NoFeatureVectors`...).
    pub error_code: String,
    /// The explanation.
    pub message: String,
}

/// The service's texts are scrubbed the way [`biometric_core::ApiError`]'s `Debug` scrubs them.
impl fmt::Debug for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use biometric_core::redact::scrub_text;
        f.debug_struct("JobError")
            .field("error_code", &scrub_text(&self.error_code))
            .field("message", &scrub_text(&self.message))
            .finish()
    }
}

/// `NoSuitableFaceImage: no suitable face image`, the service's texts scrubbed and cut like an
/// error's.
impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use biometric_core::redact::text_preview;
        f.write_str(&text_preview(&self.error_code))?;
        if !self.message.is_empty() {
            write!(f, ": {}", text_preview(&self.message))?;
        }
        Ok(())
    }
}

/// Writes `errors` after `: `, separated by `; `.
fn write_job_errors(f: &mut fmt::Formatter<'_>, errors: &[JobError]) -> fmt::Result {
    for (i, error) in errors.iter().enumerate() {
        f.write_str(if i == 0 { ": " } else { "; " })?;
        write!(f, "{error}")?;
    }
    Ok(())
}

/// A point on an image.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Point {
    /// Horizontal position in pixels.
    pub x: f64,
    /// Vertical position in pixels.
    pub y: f64,
}

/// A face found on an image.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Face {
    /// The left eye's centre.
    pub left_eye: Point,
    /// The right eye's centre.
    pub right_eye: Point,
    /// Texture-based liveness score.
    pub texture_liveness_score: f64,
    /// Motion-based liveness score.
    pub motion_liveness_score: f64,
    /// Detected movement direction.
    pub movement_direction: f64,
}

/// One quality check performed on an image.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct QualityAssessment {
    /// The check (`FaceFound`, `SingleFaceOnImage`, `FaceFeaturesAvailable`...).
    pub check: String,
    /// Its score.
    pub score: f64,
    /// Its explanation.
    pub message: String,
}

/// What BWS found on one input image.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ImageProperties {
    /// Rotation applied, in degrees.
    pub rotated: i32,
    /// The faces found.
    pub faces: Vec<Face>,
    /// The overall quality score.
    pub quality_score: f64,
    /// The individual quality checks.
    pub quality_assessments: Vec<QualityAssessment>,
    /// The frame number (video input).
    pub frame_number: i32,
}

impl ImageProperties {
    /// The quality checks whose score is below `threshold`, as BWS reported them.
    ///
    /// BWS defines no pass mark for a check's score (the documentation gives a check's name,
    /// score and message, and says failed checks explain `NoSuitableFaceImage` and
    /// `NoFeatureVectors`, without a threshold), so the threshold is yours to choose; every
    /// assessment is in [`ImageProperties::quality_assessments`] as reported.
    pub fn checks_scoring_below(
        &self,
        threshold: f64,
    ) -> impl Iterator<Item = &QualityAssessment> + '_ {
        self.quality_assessments
            .iter()
            .filter(move |q| q.score < threshold)
    }
}

/// An enrolled face thumbnail.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Thumbnail {
    /// When it was enrolled, as sent (see [`TemplateStatus::enrolled_at`] for the parsing rule).
    #[serde(default)]
    pub enrolled: Option<String>,
    /// The thumbnail image (PNG).
    pub image: Image,
}

/// The state of a stored face template.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct TemplateStatus {
    /// The class id, as the server reports it.
    pub class_id: Option<ClassId>,
    /// Whether a template is stored.
    pub available: bool,
    /// When it was enrolled, as sent.
    pub enrolled: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// The encoder version that made it.
    pub encoder_version: i32,
    /// How many feature vectors it holds.
    pub feature_vectors: i32,
    /// How many thumbnails are stored.
    pub thumbnails_stored: i32,
    /// The thumbnails, when asked for.
    pub thumbnails: Vec<Thumbnail>,
}

impl TemplateStatus {
    /// The enrollment time, when the server sent an RFC 3339 timestamp.
    pub fn enrolled_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_timestamp(self.enrolled.as_deref()?)
    }
}

pub(crate) fn parse_timestamp(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// The outcome of an enrollment.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Enrollment {
    /// The job's status.
    pub status: JobStatus,
    /// Errors reported by the job.
    pub errors: Vec<JobError>,
    /// Per input image, in order.
    pub image_properties: Vec<ImageProperties>,
    /// What the enrollment did.
    pub performed_action: Option<EnrollmentAction>,
    /// How many images were newly enrolled.
    pub enrolled_images: u32,
    /// The template after the enrollment (without thumbnails).
    pub template_status: Option<TemplateStatus>,
}

/// The outcome of a one-to-one verification.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Verification {
    /// The job's status.
    pub status: JobStatus,
    /// Errors reported by the job.
    pub errors: Vec<JobError>,
    /// What was found on the image.
    pub image_properties: Option<ImageProperties>,
    /// Whether the face matches the class's template.
    pub verified: bool,
    /// The similarity score.
    pub score: f64,
}

/// One candidate of a search.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Match {
    /// The candidate's class id.
    pub class_id: Option<ClassId>,
    /// The similarity score.
    pub score: f64,
}

/// The candidates for one searched image.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SearchResultItem {
    /// Candidates, best first.
    pub matches: Vec<Match>,
}

/// The outcome of a one-to-many search.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Search {
    /// The job's status.
    pub status: JobStatus,
    /// Errors reported by the job.
    pub errors: Vec<JobError>,
    /// Per input image, in order.
    pub image_properties: Vec<ImageProperties>,
    /// Per input image, in order: its candidates.
    pub result: Vec<SearchResultItem>,
}

/// The outcome of a liveness detection.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Liveness {
    /// The job's status.
    pub status: JobStatus,
    /// Errors reported by the job.
    pub errors: Vec<JobError>,
    /// Per input image, in order.
    pub image_properties: Vec<ImageProperties>,
    /// Whether the person is live.
    pub live: bool,
    /// The liveness score.
    pub liveness_score: f64,
}

/// The outcome of a photo verification (a live person against an ID photo).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct PhotoVerification {
    /// The job's status.
    pub status: JobStatus,
    /// Errors reported by the job.
    pub errors: Vec<JobError>,
    /// Per live image, in order.
    pub image_properties: Vec<ImageProperties>,
    /// What was found on the photo.
    pub photo_properties: Option<ImageProperties>,
    /// How sure BWS is that the live person is the one on the photo.
    pub verification_level: VerificationLevel,
    /// The verification score.
    pub verification_score: f64,
    /// Whether the person is live (false when liveness detection was turned off).
    pub live: bool,
    /// The liveness score.
    pub liveness_score: f64,
}

/// The number of classes carrying some tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ClassCount {
    /// How many classes.
    pub number_of_classes: u64,
}

/// A template call's answer when the template may not exist (HTTP 404 whose body carries the
/// gRPC code NOT_FOUND; any other 404 is an error, see the crate docs).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum TemplateLookup<T> {
    /// The template exists; here is the answer.
    Found(T),
    /// No template is stored for the class.
    NoTemplate,
}

impl<T> TemplateLookup<T> {
    /// The answer, or `None` when there was no template.
    pub fn found(self) -> Option<T> {
        match self {
            TemplateLookup::Found(value) => Some(value),
            TemplateLookup::NoTemplate => None,
        }
    }

    /// True when there was no template.
    pub fn is_no_template(&self) -> bool {
        matches!(self, TemplateLookup::NoTemplate)
    }
}

/// A health endpoint's answer.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Health {
    /// True on HTTP 200.
    pub healthy: bool,
    /// The body text (`Healthy`, `Unhealthy`...).
    pub detail: String,
}

/// The body text is shown scrubbed and cut like an error body ([`biometric_core::redact`]):
/// whatever a proxy answers on the health path must not reach a log whole.
impl fmt::Debug for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Health")
            .field("healthy", &self.healthy)
            .field(
                "detail",
                &biometric_core::redact::body_preview(self.detail.as_bytes()),
            )
            .finish()
    }
}

/// Why a job failed: a successful call whose job did not do what was asked, read with
/// [`JobOutcome::failure`]. Its `Display` is the one line to log or show.
///
/// ```
/// use bioid_client::{JobOutcome, Verification};
/// let answer: Verification = serde_json::from_str(
///     r#"{"status": "FAULTED", "errors": [{"errorCode": "NoFaceFound", "message": "No face"}]}"#,
/// ).unwrap();
/// let failure = answer.failure().unwrap();
/// assert_eq!(failure.to_string(), "the job ended FAULTED: NoFaceFound: No face");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobFailure {
    /// The job's status.
    pub status: JobStatus,
    /// What an enrollment did (`ENROLLMENT_FAILED`); `None` for other jobs.
    pub performed_action: Option<EnrollmentAction>,
    /// The job's errors, in the service's order.
    pub errors: Vec<JobError>,
}

impl fmt::Display for JobFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.performed_action {
            Some(action) if self.status == JobStatus::Succeeded => {
                write!(f, "the enrollment failed ({action})")?
            }
            _ => write!(f, "the job ended {}", self.status)?,
        }
        write_job_errors(f, &self.errors)
    }
}

/// A liveness check that ran and found no live person, read with [`Liveness::rejection`].
///
/// ```
/// use bioid_client::Liveness;
/// let answer: Liveness = serde_json::from_str(
///     r#"{"status": "SUCCEEDED", "live": false, "livenessScore": 0.12,
///         "errors": [{"errorCode": "RejectedByPassiveLiveDetection", "message": "Not live"}]}"#,
/// ).unwrap();
/// assert_eq!(
///     answer.rejection().unwrap().to_string(),
///     "not live (liveness score 0.12): RejectedByPassiveLiveDetection: Not live"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LivenessRejection {
    /// The liveness score.
    pub liveness_score: f64,
    /// The reasons the service gave, in its order.
    pub errors: Vec<JobError>,
}

impl fmt::Display for LivenessRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not live (liveness score {})", self.liveness_score)?;
        write_job_errors(f, &self.errors)
    }
}

impl Liveness {
    /// The rejection, when the job succeeded and found no live person (`live: false`); `None`
    /// when the person is live or the job itself failed (see [`JobOutcome::failure`]).
    pub fn rejection(&self) -> Option<LivenessRejection> {
        (self.status == JobStatus::Succeeded && !self.live).then(|| LivenessRejection {
            liveness_score: self.liveness_score,
            errors: self.errors.clone(),
        })
    }
}

/// A response whose job can fail while the HTTP call succeeds.
pub trait JobOutcome {
    /// The job's status.
    fn job_status(&self) -> &JobStatus;
    /// The job's errors.
    fn job_errors(&self) -> &[JobError];
    /// True unless the job succeeded (and, for an enrollment, did not report
    /// `ENROLLMENT_FAILED`).
    fn is_failed(&self) -> bool {
        *self.job_status() != JobStatus::Succeeded
    }
    /// Why the job failed, when [`is_failed`](Self::is_failed).
    fn failure(&self) -> Option<JobFailure> {
        self.is_failed().then(|| JobFailure {
            status: self.job_status().clone(),
            performed_action: None,
            errors: self.job_errors().to_vec(),
        })
    }
}

macro_rules! job_outcome {
    ($($ty:ty),+) => {$(
        impl JobOutcome for $ty {
            fn job_status(&self) -> &JobStatus {
                &self.status
            }
            fn job_errors(&self) -> &[JobError] {
                &self.errors
            }
        }
    )+};
}

job_outcome!(Verification, Search, Liveness, PhotoVerification);

impl JobOutcome for Enrollment {
    fn job_status(&self) -> &JobStatus {
        &self.status
    }
    fn job_errors(&self) -> &[JobError] {
        &self.errors
    }
    fn is_failed(&self) -> bool {
        self.status != JobStatus::Succeeded
            || self.performed_action == Some(EnrollmentAction::EnrollmentFailed)
    }
    fn failure(&self) -> Option<JobFailure> {
        self.is_failed().then(|| JobFailure {
            status: self.status.clone(),
            performed_action: self.performed_action.clone(),
            errors: self.errors.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_levels_are_ordered_and_unknown_compares_with_nothing() {
        assert!(VerificationLevel::Level5 >= VerificationLevel::Level4);
        assert!(VerificationLevel::Level3 < VerificationLevel::Level4);
        assert!(VerificationLevel::NotRecognized < VerificationLevel::Level1);
        let newer = VerificationLevel::from("LEVEL_6");
        assert_eq!(newer.partial_cmp(&VerificationLevel::Level4), None);
    }

    #[test]
    fn class_ids_from_numbers_and_strings() {
        let id: ClassId = serde_json::from_str("\"9007199254740993\"").unwrap();
        assert_eq!(id.get(), 9_007_199_254_740_993);
        let id: ClassId = serde_json::from_str("12").unwrap();
        assert_eq!(id.get(), 12);
        assert!(ClassId::try_from(-1i64).is_err());
        assert!(ClassId::new(i64::MAX as u64 + 1).is_err());
    }
}
