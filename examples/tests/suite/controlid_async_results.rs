//! Control iD asynchronous enrollment against the device fake (issue 19, point 4): the result
//! the device posts resolves the enrollment's pending handle through the callback router,
//! whether it comes once, twice (a `*_create.fcgi` callback and a monitor notification), late
//! or never; and an enrollment whose result has nowhere to go is refused before it is sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use controlid_client::callbacks::{Callback, RouterConfig, router_with};
use controlid_client::{
    Client, EnrollTarget, EnrollmentResults, Error, MonitorConfig, NewUser, UserId,
};

/// A device fake, a client, and a callback server on loopback whose handler records the
/// callbacks it sees; the monitor points at it unless `monitor` is false.
struct Setup {
    sim: ControlIdSim,
    _running: biometric_sim::Running,
    device: Client,
    results: EnrollmentResults,
    handled: Arc<Mutex<Vec<String>>>,
    user: UserId,
}

async fn setup(config: ControlIdConfig, monitor: bool) -> Setup {
    let sim = ControlIdSim::new(config.clone());
    let running = sim.start().await.unwrap();
    let device = Client::builder(running.base_url())
        .credentials(config.login(), config.password())
        .build()
        .unwrap();

    let results = EnrollmentResults::in_process();
    let handled = Arc::new(Mutex::new(Vec::new()));
    let seen = handled.clone();
    let app = router_with(
        RouterConfig::default().results(&results),
        move |callback: Callback| {
            let name = match &callback {
                Callback::FaceCreated(_) => "face_create".to_owned(),
                Callback::Notification(n) => format!("{n:?}")
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                other => format!("{other:?}"),
            };
            seen.lock().unwrap().push(name);
            async { Ok::<(), std::io::Error>(()) }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    if monitor {
        device
            .set_monitor_config(&MonitorConfig::new("127.0.0.1", port, "api/notifications"))
            .await
            .unwrap();
    }
    let user = device.create_user(NewUser::new("Ana")).await.unwrap();
    Setup {
        sim,
        _running: running,
        device,
        results,
        handled,
        user,
    }
}

/// Waits until the fake has finished `count` asynchronous enrollments (its posts answered).
async fn finished(sim: &ControlIdSim, count: usize) {
    for _ in 0..200 {
        if sim.async_results().len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the fake finished {:?}", sim.async_results());
}

#[tokio::test]
async fn a_result_posted_twice_resolves_the_enrollment_once_and_reaches_the_handler_twice() {
    // Online mode (the fake's default): `face_create.fcgi`, then the `user_image` notification.
    let config = ControlIdConfig::default().capture_delay(Duration::from_millis(20));
    let setup = setup(config, true).await;

    let pending = setup
        .device
        .remote_enroll_face(EnrollTarget::return_for(setup.user))
        .send(&setup.results)
        .await
        .unwrap();
    let result = pending.wait(Duration::from_secs(5)).await.unwrap();

    match result {
        Callback::FaceCreated(face) => {
            assert_eq!(face.user_id, setup.user);
            assert_eq!(face.faces.len(), 1);
        }
        other => panic!("the first post is face_create.fcgi: {other:?}"),
    }
    finished(&setup.sim, 1).await;
    let posts = &setup.sim.async_results()[0].posts;
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts.iter().all(|(_, status)| *status == Some(200)),
        "{posts:?}"
    );
    assert_eq!(
        *setup.handled.lock().unwrap(),
        ["face_create", "UserImage"],
        "the handler still sees every post"
    );
}

#[tokio::test]
async fn a_late_result_is_a_timeout_and_the_enrollment_can_be_cancelled() {
    let config = ControlIdConfig::default().capture_delay(Duration::from_millis(400));
    let setup = setup(config, true).await;

    let pending = setup
        .device
        .remote_enroll_card(EnrollTarget::return_for(setup.user))
        .send(&setup.results)
        .await
        .unwrap();
    let err = pending.wait(Duration::from_millis(50)).await.unwrap_err();

    assert!(err.is_timeout(), "{err}");
    assert!(
        err.to_string().contains("controlid.remote_enroll_async"),
        "{err}"
    );
    // What the docs advise after a timeout: end the enrollment still running on the device.
    setup.device.cancel_remote_enroll().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        setup.sim.async_results().is_empty(),
        "cancelled: nothing posted"
    );
}

#[tokio::test]
async fn a_result_posted_after_its_waiter_gave_up_is_dropped_and_the_key_is_free_again() {
    let config = ControlIdConfig::default().capture_delay(Duration::from_millis(150));
    let setup = setup(config, true).await;

    let pending = setup
        .device
        .remote_enroll_card(EnrollTarget::return_for(setup.user))
        .send(&setup.results)
        .await
        .unwrap();
    assert!(
        pending
            .wait(Duration::from_millis(20))
            .await
            .unwrap_err()
            .is_timeout()
    );
    finished(&setup.sim, 1).await;
    assert_eq!(
        setup.handled.lock().unwrap().len(),
        2,
        "the handler saw the late posts"
    );

    // The same user's next card enrollment waits for its own result.
    let pending = setup
        .device
        .remote_enroll_card(EnrollTarget::return_for(setup.user))
        .send(&setup.results)
        .await
        .unwrap();
    let card = pending.wait(Duration::from_secs(5)).await.unwrap();
    assert!(matches!(card, Callback::CardCreated(_)), "{card:?}");
}

#[tokio::test]
async fn a_result_that_never_comes_is_a_timeout() {
    let config = ControlIdConfig::default().capture_delay(Duration::from_millis(10));
    let setup = setup(config, true).await;
    setup.sim.lose_next_results(1);

    let pending = setup
        .device
        .remote_enroll_fingerprint(EnrollTarget::return_for(setup.user))
        .send(&setup.results)
        .await
        .unwrap();
    let err = pending.wait(Duration::from_millis(300)).await.unwrap_err();

    assert!(err.is_timeout(), "{err}");
    finished(&setup.sim, 1).await;
    assert!(setup.sim.async_results()[0].posts.is_empty());
    assert!(setup.handled.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_enrollment_whose_result_has_nowhere_to_go_is_never_sent() {
    let setup = setup(ControlIdConfig::default(), false).await;

    let err = setup
        .device
        .remote_enroll_face(EnrollTarget::return_for(setup.user))
        .send(&setup.results)
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::InvalidRequest { ref field, .. } if field == "monitor"),
        "{err}"
    );
    assert!(setup.device.monitor_config().await.unwrap().is_none());
    assert!(setup.sim.enroll_requests().is_empty(), "nothing was sent");
}
