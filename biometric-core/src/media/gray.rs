//! Raw 8-bit grayscale bitmaps (fingerprint scanners, iris cameras).

use std::fmt;
use std::io::Write;

use bytes::Bytes;

use crate::error::{Error, Result};

/// A headerless 8-bit grayscale bitmap whose length is checked to be `width * height`.
///
/// ```
/// use biometric_core::GrayBitmap;
/// let bitmap = GrayBitmap::new(2, 2, vec![0, 64, 128, 255]).unwrap();
/// assert_eq!(&bitmap.to_pgm()[..11], b"P5\n2 2\n255\n");
/// assert!(GrayBitmap::new(2, 2, vec![0; 3]).is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct GrayBitmap {
    width: u32,
    height: u32,
    pixels: Bytes,
}

impl GrayBitmap {
    /// Checks that `pixels` holds exactly `width * height` bytes.
    pub fn new(width: u32, height: u32, pixels: impl Into<Bytes>) -> Result<Self> {
        let pixels = pixels.into();
        let expected = width as u64 * height as u64;
        if width == 0 || height == 0 {
            return Err(Error::invalid("width/height", "must both be positive"));
        }
        if pixels.len() as u64 != expected {
            return Err(Error::invalid(
                "pixels",
                format!(
                    "must hold width * height = {expected} bytes (found {})",
                    pixels.len()
                ),
            ));
        }
        Ok(GrayBitmap {
            width,
            height,
            pixels,
        })
    }

    /// Pixels per row.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, row by row.
    pub fn pixels(&self) -> &Bytes {
        &self.pixels
    }

    /// Writes the bitmap as binary PGM (`P5`), which every image viewer opens.
    pub fn write_pgm(&self, mut out: impl Write) -> std::io::Result<()> {
        write!(out, "P5\n{} {}\n255\n", self.width, self.height)?;
        out.write_all(&self.pixels)
    }

    /// The bitmap as binary PGM bytes.
    pub fn to_pgm(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pixels.len() + 32);
        self.write_pgm(&mut out)
            .expect("writing to a Vec cannot fail");
        out
    }
}

impl fmt::Debug for GrayBitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrayBitmap")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}
