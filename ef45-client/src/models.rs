//! The records of sheets Subject, User_info, Face, User and Card, with the device's field names.

use std::fmt;
use std::str::FromStr;

use biometric_core::{Error, Result, TextLimit};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// Base64 biometric data as the device sends it (an iris template, a face feature).
///
/// `Debug` shows only its length: biometric data never reaches logs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BiometricText(String);

impl BiometricText {
    /// Wraps the text as the device expects it (base64; the sheets give no other rule).
    pub fn new(text: impl Into<String>) -> Self {
        BiometricText(text.into())
    }

    /// The text as sent or received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when there is no data.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of bytes the base64 text stands for (0 when it is not base64).
    pub fn decoded_len(&self) -> usize {
        biometric_core::base64::decode(&self.0).map_or(0, |bytes| bytes.len())
    }

    /// Refuses text that is not base64, naming `field`.
    pub(crate) fn check(&self, field: &str) -> Result<()> {
        match biometric_core::base64::decode(&self.0) {
            Ok(_) => Ok(()),
            Err(_) => Err(Error::invalid(
                format!("{field}.face_feature"),
                "must be base64 (the sheets: \"Template(base64)\")",
            )),
        }
    }
}

impl fmt::Debug for BiometricText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BiometricText(<{} chars>)", self.0.len())
    }
}

/// A user's PIN (sheet User_info `pin`). `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pin(String);

impl Pin {
    /// Wraps a PIN (the sheets give no rule for it).
    pub fn new(pin: impl Into<String>) -> Self {
        Pin(pin.into())
    }

    /// The PIN itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Pin(<empty>)"
        } else {
            "Pin(REDACTED)"
        })
    }
}

/// A card value: bytes, written by the device as upper-case hex with one space between bytes
/// (`65 D8 A1 BD`).
///
/// Parsing is lenient (any case, any whitespace between bytes or none); the text sent is always
/// the canonical form. A card built by the caller must be hex bytes. A card **read from the
/// device** that is not (the card screen also takes "manual input", and the sheets do not say
/// what it stores) is kept as the device wrote it, with [`is_hex`](Card::is_hex) false, rather
/// than failing the whole answer.
///
/// ```
/// use ef45_client::Card;
/// let card: Card = "65d8 a1  BD".parse().unwrap();
/// assert_eq!(card.to_string(), "65 D8 A1 BD");
/// assert_eq!(card.as_bytes(), &[0x65, 0xD8, 0xA1, 0xBD]);
/// assert!("65 D".parse::<Card>().is_err());
/// assert!("".parse::<Card>().is_err());
/// assert!(Card::new(Vec::new()).is_err());
///
/// let typed: Card = serde_json::from_str(r#""12345""#).unwrap();
/// assert!(!typed.is_hex());
/// assert_eq!(typed.to_string(), "12345");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Card {
    bytes: Vec<u8>,
    /// The device's text when it is not hex bytes.
    text: Option<Box<str>>,
}

impl Card {
    /// A card from its bytes; fails on no bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(Error::invalid("card", "must hold at least one byte"));
        }
        Ok(Card { bytes, text: None })
    }

    /// The bytes; for a card the device wrote in another form (not [`is_hex`](Card::is_hex)),
    /// the bytes of its text.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.text {
            Some(text) => text.as_bytes(),
            None => &self.bytes,
        }
    }

    /// False for a card the device wrote as something other than hex bytes.
    pub fn is_hex(&self) -> bool {
        self.text.is_none()
    }
}

impl FromStr for Card {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let rule = "must be hex bytes such as `65 D8 A1 BD`";
        if digits.is_empty() || !digits.len().is_multiple_of(2) {
            return Err(Error::invalid("card", rule));
        }
        let nibble = |d: u8| (d as char).to_digit(16).map(|v| v as u8);
        let bytes = digits
            .chunks(2)
            .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| Error::invalid("card", rule))?;
        Card::new(bytes)
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = &self.text {
            return f.write_str(text);
        }
        for (i, byte) in self.bytes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Card({self})")
    }
}

impl Serialize for Card {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Card {
    /// Hex bytes as a card; other non-empty text kept as the device wrote it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if let Ok(card) = text.parse() {
            return Ok(card);
        }
        if text.trim().is_empty() {
            return Err(de::Error::custom("a card must not be empty"));
        }
        Ok(Card {
            bytes: Vec::new(),
            text: Some(text.into_boxed_str()),
        })
    }
}

/// A face's `sub_id` (sheet Face): which of a user's six face records it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaceSubId {
    /// 0: colour face.
    Color,
    /// 1: black and white face.
    BlackWhite,
    /// 2: colour face with glasses.
    ColorGlasses,
    /// 3: black and white face with glasses.
    BlackWhiteGlasses,
    /// 4: colour face, updated.
    ColorUpdated,
    /// 5: black and white face, updated.
    BlackWhiteUpdated,
    /// A value this version of the SDK does not know, kept as sent.
    Unknown(UnknownSubId),
}

/// A face `sub_id` this version of the SDK does not know (read it with [`UnknownSubId::get`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownSubId(i64);

impl UnknownSubId {
    /// The value as sent.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl FaceSubId {
    /// Every documented value, in order.
    pub const ALL: [FaceSubId; 6] = [
        FaceSubId::Color,
        FaceSubId::BlackWhite,
        FaceSubId::ColorGlasses,
        FaceSubId::BlackWhiteGlasses,
        FaceSubId::ColorUpdated,
        FaceSubId::BlackWhiteUpdated,
    ];

    /// The sub id for a number sent by the device.
    pub fn from_number(value: i64) -> Self {
        match value {
            0..=5 => FaceSubId::ALL[value as usize],
            other => FaceSubId::Unknown(UnknownSubId(other)),
        }
    }

    /// The number on the wire.
    pub fn number(self) -> i64 {
        match self {
            FaceSubId::Color => 0,
            FaceSubId::BlackWhite => 1,
            FaceSubId::ColorGlasses => 2,
            FaceSubId::BlackWhiteGlasses => 3,
            FaceSubId::ColorUpdated => 4,
            FaceSubId::BlackWhiteUpdated => 5,
            FaceSubId::Unknown(other) => other.get(),
        }
    }

    /// True for a value this version of the SDK does not know.
    pub fn is_unknown(self) -> bool {
        matches!(self, FaceSubId::Unknown(_))
    }
}

impl fmt::Display for FaceSubId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl Serialize for FaceSubId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.number())
    }
}

impl<'de> Deserialize<'de> for FaceSubId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Ok(FaceSubId::from_number(i64::deserialize(deserializer)?))
    }
}

/// A subject: the person record with its iris templates (sheet Subject).
///
/// Build one with [`Subject::new`] and set the other public fields. `None` fields are left out
/// of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subject {
    /// The user's id on the device (any text: the sheets' examples use `"1"`, `"111"`).
    pub user_uuid: String,
    /// The algorithm's record version (the sheet: 8976, "do not change the value"; its create
    /// example sends 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_version: Option<i64>,
    /// Last name (required).
    #[serde(default, deserialize_with = "null_default")]
    pub last_name: String,
    /// Whether access is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_allowed: Option<bool>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Until when the subject may match, as the device writes it (format not documented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_until: Option<String>,
    /// Wiegand facility code (the create example sends -1).
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub wiegand_facility: Option<i64>,
    /// Wiegand site code (the create example sends -1).
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub wiegand_site: Option<i64>,
    /// Wiegand code.
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub wiegand_code: Option<i64>,
    /// Wiegand custom value (an int in the field table, `""` in the create example; `""` reads
    /// as `None`).
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub wiegand_custom: Option<i64>,
    /// The left iris template.
    #[serde(default, deserialize_with = "null_default")]
    pub left_eye_template: BiometricText,
    /// The right iris template.
    #[serde(default, deserialize_with = "null_default")]
    pub right_eye_template: BiometricText,
    /// The left eye image path (an int in the list table, a string elsewhere: read as text).
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub left_image_path: Option<String>,
    /// The right eye image path (as `left_image_path`).
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub right_image_path: Option<String>,
}

/// The subject keys the User and Camera (match template) tables mark required, with the value
/// the Subject sheet's create example gives each when the caller left it unset: `record_version`
/// 0, `access_allowed` true, the Wiegand codes -1, texts empty.
fn subject_defaults() -> [(&'static str, serde_json::Value); 10] {
    [
        ("record_version", 0.into()),
        ("access_allowed", true.into()),
        ("first_name", "".into()),
        ("match_until", "".into()),
        ("wiegand_facility", (-1).into()),
        ("wiegand_site", (-1).into()),
        ("wiegand_code", (-1).into()),
        ("wiegand_custom", (-1).into()),
        ("left_eye_template", "".into()),
        ("right_eye_template", "".into()),
    ]
}

impl Subject {
    /// The subject as a JSON object with every key of the match-template table (sheet Camera:
    /// all twelve marked required): unset keys get `subject_defaults()`; the image paths, which
    /// that table does not list, are left out.
    pub(crate) fn full_body(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        let mut map = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) => serde_json::Map::new(),
            Err(err) => return Err(Error::invalid("subject", err.to_string())),
        };
        for (key, default) in subject_defaults() {
            map.entry(key).or_insert(default);
        }
        map.remove("left_image_path");
        map.remove("right_image_path");
        Ok(map)
    }

    /// A subject with its two required fields; templates empty, everything else unset.
    pub fn new(user_uuid: impl Into<String>, last_name: impl Into<String>) -> Self {
        Subject {
            user_uuid: user_uuid.into(),
            record_version: None,
            last_name: last_name.into(),
            access_allowed: None,
            first_name: None,
            match_until: None,
            wiegand_facility: None,
            wiegand_site: None,
            wiegand_code: None,
            wiegand_custom: None,
            left_eye_template: BiometricText::default(),
            right_eye_template: BiometricText::default(),
            left_image_path: None,
            right_image_path: None,
        }
    }

    /// Sets both iris templates.
    pub fn templates(mut self, left: BiometricText, right: BiometricText) -> Self {
        self.left_eye_template = left;
        self.right_eye_template = right;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_uuid("user_uuid", &self.user_uuid)?;
        TEXT.allow_blank().check("last_name", &self.last_name)?;
        for (field, text) in [
            ("first_name", &self.first_name),
            ("match_until", &self.match_until),
            ("left_image_path", &self.left_image_path),
            ("right_image_path", &self.right_image_path),
        ] {
            if let Some(text) = text {
                TEXT.allow_blank().check(field, text)?;
            }
        }
        Ok(())
    }
}

/// A user's access data: card, PIN, admin flag, schedule... (sheet User_info).
///
/// The create and update tables mark every field required, so every field is sent; the
/// defaults of [`UserInfo::new`] are the values of the sheet's create example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user's id on the device.
    pub user_uuid: String,
    /// The card, `None` for none (sent as `""`, as in the sheet's example).
    #[serde(default, with = "optional_card")]
    pub card: Option<Card>,
    /// The PIN (`""` for none).
    #[serde(default, deserialize_with = "null_default")]
    pub pin: Pin,
    /// 1 for an administrator, 0 otherwise.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub admin: i64,
    /// Group index.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub group_index: i64,
    /// 1 when the user may pass with the card alone ("by pass card"), 0 otherwise.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub by_pass_card: i64,
    /// The device's `indivisual` flag (0/1; spelled so on the wire, meaning not documented).
    #[serde(default, deserialize_with = "lenient_int0")]
    pub indivisual: i64,
    /// Three-out status (meaning not documented).
    #[serde(default, deserialize_with = "lenient_int0")]
    pub three_out_status: i64,
    /// Sent as `three_out_status_access_allowd` (the field tables' spelling, five times); the
    /// create example's `three_out_access_allowed` is read as well.
    #[serde(
        default,
        rename = "three_out_status_access_allowd",
        alias = "three_out_access_allowed",
        deserialize_with = "lenient_int0"
    )]
    pub three_out_status_access_allowed: i64,
    /// Job code.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub job_code: i64,
    /// Time schedule code (the list table's remark says "-1"; the create example sends 0).
    #[serde(default, deserialize_with = "lenient_int0")]
    pub time_schedule_code: i64,
    /// Anti-passback status.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub apb_status: i64,
    /// A message shown for the user.
    #[serde(default, deserialize_with = "null_default")]
    pub message: String,
}

impl UserInfo {
    /// User info with the values of the sheet's create example (no card, no PIN, zeros).
    pub fn new(user_uuid: impl Into<String>) -> Self {
        UserInfo {
            user_uuid: user_uuid.into(),
            card: None,
            pin: Pin::default(),
            admin: 0,
            group_index: 0,
            by_pass_card: 0,
            indivisual: 0,
            three_out_status: 0,
            three_out_status_access_allowed: 0,
            job_code: 0,
            time_schedule_code: 0,
            apb_status: 0,
            message: String::new(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_uuid("user_uuid", &self.user_uuid)?;
        TEXT.allow_blank().check("message", &self.message)
    }
}

/// One face record of a user (sheet Face).
///
/// Sent with `face_feature_size` computed from `face_feature` (its decoded byte count), never
/// taken from the field: a size the wire carries next to its payload must match it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Face {
    /// The user's id (left out inside [`NewUser`], whose faces table has none).
    #[serde(default, deserialize_with = "null_default")]
    pub user_uuid: String,
    /// Which face record this is.
    pub sub_id: FaceSubId,
    /// Distance between the eyes, in pixels.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub face_eye_width: i64,
    /// Size of `face_feature` in bytes, as the device reported it. Not sent from here: the
    /// client sends the decoded length of `face_feature`.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub face_feature_size: i64,
    /// Frontal score.
    #[serde(default)]
    pub face_frontal_score: f64,
    /// Left eye x position.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub face_left_eye_x: i64,
    /// Right eye x position.
    #[serde(default, deserialize_with = "lenient_int0")]
    pub face_right_eye_x: i64,
    /// Roll angle.
    #[serde(default)]
    pub face_roll: f64,
    /// Quality score.
    #[serde(default)]
    pub face_score: f64,
    /// LED state during capture (`face_LED_state` on the wire).
    #[serde(default, rename = "face_LED_state", deserialize_with = "lenient_int0")]
    pub face_led_state: i64,
    /// The face feature (template).
    #[serde(default, deserialize_with = "null_default")]
    pub face_feature: BiometricText,
}

impl Serialize for Face {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut face = serializer.serialize_struct("Face", 11)?;
        face.serialize_field("user_uuid", &self.user_uuid)?;
        face.serialize_field("sub_id", &self.sub_id)?;
        face.serialize_field("face_eye_width", &self.face_eye_width)?;
        face.serialize_field("face_feature_size", &self.face_feature.decoded_len())?;
        face.serialize_field("face_frontal_score", &self.face_frontal_score)?;
        face.serialize_field("face_left_eye_x", &self.face_left_eye_x)?;
        face.serialize_field("face_right_eye_x", &self.face_right_eye_x)?;
        face.serialize_field("face_roll", &self.face_roll)?;
        face.serialize_field("face_score", &self.face_score)?;
        face.serialize_field("face_LED_state", &self.face_led_state)?;
        face.serialize_field("face_feature", &self.face_feature)?;
        face.end()
    }
}

impl Face {
    /// Refuses a feature that is not base64 (the sheets: "Template(base64)"), before any I/O:
    /// its size could not be computed.
    pub(crate) fn check(&self, field: &str) -> Result<()> {
        self.face_feature.check(field)
    }

    /// A face record with its feature; the measurements start at zero.
    pub fn new(user_uuid: impl Into<String>, sub_id: FaceSubId, feature: BiometricText) -> Self {
        Face {
            user_uuid: user_uuid.into(),
            sub_id,
            face_eye_width: 0,
            face_feature_size: 0,
            face_frontal_score: 0.0,
            face_left_eye_x: 0,
            face_right_eye_x: 0,
            face_roll: 0.0,
            face_score: 0.0,
            face_led_state: 0,
            face_feature: feature,
        }
    }
}

/// One of a user's cards (sheets Card and User: `{"sub_id", "card", "remarks"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardEntry {
    /// The card's slot (the sheet's example uses 0 to 7).
    pub sub_id: i64,
    /// The card value.
    pub card: Card,
    /// Free text.
    #[serde(default, deserialize_with = "null_default")]
    pub remarks: String,
}

impl CardEntry {
    /// A card in slot `sub_id` with no remarks.
    pub fn new(sub_id: i64, card: Card) -> Self {
        CardEntry {
            sub_id,
            card,
            remarks: String::new(),
        }
    }

    /// Sets the remarks.
    pub fn remarks(mut self, remarks: impl Into<String>) -> Self {
        self.remarks = remarks.into();
        self
    }
}

/// The cards of one user (`GET cards/{uuid}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UserCards {
    /// The user.
    #[serde(default, deserialize_with = "null_default")]
    pub user_uuid: String,
    /// The cards.
    #[serde(default, deserialize_with = "null_default")]
    pub cards: Vec<CardEntry>,
}

/// The most cards a user may have (sheets User and Card: "up to 8").
pub const MAX_CARDS: usize = 8;

pub(crate) fn check_cards(cards: &[CardEntry]) -> Result<()> {
    if cards.len() > MAX_CARDS {
        return Err(Error::invalid(
            "cards",
            "must hold at most 8 cards (sheets User and Card)",
        ));
    }
    for (i, card) in cards.iter().enumerate() {
        if cards[..i].iter().any(|other| other.sub_id == card.sub_id) {
            return Err(Error::invalid(
                format!("cards[{i}].sub_id"),
                "must differ from the other cards' sub_id",
            ));
        }
    }
    Ok(())
}

/// The most characters this SDK sends in a user id, a name or another caller text.
///
/// The EF-45 sheets give no length for these fields. This SDK refuses more than 1024 characters
/// (and any control character, and a blank id) because a longer value is almost certainly a
/// mistake (a file read into an id) and what the device does with it is not documented.
pub const MAX_TEXT_CHARS: usize = 1024;

const TEXT: TextLimit = TextLimit::at_most(MAX_TEXT_CHARS);

/// A user id (or another caller text) checked before any I/O: not blank, no control character,
/// at most [`MAX_TEXT_CHARS`].
pub(crate) fn check_uuid(field: &'static str, uuid: &str) -> Result<()> {
    TEXT.check(field, uuid)
}

/// `uuid` after [`check_uuid`], for a path segment.
pub(crate) fn user_id<'a>(field: &'static str, uuid: &'a str) -> Result<&'a str> {
    check_uuid(field, uuid)?;
    Ok(uuid)
}

/// `null` reads as the type's default.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An int written as a number, as numeric text, or as `""`/`null` (none).
fn lenient_int<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        Int(i64),
        Float(f64),
        Text(String),
    }
    match Option::<Lenient>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Lenient::Int(value)) => Ok(Some(value)),
        Some(Lenient::Float(value)) if value.fract() == 0.0 => Ok(Some(value as i64)),
        Some(Lenient::Float(_)) => Err(de::Error::custom("expected an integer")),
        Some(Lenient::Text(text)) if text.trim().is_empty() => Ok(None),
        Some(Lenient::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom("expected an integer")),
    }
}

fn lenient_int0<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<i64, D::Error> {
    Ok(lenient_int(deserializer)?.unwrap_or_default())
}

/// An id written as a number or a numeric text (required).
pub(crate) fn lenient_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<i64, D::Error> {
    lenient_int(deserializer)?.ok_or_else(|| de::Error::custom("expected an id"))
}

/// Text written as a string or a number, `null` as empty.
pub(crate) fn text_or_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<String, D::Error> {
    Ok(lenient_text(deserializer)?.unwrap_or_default())
}

/// Text written as a string or a number (`null` is none).
fn lenient_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(text)) => Some(text),
            Some(serde_json::Value::Number(number)) => Some(number.to_string()),
            Some(_) => return Err(de::Error::custom("expected text or a number")),
        },
    )
}

/// `""` (or `null`) is no card; anything else is a card (kept as written if not hex).
mod optional_card {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        card: &Option<Card>,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match card {
            Some(card) => serializer.collect_str(card),
            None => serializer.serialize_str(""),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Option<Card>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => {
                Card::deserialize(de::value::StringDeserializer::<D::Error>::new(text)).map(Some)
            }
        }
    }
}

/// A user to enroll in one call (`POST user`): the subject, its faces, its user info and up to
/// eight cards.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewUser {
    pub(crate) subject: Subject,
    pub(crate) info: UserInfo,
    pub(crate) faces: Vec<Face>,
    pub(crate) cards: Vec<CardEntry>,
}

impl NewUser {
    /// A user from its subject and user info. The User sheet marks every field required, so
    /// the subject's unset fields are sent with the Subject sheet's example values
    /// (`record_version` 0, `access_allowed` true, Wiegand codes -1, texts empty). The user
    /// info's `user_uuid` must be the subject's.
    pub fn new(subject: Subject, info: UserInfo) -> Self {
        NewUser {
            subject,
            info,
            faces: Vec::new(),
            cards: Vec::new(),
        }
    }

    /// Adds a face (its `user_uuid` must be empty or the subject's).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub fn face(mut self, face: Face) -> Self {
        self.faces.push(face);
        self
    }

    /// Adds a card; more than [`MAX_CARDS`] is refused when sending, before any I/O.
    pub fn card(mut self, card: CardEntry) -> Self {
        self.cards.push(card);
        self
    }

    /// The body of `POST user`: the subject's and the user info's fields side by side, `faces`
    /// without their `user_uuid` (the faces table has none), and `cards`.
    pub(crate) fn body(&self) -> Result<serde_json::Value> {
        self.subject.check()?;
        let uuid = &self.subject.user_uuid;
        if &self.info.user_uuid != uuid {
            return Err(Error::invalid(
                "info.user_uuid",
                "must be the subject's user_uuid",
            ));
        }
        for (i, face) in self.faces.iter().enumerate() {
            face.check(&format!("faces[{i}]"))?;
            if !face.user_uuid.is_empty() && &face.user_uuid != uuid {
                return Err(Error::invalid(
                    format!("faces[{i}].user_uuid"),
                    "must be empty or the subject's user_uuid",
                ));
            }
        }
        check_cards(&self.cards)?;
        let to_map = |value: serde_json::Value| match value {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let encode = |e: serde_json::Error| Error::invalid("user", e.to_string());
        // The User table marks every subject key required, the image paths included.
        let mut body = self.subject.full_body()?;
        for (key, value) in [
            ("left_image_path", &self.subject.left_image_path),
            ("right_image_path", &self.subject.right_image_path),
        ] {
            body.insert(key.into(), value.clone().unwrap_or_default().into());
        }
        let mut info = to_map(serde_json::to_value(&self.info).map_err(encode)?);
        info.remove("user_uuid");
        body.extend(info);
        let faces = self
            .faces
            .iter()
            .map(|face| {
                let mut map = to_map(serde_json::to_value(face).map_err(encode)?);
                map.remove("user_uuid");
                Ok(serde_json::Value::Object(map))
            })
            .collect::<Result<Vec<_>>>()?;
        body.insert("faces".into(), faces.into());
        body.insert(
            "cards".into(),
            serde_json::to_value(&self.cards).map_err(encode)?,
        );
        Ok(serde_json::Value::Object(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_print_canonically_and_parse_leniently() {
        let card: Card = "65 D8 A1 BD".parse().unwrap();
        assert_eq!(card.to_string(), "65 D8 A1 BD");
        for text in ["65d8a1bd", " 65 d8 A1 bd ", "65\tD8 A1\nBD"] {
            assert_eq!(text.parse::<Card>().unwrap(), card, "{text}");
        }
        for bad in ["", " ", "6", "65 D", "GG", "65-D8"] {
            assert!(bad.parse::<Card>().is_err(), "{bad}");
        }
        assert_eq!(Card::new(vec![0x0A]).unwrap().to_string(), "0A");
    }

    #[test]
    fn sub_ids_round_trip_and_unknown_values_are_kept() {
        for (i, sub) in FaceSubId::ALL.iter().enumerate() {
            assert_eq!(FaceSubId::from_number(i as i64), *sub);
            assert_eq!(sub.number(), i as i64);
        }
        let other = FaceSubId::from_number(9);
        assert!(other.is_unknown());
        assert_eq!(serde_json::to_string(&other).unwrap(), "9");
    }

    #[test]
    fn biometric_text_and_pins_stay_out_of_debug() {
        let face = Face::new("1", FaceSubId::Color, BiometricText::new("SECRET-FEATURE"));
        assert!(!format!("{face:?}").contains("SECRET-FEATURE"));
        let mut info = UserInfo::new("1");
        info.pin = Pin::new("4321");
        assert!(!format!("{info:?}").contains("4321"));
    }
}
