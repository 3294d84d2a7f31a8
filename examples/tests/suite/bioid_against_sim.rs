//! The BioID client against the BWS fake: the example flow end to end, retries and JWT checks.

use std::time::Duration;

use bioid_client::{Client, EnrollmentAction, Error, RetryPolicy, VerificationLevel};
use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use examples::flows::bioid::{Pictures, Summary, run};

fn client(base_url: &str, config: &BioIdConfig) -> Client {
    Client::builder(base_url)
        .client_credentials(config.client_id(), config.client_key_base64())
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .unprocessed_status(503)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_example_flow_gives_the_expected_answers() {
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();

    let summary = run(
        &client(running.base_url(), &config),
        &Pictures::synthetic(),
        100,
    )
    .await
    .unwrap();

    assert_eq!(
        summary,
        Summary {
            enrolled: Some(EnrollmentAction::NewTemplateCreated),
            faceless_enrollment_failed: true,
            same_person_verified: true,
            other_person_verified: false,
            search_hits: vec![100],
            vip_count: 1,
            thumbnails: 2,
            selfie_live: true,
            photo_live: false,
            challenge_live: true,
            photo_level: VerificationLevel::Level5,
            second_delete_found_nothing: true,
        }
    );
    assert_eq!(sim.template_count(), 0, "the flow cleans up");
}

#[tokio::test]
async fn transient_503s_from_the_fake_are_retried() {
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    sim.fail_next(503, 2);

    let pictures = Pictures::synthetic();
    let enrolled = client(running.base_url(), &config)
        .enroll(bioid_client::ClassId::new(5).unwrap(), [pictures.alice])
        .send()
        .await
        .unwrap();

    assert_eq!(
        enrolled.body.performed_action,
        Some(EnrollmentAction::NewTemplateCreated)
    );
    assert_eq!(sim.template_count(), 1, "enrolled exactly once");
}

#[tokio::test]
async fn the_fake_refuses_a_jwt_signed_with_another_key() {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await.unwrap();
    let wrong = Client::builder(running.base_url())
        .client_credentials(config.client_id(), "d3Jvbmcta2V5")
        .build()
        .unwrap();

    let err = wrong.class_count(["x"]).send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}
