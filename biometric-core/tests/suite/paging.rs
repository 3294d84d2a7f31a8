//! The paging stream: all items in order, lazily, and guarded against endless paging.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use biometric_core::{Error, Page, paginate};
use futures_util::{StreamExt, TryStreamExt};

#[tokio::test]
async fn yields_every_item_in_order_and_fetches_lazily() {
    let fetched = Arc::new(AtomicUsize::new(0));
    let counter = fetched.clone();
    let stream = paginate(1u32, 100, move |page| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let items = ((page - 1) * 10..page * 10).collect::<Vec<u32>>();
            Ok(Page {
                items,
                next: (page < 3).then_some(page + 1),
            })
        }
    });
    let mut stream = Box::pin(stream);

    assert_eq!(stream.next().await.unwrap().unwrap(), 0);
    assert_eq!(
        fetched.load(Ordering::SeqCst),
        1,
        "one page fetched for the first item"
    );
    let rest: Vec<u32> = stream.try_collect().await.unwrap();
    assert_eq!(rest, (1..30).collect::<Vec<_>>());
    assert_eq!(fetched.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_page_pointing_to_itself_ends_with_an_error() {
    let results: Vec<_> = paginate(0usize, 100, |offset| async move {
        Ok(Page {
            items: vec![offset],
            next: Some(offset),
        })
    })
    .collect()
    .await;

    assert_eq!(results.len(), 2);
    assert_eq!(*results[0].as_ref().unwrap(), 0);
    let err = results[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("paging did not end"), "{err}");
}

#[tokio::test]
async fn the_page_cap_stops_a_server_that_never_says_last() {
    let results: Vec<_> = paginate(0u64, 5, |n| async move {
        Ok(Page {
            items: Vec::<u64>::new(),
            next: Some(n + 1),
        })
    })
    .collect()
    .await;

    assert_eq!(results.len(), 1);
    assert!(
        results[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("more than 5 pages")
    );
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let results: Vec<_> = paginate(0u8, 100, |page| async move {
        if page == 1 {
            Err(Error::invalid("page", "boom"))
        } else {
            Ok(Page {
                items: vec![page],
                next: Some(page + 1),
            })
        }
    })
    .collect()
    .await;

    assert_eq!(results.len(), 2);
    assert!(matches!(results[1], Err(Error::InvalidRequest { .. })));
}
