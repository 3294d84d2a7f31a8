//! Payload size rules ("at most 2 MB", "under 1 MB"), checked before any I/O.

use crate::error::{Error, Result};

/// One kilobyte as the vendors write it (1000 bytes).
pub const KB: u64 = 1000;
/// One megabyte as the vendors write it (1 000 000 bytes). Vendors rarely say which they mean;
/// the SDK reads "2 MB" as decimal unless a vendor's doc says otherwise, and [`MIB`] is there
/// for those that do.
pub const MB: u64 = 1000 * KB;
/// One mebibyte (1 048 576 bytes).
pub const MIB: u64 = 1024 * 1024;

/// A size rule on a payload.
///
/// ```
/// use biometric_core::{SizeLimit, MB};
/// let photo = SizeLimit::under(MB);
/// assert!(photo.check("photo", 999_999).is_ok());
/// let err = photo.check("photo", 1_000_000).unwrap_err();
/// assert_eq!(err.to_string(), "invalid request: `photo` must be under 1 MB (found 1000000 bytes); nothing was sent");
/// assert!(SizeLimit::at_most(2 * MB).check("imagen", 2_000_000).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    bytes: u64,
    inclusive: bool,
}

impl SizeLimit {
    /// At most `bytes` (inclusive).
    pub const fn at_most(bytes: u64) -> Self {
        SizeLimit {
            bytes,
            inclusive: true,
        }
    }

    /// Strictly under `bytes`.
    pub const fn under(bytes: u64) -> Self {
        SizeLimit {
            bytes,
            inclusive: false,
        }
    }

    /// Whether `len` bytes are allowed.
    pub const fn allows(&self, len: u64) -> bool {
        if self.inclusive {
            len <= self.bytes
        } else {
            len < self.bytes
        }
    }

    /// `Ok` when `len` is allowed, otherwise an invalid-request error naming `field`.
    pub fn check(
        &self,
        field: impl Into<std::borrow::Cow<'static, str>>,
        len: usize,
    ) -> Result<()> {
        if self.allows(len as u64) {
            return Ok(());
        }
        let relation = if self.inclusive { "at most" } else { "under" };
        Err(Error::invalid(
            field,
            format!(
                "must be {relation} {} (found {len} bytes)",
                human(self.bytes)
            ),
        ))
    }
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b % MIB == 0 && b >= MIB => format!("{} MiB", b / MIB),
        b if b % MB == 0 && b >= MB => format!("{} MB", b / MB),
        b if b % KB == 0 && b >= KB => format!("{} kB", b / KB),
        b => format!("{b} bytes"),
    }
}
