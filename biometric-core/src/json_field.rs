//! One base64 string member of a JSON object, decoded while the object streams in.
//!
//! Some devices answer a large download as `{"file": "<tens of MB of base64>", "size": n}`.
//! Reading that answer whole, then the string, then the decoded bytes holds the payload three
//! times. [`JsonFieldDecoder`] is an [`AsyncWrite`] to hand to [`crate::Engine::download`]
//! instead: it follows the object's syntax as the bytes arrive, decodes the chosen member's
//! base64 text (JSON escapes such as `\/` undone) into an inner writer piece by piece, and keeps
//! the object's other top-level members, which are small, for the caller to read afterwards.
//! Members may come in any order.
//!
//! ```
//! # async fn demo() -> std::io::Result<()> {
//! use biometric_core::json_field::JsonFieldDecoder;
//! use tokio::io::AsyncWriteExt;
//!
//! let mut decoder = JsonFieldDecoder::new("file", Vec::new());
//! for piece in [r#"{"size": 11, "fi"#, r#"le": "aGVsbG8g"#, r#"d29ybGQ="}"#] {
//!     decoder.write_all(piece.as_bytes()).await?;
//! }
//! assert_eq!(decoder.finish().await?, 11);
//! assert_eq!(decoder.member("size"), Some(&serde_json::json!(11)));
//! assert_eq!(decoder.into_inner(), b"hello world");
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use serde_json::{Map, Value};
use tokio::io::AsyncWrite;

use crate::base64::StreamDecoder;

/// The most bytes of member names and values, other than the decoded member's, that are kept.
/// Members past this budget are skipped (not kept, not checked), so a hostile answer cannot make
/// the decoder hold more than this besides one decoded piece.
pub const MAX_MEMBER_BYTES: usize = 64 * 1024;

/// What was wrong with the text, by kind (see [`JsonFieldError::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonFieldErrorKind {
    /// The text is not a JSON object (or breaks JSON syntax somewhere).
    Syntax,
    /// The member's value is not a string (`null`, a number...).
    NotAString,
    /// The member appears twice.
    Duplicate,
    /// The member's string is not base64.
    Base64,
    /// The object has no such member.
    Missing,
    /// The text ended before the object closed.
    Truncated,
}

/// A failure to read the member, with what is known: where in the text it happened and how many
/// bytes had been decoded. It never quotes the text (it may be biometric data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFieldError {
    kind: JsonFieldErrorKind,
    field: Cow<'static, str>,
    expected: &'static str,
    offset: u64,
    decoded: u64,
}

impl JsonFieldError {
    /// What was wrong.
    pub fn kind(&self) -> JsonFieldErrorKind {
        self.kind
    }

    /// The byte position in the JSON text where it was noticed (for base64, the start of the
    /// piece of the string that failed).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The bytes decoded from the member before the failure.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }
}

impl fmt::Display for JsonFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, at, decoded) = (&self.field, self.offset, self.decoded);
        match self.kind {
            JsonFieldErrorKind::Syntax => write!(
                f,
                "not the JSON object expected: {} expected at byte {at} \
                 ({decoded} bytes of `{field}` decoded)",
                self.expected
            ),
            JsonFieldErrorKind::NotAString => {
                write!(f, "`{field}` is not a string (at byte {at})")
            }
            JsonFieldErrorKind::Duplicate => write!(
                f,
                "`{field}` appears twice (at byte {at}, after {decoded} decoded bytes)"
            ),
            JsonFieldErrorKind::Base64 => write!(
                f,
                "`{field}` is not base64 near byte {at} ({decoded} bytes decoded before)"
            ),
            JsonFieldErrorKind::Missing => write!(f, "the object has no `{field}` member"),
            JsonFieldErrorKind::Truncated => write!(
                f,
                "the text ended at byte {at} before the object closed \
                 ({decoded} bytes of `{field}` decoded)"
            ),
        }
    }
}

impl std::error::Error for JsonFieldError {}

/// A JSON text with the commas a device left out between members put back: a member (or array
/// element) that starts right after a value ends gets a comma before it. Valid JSON comes back
/// unchanged and uncopied. For small answers read whole; a streamed one has
/// [`JsonFieldDecoder::commas_optional`].
///
/// ```
/// use biometric_core::json_field::insert_missing_commas;
/// let printed = br#"{"size":44915712,"status":"""file":""}"#;
/// let value: serde_json::Value = serde_json::from_slice(&insert_missing_commas(printed)).unwrap();
/// assert_eq!(value["size"], 44915712);
/// assert_eq!(&*insert_missing_commas(br#"{"a": 1, "b": "x"}"#), br#"{"a": 1, "b": "x"}"#);
/// ```
pub fn insert_missing_commas(text: &[u8]) -> Cow<'_, [u8]> {
    // A scalar (number, `true`, `false`, `null`) is a run of these bytes.
    let scalar = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-');
    let mut repaired: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escape = false;
    // Whether the last token outside strings ended a value or a name: a name is always
    // followed by `:`, which starts nothing, so only a value can be followed by a token that
    // starts another member without a comma between them.
    let mut after_value = false;
    for (i, &byte) in text.iter().enumerate() {
        if in_string {
            if escape {
                escape = false;
            } else if byte == b'\\' {
                escape = true;
            } else if byte == b'"' {
                in_string = false;
                after_value = true;
            }
        } else {
            let continues_scalar = scalar(byte) && i > 0 && scalar(text[i - 1]);
            let starts_token = byte == b'"' || byte == b'{' || byte == b'[' || scalar(byte);
            if after_value && starts_token && !continues_scalar {
                repaired
                    .get_or_insert_with(|| text[..i].to_vec())
                    .push(b',');
            }
            match byte {
                b'"' => {
                    in_string = true;
                    after_value = false;
                }
                b'}' | b']' => after_value = true,
                _ if scalar(byte) => after_value = true,
                _ if byte.is_ascii_whitespace() => {}
                _ => after_value = false,
            }
        }
        if let Some(out) = &mut repaired {
            out.push(byte);
        }
    }
    match repaired {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(text),
    }
}

/// Where the scanner is in the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `{`.
    Start,
    /// After `{`: a member name or `}`.
    NameOrEnd,
    /// After `,`: a member name.
    Name,
    InName,
    InNameEscape,
    /// After a name: `:`.
    Colon,
    /// After `:`: a value.
    Value,
    InField,
    InFieldEscape,
    InFieldUnicode {
        digits: u8,
        code: u32,
    },
    /// Inside another member's value (see [`Capture`]).
    InMember,
    /// After a value: `,` or `}`.
    CommaOrEnd,
    /// After the closing `}`: whitespace only.
    End,
}

/// Another member's value while it streams in: its raw text (kept within the budget) and enough
/// syntax to know where it ends.
#[derive(Debug, Default)]
struct Capture {
    raw: Vec<u8>,
    depth: u32,
    in_string: bool,
    escape: bool,
    scalar: bool,
    keep: bool,
}

/// The synchronous core: follows the object's syntax and pushes the member's base64 text through
/// a [`StreamDecoder`].
#[derive(Debug)]
struct Scanner {
    field: Cow<'static, str>,
    state: State,
    name: Vec<u8>,
    name_too_long: bool,
    capture: Capture,
    members: Map<String, Value>,
    budget: usize,
    skipped: u64,
    field_seen: bool,
    decoder: StreamDecoder,
    decoded: u64,
    /// Bytes of text consumed before the current piece.
    offset: u64,
    /// Whether a member may follow the previous one without a comma.
    commas_optional: bool,
}

type Step = Result<(), JsonFieldError>;

impl Scanner {
    fn new(field: Cow<'static, str>) -> Self {
        Scanner {
            field,
            state: State::Start,
            name: Vec::new(),
            name_too_long: false,
            capture: Capture::default(),
            members: Map::new(),
            budget: MAX_MEMBER_BYTES,
            skipped: 0,
            field_seen: false,
            decoder: StreamDecoder::new(),
            decoded: 0,
            offset: 0,
            commas_optional: false,
        }
    }

    fn error(&self, kind: JsonFieldErrorKind, expected: &'static str, at: usize) -> JsonFieldError {
        JsonFieldError {
            kind,
            field: self.field.clone(),
            expected,
            offset: self.offset + at as u64,
            decoded: self.decoded,
        }
    }

    fn syntax(&self, expected: &'static str, at: usize) -> JsonFieldError {
        self.error(JsonFieldErrorKind::Syntax, expected, at)
    }

    /// Consumes `text`, appending decoded bytes of the member to `out`.
    fn push(&mut self, text: &[u8], out: &mut Vec<u8>) -> Step {
        let mut i = 0;
        while i < text.len() {
            i = self.step(text, i, out)?;
        }
        self.offset += text.len() as u64;
        Ok(())
    }

    /// Consumes one byte at `i` (or, inside the member's string, a run of them) and returns the
    /// position of the next unconsumed byte.
    fn step(&mut self, text: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, JsonFieldError> {
        let byte = text[i];
        let blank = byte.is_ascii_whitespace();
        match self.state {
            State::InField => return self.field_run(text, i, out),
            State::InMember => return self.member_byte(text, i),
            State::Start if byte == b'{' => self.state = State::NameOrEnd,
            State::NameOrEnd if byte == b'}' => self.state = State::End,
            State::NameOrEnd | State::Name if byte == b'"' => {
                self.name.clear();
                self.name_too_long = false;
                self.state = State::InName;
            }
            State::InName => self.name_byte(byte),
            State::InNameEscape => {
                self.keep_name_byte(byte);
                self.state = State::InName;
            }
            State::Colon if byte == b':' => self.state = State::Value,
            State::Value if !blank => self.start_value(byte, i)?,
            State::InFieldEscape => self.field_escape(byte, i, out)?,
            State::InFieldUnicode { digits, code } => {
                self.field_unicode(byte, digits, code, i, out)?
            }
            State::CommaOrEnd if byte == b',' => self.state = State::Name,
            State::CommaOrEnd if byte == b'"' && self.commas_optional => {
                self.name.clear();
                self.name_too_long = false;
                self.state = State::InName;
            }
            State::CommaOrEnd if byte == b'}' => self.state = State::End,
            _ if blank => {}
            state => return Err(self.syntax(expected(state), i)),
        }
        Ok(i + 1)
    }

    fn name_byte(&mut self, byte: u8) {
        match byte {
            b'"' => self.state = State::Colon,
            b'\\' => {
                self.keep_name_byte(byte);
                self.state = State::InNameEscape;
            }
            _ => self.keep_name_byte(byte),
        }
    }

    /// Keeps a byte of the current name (escapes included), up to the budget: a longer name is
    /// not the member's and its value is skipped.
    fn keep_name_byte(&mut self, byte: u8) {
        if self.name.len() >= MAX_MEMBER_BYTES {
            self.name_too_long = true;
            self.name = Vec::new();
        }
        if !self.name_too_long {
            self.name.push(byte);
        }
    }

    /// The current name with its escapes undone; `None` when it was too long to keep.
    fn current_name(&self, at: usize) -> Result<Option<String>, JsonFieldError> {
        if self.name_too_long {
            return Ok(None);
        }
        let mut quoted = Vec::with_capacity(self.name.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(&self.name);
        quoted.push(b'"');
        serde_json::from_slice(&quoted)
            .map(Some)
            .map_err(|_| self.syntax("a valid member name", at))
    }

    fn start_value(&mut self, byte: u8, at: usize) -> Step {
        let name = self.current_name(at)?;
        if name.as_deref() == Some(self.field.as_ref()) {
            if self.field_seen {
                return Err(self.error(JsonFieldErrorKind::Duplicate, "", at));
            }
            if byte != b'"' {
                return Err(self.error(JsonFieldErrorKind::NotAString, "", at));
            }
            self.field_seen = true;
            self.state = State::InField;
            return Ok(());
        }
        let keep = name.is_some() && self.name.len() < self.budget;
        self.capture = Capture {
            raw: Vec::new(),
            depth: u32::from(matches!(byte, b'{' | b'[')),
            in_string: byte == b'"',
            escape: false,
            scalar: !matches!(byte, b'{' | b'[' | b'"'),
            keep,
        };
        self.capture_byte(byte);
        self.state = State::InMember;
        Ok(())
    }

    fn capture_byte(&mut self, byte: u8) {
        let capture = &mut self.capture;
        if !capture.keep {
            return;
        }
        if self.name.len() + capture.raw.len() >= self.budget {
            capture.keep = false;
            capture.raw = Vec::new();
            return;
        }
        capture.raw.push(byte);
    }

    /// One byte of another member's value. A scalar ends at the first delimiter, which is then
    /// read again as what follows the value.
    fn member_byte(&mut self, text: &[u8], i: usize) -> Result<usize, JsonFieldError> {
        let byte = text[i];
        let capture = &mut self.capture;
        let next_name = self.commas_optional && byte == b'"';
        if capture.scalar
            && (byte.is_ascii_whitespace() || byte == b',' || byte == b'}' || next_name)
        {
            self.end_member(i)?;
            return Ok(i);
        }
        let mut ended = false;
        if capture.in_string {
            if capture.escape {
                capture.escape = false;
            } else if byte == b'\\' {
                capture.escape = true;
            } else if byte == b'"' {
                capture.in_string = false;
                ended = capture.depth == 0;
            }
        } else if !capture.scalar {
            match byte {
                b'"' => capture.in_string = true,
                b'{' | b'[' => capture.depth += 1,
                b'}' | b']' => {
                    capture.depth = capture.depth.saturating_sub(1);
                    ended = capture.depth == 0;
                }
                _ => {}
            }
        }
        self.capture_byte(byte);
        if ended {
            self.end_member(i)?;
        }
        Ok(i + 1)
    }

    fn end_member(&mut self, at: usize) -> Step {
        self.state = State::CommaOrEnd;
        let capture = std::mem::take(&mut self.capture);
        let name = match self.current_name(at)? {
            Some(name) if capture.keep => name,
            _ => {
                self.skipped += 1;
                return Ok(());
            }
        };
        let value: Value =
            serde_json::from_slice(&capture.raw).map_err(|_| self.syntax("a JSON value", at))?;
        self.budget = self
            .budget
            .saturating_sub(self.name.len() + capture.raw.len());
        self.members.insert(name, value);
        Ok(())
    }

    /// Inside the member's string: everything up to the next quote or backslash is base64 text.
    fn field_run(
        &mut self,
        text: &[u8],
        i: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, JsonFieldError> {
        let rest = &text[i..];
        let run = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
        self.decode(&rest[..run], i, out)?;
        let next = i + run;
        match text.get(next) {
            Some(b'"') => self.end_field(next, out)?,
            Some(_) => self.state = State::InFieldEscape,
            None => return Ok(next),
        }
        Ok(next + 1)
    }

    fn decode(&mut self, base64: &[u8], at: usize, out: &mut Vec<u8>) -> Step {
        let before = out.len();
        let result = self.decoder.push(base64, out);
        self.decoded += (out.len() - before) as u64;
        result.map_err(|_| self.error(JsonFieldErrorKind::Base64, "", at))
    }

    /// The closing quote: the last group (which may lack its padding) is decoded now.
    fn end_field(&mut self, at: usize, out: &mut Vec<u8>) -> Step {
        let before = out.len();
        let result = std::mem::take(&mut self.decoder).finish(out);
        self.decoded += (out.len() - before) as u64;
        result.map_err(|_| self.error(JsonFieldErrorKind::Base64, "", at))?;
        self.state = State::CommaOrEnd;
        Ok(())
    }

    /// The character after a backslash in the member's string: JSON's escapes, of which only
    /// those for ASCII characters can be part of base64 text (`\/` is common; `\n` and `\r` are
    /// line breaks, which base64 readers skip).
    fn field_escape(&mut self, byte: u8, at: usize, out: &mut Vec<u8>) -> Step {
        let unescaped = match byte {
            b'"' | b'\\' | b'/' => byte,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                self.state = State::InFieldUnicode { digits: 0, code: 0 };
                return Ok(());
            }
            _ => return Err(self.syntax("a JSON escape", at)),
        };
        self.state = State::InField;
        self.decode(&[unescaped], at, out)
    }

    fn field_unicode(
        &mut self,
        byte: u8,
        digits: u8,
        code: u32,
        at: usize,
        out: &mut Vec<u8>,
    ) -> Step {
        let digit = (byte as char)
            .to_digit(16)
            .ok_or_else(|| self.syntax("a hexadecimal digit of a \\u escape", at))?;
        let code = code * 16 + digit;
        if digits < 3 {
            self.state = State::InFieldUnicode {
                digits: digits + 1,
                code,
            };
            return Ok(());
        }
        self.state = State::InField;
        match u8::try_from(code) {
            Ok(ascii) if ascii.is_ascii() => self.decode(&[ascii], at, out),
            // A character outside ASCII is never base64.
            _ => Err(self.error(JsonFieldErrorKind::Base64, "", at)),
        }
    }

    /// Checks that the text held a whole object with the member.
    fn finish(&self) -> Step {
        if self.state != State::End {
            return Err(self.error(JsonFieldErrorKind::Truncated, "", 0));
        }
        if !self.field_seen {
            return Err(self.error(JsonFieldErrorKind::Missing, "", 0));
        }
        Ok(())
    }
}

/// What a syntax error says was expected in `state`.
fn expected(state: State) -> &'static str {
    match state {
        State::Start => "`{`",
        State::NameOrEnd => "a member name or `}`",
        State::Name => "a member name",
        State::Colon => "`:`",
        State::CommaOrEnd => "`,` or `}`",
        State::End => "nothing after the object",
        _ => "valid JSON",
    }
}

/// An [`AsyncWrite`] that takes a JSON object's text and writes the base64-decoded bytes of one
/// of its top-level string members to `inner`, holding at most one decoded piece and the
/// object's other members (up to [`MAX_MEMBER_BYTES`]).
///
/// Pass it to [`crate::Engine::download`], then call [`finish`](Self::finish): it checks that
/// the object closed and had the member, and returns the number of decoded bytes. The other
/// members are then in [`members`](Self::members) (a `size` to check the count against...).
///
/// A write fails with [`io::ErrorKind::InvalidData`] wrapping a [`JsonFieldError`] as soon as
/// the text is wrong (broken JSON, a character that is not base64, the member twice); the error
/// stays readable through [`error`](Self::error) after the engine turned it into its own.
pub struct JsonFieldDecoder<W> {
    inner: W,
    scanner: Scanner,
    /// Decoded bytes not yet accepted by `inner`.
    pending: Vec<u8>,
    written: usize,
    failed: Option<JsonFieldError>,
    finished: bool,
}

impl<W> JsonFieldDecoder<W> {
    /// Decodes the top-level member `field` into `inner`.
    pub fn new(field: impl Into<Cow<'static, str>>, inner: W) -> Self {
        JsonFieldDecoder {
            inner,
            scanner: Scanner::new(field.into()),
            pending: Vec::new(),
            written: 0,
            failed: None,
            finished: false,
        }
    }

    /// Also reads an object whose members are not separated by commas
    /// (`{"size":10,"status":"start""file":"..."}`), as some device documentation prints its
    /// answers and a device built from it may send them. Off by default.
    pub fn commas_optional(mut self) -> Self {
        self.scanner.commas_optional = true;
        self
    }

    /// The bytes decoded from the member so far (all of them once it is complete).
    pub fn decoded(&self) -> u64 {
        self.scanner.decoded
    }

    /// Whether the member's string was read to its closing quote.
    pub fn field_complete(&self) -> bool {
        self.scanner.field_seen
            && !matches!(
                self.scanner.state,
                State::InField | State::InFieldEscape | State::InFieldUnicode { .. }
            )
    }

    /// Another top-level member, once it was read whole (members past the budget are skipped).
    pub fn member(&self, name: &str) -> Option<&Value> {
        self.scanner.members.get(name)
    }

    /// The other top-level members read so far.
    pub fn members(&self) -> &Map<String, Value> {
        &self.scanner.members
    }

    /// How many members were skipped because they did not fit in [`MAX_MEMBER_BYTES`].
    pub fn skipped_members(&self) -> u64 {
        self.scanner.skipped
    }

    /// The failure that stopped decoding, if one did.
    pub fn error(&self) -> Option<&JsonFieldError> {
        self.failed.as_ref()
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gives back the inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }

    fn fail(&mut self, error: JsonFieldError) -> io::Error {
        let io = invalid_data(&error);
        self.failed = Some(error);
        io
    }
}

fn invalid_data(error: &JsonFieldError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error.clone())
}

impl<W: AsyncWrite + Unpin> JsonFieldDecoder<W> {
    /// Checks that the object closed and held the member, hands the last decoded bytes to the
    /// inner writer and flushes it (without shutting it down: more may follow). Returns the
    /// number of decoded bytes.
    pub async fn finish(&mut self) -> io::Result<u64> {
        std::future::poll_fn(|cx| self.poll_complete(cx)).await?;
        std::future::poll_fn(|cx| Pin::new(&mut self.inner).poll_flush(cx)).await?;
        Ok(self.scanner.decoded)
    }

    fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain_pending(cx))?;
        if !self.finished {
            if let Some(error) = &self.failed {
                return Poll::Ready(Err(invalid_data(error)));
            }
            if let Err(error) = self.scanner.finish() {
                return Poll::Ready(Err(self.fail(error)));
            }
            self.finished = true;
        }
        Poll::Ready(Ok(()))
    }

    fn drain_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let rest = &self.pending[self.written..];
            match ready!(Pin::new(&mut self.inner).poll_write(cx, rest)) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.written += n,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for JsonFieldDecoder<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        text: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Some(error) = &this.failed {
            return Poll::Ready(Err(invalid_data(error)));
        }
        // Hand on what the previous piece decoded before taking more: one piece at a time.
        ready!(this.drain_pending(cx))?;
        if let Err(error) = this.scanner.push(text, &mut this.pending) {
            return Poll::Ready(Err(this.fail(error)));
        }
        Poll::Ready(Ok(text.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_complete(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<W> fmt::Debug for JsonFieldDecoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Member values may be anything a server sends: names only.
        let names: Vec<&str> = self.scanner.members.keys().map(String::as_str).collect();
        f.debug_struct("JsonFieldDecoder")
            .field("field", &self.scanner.field)
            .field("decoded", &self.scanner.decoded)
            .field("members", &names)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
