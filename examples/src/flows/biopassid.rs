//! BioPass ID Multibiometrics: enroll a face and two fingers, verify a match and a non-match,
//! update the face, delete.

use biopassid_client::{
    BioPassIdFailure, Client, CustomId, Error, FailureKind, Finger, Image, Person, Result,
};

use crate::step;

/// The pictures the flow needs.
#[derive(Debug, Clone)]
pub struct Pictures {
    /// The person's face.
    pub face: Image,
    /// A newer face of the same person (used for the update).
    pub new_face: Image,
    /// Another person's face.
    pub other_face: Image,
    /// The person's finger 1.
    pub finger_1: Image,
    /// The person's finger 2.
    pub finger_2: Image,
    /// An image with no face on it.
    pub no_face: Image,
}

impl Pictures {
    /// Synthetic pictures the simulator understands (see `biometric_sim::biopassid`).
    pub fn synthetic() -> Self {
        use biometric_sim::biopassid::{face_image, finger_image, image_without_face};
        Pictures {
            face: Image::from_bytes(face_image("alice")),
            new_face: Image::from_bytes(face_image("alice-with-glasses")),
            other_face: Image::from_bytes(face_image("bob")),
            finger_1: Image::from_bytes(finger_image("alice", 1)),
            finger_2: Image::from_bytes(finger_image("alice", 2)),
            no_face: Image::from_bytes(image_without_face()),
        }
    }
}

/// What the flow observed, for a reader and for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The `BioPassID` the enrollment returned.
    pub biopass_id: String,
    /// How a second enroll with the same `CustomID` failed (`None`: it did not fail).
    pub duplicate_enroll: Option<FailureKind>,
    /// How enrolling a picture without a face failed (`None`: it did not fail).
    pub faceless_enroll: Option<FailureKind>,
    /// Verify with the face and finger 1: `Match`.
    pub same_person_matched: bool,
    /// ... its `FaceMatched`.
    pub same_person_face_matched: Option<bool>,
    /// ... its `NonMatchedFingers` (finger 2 was not sent).
    pub fingers_not_matched: Vec<Finger>,
    /// Verify with another person's face: `Match`.
    pub other_person_matched: bool,
    /// The update's `Message`, if any.
    pub update_message: Option<String>,
    /// After the update, verify with the new face: `FaceMatched`.
    pub new_face_matched: Option<bool>,
    /// The `CustomID` the delete answered.
    pub deleted: String,
}

/// Runs the flow for `custom_id` (which must not be enrolled yet), printing each step.
pub async fn run(client: &Client, pictures: &Pictures, custom_id: &str) -> Result<Summary> {
    let id = CustomId::new(custom_id)?;
    let one = Finger::new(1)?;
    let two = Finger::new(2)?;

    let person = Person::new(id.clone())
        .face(pictures.face.clone())
        .finger(one, pictures.finger_1.clone())
        .finger(two, pictures.finger_2.clone());
    let enrolled = client.enroll(&person).await?;
    step(format!(
        "enrolled {} with a face and fingers 1, 2: BioPassID {} (client {})",
        enrolled.custom_id, enrolled.biopass_id, enrolled.client_id
    ));

    let duplicate_enroll = failure(client.enroll(&person).await.map(drop))?;
    step(format!(
        "enrolling the same CustomID again: {duplicate_enroll:?}"
    ));

    let faceless_id = CustomId::new(format!("{custom_id}-faceless"))?;
    let faceless = client
        .enroll(&Person::new(faceless_id.clone()).face(pictures.no_face.clone()))
        .await;
    if faceless.is_ok() {
        client.delete(&faceless_id).await?;
    }
    let faceless_enroll = failure(faceless.map(drop))?;
    step(format!(
        "enrolling a picture without a face: {faceless_enroll:?}"
    ));

    let same = client
        .verify(
            &Person::new(id.clone())
                .face(pictures.face.clone())
                .finger(one, pictures.finger_1.clone()),
        )
        .await?;
    let not_matched: Vec<String> = same
        .details
        .non_matched_fingers
        .iter()
        .map(Finger::to_string)
        .collect();
    step(format!(
        "verify with the face and finger 1: match {}, face {:?}, not matched [{}]",
        same.matched,
        same.details.face_matched,
        not_matched.join(", ")
    ));

    let other = client
        .verify(&Person::new(id.clone()).face(pictures.other_face.clone()))
        .await?;
    step(format!(
        "verify with another person's face: match {}",
        other.matched
    ));

    let updated = client
        .update(&Person::new(id.clone()).face(pictures.new_face.clone()))
        .await?;
    step(format!(
        "updated the face: {}",
        updated.message.as_deref().unwrap_or("(no message)")
    ));
    let after = client
        .verify(&Person::new(id.clone()).face(pictures.new_face.clone()))
        .await?;
    step(format!(
        "verify with the new face: face matched {:?}",
        after.details.face_matched
    ));

    let deleted = client.delete(&id).await?;
    step(format!("deleted {}", deleted.custom_id));

    Ok(Summary {
        biopass_id: enrolled.biopass_id,
        duplicate_enroll,
        faceless_enroll,
        same_person_matched: same.matched,
        same_person_face_matched: same.details.face_matched,
        fingers_not_matched: same.details.non_matched_fingers,
        other_person_matched: other.matched,
        update_message: updated.message,
        new_face_matched: after.details.face_matched,
        deleted: deleted.custom_id,
    })
}

/// The failure kind of a call expected to be refused; other errors stop the flow.
fn failure(outcome: Result<()>) -> Result<Option<FailureKind>> {
    match outcome {
        Ok(()) => Ok(None),
        Err(err) => match BioPassIdFailure::from_error(&err) {
            Some(failure) => Ok(Some(failure.kind)),
            None => Err::<_, Error>(err),
        },
    }
}
