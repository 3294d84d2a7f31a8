//! The BioPass ID client against the fake: the example flow end to end, what is never sent
//! twice, 401s, slow answers.

use std::time::Duration;

use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim, face_image};
use biopassid_client::{Client, CustomId, Error, FailureKind, Finger, Image, Person};
use examples::flows::biopassid::{Pictures, Summary, run};

fn client(base_url: &str, config: &BioPassIdConfig) -> Client {
    // The DEFAULT retry policy: what an application gets without configuring anything.
    Client::builder(base_url)
        .subscription_key(config.key())
        .build()
        .unwrap()
}

fn alice() -> Person {
    Person::new(CustomId::new("alice").unwrap()).face(Image::from_bytes(face_image("alice")))
}

#[tokio::test]
async fn the_example_flow_gives_the_expected_answers() {
    let config = BioPassIdConfig::default();
    let sim = BioPassIdSim::new(config.clone());
    let running = sim.start().await.unwrap();

    let summary = run(
        &client(running.base_url(), &config),
        &Pictures::synthetic(),
        "it-1",
    )
    .await
    .unwrap();

    assert_eq!(
        summary,
        Summary {
            biopass_id: "1648".into(),
            duplicate_enroll: Some(FailureKind::CustomIdAlreadyExists),
            faceless_enroll: Some(FailureKind::FaceTemplateNotExtracted),
            same_person_matched: true,
            same_person_face_matched: Some(true),
            fingers_not_matched: vec![Finger::new(2).unwrap()],
            other_person_matched: false,
            update_message: Some("Person updated".into()),
            new_face_matched: Some(true),
            deleted: "it-1".into(),
        }
    );
    assert_eq!(sim.person_count(), 0, "the flow cleans up");
}

#[tokio::test]
async fn a_500_is_not_retried_and_nothing_is_enrolled_twice() {
    let config = BioPassIdConfig::default();
    let sim = BioPassIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = client(running.base_url(), &config);

    sim.fail_next(500, 1);
    let err = client.enroll(&alice()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(sim.calls(), 1, "sent once");

    sim.fail_next(503, 1);
    let err = client.verify(&alice()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sim.calls(), 2, "sent once");
}

#[tokio::test]
async fn a_wrong_key_or_an_injected_401_is_an_auth_error_sent_once() {
    let config = BioPassIdConfig::default();
    let sim = BioPassIdSim::new(config.clone());
    let running = sim.start().await.unwrap();

    let wrong = Client::builder(running.base_url())
        .subscription_key("wrong-key")
        .build()
        .unwrap();
    let err = wrong.enroll(&alice()).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(sim.calls(), 1);

    sim.fail_next(401, 1);
    let err = client(running.base_url(), &config)
        .delete(&CustomId::new("alice").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(sim.calls(), 2);
    assert_eq!(sim.person_count(), 0);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_the_enroll_is_not_sent_again() {
    let config = BioPassIdConfig::default();
    let sim = BioPassIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = Client::builder(running.base_url())
        .subscription_key(config.key())
        .http(|h| h.timeout(Duration::from_millis(200)))
        .build()
        .unwrap();

    sim.delay_next(1, Duration::from_secs(10));
    let err = client.enroll(&alice()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(sim.calls(), 1, "not sent again");
}
