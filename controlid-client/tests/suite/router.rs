//! The axum callback router end to end, with a real HTTP client on 127.0.0.1.
#![cfg(feature = "axum")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::fixture;
use controlid_client::callbacks::{Callback, router_with_limit};

struct Served {
    base: String,
    received: Arc<Mutex<Vec<Callback>>>,
    calls: Arc<AtomicUsize>,
}

/// Serves the router; the handler records callbacks and fails for user 666.
async fn serve() -> Served {
    let received: Arc<Mutex<Vec<Callback>>> = Arc::default();
    let sink = received.clone();
    let calls: Arc<AtomicUsize> = Arc::default();
    let counter = calls.clone();
    let app = router_with_limit(
        move |callback: Callback| {
            let sink = sink.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if let Callback::CardCreated(card) = &callback
                    && card.user_id.get() == 666
                {
                    return Err("the database is down");
                }
                sink.lock().unwrap().push(callback);
                Ok(())
            }
        },
        64 * 1024,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Served {
        base: format!("http://{address}"),
        received,
        calls,
    }
}

fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
    reqwest::Client::new()
}

#[tokio::test]
async fn a_callback_reaches_the_handler_and_the_device_gets_an_empty_object() {
    let served = serve().await;

    let response = http()
        .post(format!("{}/card_create.fcgi", served.base))
        .header("content-type", "application/json")
        .body(fixture("card_create.json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "{}");
    let received = served.received.lock().unwrap();
    assert!(matches!(&received[..], [Callback::CardCreated(card)] if card.device_id.0 == 935107));
}

#[tokio::test]
async fn notifications_and_templates_are_routed_by_path() {
    let served = serve().await;
    let http = http();

    let dao = http
        .post(format!("{}/api/notifications/dao", served.base))
        .body(fixture("dao.json"))
        .send()
        .await
        .unwrap();
    let template = http
        .post(format!(
            "{}/template_create.fcgi?size0=3&temp_num=1&user_id=5&device_id=1",
            served.base
        ))
        .header("content-type", "application/octet-stream")
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .unwrap();

    assert_eq!(
        (dao.status(), template.status()),
        (reqwest::StatusCode::OK, reqwest::StatusCode::OK)
    );
    let received = served.received.lock().unwrap();
    assert!(matches!(received[0], Callback::Notification(_)));
    assert!(matches!(&received[1], Callback::TemplatesCreated(t) if t.templates.len() == 1));
}

#[tokio::test]
async fn a_failing_handler_answers_500_once_and_the_router_keeps_nothing() {
    let served = serve().await;

    let response = http()
        .post(format!("{}/card_create.fcgi", served.base))
        .body(r#"{"user_id": 666, "card_value": 1, "device_id": 2}"#)
        .send()
        .await
        .unwrap();

    // The documented contract: the device sees 500 and a fixed text (never the handler's
    // error); the router called the handler exactly once and stored nothing itself, so what
    // the handler did not persist before failing is gone.
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), "handler failed");
    assert_eq!(served.calls.load(Ordering::SeqCst), 1);
    assert!(served.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_oversized_and_non_post_requests_are_refused_without_a_panic() {
    let served = serve().await;
    let http = http();

    let malformed = http
        .post(format!("{}/face_create.fcgi", served.base))
        .body("{\"user_id\": ")
        .send()
        .await
        .unwrap();
    let oversized = http
        .post(format!("{}/card_create.fcgi", served.base))
        .body(vec![b' '; 65 * 1024])
        .send()
        .await
        .unwrap();
    let get = http
        .get(format!("{}/card_create.fcgi", served.base))
        .send()
        .await
        .unwrap();
    // The server still answers after all that.
    let fine = http
        .post(format!("{}/card_create.fcgi", served.base))
        .body(fixture("card_create.json"))
        .send()
        .await
        .unwrap();

    assert_eq!(malformed.status(), 400);
    assert_eq!(oversized.status(), 413);
    assert_eq!(get.status(), 405);
    assert_eq!(fine.status(), 200);
    let received = served.received.lock().unwrap();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(
        matches!(&received[0], Callback::Malformed { path, body, .. }
            if path == "/face_create.fcgi" && &body[..] == b"{\"user_id\": "),
        "a body that does not decode still reaches the handler, whole: {:?}",
        received[0]
    );
}
