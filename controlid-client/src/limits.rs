//! What this SDK refuses in a caller's text before sending it, and why.

use biometric_core::TextLimit;

/// The most characters this SDK sends in a user's name or registration, a column name, an
/// enrollment's on-screen message or registration, or a monitor value (path and the two
/// free-form keys).
///
/// The Control iD documentation gives no length for any of these fields. This SDK refuses more
/// than 1024 characters (and any control character) because a longer value is almost certainly
/// a mistake (a file read into a name) and what the device does with it is not documented; a
/// person's name or an on-screen message is far shorter.
pub const MAX_TEXT_CHARS: usize = 1024;

/// The most characters of the monitor's `hostname`: 253, the longest DNS name (RFC 1035); an
/// IP address is shorter. The device builds a URL from it, so spaces are refused too.
pub const MAX_HOSTNAME_CHARS: usize = 253;

/// Names, registrations, column names: not blank, no control character, at most
/// [`MAX_TEXT_CHARS`].
pub(crate) const TEXT: TextLimit = TextLimit::at_most(MAX_TEXT_CHARS);
