//! The request side: who (`CustomID`) and which images (`Face-N`, `Finger-N`).

use std::fmt;

use biometric_core::{Error, Image, Result, TextLimit};
use serde::Serialize;
use serde::ser::SerializeMap;

/// The most characters of a [`CustomId`]: the documentation gives no length; 1024 is this
/// SDK's generous bound (see [`CustomId`]).
pub const MAX_CUSTOM_ID_CHARS: usize = 1024;

/// The caller's identifier for a person (`CustomID`): "a unique value that will be used to
/// identify the user".
///
/// BioPass ID's web SDK refuses some ids on the client side (`enroll/invalid_custom_id`) but does
/// not publish the rule, and the documentation gives no length. This SDK refuses what cannot
/// identify anyone, an empty or blank id, and what is almost certainly a mistake: a control
/// character, or more than [`MAX_CUSTOM_ID_CHARS`] characters (1024, this SDK's generous
/// choice, not the service's). Uniqueness is the service's to check
/// (`enroll/customid_already_exists`).
///
/// ```
/// use biopassid_client::CustomId;
/// assert_eq!(CustomId::new("1234").unwrap().as_str(), "1234");
/// assert!(CustomId::new("  ").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CustomId(String);

impl CustomId {
    /// Checks and wraps an id. Fails with [`Error::InvalidRequest`] on `custom_id` when it is
    /// empty or only whitespace, holds a control character, or is longer than
    /// [`MAX_CUSTOM_ID_CHARS`].
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(Error::invalid(
                "custom_id",
                "must not be empty or blank (web SDK code enroll/invalid_custom_id)",
            ));
        }
        TextLimit::at_most(MAX_CUSTOM_ID_CHARS).check("custom_id", &id)?;
        Ok(CustomId(id))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CustomId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A finger slot, `Finger-1` to `Finger-10` on the wire.
///
/// The documentation numbers the fingers 1 to 10 but does not say which number is which finger
/// of which hand; use the numbering your capture application uses, consistently.
///
/// ```
/// use biopassid_client::Finger;
/// let finger = Finger::new(2).unwrap();
/// assert_eq!(finger.key(), "Finger-2");
/// assert_eq!("Finger-2".parse::<Finger>().unwrap(), finger);
/// assert!(Finger::new(11).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finger(u8);

impl Finger {
    /// Finger `number`, from 1 to 10.
    pub fn new(number: u8) -> Result<Self> {
        if (1..=10).contains(&number) {
            Ok(Finger(number))
        } else {
            Err(Error::invalid(
                "finger",
                format!("must be from 1 to 10 (found {number})"),
            ))
        }
    }

    /// The number, 1 to 10.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The JSON key: `Finger-<number>`.
    pub fn key(self) -> String {
        format!("Finger-{}", self.0)
    }

    /// All ten fingers, in order.
    pub fn all() -> impl Iterator<Item = Finger> {
        (1..=10).map(Finger)
    }
}

impl fmt::Display for Finger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Finger-{}", self.0)
    }
}

impl std::str::FromStr for Finger {
    type Err = Error;

    /// Reads `Finger-N` (the documented key) or a bare `N`.
    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        let number = text.strip_prefix("Finger-").unwrap_or(text);
        number
            .parse::<u8>()
            .map_err(|_| Error::invalid("finger", format!("`{text}` is not Finger-1..Finger-10")))
            .and_then(Finger::new)
    }
}

/// A person as the four calls send it: a [`CustomId`] with face images (`Face-1`, `Face-2`...,
/// in the order added) and finger images (one per [`Finger`]).
///
/// Images travel as standard base64, in whatever format they are: the documentation names none
/// (its examples send JPEG faces; fingerprint systems commonly use WSQ and BMP). Nothing is
/// checked until the person is sent; then, before any I/O, the client refuses a person with no
/// image at all (the service would only say "Invalid JSON format"), the same finger twice, a
/// zero-byte image, and a body over the client's size limit (refused from the images' size
/// before anything is encoded).
///
/// ```
/// use biopassid_client::{CustomId, Finger, Image, Person};
/// # fn demo(face: Image, thumb: Image) -> biopassid_client::Result<()> {
/// let person = Person::new(CustomId::new("1234")?)
///     .face(face)
///     .finger(Finger::new(1)?, thumb);
/// assert_eq!(person.custom_id().as_str(), "1234");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Person {
    custom_id: CustomId,
    faces: Vec<Image>,
    fingers: Vec<(Finger, Image)>,
}

impl Person {
    /// A person with no images yet.
    pub fn new(custom_id: CustomId) -> Self {
        Person {
            custom_id,
            faces: Vec::new(),
            fingers: Vec::new(),
        }
    }

    /// Adds a face image (the first is `Face-1`, the next `Face-2`...).
    pub fn face(mut self, image: Image) -> Self {
        self.faces.push(image);
        self
    }

    /// Adds the image of `finger` (`Finger-N`). Adding the same finger twice is refused when
    /// the person is sent.
    pub fn finger(mut self, finger: Finger, image: Image) -> Self {
        self.fingers.push((finger, image));
        self
    }

    /// The id.
    pub fn custom_id(&self) -> &CustomId {
        &self.custom_id
    }

    /// The face images, in order.
    pub fn faces(&self) -> &[Image] {
        &self.faces
    }

    /// The finger images, in the order added.
    pub fn fingers(&self) -> &[(Finger, Image)] {
        &self.fingers
    }

    /// The size of the images as base64: a lower bound of the request body's size, known
    /// without encoding anything.
    pub(crate) fn base64_len(&self) -> u64 {
        self.faces
            .iter()
            .chain(self.fingers.iter().map(|(_, image)| image))
            .map(|image| (image.len() as u64).div_ceil(3) * 4)
            .sum()
    }

    /// The checks made before sending (see the type's documentation).
    pub(crate) fn validate(&self) -> Result<()> {
        if self.faces.is_empty() && self.fingers.is_empty() {
            return Err(Error::invalid(
                "person",
                "must hold at least one face or finger image (web SDK code \
                 enroll/face_or_fingers_needed; the service answers \"Invalid JSON format\")",
            ));
        }
        for (i, face) in self.faces.iter().enumerate() {
            check_image(face, || format!("Face-{}", i + 1))?;
        }
        for (i, (finger, image)) in self.fingers.iter().enumerate() {
            if self.fingers[..i].iter().any(|(f, _)| f == finger) {
                return Err(Error::invalid(
                    finger.key(),
                    "is given twice (one image per finger)",
                ));
            }
            check_image(image, || finger.key())?;
        }
        Ok(())
    }
}

/// Only an empty image is refused: the documentation asks for "fingerprint images in the
/// format of a base64 string" and "the images of the user's face" without naming a format.
/// Its examples send JPEG; fingerprint systems commonly exchange WSQ and BMP, which the core's
/// [`ImageFormat`](biometric_core::ImageFormat) detects; any other format is sent too, and the
/// service answers for it.
fn check_image(image: &Image, field: impl Fn() -> String) -> Result<()> {
    if image.is_empty() {
        return Err(Error::invalid(field(), "is empty (a zero-byte image)"));
    }
    Ok(())
}

/// `{"Person": {"CustomID": .., "Fingers"?: [{"Finger-N": b64}], "Face"?: [{"Face-N": b64}]}}`.
#[derive(Serialize)]
pub(crate) struct PersonBody<'a> {
    #[serde(rename = "Person")]
    person: PersonWire<'a>,
}

#[derive(Serialize)]
struct PersonWire<'a> {
    #[serde(rename = "CustomID")]
    custom_id: &'a CustomId,
    #[serde(rename = "Fingers", skip_serializing_if = "Vec::is_empty")]
    fingers: Vec<Keyed<'a>>,
    #[serde(rename = "Face", skip_serializing_if = "Vec::is_empty")]
    face: Vec<Keyed<'a>>,
}

/// One `{"<key>": "<base64>"}` object.
struct Keyed<'a>(String, &'a Image);

impl Serialize for Keyed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.0, self.1)?;
        map.end()
    }
}

impl<'a> PersonBody<'a> {
    pub(crate) fn images(person: &'a Person) -> Self {
        PersonBody {
            person: PersonWire {
                custom_id: &person.custom_id,
                fingers: person
                    .fingers
                    .iter()
                    .map(|(finger, image)| Keyed(finger.key(), image))
                    .collect(),
                face: person
                    .faces
                    .iter()
                    .enumerate()
                    .map(|(i, image)| Keyed(format!("Face-{}", i + 1), image))
                    .collect(),
            },
        }
    }

    /// The delete body: `{"Person": {"CustomID": ..}}`.
    pub(crate) fn id_only(custom_id: &'a CustomId) -> Self {
        PersonBody {
            person: PersonWire {
                custom_id,
                fingers: Vec::new(),
                face: Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Image {
        Image::from_bytes(vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
    }

    #[test]
    fn the_wire_keys_are_spelled_as_documented() {
        let person = Person::new(CustomId::new("7").unwrap())
            .finger(Finger::new(3).unwrap(), jpeg())
            .face(jpeg())
            .face(jpeg());
        let json = serde_json::to_value(PersonBody::images(&person)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"Person": {
                "CustomID": "7",
                "Fingers": [{"Finger-3": "/9j/4AECAw=="}],
                "Face": [{"Face-1": "/9j/4AECAw=="}, {"Face-2": "/9j/4AECAw=="}]
            }})
        );
    }

    #[test]
    fn validation_names_the_problem() {
        let id = CustomId::new("7").unwrap();
        let none = Person::new(id.clone()).validate().unwrap_err();
        assert!(
            none.to_string().contains("at least one face or finger"),
            "{none}"
        );
        let twice = Person::new(id.clone())
            .finger(Finger::new(2).unwrap(), jpeg())
            .finger(Finger::new(2).unwrap(), jpeg())
            .validate()
            .unwrap_err();
        assert!(
            matches!(&twice, Error::InvalidRequest { field, .. } if field == "Finger-2"),
            "{twice}"
        );
        let empty = Person::new(id.clone())
            .face(jpeg())
            .face(Image::from_bytes(Vec::new()))
            .validate()
            .unwrap_err();
        assert!(
            matches!(&empty, Error::InvalidRequest { field, rule, .. }
                if field == "Face-2" && rule.starts_with("is empty")),
            "{empty}"
        );
        // The documentation names no image format: WSQ and BMP fingerprints are sent.
        let wsq = Image::from_bytes(vec![0xFF, 0xA0, 0xFF, 0xA8, 0x00, 0x02]);
        assert_eq!(wsq.format(), biometric_core::ImageFormat::Wsq);
        let mut bmp = b"BM".to_vec();
        bmp.resize(64, 0);
        Person::new(id)
            .finger(Finger::new(1).unwrap(), wsq)
            .finger(Finger::new(2).unwrap(), Image::from_bytes(bmp))
            .validate()
            .unwrap();
    }

    #[test]
    fn fingers_parse_from_keys_and_numbers() {
        assert_eq!("Finger-10".parse::<Finger>().unwrap().number(), 10);
        assert_eq!("4".parse::<Finger>().unwrap().number(), 4);
        for bad in ["Finger-0", "Finger-11", "Thumb", ""] {
            assert!(bad.parse::<Finger>().is_err(), "{bad}");
        }
        assert_eq!(Finger::all().count(), 10);
    }
}
