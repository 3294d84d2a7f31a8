//! BioID BWS 3: enroll, verify, search, tags, status, liveness, photo verify, delete.

use bioid_client::{
    ClassId, Client, Direction, EnrollImage, EnrollmentAction, Image, JobOutcome, LivenessInput,
    PhotoVerifyQuery, Result, SearchQuery, TemplateLookup, VerificationLevel,
};

use crate::step;

/// The pictures the flow needs.
#[derive(Debug, Clone)]
pub struct Pictures {
    /// A live selfie of the first person.
    pub alice: Image,
    /// Another live selfie of the same person.
    pub alice_again: Image,
    /// The same person after turning left (challenge-response liveness).
    pub alice_turned_left: Image,
    /// An ID photo of the same person.
    pub alice_id_photo: Image,
    /// A live selfie of another person.
    pub bob: Image,
    /// An image with no face.
    pub no_face: Image,
}

impl Pictures {
    /// Synthetic pictures the simulator understands (see `biometric_sim::bioid`).
    pub fn synthetic() -> Self {
        use biometric_sim::bioid::{face_image, image_without_face, moved_face_image, photo_of};
        Pictures {
            alice: Image::from_bytes(face_image("alice")),
            alice_again: Image::from_bytes(moved_face_image("alice", "up")),
            alice_turned_left: Image::from_bytes(moved_face_image("alice", "left")),
            alice_id_photo: Image::from_bytes(photo_of("alice")),
            bob: Image::from_bytes(face_image("bob")),
            no_face: Image::from_bytes(image_without_face()),
        }
    }
}

/// What the flow observed, for a reader and for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The action of the first enrollment.
    pub enrolled: Option<EnrollmentAction>,
    /// Whether enrolling a picture without a face failed as a job.
    pub faceless_enrollment_failed: bool,
    /// Verification of the same person.
    pub same_person_verified: bool,
    /// Verification of a different person.
    pub other_person_verified: bool,
    /// The classes a search for the first person found.
    pub search_hits: Vec<u64>,
    /// Classes tagged `vip` after setting tags.
    pub vip_count: u64,
    /// Thumbnails stored for the first person.
    pub thumbnails: usize,
    /// Passive liveness of a selfie.
    pub selfie_live: bool,
    /// Passive liveness of a photo of a photo.
    pub photo_live: bool,
    /// Challenge-response liveness (asked to turn left, did).
    pub challenge_live: bool,
    /// Photo verification level of the person against their ID photo.
    pub photo_level: VerificationLevel,
    /// Whether deleting an already deleted template answered "no template".
    pub second_delete_found_nothing: bool,
}

/// Runs the flow on classes `base` and `base + 1`, printing each step.
pub async fn run(client: &Client, pictures: &Pictures, base: u64) -> Result<Summary> {
    let alice = ClassId::new(base)?;
    let bob = ClassId::new(base + 1)?;

    let ready = client.readyz().send().await?.body;
    step(format!(
        "service ready: {} ({})",
        ready.healthy, ready.detail
    ));

    let images = vec![
        EnrollImage::new(pictures.alice.clone()).tags(["demo"]),
        EnrollImage::new(pictures.alice_again.clone()).tags(["demo"]),
    ];
    let enrollment = client
        .enroll(alice, images)
        .reference_number("quickstart-1")
        .send()
        .await?;
    let enrolled = enrollment.body.performed_action.clone();
    step(format!(
        "enrolled class {alice}: {}, {} image(s), job {}",
        enrolled
            .as_ref()
            .map_or("no action", |action| action.as_str()),
        enrollment.body.enrolled_images,
        enrollment
            .meta
            .job_id
            .map(|id| id.to_string())
            .unwrap_or_default()
    ));

    let faceless = client
        .enroll(bob, [pictures.no_face.clone()])
        .send()
        .await?;
    let faceless_enrollment_failed = faceless.body.is_failed();
    let reason = faceless
        .body
        .errors
        .first()
        .map(|e| e.error_code.clone())
        .unwrap_or_default();
    step(format!(
        "enrolling a picture without a face: failed = {faceless_enrollment_failed} ({reason})"
    ));
    client
        .enroll(bob, [pictures.bob.clone()])
        .send()
        .await?
        .into_succeeded()?;
    step(format!("enrolled class {bob}"));

    let same = client
        .verify(alice, pictures.alice_again.clone())
        .send()
        .await?
        .body;
    let other = client
        .verify(alice, pictures.bob.clone())
        .send()
        .await?
        .body;
    step(format!(
        "verify same person: {} (score {:.2}); other person: {} (score {:.2})",
        same.verified, same.score, other.verified, other.score
    ));

    let search = client
        .search(SearchQuery::new([pictures.alice.clone()]).tags(["demo"]))
        .send()
        .await?
        .body;
    let search_hits: Vec<u64> = search
        .result
        .iter()
        .flat_map(|r| r.matches.iter())
        .filter_map(|m| m.class_id.map(ClassId::get))
        .collect();
    step(format!(
        "search with tag demo found classes {search_hits:?}"
    ));

    client
        .set_template_tags(alice, ["demo", "vip"])
        .send()
        .await?;
    let vip_count = client
        .class_count(["vip"])
        .send()
        .await?
        .body
        .number_of_classes;
    step(format!(
        "tagged class {alice} vip: {vip_count} vip class(es)"
    ));

    let status = client
        .template_status_with_thumbnails(alice)
        .send()
        .await?
        .body
        .found();
    let thumbnails = status.as_ref().map_or(0, |s| s.thumbnails.len());
    step(format!(
        "template status: {thumbnails} thumbnail(s), tags {:?}",
        status.map(|s| s.tags).unwrap_or_default()
    ));

    let selfie_live = client
        .liveness(LivenessInput::Passive(pictures.alice.clone()))
        .send()
        .await?
        .body
        .live;
    let photo_live = client
        .liveness(LivenessInput::Passive(pictures.alice_id_photo.clone()))
        .send()
        .await?
        .body
        .live;
    let challenge = LivenessInput::Challenge {
        first: pictures.alice.clone(),
        second: pictures.alice_turned_left.clone(),
        direction: Direction::Left,
    };
    let challenge_live = client.liveness(challenge).send().await?.body.live;
    step(format!(
        "liveness: selfie {selfie_live}, photo of a photo {photo_live}, challenge 'turn left' {challenge_live}"
    ));

    let photo = PhotoVerifyQuery::new([pictures.alice.clone()], pictures.alice_id_photo.clone());
    let photo = client.photo_verify(photo).send().await?.body;
    let accepted = photo.verification_level >= VerificationLevel::Level4;
    step(format!(
        "photo verify against the ID photo: {} (accepted: {accepted})",
        photo.verification_level
    ));

    client.delete_template(alice).send().await?;
    client.delete_template(bob).send().await?;
    let again = client.delete_template(alice).send().await?.body;
    let second_delete_found_nothing = again == TemplateLookup::NoTemplate;
    step(format!(
        "deleted both templates; deleting again says no template: {second_delete_found_nothing}"
    ));

    Ok(Summary {
        enrolled,
        faceless_enrollment_failed,
        same_person_verified: same.verified,
        other_person_verified: other.verified,
        search_hits,
        vip_count,
        thumbnails,
        selfie_live,
        photo_live,
        challenge_live,
        photo_level: photo.verification_level,
        second_delete_found_nothing,
    })
}
