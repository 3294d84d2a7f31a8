//! The Control iD client against the device fake: the example flow end to end, re-login after
//! the device drops the session, FACE_EXISTS, and saving to a user that does not exist.

use std::time::Duration;

use biometric_sim::controlid::{ControlIdConfig, ControlIdSim, FINGERPRINT_SIZE, synthetic_card};
use controlid_client::{
    CardValue, Client, EnrollFailure, EnrollTarget, Error, NewUser, StatusCode, UserId,
};
use examples::flows::controlid::{Inbox, run};

async fn started(config: ControlIdConfig) -> (ControlIdSim, biometric_sim::Running, Client) {
    let sim = ControlIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let device = Client::builder(running.base_url())
        .credentials(config.login(), config.password())
        .build()
        .unwrap();
    (sim, running, device)
}

#[tokio::test]
async fn the_example_flow_gives_the_expected_answers() {
    // A slower "person" leaves the cancel step plenty of room.
    let (sim, _running, device) =
        started(ControlIdConfig::default().capture_delay(Duration::from_millis(400))).await;
    let mut inbox = Inbox::start("127.0.0.1:0", "127.0.0.1").await.unwrap();

    let summary = run(&device, &mut inbox).await.unwrap();

    assert_eq!(summary.user, UserId::new(1).unwrap());
    assert!(summary.face_jpeg_bytes > 0 && summary.photo_round_trip);
    assert_eq!(summary.async_fingerprints, 3);
    assert!(
        summary.async_fingerprints_raw,
        "{FINGERPRINT_SIZE:?} raw bitmaps"
    );
    assert_eq!(summary.card, CardValue(synthetic_card(1)));
    assert_eq!(summary.cancel_reason.as_deref(), Some("Canceled"));
    assert!(summary.cleaned_up);
    assert_eq!(sim.user_count(), 0);
}

#[tokio::test]
async fn a_dropped_session_costs_one_login_and_the_call_succeeds() {
    let (sim, _running, device) = started(ControlIdConfig::default()).await;
    device.create_user(NewUser::new("Bo")).await.unwrap();
    assert_eq!(sim.logins(), 1);

    sim.expire_sessions();
    let users = device.users_page(10, 0).await.unwrap();

    assert_eq!(users.len(), 1);
    assert_eq!(sim.logins(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error() {
    let (_sim, running, _device) = started(ControlIdConfig::new("admin", "right")).await;
    let wrong = Client::builder(running.base_url())
        .credentials("admin", "wrong")
        .build()
        .unwrap();

    let err = wrong.session_is_valid().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn face_exists_names_the_matching_user() {
    let (sim, _running, device) =
        started(ControlIdConfig::default().capture_delay(Duration::from_millis(1))).await;
    let user = device.create_user(NewUser::new("Cy")).await.unwrap();
    sim.face_exists_as(77);

    let err = device
        .remote_enroll_face(EnrollTarget::SaveToUser(user))
        .sync()
        .send()
        .await
        .unwrap_err();

    let failure = EnrollFailure::from_error(&err).unwrap();
    assert!(failure.is_face_exists());
    assert_eq!(failure.match_user_id, Some(UserId::new(77).unwrap()));
    assert!(!sim.has_photo(user.get()));
}

#[tokio::test]
async fn saving_to_a_missing_user_is_refused_by_the_device() {
    let (sim, _running, device) =
        started(ControlIdConfig::default().capture_delay(Duration::from_millis(1))).await;

    let err = device
        .remote_enroll_card(EnrollTarget::SaveToUser(UserId::new(404).unwrap()))
        .sync()
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert!(
        err.as_api()
            .unwrap()
            .message
            .as_deref()
            .unwrap()
            .contains("existing user")
    );
    assert_eq!(sim.card_of(404), None);
}

#[tokio::test]
async fn events_the_device_raises_reach_the_router_typed_with_device_id_and_time() {
    use biometric_sim::controlid::DeviceEvent;
    use controlid_client::MonitorConfig;
    use controlid_client::callbacks::{AccessEvent, Callback, Notification, router};
    let (sim, _running, device) =
        started(ControlIdConfig::default().with_device_id(4_408_801_109_264_246)).await;
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let app = router(move |callback: Callback| {
        let sender = sender.clone();
        async move { sender.send(callback).map_err(|_| "stopped") }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    device
        .set_monitor_config(&MonitorConfig::new("127.0.0.1", port, "api/notifications"))
        .await
        .unwrap();

    for event in [
        DeviceEvent::access_granted(1),
        DeviceEvent::not_identified(),
        DeviceEvent::UsbDrive {
            event: "Export formatted access logs routine succeeded".into(),
        },
    ] {
        let (path, status) = sim.raise(event).await.expect("a monitor is configured");
        assert_eq!(status, Some(200), "{path}");
    }

    let mut notifications = Vec::new();
    for _ in 0..3 {
        match received.recv().await.unwrap() {
            Callback::Notification(notification) => notifications.push(notification),
            other => panic!("{other:?}"),
        }
    }
    for notification in &notifications {
        assert_eq!(
            notification.device_id().map(|d| d.0),
            Some(4_408_801_109_264_246)
        );
        assert!(notification.time().is_some(), "{notification:?}");
    }
    let logs: Vec<_> = notifications
        .iter()
        .filter_map(|n| match n {
            Notification::Dao(dao) => dao.access_logs().next(),
            _ => None,
        })
        .collect();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0].event, AccessEvent::AccessGranted);
    assert_eq!(logs[0].user_id, Some(UserId::new(1).unwrap()));
    assert_eq!(logs[0].confidence, Some(1009));
    assert_eq!(logs[1].event, AccessEvent::NotIdentified);
    assert_eq!(logs[1].user_id, None, "user 0 is nobody");
    assert!(
        matches!(&notifications[2], Notification::UsbDrive(usb) if usb.usb_drive.event.starts_with("Export"))
    );
}
