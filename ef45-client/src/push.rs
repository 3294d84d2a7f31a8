//! Sheet Server_Push: what the device posts to a server of yours.
//!
//! The sheet documents four pushes. Three of them (`iris-api/ef45/commute`, `acceptable` and
//! `sync`) encrypt **each JSON field** with AES-128 in CBC mode without padding, under the fixed
//! key `cmi1003@cmi-tech`; the sheet does not give the IV, nor how a value is padded to the
//! block size (its example `macAddr` is 32 bytes of ciphertext for a 17-character address).
//! Without them the fields cannot be decrypted reliably, so this crate does not decode those
//! pushes. What the sheet says they carry, once decrypted: `macAddr`, `commuteKind` (1 IN,
//! 2 OUT, 3 Leave, 4 Return, 5 Recognition), `userId`, `userName`, `employeeNum`, `authType`
//! (1..13, see [`AuthMode`](crate::AuthMode)), `authResult` (1 success, 2 fail), `deviceTime`
//! (`YYYY-MM-dd HH:mm:ss`), `logId`, and optionally `ipAddr`, `bodyTemperature`, `mask`;
//! `sync` sends a `commuteList` of those; `acceptable` only `macAddr` and expects
//! `resultCode` 200 (accepted) or 406.
//!
//! The fourth, `ServerPushEnrol`, is not encrypted and is decoded here ([`EnrolPush`]); every
//! push expects a [`PushReply`].

use serde::{Deserialize, Serialize};

/// The body of `POST {your server}/ServerPushEnrol`, sent by the device after an enrolment
/// (sheet Server_Push: "Encryption: None").
///
/// ```
/// use ef45_client::EnrolPush;
/// let push: EnrolPush = serde_json::from_str(
///     r#"{"macAddr": "AA:BB:CC:DD:EE:FF", "operationMode": 0, "identifyKind": 0}"#,
/// ).unwrap();
/// assert_eq!(push.mac_addr, "AA:BB:CC:DD:EE:FF");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct EnrolPush {
    /// `macAddr`: the device's MAC address (`AA:BB:CC:DD:EE:FF`), mandatory.
    #[serde(rename = "macAddr")]
    pub mac_addr: String,
    /// `operationMode`: "not in use (default: 0)".
    #[serde(rename = "operationMode", default)]
    pub operation_mode: i64,
    /// `identifyKind`: "not in use (default: 0)".
    #[serde(rename = "identifyKind", default)]
    pub identify_kind: i64,
}

/// What a push server answers (`{"resultCode": 200, "resultMsg": "..."}`). The sheet names the
/// codes only for `acceptable` (200 affirmative, 406 negative).
///
/// ```
/// use ef45_client::PushReply;
/// let reply = serde_json::to_value(PushReply::new(200, "OK")).unwrap();
/// assert_eq!(reply, serde_json::json!({"resultCode": 200, "resultMsg": "OK"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PushReply {
    /// `resultCode`.
    #[serde(rename = "resultCode")]
    pub result_code: i64,
    /// `resultMsg`.
    #[serde(rename = "resultMsg")]
    pub result_msg: String,
}

impl PushReply {
    /// A reply with a code and message.
    pub fn new(result_code: i64, result_msg: impl Into<String>) -> Self {
        PushReply {
            result_code,
            result_msg: result_msg.into(),
        }
    }
}
