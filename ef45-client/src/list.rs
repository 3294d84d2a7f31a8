//! The list envelope shared by every list call, and the page walk behind the `*_stream` calls.

use biometric_core::{
    DEFAULT_MAX_PAGES, Error, Method, Operation, Page, RawResponse, Result, paginate,
};
use futures_core::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::Client;

/// One page of a list, with the envelope's paging fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// The page number (from 1), as the device reports it.
    pub page: Option<u32>,
    /// The rows per page, as the device reports it (default 50).
    pub page_size: Option<u32>,
    /// Whether there is a next page.
    pub has_more: bool,
    /// The number of rows in the whole list.
    pub total: Option<u64>,
}

/// The list envelope of notes.md: `{"status_code", "reason_phrase", "items", "page",
/// "page_size", "has_more", "total"}`.
#[derive(Deserialize)]
struct Envelope<T> {
    status_code: Option<serde_json::Value>,
    reason_phrase: Option<String>,
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    page: Option<u32>,
    page_size: Option<u32>,
    has_more: Option<bool>,
    total: Option<u64>,
}

/// Reads a list envelope; a `status_code` other than 200 (the sheets call it the "error code")
/// is an API error with that code and the `reason_phrase`, even under HTTP 200.
pub(crate) fn decode_list<T: DeserializeOwned>(raw: RawResponse) -> Result<ListPage<T>> {
    let envelope: Envelope<T> = raw.json()?;
    if let Some(code) = &envelope.status_code {
        let text = code
            .as_str()
            .map_or_else(|| code.to_string(), str::to_owned);
        if text.trim() != "200" {
            return Err(raw.api_error(Some(text), envelope.reason_phrase));
        }
    }
    let has_more = match envelope.has_more {
        Some(more) => more,
        // Without `has_more`, `total` tells whether rows follow this page.
        None => match (envelope.page, envelope.page_size, envelope.total) {
            (Some(page), Some(size), Some(total)) => u64::from(page) * u64::from(size) < total,
            _ => false,
        },
    };
    Ok(ListPage {
        items: envelope.items,
        page: envelope.page,
        page_size: envelope.page_size,
        has_more,
        total: envelope.total,
    })
}

/// A list operation: `GET path` decoded as a list envelope.
pub(crate) fn list_operation<T: DeserializeOwned>(
    name: &'static str,
    path: &'static str,
) -> Operation<ListPage<T>> {
    Operation::with_decoder(name, Method::GET, path, decode_list::<T>)
}

/// Refuses page 0 and a page size of 0 before any I/O (pages count from 1).
pub(crate) fn check_page(page: u32, page_size: Option<u32>) -> Result<()> {
    if page == 0 {
        return Err(Error::invalid("page", "must be at least 1"));
    }
    if page_size == Some(0) {
        return Err(Error::invalid("page_size", "must be at least 1"));
    }
    Ok(())
}

impl Client {
    /// Walks a paged list from page 1: `page_op(n)` builds the request for page `n`. Pages are
    /// fetched as the stream is read; an empty page ends the walk even if the device says more
    /// follow (a device that always says `has_more` would otherwise be walked forever).
    pub(crate) fn walk_pages<T, F>(&self, page_op: F) -> impl Stream<Item = Result<T>> + Send + '_
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(u32) -> Result<Operation<ListPage<T>>> + Send + Sync + 'static,
    {
        let page_op = std::sync::Arc::new(page_op);
        paginate(1u32, DEFAULT_MAX_PAGES, move |page| {
            let page_op = page_op.clone();
            async move {
                let answer = self.send(page_op(page)?).await?;
                // The page after the one the device says it answered: a device that reads
                // another page-size name than the one sent answers pages of its own size, and
                // numbering its pages keeps the walk whole (never counts of what was asked).
                let answered = answer.page.filter(|p| *p >= 1).unwrap_or(page);
                let next = (answer.has_more && !answer.items.is_empty()).then_some(answered + 1);
                Ok(Page {
                    items: answer.items,
                    next,
                })
            }
        })
    }
}
