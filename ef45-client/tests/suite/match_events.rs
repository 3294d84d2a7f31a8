//! Sheet Match-data: the item, polling, and acknowledgement only after handling.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::*;
use ef45_client::MatchPolling;
use futures_util::StreamExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const EVENT: &str = "0265aebc-6286-11e8-8d94-503f98000288";

fn fast() -> MatchPolling {
    MatchPolling::new()
        .interval(Duration::from_millis(1))
        .idle_max(Duration::from_millis(4))
}

fn pending(ids: &[&str]) -> ResponseTemplate {
    let items: Vec<_> = ids
        .iter()
        .map(|id| {
            let mut item = fixture_json("match_data_item.json");
            item["encounter_id"] = (*id).into();
            item
        })
        .collect();
    let total = items.len() as u64;
    ResponseTemplate::new(200).set_body_json(envelope(items.into(), 1, 50, false, total))
}

async fn acks(server: &wiremock::MockServer) -> Vec<String> {
    calls(server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| {
            r.url
                .path()
                .trim_start_matches("/1.0/match-data/")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_match_item_reads_the_sheets_fields_and_spellings() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/match-data", pending(&[EVENT])).await;

    let items = device.match_data().await.unwrap();

    let item = &items[0];
    assert_eq!((item.uuid.as_str(), item.log_id), ("111", Some(68)));
    assert_eq!(
        item.left_eye.template.as_str(),
        "SVJJUw==",
        "left_eye__iris_template"
    );
    assert_eq!(
        item.right_eye.template.as_str(),
        "UklSSVM=",
        "right_eye_iris_template"
    );
    assert_eq!(item.right_eye.image, None);
    assert_eq!(item.right_eye.quality_ok, Some(false));
    assert!(item.unknown_keys.is_empty(), "{:?}", item.unknown_keys);
}

#[tokio::test]
async fn an_event_is_deleted_only_when_acknowledged() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/match-data", pending(&[EVENT])).await;
    answer(
        &server,
        "DELETE",
        &format!("/1.0/match-data/{EVENT}"),
        ResponseTemplate::new(204),
    )
    .await;

    let mut events = std::pin::pin!(device.match_events(fast()));
    let mut event = events.next().await.unwrap().unwrap();
    assert_eq!(event.data().encounter_id, EVENT);
    assert!(
        acks(&server).await.is_empty(),
        "not acknowledged before the application says so"
    );

    event.ack().await.unwrap();
    event.ack().await.unwrap();

    assert_eq!(
        acks(&server).await,
        [EVENT, EVENT],
        "acknowledging twice is the same delete"
    );
}

#[tokio::test]
async fn an_unacknowledged_event_is_not_delivered_twice_while_held_but_again_once_dropped() {
    let (server, device) = locked().await;
    // The device keeps answering the same event: nothing deletes it.
    answer(&server, "GET", "/1.0/match-data", pending(&[EVENT])).await;

    let mut events = std::pin::pin!(device.match_events(fast()));
    let held = events.next().await.unwrap().unwrap();
    // While held, polls see the event but do not hand it out again.
    let next = tokio::time::timeout(Duration::from_millis(50), events.next()).await;
    assert!(next.is_err(), "nothing new while the event is held");
    assert!(calls(&server).await.len() >= 2, "polling went on");

    drop(held); // a failed handler: not acknowledged
    let again = events.next().await.unwrap().unwrap();

    assert_eq!(again.data().encounter_id, EVENT);
    assert!(acks(&server).await.is_empty());
}

#[tokio::test]
async fn an_acknowledged_event_a_late_poll_still_returns_is_not_delivered_again() {
    let (server, device) = locked().await;
    Mock::given(method("GET"))
        .and(path("/1.0/match-data"))
        .respond_with(pending(&[EVENT, "second"]))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // A poll answered after the delete still lists the first event.
    answer(
        &server,
        "GET",
        "/1.0/match-data",
        pending(&[EVENT, "third"]),
    )
    .await;
    answer(
        &server,
        "DELETE",
        &format!("/1.0/match-data/{EVENT}"),
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/match-data/second",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/match-data/third",
        ResponseTemplate::new(204),
    )
    .await;

    let mut events = std::pin::pin!(device.match_events(fast()));
    let mut seen = Vec::new();
    for _ in 0..3 {
        let mut event = events.next().await.unwrap().unwrap();
        seen.push(event.data().encounter_id.clone());
        event
            .ack()
            .await
            .unwrap_or_else(|e| panic!("{seen:?}: {e}"));
    }

    assert_eq!(seen, [EVENT, "second", "third"]);
}

#[tokio::test]
async fn the_handler_acknowledges_on_ok_and_leaves_the_event_on_error() {
    let (server, device) = locked().await;
    answer(&server, "GET", "/1.0/match-data", pending(&[EVENT])).await;
    Mock::given(method("DELETE"))
        .and(path(format!("/1.0/match-data/{EVENT}")))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let attempts = Arc::new(AtomicUsize::new(0));

    let seen = attempts.clone();
    let run = device.handle_match_events(fast(), move |data| {
        let seen = seen.clone();
        async move {
            // Fails the first time (not acknowledged), succeeds the second.
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(format!("could not store {}", data.encounter_id))
            } else {
                Ok(())
            }
        }
    });
    // The acknowledgement fails with 500, which ends the run with that error.
    let err = tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .unwrap()
        .unwrap_err();

    assert_eq!(
        err.status(),
        Some(ef45_client::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        2,
        "redelivered after the failed handler"
    );
    assert!(
        !acks(&server).await.is_empty(),
        "acknowledged only after the Ok"
    );
}

#[tokio::test]
async fn a_failed_poll_is_yielded_and_polling_goes_on() {
    let (server, device) = locked().await;
    Mock::given(method("GET"))
        .and(path("/1.0/match-data"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(&server, "GET", "/1.0/match-data", pending(&[EVENT])).await;

    let mut events = std::pin::pin!(device.match_events(fast()));
    let first = events.next().await.unwrap();
    let second = events.next().await.unwrap();

    assert!(first.is_err());
    assert_eq!(second.unwrap().data().encounter_id, EVENT);
}
