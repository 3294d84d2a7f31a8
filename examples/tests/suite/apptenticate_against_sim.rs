//! The Apptenticate client against the fake: the example flow end to end, token expiry (by the
//! fake's clock and on demand), re-login, concurrency, and no retry of a check.

use std::time::Duration;

use apptenticate_client::{Client, Error, Image, RetryPolicy};
use biometric_sim::apptenticate::{ApptenticateConfig, ApptenticateSim, face_image};
use examples::flows::apptenticate::{Pictures, Summary, run};

const CITIZEN: &str = "0102030405";

fn client(base_url: &str, config: &ApptenticateConfig) -> Client {
    Client::builder(base_url)
        .credentials(config.username(), config.password())
        .biometric_check_path(config.check_path())
        .build()
        .unwrap()
}

async fn check(client: &Client) -> apptenticate_client::Result<bool> {
    Ok(client
        .check_citizen(CITIZEN, Image::from_bytes(face_image(CITIZEN)))
        .send()
        .await?
        .valid)
}

#[tokio::test]
async fn the_example_flow_gives_the_expected_answers() {
    let config = ApptenticateConfig::default();
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let expire = || sim.expire_access_tokens();

    let summary = run(
        &client(running.base_url(), &config),
        &Pictures::synthetic(),
        Some(&expire),
    )
    .await
    .unwrap();

    assert_eq!(
        summary,
        Summary {
            matching_valid: true,
            matching_has_id: true,
            other_valid: Some(false),
            valid_after_expiry: Some(true),
            selfie_meets_rule: true,
            photo_meets_rule: Some(false),
        }
    );
    let stats = sim.stats();
    assert_eq!((stats.logins, stats.refreshes), (1, 1), "{stats:?}");
}

#[tokio::test]
async fn an_access_token_expiring_on_the_fakes_clock_is_refreshed() {
    let config = ApptenticateConfig::default().access_lifetime(Duration::from_millis(100));
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = client(running.base_url(), &config);

    assert!(check(&client).await.unwrap());
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(check(&client).await.unwrap());

    let stats = sim.stats();
    assert_eq!(stats.logins, 1, "{stats:?}");
    assert!(stats.refreshes >= 1, "{stats:?}");
}

#[tokio::test]
async fn twenty_concurrent_calls_across_an_expiry_see_exactly_one_refresh() {
    // One second of life: the refreshed token must outlive the 20 calls even on a busy
    // machine. The fake writes `exp` in whole seconds (up to a second late), so the wait
    // passes both the fake's expiry and the one the client reads from the token.
    let config = ApptenticateConfig::default().access_lifetime(Duration::from_secs(1));
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = client(running.base_url(), &config);
    client.login().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let calls = (0..20).map(|_| check(&client));
    let results = futures_util::future::join_all(calls).await;

    assert!(results.iter().all(|r| matches!(r, Ok(true))), "{results:?}");
    let stats = sim.stats();
    assert_eq!((stats.logins, stats.refreshes), (1, 1), "{stats:?}");
}

#[tokio::test]
async fn a_revoked_refresh_token_leads_to_a_new_login() {
    let config = ApptenticateConfig::default();
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = client(running.base_url(), &config);
    assert!(check(&client).await.unwrap());

    sim.expire_access_tokens();
    sim.revoke_refresh_tokens();
    assert!(check(&client).await.unwrap());

    let stats = sim.stats();
    assert_eq!(
        (stats.logins, stats.refreshes, stats.refused_refreshes),
        (2, 0, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error() {
    let config = ApptenticateConfig::default();
    let running = ApptenticateSim::new(config.clone()).start().await.unwrap();
    let client = Client::builder(running.base_url())
        .credentials(config.username(), "wrong")
        .build()
        .unwrap();
    let err = client.login().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("No active account found with the given credentials"),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_check_is_not_sent_twice() {
    let config = ApptenticateConfig::default();
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = Client::builder(running.base_url())
        .credentials(config.username(), config.password())
        .biometric_check_path(config.check_path())
        .http(|h| h.retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1))))
        .build()
        .unwrap();
    client.login().await.unwrap();
    sim.fail_next(503, 1);

    let err = check(&client).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sim.stats().checks, 1, "sent once");
}
