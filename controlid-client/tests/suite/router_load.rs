//! The callback router under load and with access control: 1,000 callbacks from 50 concurrent
//! connections, each one handled exactly once or answered with an error status the device
//! sees; malformed bodies reach the handler only as `Callback::Malformed` (the device hears
//! 400); limits and access rules hold.
#![cfg(feature = "axum")]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use biometric_core::base64;
use controlid_client::callbacks::{Callback, RouterConfig, router_with};

/// What the handler saw: user ids per kind, and how many calls.
#[derive(Default)]
struct Seen {
    ids: Mutex<Vec<(&'static str, i64)>>,
    calls: AtomicUsize,
}

async fn serve(config: RouterConfig, seen: Arc<Seen>, delay: Duration) -> String {
    let app = router_with(config, move |callback: Callback| {
        let seen = seen.clone();
        async move {
            seen.calls.fetch_add(1, Ordering::SeqCst);
            let entry = match &callback {
                Callback::CardCreated(c) => ("card", c.user_id.get()),
                Callback::FaceCreated(f) => ("face", f.user_id.get()),
                Callback::Malformed { .. } => ("malformed", -1),
                _ => ("other", -1),
            };
            tokio::time::sleep(delay).await;
            seen.ids.lock().unwrap().push(entry);
            Ok::<(), &str>(())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    format!("http://{address}")
}

fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
    reqwest::Client::builder()
        .pool_max_idle_per_host(50)
        .build()
        .unwrap()
}

/// About 100 KB of JPEG-looking bytes, base64.
fn face_image(seed: u8) -> String {
    let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
    data.extend((0..75_000u32).map(|i| (i as u8).wrapping_mul(seed | 1)));
    base64::encode(&data)
}

/// Callback number `n`: even ones are faces with a ~100 KB image, odd ones cards; every 50th
/// is malformed.
fn callback(n: i64, face: &str) -> (String, String) {
    if n % 50 == 49 {
        return (
            "card_create.fcgi".into(),
            format!(r#"{{"user_id": "not a number {n}""#),
        );
    }
    if n % 2 == 0 {
        let body = format!(
            r#"{{"user_id": {n}, "device_id": 935107, "face": {{"image": "{face}", "width": 300, "height": 300}}}}"#
        );
        ("face_create.fcgi".into(), body)
    } else {
        let body = format!(r#"{{"user_id": {n}, "card_value": {n}, "device_id": 935107}}"#);
        ("card_create.fcgi".into(), body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callbacks_from_fifty_connections_are_each_handled_once_or_refused_visibly() {
    let seen = Arc::new(Seen::default());
    let config = RouterConfig::default().max_in_flight(16);
    let base = serve(config, seen.clone(), Duration::from_millis(2)).await;
    let face = Arc::new(face_image(7));
    let http = http();
    let next = Arc::new(AtomicUsize::new(0));
    let statuses: Arc<Mutex<Vec<(i64, u16)>>> = Arc::default();

    let workers = (0..50).map(|_| {
        let (http, base, face, next, statuses) = (
            http.clone(),
            base.clone(),
            face.clone(),
            next.clone(),
            statuses.clone(),
        );
        tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst) as i64;
                if n >= 1000 {
                    return;
                }
                let (path, body) = callback(n, &face);
                let status = http
                    .post(format!("{base}/{path}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                statuses.lock().unwrap().push((n, status));
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.unwrap();
    }

    let statuses = statuses.lock().unwrap().clone();
    assert_eq!(statuses.len(), 1000, "every request got an answer");
    assert!(
        statuses.iter().all(|(_, s)| *s != 0),
        "no connection failed"
    );
    let handled: Vec<i64> = statuses
        .iter()
        .filter(|(_, s)| *s == 200)
        .map(|(n, _)| *n)
        .collect();
    // A malformed body gets 400, or 503 when it came while the router was full.
    let malformed: Vec<&(i64, u16)> = statuses.iter().filter(|(n, _)| n % 50 == 49).collect();
    assert!(
        malformed.iter().all(|(_, s)| *s == 400 || *s == 503),
        "{malformed:?}"
    );
    let bad_request = statuses.iter().filter(|(_, s)| *s == 400).count();
    let refused = statuses.iter().filter(|(_, s)| *s == 503).count();
    assert_eq!(handled.len() + bad_request + refused, 1000, "{statuses:?}");
    assert!(
        handled.iter().all(|n| n % 50 != 49),
        "a malformed body was handled"
    );

    // Exactly once: the handler saw each 200 once, each 400 as a malformed body, and nothing
    // else.
    let all = seen.ids.lock().unwrap().clone();
    let malformed_seen = all.iter().filter(|(kind, _)| *kind == "malformed").count();
    assert_eq!(
        malformed_seen, bad_request,
        "every 400 was handed over as Malformed"
    );
    let ids: Vec<_> = all
        .into_iter()
        .filter(|(kind, _)| *kind != "malformed")
        .collect();
    assert_eq!(
        seen.calls.load(Ordering::SeqCst),
        handled.len() + bad_request
    );
    let unique: HashSet<i64> = ids.iter().map(|(_, id)| *id).collect();
    assert_eq!(unique.len(), ids.len(), "no callback handled twice");
    assert_eq!(unique, handled.iter().copied().collect::<HashSet<_>>());
    assert!(
        ids.iter()
            .all(|(kind, id)| (*kind == "face") == (id % 2 == 0))
    );
}

#[tokio::test]
async fn past_the_in_flight_limit_the_device_gets_503_and_the_handler_nothing() {
    let seen = Arc::new(Seen::default());
    let config = RouterConfig::default().max_in_flight(1);
    let base = serve(config, seen.clone(), Duration::from_millis(500)).await;
    let http = http();
    let card = r#"{"user_id": 1, "card_value": 5, "device_id": 935107}"#;

    let first = tokio::spawn({
        let (http, base) = (http.clone(), base.clone());
        async move {
            http.post(format!("{base}/card_create.fcgi"))
                .body(card)
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    while seen.calls.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let second = http
        .post(format!("{base}/card_create.fcgi"))
        .body(card)
        .send()
        .await
        .unwrap();

    assert_eq!(second.status(), 503);
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn only_listed_devices_and_the_path_token_get_through() {
    let seen = Arc::new(Seen::default());
    let card = r#"{"user_id": 1, "card_value": 5, "device_id": 935107}"#;
    let http = http();

    let token = "k3y-in-the-monitor-path";
    let config = RouterConfig::default()
        .allow_device("127.0.0.1".parse().unwrap())
        .path_token(token);
    let base = serve(config.clone(), seen.clone(), Duration::ZERO).await;
    let post = |path: String| http.post(format!("{base}{path}")).body(card).send();

    assert_eq!(
        post("/card_create.fcgi".into()).await.unwrap().status(),
        404
    );
    assert_eq!(
        post("/wrong/card_create.fcgi".into())
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        post(format!("/{token}x/card_create.fcgi"))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(seen.calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        post(format!("/{token}/card_create.fcgi"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
    assert!(
        !format!("{config:?}").contains(token),
        "the token is a secret"
    );

    let elsewhere = RouterConfig::default().allow_device("192.0.2.7".parse().unwrap());
    let refusing = serve(elsewhere, seen.clone(), Duration::ZERO).await;
    let response = http
        .post(format!("{refusing}/card_create.fcgi"))
        .body(card)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        seen.calls.load(Ordering::SeqCst),
        1,
        "a refused address is not handled"
    );
}

#[tokio::test]
async fn a_body_past_the_limit_is_refused_without_reaching_the_handler() {
    let seen = Arc::new(Seen::default());
    let base = serve(
        RouterConfig::default().body_limit(64 * 1024),
        seen.clone(),
        Duration::ZERO,
    )
    .await;
    let (_, body) = callback(0, &face_image(3));
    let response = http()
        .post(format!("{base}/face_create.fcgi"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(seen.calls.load(Ordering::SeqCst), 0);
}
