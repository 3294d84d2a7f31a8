//! The answers, as documented: a `Person` object in each.

use serde::{Deserialize, Deserializer};

use crate::person::Finger;

/// The answer to enroll and update: `{"Person": {"ClientID", "CustomID", "BioPassID"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Enrolled {
    /// `ClientID`: "the identification in the database used for the client" (your account).
    #[serde(rename = "ClientID", deserialize_with = "text_or_number")]
    pub client_id: String,
    /// `CustomID`: the person's id as given in the request.
    #[serde(rename = "CustomID", deserialize_with = "text_or_number")]
    pub custom_id: String,
    /// `BioPassID`: "the unique identifier for the user in the system".
    #[serde(rename = "BioPassID", deserialize_with = "text_or_number")]
    pub biopass_id: String,
    /// `Success`, when the service sends it. The documentation lists the field without saying
    /// when it appears or what `false` in a 200 answer means; look at [`message`](Self::message).
    #[serde(rename = "Success", default, deserialize_with = "opt_boolean")]
    pub success: Option<bool>,
    /// `Message`, when the service sends it.
    #[serde(rename = "Message", default)]
    pub message: Option<String>,
}

/// The answer to verify:
/// `{"Person": {"CustomID", "Match", "MatchDetails": {"FaceMatched", "NonMatchedFingers"}}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Verification {
    /// `CustomID`: the person verified.
    #[serde(rename = "CustomID", deserialize_with = "text_or_number")]
    pub custom_id: String,
    /// `Match`: whether the images belong to the person.
    #[serde(rename = "Match", deserialize_with = "boolean")]
    pub matched: bool,
    /// `MatchDetails` (empty when the service leaves it out).
    #[serde(rename = "MatchDetails", default)]
    pub details: MatchDetails,
}

/// Which images matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatchDetails {
    /// `FaceMatched`; `None` when the service leaves it out.
    pub face_matched: Option<bool>,
    /// `NonMatchedFingers`, read as fingers: the fingers that did not match, including the
    /// enrolled fingers that were not sent.
    pub non_matched_fingers: Vec<Finger>,
    /// Entries of `NonMatchedFingers` that are not `Finger-1`..`Finger-10` (nor a bare 1..10),
    /// kept as sent: the documentation does not show the entries' exact spelling.
    pub unrecognized_fingers: Vec<String>,
}

impl<'de> Deserialize<'de> for MatchDetails {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(rename = "FaceMatched", default, deserialize_with = "opt_boolean")]
            face_matched: Option<bool>,
            #[serde(rename = "NonMatchedFingers", default)]
            non_matched_fingers: Option<Vec<serde_json::Value>>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let mut details = MatchDetails {
            face_matched: wire.face_matched,
            ..MatchDetails::default()
        };
        for entry in wire.non_matched_fingers.unwrap_or_default() {
            let text = match entry {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            match text.parse::<Finger>() {
                Ok(finger) => details.non_matched_fingers.push(finger),
                Err(_) => details.unrecognized_fingers.push(text),
            }
        }
        Ok(details)
    }
}

/// The answer to delete: `{"Person": {"CustomID"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Deleted {
    /// `CustomID`: the person deleted.
    #[serde(rename = "CustomID", deserialize_with = "text_or_number")]
    pub custom_id: String,
}

/// Every answer is wrapped in `{"Person": ...}`.
#[derive(Deserialize)]
pub(crate) struct PersonEnvelope<T> {
    #[serde(rename = "Person")]
    pub(crate) person: T,
}

/// Ids are shown as strings (`"1648"`); a number is read as its text rather than failing the
/// whole answer.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Number(number) => number.to_string(),
    })
}

/// A boolean sent as `true`/`false`, `1`/`0` or their texts (`"True"` included).
fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    as_boolean(&value).ok_or_else(|| serde::de::Error::custom(format!("{value} is not a boolean")))
}

/// Like [`boolean`], for an optional field (`null` is `None`).
fn opt_boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    as_boolean(&value)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a boolean")))
}

fn as_boolean(value: &serde_json::Value) -> Option<bool> {
    match value {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
        serde_json::Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_matched_fingers_are_read_as_fingers() {
        let verification: PersonEnvelope<Verification> =
            serde_json::from_value(serde_json::json!({
                "Person": {"CustomID": "1", "Match": false, "MatchDetails": {
                    "FaceMatched": true, "NonMatchedFingers": ["Finger-2", "7", "LeftThumb"]
                }}
            }))
            .unwrap();
        let details = verification.person.details;
        assert_eq!(details.face_matched, Some(true));
        assert_eq!(
            details.non_matched_fingers,
            [Finger::new(2).unwrap(), Finger::new(7).unwrap()]
        );
        assert_eq!(details.unrecognized_fingers, ["LeftThumb"]);
    }

    #[test]
    fn ids_may_be_numbers() {
        let enrolled: PersonEnvelope<Enrolled> = serde_json::from_value(serde_json::json!({
            "Person": {"ClientID": "c", "CustomID": 1234, "BioPassID": 1648}
        }))
        .unwrap();
        assert_eq!(enrolled.person.custom_id, "1234");
        assert_eq!(enrolled.person.biopass_id, "1648");
        assert_eq!(enrolled.person.success, None);
    }
}
