//! Turns "fetch page n" into a stream of items, with guards against servers that never stop.

use std::future::Future;

use futures_core::Stream;

use crate::error::{DecodeError, Error, Result};

/// One page of results and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The cursor of the next page (`offset + limit`, `page + 1`...), `None` on the last page.
    pub next: Option<C>,
}

/// The most pages [`paginate`] fetches unless told otherwise.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// A stream of every item of every page, fetching a page only when the previous one is used up.
///
/// `fetch` gets a cursor and returns its [`Page`]. The stream ends after a page without a `next`
/// cursor, or after the first error. Two guards stop a server that pages forever: a page whose
/// `next` is the cursor that fetched it (its items are still yielded), and more than `max_pages`
/// pages; both end the stream with a decode error.
///
/// ```
/// use biometric_core::{Page, paginate};
/// use futures_util::TryStreamExt;
///
/// # tokio_test();
/// # fn tokio_test() {
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // A server with 7 items, 3 per page, addressed by offset.
/// let all: Vec<u32> = paginate(0usize, 100, |offset| async move {
///     let items: Vec<u32> = (offset as u32..7).take(3).collect();
///     let next = (offset + 3 < 7).then_some(offset + 3);
///     Ok(Page { items, next })
/// })
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(all, vec![0, 1, 2, 3, 4, 5, 6]);
/// # }) }
/// ```
pub fn paginate<T, C, F, Fut>(first: C, max_pages: usize, fetch: F) -> impl Stream<Item = Result<T>>
where
    C: PartialEq + Clone + std::fmt::Debug,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>>>,
{
    let state = State {
        fetch,
        next: Some(first),
        items: Vec::new().into_iter(),
        pending_error: None,
        pages: 0,
        max_pages,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        let item = state.next_item().await?;
        Some((item, state))
    })
}

struct State<T, C, F> {
    fetch: F,
    next: Option<C>,
    items: std::vec::IntoIter<T>,
    /// An error to report once the items already received have been yielded.
    pending_error: Option<Error>,
    pages: usize,
    max_pages: usize,
}

impl<T, C, F, Fut> State<T, C, F>
where
    C: PartialEq + Clone + std::fmt::Debug,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>>>,
{
    async fn next_item(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            if let Some(error) = self.pending_error.take() {
                return Some(Err(error));
            }
            let cursor = self.next.take()?;
            if self.pages >= self.max_pages {
                return Some(Err(endless(format!("more than {} pages", self.max_pages))));
            }
            self.pages += 1;
            let page = match (self.fetch)(cursor.clone()).await {
                Ok(page) => page,
                Err(error) => return Some(Err(error)),
            };
            if page.next.as_ref() == Some(&cursor) {
                // Keep what the page holds; stop after it.
                let why = format!("the page at {cursor:?} points to itself");
                self.pending_error = Some(endless(why));
            } else {
                self.next = page.next;
            }
            self.items = page.items.into_iter();
        }
    }
}

fn endless(why: String) -> Error {
    DecodeError::new("paginate", format!("paging did not end: {why}")).into()
}
