//! The log item of sheet Log and the parts of its `info` text (sheet API Overview).

use std::fmt;

use biometric_core::chrono::{NaiveDate, NaiveDateTime};
use biometric_core::{DecodeError, Error, Image, Result, base64};
use serde::Deserialize;

use crate::models::BiometricText;

biometric_core::string_enum! {
    /// A log's `event_type` (sheet Log: "General, InitInfo, Recognition, UserDataByPC (e.g.
    /// InsertSubject, DeleteSubject), UserData, CardsData"; the device's log database may hold
    /// others, which are kept as [`EventType::Unknown`]).
    pub enum EventType {
        /// `General`.
        General = "General",
        /// `InitInfo`.
        InitInfo = "InitInfo",
        /// `Recognition` (its `info` is `purpose/mode/result`, sheet API Overview).
        Recognition = "Recognition",
        /// `UserDataByPC` (the sheet: "e.g. InsertSubject, DeleteSubject").
        UserDataByPc = "UserDataByPC",
        /// `UserData` (the sheet's example: `info` `DeleteUsers`).
        UserData = "UserData",
        /// `CardsData`.
        CardsData = "CardsData",
    }
}

biometric_core::string_enum! {
    /// The recognition purpose, first part of a recognition log's `info` (sheet API Overview).
    pub enum Purpose {
        /// `In`: going to work (check-in).
        In = "In",
        /// `Out`: off work (check-out).
        Out = "Out",
        /// `Leave`: going out.
        Leave = "Leave",
        /// `Return`: coming back.
        Return = "Return",
        /// `Recog`: recognition only.
        Recog = "Recog",
        /// `User`: user management.
        User = "User",
        /// `Settings`: device settings.
        Settings = "Settings",
    }
}

biometric_core::string_enum! {
    /// The recognition mode, second part of a recognition log's `info`: the start mode and the
    /// combination mode (sheet API Overview's authType 1..13).
    pub enum AuthMode {
        /// `BioOnly` (authType 1).
        BioOnly = "BioOnly",
        /// `Bio-Id` (2).
        BioId = "Bio-Id",
        /// `Bio-Card` (3).
        BioCard = "Bio-Card",
        /// `Bio-Pin` (4).
        BioPin = "Bio-Pin",
        /// `IdOnly` (5).
        IdOnly = "IdOnly",
        /// `Id-Bio` (6).
        IdBio = "Id-Bio",
        /// `Id-Card` (7).
        IdCard = "Id-Card",
        /// `Id-Pin` (8).
        IdPin = "Id-Pin",
        /// `CardOnly` (9).
        CardOnly = "CardOnly",
        /// `Card-Bio` (10).
        CardBio = "Card-Bio",
        /// `Card-Id` (11).
        CardId = "Card-Id",
        /// `Card-Pin` (12).
        CardPin = "Card-Pin",
        /// `BypassCard` (13).
        BypassCard = "BypassCard",
    }
}

biometric_core::string_enum! {
    /// The recognised biometric, last part of a recognition log's `info` (sheet API Overview).
    pub enum RecognizedBio {
        /// `IrisOk`.
        IrisOk = "IrisOk",
        /// `IrisFail`.
        IrisFail = "IrisFail",
        /// `FaceOk`.
        FaceOk = "FaceOk",
        /// `FaceFail`.
        FaceFail = "FaceFail",
        /// `Iris&FaceOk`.
        IrisAndFaceOk = "Iris&FaceOk",
        /// `Iris&FaceFail`.
        IrisAndFaceFail = "Iris&FaceFail",
    }
}

/// The three parts of a recognition log's `info` ("purpose/mode/result", e.g.
/// `Recog/BioOnly/IrisOk`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recognition {
    /// Why the person presented themself (`In`, `Out`, `Recog`...).
    pub purpose: Purpose,
    /// How they were identified (`BioOnly`, `Bio-Card`...).
    pub mode: AuthMode,
    /// What was recognised (`IrisOk`, `FaceFail`...).
    pub result: RecognizedBio,
}

/// One log of sheet Log.
///
/// ```
/// use ef45_client::{EventType, LogEntry, Purpose, RecognizedBio};
/// let entry: LogEntry = serde_json::from_str(r#"{"id":68,"event_type":"Recognition",
///     "timestamp":"2018-05-28T14:26:26Z","user_uuid":"111","info":"Recog/BioOnly/IrisOk",
///     "additional_data":"Allowed","matched_faceimage_data":""}"#).unwrap();
/// assert_eq!(entry.event_type, EventType::Recognition);
/// assert_eq!(entry.timestamp.unwrap().to_string(), "2018-05-28 14:26:26");
/// let recognition = entry.recognition().unwrap();
/// assert_eq!(recognition.purpose, Purpose::Recog);
/// assert_eq!(recognition.result, RecognizedBio::IrisOk);
/// assert!(entry.matched_face_image().unwrap().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "WireLogEntry")]
#[non_exhaustive]
pub struct LogEntry {
    /// The log id (the id-range calls select by it).
    pub id: i64,
    /// What happened.
    pub event_type: EventType,
    /// When, as the device's clock read it. The device writes `2018-05-28T14:26:26Z`, but its
    /// clock is set without a zone ([`Client::set_device_time`](crate::Client::set_device_time)
    /// takes local time), so the `Z` does not make it UTC and the time is kept without a zone:
    /// convert it with [`Client::device_time_to_utc`](crate::Client::device_time_to_utc) once
    /// the device's offset is configured. `None` when the text is missing or not in that form;
    /// the text as sent is [`timestamp_text`](Self::timestamp_text).
    pub timestamp: Option<NaiveDateTime>,
    /// The `timestamp` text as sent.
    pub timestamp_text: String,
    /// The user concerned (empty for device events).
    pub user_uuid: String,
    /// `purpose/mode/result` for recognitions (see [`recognition`](Self::recognition)), an
    /// action such as `DeleteUsers` for record changes.
    pub info: String,
    /// More detail, e.g. `Allowed` or `Success`.
    pub additional_data: String,
    /// The matched face image (`matched_faceimage_data`: base64 JPG, often empty); decode it
    /// with [`matched_face_image`](Self::matched_face_image).
    pub matched_face_image_data: BiometricText,
}

/// The log item with the sheet's field names.
///
/// Read liberally, so that one odd value does not fail a whole page or stream: `id` as a number
/// or a numeric text, the texts as text, a number (written as text) or `null` (empty).
#[derive(Deserialize)]
struct WireLogEntry {
    #[serde(deserialize_with = "crate::models::lenient_id")]
    id: i64,
    event_type: EventType,
    #[serde(default, deserialize_with = "crate::models::text_or_empty")]
    timestamp: String,
    #[serde(default, deserialize_with = "crate::models::text_or_empty")]
    user_uuid: String,
    #[serde(default, deserialize_with = "crate::models::text_or_empty")]
    info: String,
    #[serde(default, deserialize_with = "crate::models::text_or_empty")]
    additional_data: String,
    #[serde(default, deserialize_with = "crate::models::null_default")]
    matched_faceimage_data: BiometricText,
}

impl From<WireLogEntry> for LogEntry {
    fn from(wire: WireLogEntry) -> Self {
        LogEntry {
            id: wire.id,
            event_type: wire.event_type,
            timestamp: parse_log_time(&wire.timestamp),
            timestamp_text: wire.timestamp,
            user_uuid: wire.user_uuid,
            info: wire.info,
            additional_data: wire.additional_data,
            matched_face_image_data: wire.matched_faceimage_data,
        }
    }
}

/// `2018-05-28T14:26:26Z` (the `Z` optional).
pub(crate) fn parse_log_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let text = text.strip_suffix('Z').unwrap_or(text);
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok()
}

impl LogEntry {
    /// The parts of `info` when it has the recognition form `purpose/mode/result`.
    pub fn recognition(&self) -> Option<Recognition> {
        let mut parts = self.info.split('/');
        let (purpose, mode, result) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [purpose, mode, result].iter().any(|p| p.is_empty()) {
            return None;
        }
        Some(Recognition {
            purpose: Purpose::from(purpose),
            mode: AuthMode::from(mode),
            result: RecognizedBio::from(result),
        })
    }

    /// The matched face image, decoded; `None` when the device sent none. Malformed base64 is
    /// an [`Error::Decode`].
    pub fn matched_face_image(&self) -> Result<Option<Image>> {
        let text = self.matched_face_image_data.as_str().trim();
        if text.is_empty() {
            return Ok(None);
        }
        let bytes = base64::decode_bytes(text).map_err(|err| {
            Error::Decode(Box::new(
                DecodeError::new("ef45.logs", err.to_string()).with_path("matched_faceimage_data"),
            ))
        })?;
        Ok(Some(Image::from_bytes(bytes)))
    }
}

/// A bound of the period calls ([`Client::logs_between`](crate::Client::logs_between),
/// [`Client::log_count_between`](crate::Client::log_count_between)): a date or a date and
/// time, written as the sheet's `yyyy-mm-ddThh:mm:ssZ` "where hh:mm:ss is optional".
///
/// A date alone means its **start**: the sheet stresses that "`2020-04-10` means
/// `2020-04-10T00:00`, not `2020-04-10T24:00`", so a period ending on `2020-04-10` excludes
/// that day's logs. To include a whole last day, end at the next day.
///
/// ```
/// use ef45_client::LogTime;
/// use ef45_client::chrono::NaiveDate;
/// let day = NaiveDate::from_ymd_opt(2020, 4, 10).unwrap();
/// assert_eq!(LogTime::from(day).to_string(), "2020-04-10");
/// let at = day.and_hms_opt(13, 21, 40).unwrap();
/// assert_eq!(LogTime::from(at).to_string(), "2020-04-10T13:21:40Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTime {
    /// The start (00:00:00) of a day.
    Date(NaiveDate),
    /// A moment, to the second.
    DateTime(NaiveDateTime),
}

impl From<NaiveDate> for LogTime {
    fn from(date: NaiveDate) -> Self {
        LogTime::Date(date)
    }
}

impl From<NaiveDateTime> for LogTime {
    fn from(at: NaiveDateTime) -> Self {
        LogTime::DateTime(at)
    }
}

impl fmt::Display for LogTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogTime::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            LogTime::DateTime(at) => write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%SZ")),
        }
    }
}

impl LogTime {
    /// The moment it stands for (a date alone: the start of that day).
    pub fn to_datetime(self) -> NaiveDateTime {
        match self {
            LogTime::Date(date) => date.and_time(Default::default()),
            LogTime::DateTime(at) => at,
        }
    }
}

/// Refuses a period that ends before it starts, before any I/O.
pub(crate) fn check_period(from: LogTime, to: LogTime) -> Result<()> {
    for bound in [from, to] {
        check_year(biometric_core::chrono::Datelike::year(&bound.to_datetime()))?;
    }
    if to.to_datetime() < from.to_datetime() {
        return Err(Error::invalid("to_date", "must not be before from_date"));
    }
    Ok(())
}

/// The start of [`Client::logs_since`](crate::Client::logs_since): a year, a month or a day
/// (the sheet's examples: `2019`, `2019-12`, `2019-12-05`). The logs from that moment "till
/// now" are returned.
///
/// ```
/// use ef45_client::LogsSince;
/// use ef45_client::chrono::NaiveDate;
/// assert_eq!(LogsSince::Year(2019).to_string(), "2019");
/// assert_eq!(LogsSince::Month(2019, 12).to_string(), "2019-12");
/// let day = NaiveDate::from_ymd_opt(2019, 12, 5).unwrap();
/// assert_eq!(LogsSince::Day(day).to_string(), "2019-12-05");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogsSince {
    /// From January 1st of the year.
    Year(i32),
    /// From the first day of the month (year, month 1..=12).
    Month(i32, u32),
    /// From the start of the day.
    Day(NaiveDate),
}

impl From<NaiveDate> for LogsSince {
    fn from(date: NaiveDate) -> Self {
        LogsSince::Day(date)
    }
}

impl fmt::Display for LogsSince {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogsSince::Year(year) => write!(f, "{year:04}"),
            LogsSince::Month(year, month) => write!(f, "{year:04}-{month:02}"),
            LogsSince::Day(date) => write!(f, "{}", date.format("%Y-%m-%d")),
        }
    }
}

impl LogsSince {
    pub(crate) fn check(self) -> Result<()> {
        let year = match self {
            LogsSince::Year(year) | LogsSince::Month(year, _) => year,
            LogsSince::Day(date) => {
                return check_year(biometric_core::chrono::Datelike::year(&date));
            }
        };
        check_year(year)?;
        if let LogsSince::Month(_, month) = self
            && !(1..=12).contains(&month)
        {
            return Err(Error::invalid("date", "month must be 1 to 12"));
        }
        Ok(())
    }
}

/// The sheet's date is `yyyy-mm-dd`: four digits of year.
fn check_year(year: i32) -> Result<()> {
    if !(0..=9999).contains(&year) {
        return Err(Error::invalid(
            "date",
            "year must have four digits (0000 to 9999)",
        ));
    }
    Ok(())
}
