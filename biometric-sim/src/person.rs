//! One person for every fake: the same face enrolls in BioID, BioPass ID and Apptenticate and
//! is recognised by each, so an application that uses several services tests them with one
//! fixture.
//!
//! No recognition runs in the fakes. An image "shows" a person through an ASCII marker in a
//! JPEG comment: `FACE=<name>;` for a face (with `LIVE;` for a live capture, `MOVE=<direction>;`
//! after a head movement), `FINGER=<name>/<n>;` for finger `n`, `NOFACE;` for an image on which
//! no face can be found. Every fake reads the same markers, so two images of the same person
//! match wherever they are sent, and different people never do.
//!
//! ```
//! use biometric_sim::person::Person;
//! let ana = Person::new("ana");
//! assert_eq!(&ana.face()[..2], &[0xFF, 0xD8], "a JPEG");
//! assert!(ana.shows(&ana.photo()), "her ID photo shows her too");
//! assert!(!ana.shows(&Person::new("bo").face()));
//! ```

/// A synthetic person: their live face, ID photo, head movements and fingers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    name: String,
}

impl Person {
    /// The person called `name` (ASCII letters, digits, `-` and `_` keep markers unambiguous).
    pub fn new(name: impl Into<String>) -> Self {
        Person { name: name.into() }
    }

    /// The name the markers carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A live selfie (`FACE=<name>;LIVE;`): what a camera in front of the person captures.
    pub fn face(&self) -> Vec<u8> {
        jpeg_with_comment(&format!("FACE={};LIVE;", self.name))
    }

    /// A photo of the person (an ID card picture): their face, not live.
    pub fn photo(&self) -> Vec<u8> {
        jpeg_with_comment(&format!("FACE={};", self.name))
    }

    /// A live capture after the person moved their head `direction` (`right`, `left`, `up`,
    /// `down`): BioID's active liveness.
    pub fn moved_face(&self, direction: &str) -> Vec<u8> {
        jpeg_with_comment(&format!("FACE={};LIVE;MOVE={direction};", self.name))
    }

    /// Finger `finger` (1 to 10 in BioPass ID's numbering).
    pub fn finger(&self, finger: u8) -> Vec<u8> {
        jpeg_with_comment(&format!("FINGER={}/{finger};", self.name))
    }

    /// True when `image` shows this person (their face, or one of their fingers).
    pub fn shows(&self, image: &[u8]) -> bool {
        subject(image).is_some_and(|who| {
            who == self.name
                || who
                    .split_once('/')
                    .is_some_and(|(name, _)| name == self.name)
        })
    }
}

/// A JPEG with no face on it (`NOFACE;`): every fake finds no face.
pub fn image_without_face() -> Vec<u8> {
    jpeg_with_comment("NOFACE;")
}

/// SOI, APP0 (JFIF), COM with `text`, EOI: a well-formed JPEG stream (without pixels).
pub(crate) fn jpeg_with_comment(text: &str) -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    let length = u16::try_from(text.len() + 2).expect("a short comment");
    jpeg.extend_from_slice(&[0xFF, 0xFE]);
    jpeg.extend_from_slice(&length.to_be_bytes());
    jpeg.extend_from_slice(text.as_bytes());
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

/// Every `<prefix><value>;` in the image's bytes, as text.
pub(crate) fn markers(image: &[u8], prefix: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(image);
    text.match_indices(prefix)
        .filter_map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest.find(';')?;
            Some(rest[..end].to_owned())
        })
        .collect()
}

/// Who an image shows: the first face (`name`) or finger (`name/n`) marker.
pub(crate) fn subject(image: &[u8]) -> Option<String> {
    markers(image, "FACE=")
        .into_iter()
        .next()
        .or_else(|| markers(image, "FINGER=").into_iter().next())
}

/// Two images of the same subject (same face, or same person's same finger); images without a
/// marker (real photos put through a fake) match only when their bytes are equal.
pub(crate) fn same_subject(a: &[u8], b: &[u8]) -> bool {
    match (subject(a), subject(b)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_match_by_person_and_finger() {
        let ana = Person::new("ana");
        assert!(same_subject(&ana.face(), &ana.photo()));
        assert!(same_subject(&ana.finger(2), &ana.finger(2)));
        assert!(!same_subject(&ana.finger(2), &ana.finger(3)));
        assert!(!same_subject(&ana.face(), &Person::new("bo").face()));
        assert!(!same_subject(&ana.face(), &image_without_face()));
        assert!(same_subject(b"real bytes", b"real bytes"));
        assert!(!same_subject(b"real bytes", b"other bytes"));
        assert!(ana.shows(&ana.finger(1)) && !ana.shows(&image_without_face()));
    }
}
