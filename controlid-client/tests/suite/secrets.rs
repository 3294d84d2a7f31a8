//! Secrets and biometric bytes never reach Debug, Display (with every `source()`), or tracing
//! output at TRACE, on every public operation's error paths: 401, a 400 echoing the secrets and
//! the image's base64, a plain-text 500, malformed JSON holding the session, a timeout.
//!
//! One test in its own binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

use hostile_input::logs::{
    assert_clean, capture, error_texts, independent_base64 as b64, jpeg_carrying,
};
use std::time::Duration;

use biometric_core::{Method, Operation, decode_unit};
use controlid_client::callbacks::parse;
use controlid_client::{
    Client, EnrollFailure, EnrollTarget, Error, Image, MonitorConfig, NewUser, PhotoRejection,
    RetryPolicy, UserId,
};
use futures_util::StreamExt;
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The timeout of every call; the "timeout" answer comes later.
const SHORT: Duration = Duration::from_millis(100);
const LOGIN: &str = "admin";
const PASSWORD: &str = "PASSWORD-e9800998ecf8427e";
const SESSION: &str = "SESSION-d41d8cd98f00b204e98";
const PATH_TOKEN: &str = "PATHTOKEN-45c48cce2e2d7fbdea1a";
const IMAGE_TAG: &str = "PRIVATE-FACE-BYTES-6512bd43d9caa6e02c990b0a82652dca";

/// A JPEG whose bytes (and so whose base64) are recognisable.
fn secret_jpeg() -> Vec<u8> {
    jpeg_carrying(IMAGE_TAG)
}

fn secrets() -> Vec<String> {
    vec![
        PASSWORD.into(),
        SESSION.into(),
        PATH_TOKEN.into(),
        IMAGE_TAG.into(),
        b64(&secret_jpeg()),
    ]
}

/// The failure answers, each echoing what a careless device could echo.
fn failures() -> Vec<(&'static str, ResponseTemplate)> {
    let image = b64(&secret_jpeg());
    vec![
        (
            "401",
            ResponseTemplate::new(401).set_body_string(format!("Invalid session {SESSION}")),
        ),
        (
            "400 echoing",
            ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "error": format!("bad request: password {PASSWORD} session {SESSION} image {image}"),
                "password": PASSWORD, "session": SESSION, "user_image": image,
                "echo": format!("{PASSWORD} {SESSION} {image}"),
            })),
        ),
        (
            "400 plain",
            ResponseTemplate::new(400)
                .set_body_string(format!("rejected {PASSWORD} {SESSION} {image}")),
        ),
        (
            "500 plain",
            ResponseTemplate::new(500)
                .set_body_string(format!("internal error at session={SESSION} pw={PASSWORD}")),
        ),
        (
            "200 malformed",
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(format!(
                    r#"{{"session": "{SESSION}", "ids": ["{PASSWORD}", "{image}"#
                )),
        ),
        (
            "200 wrong types",
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "session": [SESSION], "ids": [PASSWORD], "users": PASSWORD, "changes": SESSION,
                "user_ids": [image], "monitor": {"port": SESSION}, "session_is_valid": PASSWORD,
                "user_id": SESSION, "device_id": 1, "user_image": 7, "card_value": PASSWORD,
                "success": false, "errors": [{"code": SESSION, "message": PASSWORD}],
            })),
        ),
        (
            "timeout",
            ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
        ),
    ]
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(LOGIN, PASSWORD)
        .http(|h| h.retry(RetryPolicy::disabled()).timeout(SHORT))
        .build()
        .unwrap()
}

/// Every public operation once: `Ok` values as their `Debug`, errors as they came.
async fn every_operation(device: &Client) -> Vec<(&'static str, Result<String, Error>)> {
    let photo = Image::from_bytes(secret_jpeg());
    let user = UserId::new(7).unwrap();
    let show = |r: Result<String, Error>| r;
    let mut out: Vec<(&'static str, Result<String, Error>)> = Vec::new();
    macro_rules! call {
        ($name:literal, $call:expr) => {
            out.push(($name, show($call.await.map(|v| format!("{v:?}")))));
        };
    }
    call!("login", device.login());
    call!("session_is_valid", device.session_is_valid());
    call!(
        "execute",
        device.execute(Operation::with_decoder(
            "controlid.custom",
            Method::POST,
            "custom.fcgi",
            decode_unit,
        ))
    );
    call!(
        "create_user",
        device.create_user(NewUser::new("Ana").registration("R1"))
    );
    call!(
        "create_users",
        device.create_users(vec![NewUser::new("Bo")])
    );
    call!("user", device.user(user));
    call!("users_page", device.users_page(10, 0));
    out.push((
        "users",
        match std::pin::pin!(device.users()).next().await {
            Some(user) => user.map(|u| format!("{u:?}")),
            None => Ok("no user".into()),
        },
    ));
    call!(
        "modify_user",
        device.modify_user(user, NewUser::changes().name("Ana B"))
    );
    call!("destroy_user", device.destroy_user(user));
    call!("set_user_image", device.set_user_image(user, &photo, true));
    call!("user_image", device.user_image(user));
    call!("destroy_user_image", device.destroy_user_image(user));
    call!("users_with_images", device.users_with_images());
    call!("monitor_config", device.monitor_config());
    let results = controlid_client::EnrollmentResults::in_process();
    call!(
        "set_monitor_config",
        device.set_monitor_config(&MonitorConfig::new("10.0.0.2", 8080, "api/notifications"))
    );
    call!(
        "face async",
        device
            .remote_enroll_face(EnrollTarget::return_for(user))
            .timeout(SHORT)
            .send(&results)
    );
    call!(
        "face sync",
        device
            .remote_enroll_face(EnrollTarget::return_for(user))
            .timeout(SHORT)
            .message("Look here")
            .sync()
            .send()
    );
    call!(
        "fingerprint async",
        device
            .remote_enroll_fingerprint(EnrollTarget::return_for(user))
            .timeout(SHORT)
            .send(&results)
    );
    call!(
        "fingerprint sync",
        device
            .remote_enroll_fingerprint(EnrollTarget::return_only())
            .timeout(SHORT)
            .sync()
            .send()
    );
    call!(
        "card async",
        device
            .remote_enroll_card(EnrollTarget::return_for(user))
            .timeout(SHORT)
            .send(&results)
    );
    call!(
        "card sync",
        device
            .remote_enroll_card(EnrollTarget::return_only())
            .timeout(SHORT)
            .sync()
            .send()
    );
    call!("cancel_remote_enroll", device.cancel_remote_enroll());
    call!("logout", device.logout());
    out
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_debug_display_sources_or_trace_logs() {
    let (captured, _guard) = capture();
    let secrets = secrets();
    let server = MockServer::start().await;
    let mut texts: Vec<(String, String)> = Vec::new();

    let builder = Client::builder(server.uri()).credentials(LOGIN, PASSWORD);
    texts.push(("builder".into(), format!("{builder:?}")));

    for (scenario, failure) in failures() {
        // Login fails the same way...
        server.reset().await;
        Mock::given(any())
            .respond_with(failure.clone())
            .mount(&server)
            .await;
        let device = client(&server);
        let err = device.login().await.unwrap_err();
        for text in error_texts(&err) {
            texts.push((format!("{scenario}: login error"), text));
        }

        // ...and, logged in, every operation does.
        server.reset().await;
        Mock::given(path("/login.fcgi"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"session": SESSION})),
            )
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(failure)
            .with_priority(10)
            .mount(&server)
            .await;
        let device = client(&server);
        texts.push((format!("{scenario}: client"), format!("{device:?}")));
        let face = device
            .remote_enroll_face(EnrollTarget::return_only())
            .timeout(SHORT)
            .message("Hi");
        texts.push((format!("{scenario}: face builder"), format!("{face:?}")));
        texts.push((format!("{scenario}: sync"), format!("{:?}", face.sync())));
        for (operation, result) in every_operation(&device).await {
            match result {
                Ok(shown) => texts.push((format!("{scenario}: {operation} ok"), shown)),
                Err(err) => {
                    texts.push((
                        format!("{scenario}: {operation} views"),
                        format!(
                            "{:?} {:?}",
                            EnrollFailure::from_error(&err),
                            PhotoRejection::from_error(&err)
                        ),
                    ));
                    for text in error_texts(&err) {
                        texts.push((format!("{scenario}: {operation}"), text));
                    }
                }
            }
        }
        // The secrets really were sent (so their absence below means something).
        let sent = server.received_requests().await.unwrap();
        assert!(
            sent.iter().any(|r| r.url.as_str().contains(SESSION)),
            "{scenario}"
        );
        assert!(
            sent.iter()
                .any(|r| String::from_utf8_lossy(&r.body).contains(PASSWORD)),
            "{scenario}"
        );
        assert!(
            sent.iter().any(|r| r
                .body
                .windows(IMAGE_TAG.len())
                .any(|w| w == IMAGE_TAG.as_bytes())),
            "{scenario}"
        );
    }

    // Successful answers carrying the image: results show its size, not its bytes.
    server.reset().await;
    let image = b64(&secret_jpeg());
    Mock::given(path("/login.fcgi"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"session": SESSION})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/remote_enroll.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "user_id": 7, "device_id": 1, "user_image": image,
            "finger_type": 0, "fingerprints": [{"image": image, "width": 4, "height": 4}],
        })))
        .mount(&server)
        .await;
    Mock::given(path("/user_get_image.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(secret_jpeg()))
        .mount(&server)
        .await;
    let device = client(&server);
    let user = UserId::new(7).unwrap();
    let face = device
        .remote_enroll_face(EnrollTarget::return_only())
        .timeout(SHORT)
        .sync()
        .send()
        .await
        .unwrap();
    assert_eq!(face.image.bytes().as_ref(), secret_jpeg().as_slice());
    texts.push(("face result".into(), format!("{face:?}")));
    let finger = device
        .remote_enroll_fingerprint(EnrollTarget::return_only())
        .timeout(SHORT)
        .sync()
        .send()
        .await
        .unwrap();
    texts.push(("fingerprint result".into(), format!("{finger:?}")));
    let photo = device.user_image(user).await.unwrap();
    texts.push(("user_image result".into(), format!("{photo:?}")));

    // Callbacks the device posts: parsed, failed and unknown ones.
    for (route, body) in [
        (
            "/face_create.fcgi",
            format!(
                r#"{{"user_id":7,"device_id":1,"face":{{"image":"{image}","width":4,"height":4}}}}"#
            ),
        ),
        (
            "/face_create.fcgi",
            format!(r#"{{"user_id":"{SESSION}","face":{{"image":"{image}"}}}}"#),
        ),
        (
            "/fingerprint_create.fcgi",
            format!(
                r#"{{"user_id":7,"device_id":1,"finger_type":0,"fingerprints":[{{"image":"{image}","width":4,"height":4}}]}}"#
            ),
        ),
        (
            "/fingerprint_create.fcgi",
            format!(r#"{{"fingerprints":[{{"image":"{PASSWORD}!"}}]}}"#),
        ),
        (
            "/api/notifications/access_photo",
            format!(r#"{{"device_id":1,"access_photo":"{image}"}}"#),
        ),
        (
            "/api/notifications/access_photo",
            format!(r#"{{"device_id":1,"access_photo":7,"session":"{SESSION}"}}"#),
        ),
        (
            "/undocumented.fcgi",
            format!(r#"{{"password":"{PASSWORD}","session":"{SESSION}","photo":"{image}"}}"#),
        ),
        ("/template_create.fcgi", format!("{SESSION}{image}")),
    ] {
        let query = format!("session={SESSION}");
        match parse(route, &query, Some("application/json"), body.as_bytes()) {
            Ok(callback) => texts.push((format!("callback {route}"), format!("{callback:?}"))),
            Err(err) => {
                for text in error_texts(&err) {
                    texts.push((format!("callback {route}"), text));
                }
            }
        }
    }

    #[cfg(feature = "axum")]
    {
        let config = controlid_client::callbacks::RouterConfig::default().path_token(PATH_TOKEN);
        texts.push(("router config".into(), format!("{config:?}")));
    }

    drop(_guard);
    let log = captured.text();
    assert!(
        log.contains("controlid.remote_enroll"),
        "the subscriber saw the calls:\n{log}"
    );
    texts.push(("trace log".into(), log));
    for (what, text) in &texts {
        assert_clean(what, text, &secrets);
    }
}
