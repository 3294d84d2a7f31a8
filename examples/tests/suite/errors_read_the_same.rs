//! Errors read the same in every crate (issue 19, point 3): one line names the operation, what
//! the service or device said (reason, code, HTTP status) and whether the request was sent; a
//! report that walks the `source()` chain prints each fact once; every vendor's typed refusal
//! has a `Display`.

use std::error::Error as StdError;

use biometric_core::Error;
use biometric_sim::{
    apptenticate::{ApptenticateConfig, ApptenticateSim},
    bioid::{BioIdConfig, BioIdSim},
    biopassid::{BioPassIdConfig, BioPassIdSim},
    controlid::{ControlIdConfig, ControlIdSim},
    ef45::{Ef45Config, Ef45Sim},
};

/// The error and its causes as `anyhow`'s `{:#}` prints them.
fn report(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// The one line says `operation`, each of `said` and that the login reached the server; the
/// report repeats none of them.
fn reads_well(err: &Error, operation: &str, said: &[&str]) {
    let line = err.to_string();
    assert!(line.starts_with("authentication failed: "), "{line}");
    assert!(line.contains(operation), "{line}");
    for words in said {
        assert!(line.contains(words), "`{words}` missing from: {line}");
    }
    assert!(line.ends_with("the request reached the server"), "{line}");
    let report = report(err);
    for words in said.iter().chain([&operation]) {
        assert_eq!(
            report.matches(words).count(),
            line.matches(words).count(),
            "`{words}` repeated by the chain: {report}"
        );
    }
}

#[tokio::test]
async fn a_refused_login_says_the_services_words_once_in_every_crate() {
    let sim = ControlIdSim::new(ControlIdConfig::new("admin", "right"));
    let running = sim.start().await.unwrap();
    let device = controlid_client::Client::builder(running.base_url())
        .credentials("admin", "wrong")
        .build()
        .unwrap();
    let err = device.users_page(10, 0).await.unwrap_err();
    reads_well(
        &err,
        "controlid.login",
        &["Invalid user or password", "HTTP 401 Unauthorized"],
    );

    let sim = Ef45Sim::new(Ef45Config::new("root", "right"));
    let running = sim.start().await.unwrap();
    let device = ef45_client::Client::builder(running.base_url())
        .credentials("root", "wrong")
        .build()
        .unwrap();
    let err = device.lock().await.unwrap_err();
    reads_well(
        &err,
        "ef45.lock",
        &["Wrong ID or password", "code 400", "HTTP 400 Bad Request"],
    );

    let sim = BioPassIdSim::new(BioPassIdConfig::default());
    let running = sim.start().await.unwrap();
    let service = biopassid_client::Client::builder(running.base_url())
        .subscription_key("not-the-key")
        .build()
        .unwrap();
    let person = biopassid_client::Person::new(biopassid_client::CustomId::new("p").unwrap()).face(
        biometric_core::Image::from_bytes(biometric_sim::biopassid::face_image("p")),
    );
    let err = service.verify(&person).await.unwrap_err();
    reads_well(
        &err,
        "biopassid.verify",
        &[
            "Access denied: missing or invalid subscription key",
            "HTTP 401 Unauthorized",
        ],
    );

    let sim = ApptenticateSim::new(ApptenticateConfig::default());
    let running = sim.start().await.unwrap();
    let service = apptenticate_client::Client::builder(running.base_url())
        .biometric_check_path(ApptenticateConfig::default().check_path())
        .credentials("sim-user", "wrong")
        .build()
        .unwrap();
    let face = biometric_sim::apptenticate::face_image("0102030405");
    let err = service
        .check_citizen("0102030405", biometric_core::Image::from_bytes(face))
        .send()
        .await
        .unwrap_err();
    reads_well(
        &err,
        "apptenticate.token",
        &[
            "No active account found with the given credentials",
            "HTTP 401 Unauthorized",
        ],
    );

    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let service = bioid_client::Client::builder(running.base_url())
        .client_credentials(
            config.client_id(),
            "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=",
        )
        .build()
        .unwrap();
    let err = service.class_count([]).send().await.unwrap_err();
    reads_well(&err, "bioid.class_count", &["HTTP 401 Unauthorized"]);
}

#[tokio::test]
async fn a_refusal_under_200_reads_as_the_devices_refusal() {
    use controlid_client::{EnrollFailure, EnrollTarget};
    let config = ControlIdConfig::default().capture_delay(std::time::Duration::from_millis(1));
    let sim = ControlIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let device = controlid_client::Client::builder(running.base_url())
        .credentials(config.login(), config.password())
        .build()
        .unwrap();
    let user = device
        .create_user(controlid_client::NewUser::new("Ana"))
        .await
        .unwrap();
    sim.face_exists_as(77);

    let err = device
        .remote_enroll_face(EnrollTarget::SaveToUser(user))
        .sync()
        .send()
        .await
        .unwrap_err();

    let line = err.to_string();
    assert!(
        line.starts_with("controlid.remote_enroll") && line.contains("failed: FACE_EXISTS ("),
        "{line}"
    );
    assert_eq!(line.matches("FACE_EXISTS").count(), 1, "{line}");
    assert!(
        line.ends_with("(HTTP 200 OK); the request reached the server"),
        "{line}"
    );
    assert_eq!(err.reason(), Some("FACE_EXISTS"));
    let failure = EnrollFailure::from_error(&err).unwrap();
    assert_eq!(
        failure.to_string(),
        "enrollment refused: FACE_EXISTS: already enrolled as user 77"
    );
}

#[tokio::test]
async fn every_vendors_typed_refusal_has_a_display() {
    // EF-45: a device code.
    let config = Ef45Config::default();
    let sim = Ef45Sim::new(config.clone());
    let running = sim.start().await.unwrap();
    let device = ef45_client::Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .build()
        .unwrap();
    device.lock().await.unwrap();
    sim.device_error_next(404, 1100);
    let err = device.user_info("nobody").await.unwrap_err();
    let failure = ef45_client::DeviceFailure::from_error(&err).unwrap();
    assert_eq!(
        failure.to_string(),
        "the device refused the call with code 1100 User not found! (HTTP 404 Not Found)"
    );

    // BioPass ID: no face on the face image.
    let config = BioPassIdConfig::default();
    let sim = BioPassIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let service = biopassid_client::Client::builder(running.base_url())
        .subscription_key(config.key())
        .build()
        .unwrap();
    let faceless = biopassid_client::Person::new(biopassid_client::CustomId::new("q").unwrap())
        .face(biometric_core::Image::from_bytes(
            biometric_sim::biopassid::image_without_face(),
        ));
    let err = service.enroll(&faceless).await.unwrap_err();
    let failure = biopassid_client::BioPassIdFailure::from_error(&err).unwrap();
    let line = failure.to_string();
    assert!(
        line.starts_with("biopassid.enroll: no usable face on the face image: "),
        "{line}"
    );
    assert!(line.contains("(HTTP 4"), "{line}");

    // BioID: a job that found no usable face.
    let config = BioIdConfig::default();
    let sim = BioIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let service = bioid_client::Client::builder(running.base_url())
        .client_credentials(config.client_id(), config.client_key_base64())
        .build()
        .unwrap();
    let class = bioid_client::ClassId::new(9).unwrap();
    let faceless = biometric_core::Image::from_bytes(biometric_sim::bioid::image_without_face());
    let enrollment = service.enroll(class, [faceless]).send().await.unwrap().body;
    use bioid_client::JobOutcome;
    let failure = enrollment.failure().expect("the job failed");
    let line = failure.to_string();
    assert!(
        line.starts_with("the enrollment failed (ENROLLMENT_FAILED): ")
            || line.starts_with("the job ended "),
        "{line}"
    );
    assert!(!failure.errors.is_empty(), "{failure:?}");
    assert!(line.contains(&failure.errors[0].error_code), "{line}");

    // Apptenticate: a face that is not the citizen's.
    let config = ApptenticateConfig::default();
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let service = apptenticate_client::Client::builder(running.base_url())
        .biometric_check_path(config.check_path())
        .credentials(config.username(), config.password())
        .build()
        .unwrap();
    let other = biometric_sim::apptenticate::face_image("someone else");
    let check = service
        .check_citizen("0102030405", biometric_core::Image::from_bytes(other))
        .send()
        .await
        .unwrap();
    let rejection = check.rejection().expect("not the citizen's face");
    assert!(
        rejection.to_string().starts_with("not validated"),
        "{rejection}"
    );
}
