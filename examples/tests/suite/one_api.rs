//! One API across the five vendor crates (issue 19): each re-exports what its API takes or
//! returns, so an application needs no direct dependency pinned to the SDK's versions, and each
//! client has the same escape hatch (`execute`) and per-client options (`with_options`). Most of
//! this file is checked by the compiler; the test sends one raw operation through each client.

use std::time::Duration;

macro_rules! same_exports {
    ($($module:ident: $krate:ident),*) => {$(
        #[allow(unused_imports)]
        mod $module {
            pub(super) use ::$krate::{
                Error, HttpConfig, Image, ImageFormat, Method, Operation, RequestOptions, Result,
                RetryPolicy, RetryRules, IntoSecret, SecretString, StatusCode, Stream, TlsOptions,
                UnsupportedError, chrono,
            };
        }
    )*};
}

same_exports!(
    controlid: controlid_client,
    ef45: ef45_client,
    bioid: bioid_client,
    biopassid: biopassid_client,
    apptenticate: apptenticate_client
);

/// A raw `GET health` through each vendor's client, with its authentication.
#[tokio::test]
async fn every_client_has_the_same_escape_hatch_and_options() {
    use biometric_core::decode_unit;
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let options = biometric_core::RequestOptions::new().timeout(Duration::from_secs(5));
    let op = || {
        biometric_core::Operation::with_decoder(
            "one_api.health",
            biometric_core::Method::GET,
            "health",
            decode_unit,
        )
        .unauthenticated()
    };

    let bioid = bioid_client::Client::builder(server.uri())
        .bearer_token("token")
        .build()
        .unwrap();
    bioid
        .with_options(options.clone())
        .execute(op())
        .await
        .unwrap();
    let biopassid = biopassid_client::Client::builder(server.uri())
        .subscription_key("key")
        .build()
        .unwrap();
    biopassid
        .with_options(options.clone())
        .execute(op())
        .await
        .unwrap();
    let apptenticate = apptenticate_client::Client::builder(server.uri())
        .credentials("user", "password")
        .build()
        .unwrap();
    apptenticate
        .with_options(options.clone())
        .execute(op())
        .await
        .unwrap();
    let controlid = controlid_client::Client::builder(server.uri())
        .credentials("admin", "admin")
        .build()
        .unwrap();
    controlid
        .with_options(options.clone())
        .execute(op())
        .await
        .unwrap();
    let ef45 = ef45_client::Client::builder(server.uri()).build().unwrap();
    ef45.with_options(options).execute(op()).await.unwrap_err();

    // Four went out; the EF-45 client sends under `/1.0/` (its base), where nothing answers.
    let health = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/health")
        .count();
    assert_eq!(health, 4);
}

/// Fault injection has one signature on every simulator: `fail_next(status, count)`.
#[tokio::test]
async fn every_simulator_injects_failures_the_same_way() {
    use biometric_sim::{
        apptenticate::{ApptenticateConfig, ApptenticateSim},
        bioid::{BioIdConfig, BioIdSim},
        biopassid::{BioPassIdConfig, BioPassIdSim},
        controlid::{ControlIdConfig, ControlIdSim},
        ef45::{Ef45Config, Ef45Sim},
    };
    ApptenticateSim::new(ApptenticateConfig::default()).fail_next(500, 1);
    BioIdSim::new(BioIdConfig::default()).fail_next(500, 1);
    BioPassIdSim::new(BioPassIdConfig::default()).fail_next(500, 1);

    let controlid = ControlIdSim::new(ControlIdConfig::default());
    let running = controlid.start().await.unwrap();
    controlid.fail_next(500, 1);
    let device = controlid_client::Client::builder(running.base_url())
        .credentials("admin", "admin")
        .http(|h| h.retry(controlid_client::RetryPolicy::disabled()))
        .build()
        .unwrap();
    let err = device.users_page(10, 0).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err}");
    device.users_page(10, 0).await.unwrap();

    let ef45 = Ef45Sim::new(Ef45Config::default());
    let running = ef45.start().await.unwrap();
    ef45.fail_next(500, 1);
    let device = ef45_client::Client::builder(running.base_url())
        .http(|h| h.retry(ef45_client::RetryPolicy::disabled()))
        .build()
        .unwrap();
    let err = device.version().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err}");
}

/// Every builder that takes a secret takes a `SecretString` the application already holds
/// (moved or borrowed) as well as text, and list arguments take `[]` without an annotation.
#[test]
fn secrets_stay_wrapped_and_empty_lists_need_no_annotation() {
    use biometric_core::SecretString;
    let held = SecretString::from("from-the-vault");
    let url = "http://127.0.0.1:9";

    controlid_client::Client::builder(url)
        .credentials("admin", &held)
        .build()
        .unwrap();
    ef45_client::Client::builder(url)
        .credentials("root", held.clone())
        .build()
        .unwrap();
    biopassid_client::Client::builder(url)
        .subscription_key(&held)
        .build()
        .unwrap();
    apptenticate_client::Client::builder(url)
        .credentials("user", &held)
        .build()
        .unwrap();
    let bioid = bioid_client::Client::builder(url)
        .bearer_token(&held)
        .build()
        .unwrap();
    bioid_client::Client::builder(url)
        .client_credentials("client", SecretString::from("a2V5"))
        .build()
        .unwrap();

    let class = bioid_client::ClassId::new(1).unwrap();
    assert!(bioid.class_count([]).operation().is_ok());
    assert!(bioid.set_template_tags(class, []).operation().is_ok());
    assert!(bioid.enroll(class, []).operation().is_ok());
    let query =
        bioid_client::SearchQuery::new([biometric_core::Image::from_bytes(vec![1])]).tags([]);
    assert!(bioid.search(query).operation().is_ok());
}
