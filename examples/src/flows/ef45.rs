//! CMITECH EF-45: lock, enrol a person with a face and a card, list subjects, page through a
//! date range of logs, read the door, unlock.

use ef45_client::chrono::NaiveDate;
use ef45_client::{
    BiometricText, Card, CardEntry, Client, Face, FaceSubId, NewUser, Result, SensorState, Subject,
    UserInfo,
};
use futures_util::TryStreamExt;

use crate::step;

/// What the flow observed, for a reader and for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The device's application version.
    pub version: String,
    /// The subjects listed after the enrolment.
    pub subjects: Vec<String>,
    /// The card the device holds for the new user.
    pub card: String,
    /// The logs counted in the date range.
    pub logs_in_range: u64,
    /// The logs walked page by page in that range.
    pub logs_walked: usize,
    /// Recognitions among them.
    pub recognitions: usize,
    /// The door sensor's state.
    pub door_sensor: SensorState,
}

/// The person the flow enrols (templates are placeholders: a real enrolment captures them).
fn person(user_uuid: &str) -> Result<NewUser> {
    let subject = Subject::new(user_uuid, "Kim").templates(
        BiometricText::new("bGVmdC1pcmlz"),
        BiometricText::new("cmlnaHQtaXJpcw=="),
    );
    let card: Card = "65 D8 A1 BD".parse()?;
    Ok(NewUser::new(subject, UserInfo::new(user_uuid))
        .face(Face::new(
            user_uuid,
            FaceSubId::Color,
            BiometricText::new("ZmFjZQ=="),
        ))
        .card(CardEntry::new(0, card)))
}

/// Runs the flow, enrolling `user_uuid` (which must not exist yet) and reading the logs of
/// `from` (inclusive) to `to` (exclusive: a date alone is the start of that day).
pub async fn run(
    device: &Client,
    user_uuid: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Summary> {
    let version = device.version().await?;
    step(format!("application version {version} (no lock needed)"));
    device.lock().await?;
    step("locked (POST lock); the lock_uid is never printed");

    device.enroll_user(&person(user_uuid)?).await?;
    let cards = device.cards(user_uuid).await?;
    let card = cards
        .cards
        .first()
        .map(|c| c.card.to_string())
        .unwrap_or_default();
    step(format!(
        "enrolled {user_uuid} with a face and the card {card} (POST user)"
    ));

    let subjects: Vec<String> = device
        .subjects_stream(Some(50))
        .map_ok(|subject| subject.user_uuid)
        .try_collect()
        .await?;
    step(format!(
        "{} subject(s): {}",
        subjects.len(),
        subjects.join(", ")
    ));

    let logs_in_range = device.log_count_between(from, to, None).await?;
    let in_range = device.logs_between(from, to, None).await?;
    // Walk the same logs again by id, 20 per page, as a poller that remembers ids would.
    let walked: Vec<_> = match (in_range.first(), in_range.last()) {
        (Some(first), Some(last)) => {
            device
                .logs_by_id_stream(first.id..=last.id, Some(20))
                .try_collect()
                .await?
        }
        _ => Vec::new(),
    };
    let recognitions = walked
        .iter()
        .filter(|log| log.recognition().is_some())
        .count();
    step(format!(
        "{logs_in_range} log(s) from {from} to {to}; walked {} in pages of 20, {recognitions} recognition(s)",
        walked.len()
    ));
    if let Some(log) = walked.iter().find(|log| log.recognition().is_some()) {
        step(format!(
            "e.g. log {} at {}: {} ({})",
            log.id, log.timestamp_text, log.info, log.additional_data
        ));
    }

    let door = device.door_status().await?;
    step(format!(
        "door sensor {:?}, relay {:?}, tamper {:?}, exit button {:?}",
        door.door_sensor, door.relay, door.tamper, door.rte
    ));

    device.close().await?;
    step("unlocked (DELETE lock/{lock_uid})");
    Ok(Summary {
        version,
        subjects,
        card,
        logs_in_range,
        logs_walked: walked.len(),
        recognitions,
        door_sensor: door.door_sensor,
    })
}
