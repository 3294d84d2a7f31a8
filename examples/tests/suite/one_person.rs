//! One person fixture across the fakes (issue 19, point 6): the same face enrolls in BioID,
//! BioPass ID and Apptenticate and is recognised by each; another person is not.

use biometric_core::Image;
use biometric_sim::person::Person;
use biometric_sim::{
    apptenticate::{ApptenticateConfig, ApptenticateSim},
    bioid::{BioIdConfig, BioIdSim},
    biopassid::{BioPassIdConfig, BioPassIdSim},
};

fn image(bytes: Vec<u8>) -> Image {
    Image::from_bytes(bytes)
}

#[tokio::test]
async fn one_face_enrolls_and_is_recognised_by_every_cloud_fake() {
    let ana = Person::new("ana");
    let bo = Person::new("bo");

    // BioID: enroll Ana's live face, verify her ID photo and her, not Bo.
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let bioid = bioid_client::Client::builder(running.base_url())
        .client_credentials(config.client_id(), config.client_key_base64())
        .build()
        .unwrap();
    let class = bioid_client::ClassId::new(7).unwrap();
    bioid
        .enroll(class, [image(ana.face())])
        .send()
        .await
        .unwrap()
        .into_succeeded()
        .unwrap();
    let verify = |face: Vec<u8>| {
        let bioid = bioid.clone();
        async move {
            bioid
                .verify(class, image(face))
                .send()
                .await
                .unwrap()
                .body
                .verified
        }
    };
    assert!(verify(ana.face()).await, "BioID knows Ana");
    assert!(verify(ana.photo()).await, "and her ID photo");
    assert!(!verify(bo.face()).await, "not Bo");

    // BioPass ID: enroll Ana's face and a finger, verify them, not Bo's.
    let config = BioPassIdConfig::default();
    let sim = BioPassIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let biopass = biopassid_client::Client::builder(running.base_url())
        .subscription_key(config.key())
        .build()
        .unwrap();
    let id = biopassid_client::CustomId::new("ana-1").unwrap();
    let finger = biopassid_client::Finger::new(2).unwrap();
    let person = |face: Vec<u8>, print: Vec<u8>| {
        biopassid_client::Person::new(id.clone())
            .face(image(face))
            .finger(finger, image(print))
    };
    biopass
        .enroll(&person(ana.face(), ana.finger(2)))
        .await
        .unwrap();
    let same = biopass
        .verify(&person(ana.photo(), ana.finger(2)))
        .await
        .unwrap();
    assert!(same.matched, "BioPass ID knows Ana: {same:?}");
    let other = biopass
        .verify(&person(bo.face(), bo.finger(2)))
        .await
        .unwrap();
    assert!(!other.matched, "not Bo: {other:?}");

    // Apptenticate: Ana's citizen ID, checked with her selfie, not with Bo's.
    let config = ApptenticateConfig::new("user", "password").citizen("0912345678", ana.photo());
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let apptenticate = apptenticate_client::Client::builder(running.base_url())
        .biometric_check_path(config.check_path())
        .credentials(config.username(), config.password())
        .build()
        .unwrap();
    let check = |face: Vec<u8>| {
        let apptenticate = apptenticate.clone();
        async move {
            apptenticate
                .check_citizen("0912345678", image(face))
                .send()
                .await
                .unwrap()
                .valid
        }
    };
    assert!(check(ana.face()).await, "Apptenticate knows Ana");
    assert!(!check(bo.face()).await, "not Bo");
}
