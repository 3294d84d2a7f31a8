//! Image bytes with a detected format.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::gray::GrayBitmap;
use crate::error::{Error, Result};

/// The encoding of an image, as told by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
    /// Windows bitmap (`BM`).
    Bmp,
    /// WSQ, the FBI's wavelet compression for fingerprints (`FF A0`, its start-of-image marker,
    /// then another marker): what fingerprint systems commonly exchange.
    Wsq,
    /// Raw 8-bit grayscale pixels, row by row, with no header: only known with its dimensions.
    Gray8 {
        /// Pixels per row.
        width: u32,
        /// Rows.
        height: u32,
    },
    /// None of the above.
    Unknown,
}

impl ImageFormat {
    /// Detects JPEG, PNG, BMP or WSQ from the first bytes; anything else is
    /// [`ImageFormat::Unknown`]. Never panics, whatever the input.
    ///
    /// ```
    /// use biometric_core::ImageFormat;
    /// assert_eq!(ImageFormat::sniff(&[0xff, 0xd8, 0xff, 0xe0]), ImageFormat::Jpeg);
    /// assert_eq!(ImageFormat::sniff(&[0xff, 0xa0, 0xff, 0xa8, 0, 2]), ImageFormat::Wsq);
    /// assert_eq!(ImageFormat::sniff(b""), ImageFormat::Unknown);
    /// ```
    pub fn sniff(data: &[u8]) -> ImageFormat {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if data.starts_with(&[0xff, 0xd8, 0xff]) {
            ImageFormat::Jpeg
        } else if data.starts_with(PNG) {
            ImageFormat::Png
        } else if data.len() >= 14 && data.starts_with(b"BM") {
            ImageFormat::Bmp
        } else if data.len() >= 4 && data.starts_with(&[0xff, 0xa0]) && data[2] == 0xff {
            // WSQ's SOI marker, then the next marker (a table or the frame header).
            ImageFormat::Wsq
        } else {
            ImageFormat::Unknown
        }
    }

    /// Like [`sniff`](Self::sniff), but a headerless buffer of exactly `width * height` bytes is
    /// raw grayscale (Control iD fingerprints are documented as raw, shown as JPEG).
    pub fn sniff_with_dimensions(data: &[u8], width: u32, height: u32) -> ImageFormat {
        match Self::sniff(data) {
            ImageFormat::Unknown
                if (width as u64) * (height as u64) == data.len() as u64 && !data.is_empty() =>
            {
                ImageFormat::Gray8 { width, height }
            }
            known => known,
        }
    }

    /// The MIME type, when the format has one.
    pub fn mime_type(&self) -> Option<&'static str> {
        match self {
            ImageFormat::Jpeg => Some("image/jpeg"),
            ImageFormat::Png => Some("image/png"),
            ImageFormat::Bmp => Some("image/bmp"),
            ImageFormat::Wsq => Some("image/wsq"),
            _ => None,
        }
    }
}

/// The format's usual name: `JPEG`, `PNG`, `BMP`, `WSQ`, `raw 8-bit grayscale 300x400`,
/// `unknown`.
impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageFormat::Jpeg => f.write_str("JPEG"),
            ImageFormat::Png => f.write_str("PNG"),
            ImageFormat::Bmp => f.write_str("BMP"),
            ImageFormat::Wsq => f.write_str("WSQ"),
            ImageFormat::Gray8 { width, height } => {
                write!(f, "raw 8-bit grayscale {width}x{height}")
            }
            ImageFormat::Unknown => f.write_str("unknown"),
        }
    }
}

/// An image: its bytes (cheap to clone) and the format they were found to be.
///
/// On the wire it is a standard base64 string (see [`crate::base64`]).
///
/// ```
/// use biometric_core::{Image, ImageFormat};
/// let jpeg = Image::from_bytes(vec![0xff, 0xd8, 0xff, 0xdb, 0, 0]);
/// assert_eq!(jpeg.format(), ImageFormat::Jpeg);
/// assert!(jpeg.require(ImageFormat::Jpeg, "photo").is_ok());
/// assert!(jpeg.require(ImageFormat::Png, "photo").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    data: Bytes,
    format: ImageFormat,
}

impl Image {
    /// Wraps encoded image bytes, detecting their format.
    pub fn from_bytes(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        let format = ImageFormat::sniff(&data);
        Image { data, format }
    }

    /// Wraps bytes that may be raw grayscale of the given dimensions (see
    /// [`ImageFormat::sniff_with_dimensions`]).
    pub fn from_bytes_with_dimensions(data: impl Into<Bytes>, width: u32, height: u32) -> Self {
        let data = data.into();
        let format = ImageFormat::sniff_with_dimensions(&data, width, height);
        Image { data, format }
    }

    /// Reads an image file (blocking; in async code call it from `spawn_blocking` for large files).
    pub fn from_file(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        let data = std::fs::read(path)?;
        Ok(Self::from_bytes(data))
    }

    /// The bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.data
    }

    /// Consumes the image, returning its bytes.
    pub fn into_bytes(self) -> Bytes {
        self.data
    }

    /// The detected format.
    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// The size in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// `Ok` when the image is in `format`, otherwise an invalid-request error naming `field`.
    pub fn require(&self, format: ImageFormat, field: &'static str) -> Result<&Self> {
        if self.data.is_empty() {
            Err(Error::invalid(field, "is empty"))
        } else if self.format == format {
            Ok(self)
        } else {
            Err(Error::invalid(
                field,
                format!("must be a {format} image (found {})", self.format),
            ))
        }
    }

    /// The raw grayscale bitmap, when the image is one.
    pub fn as_gray_bitmap(&self) -> Option<GrayBitmap> {
        match self.format {
            ImageFormat::Gray8 { width, height } => {
                GrayBitmap::new(width, height, self.data.clone()).ok()
            }
            _ => None,
        }
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Biometric data is personal: never dump it into logs.
        f.debug_struct("Image")
            .field("format", &self.format)
            .field("len", &self.data.len())
            .finish()
    }
}

impl Serialize for Image {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        crate::base64::serialize(&self.data, serializer)
    }
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let data: Bytes = crate::base64::deserialize(deserializer)?;
        Ok(Image::from_bytes(data))
    }
}
