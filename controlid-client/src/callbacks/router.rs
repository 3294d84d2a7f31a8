//! An axum router that receives the device's callbacks.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::{Callback, parse};

/// The body limit of [`router`]: 2 MB, as Control iD's own sample server uses (a
/// `template_create.fcgi` body or an `access_photo` fits well within it).
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1000 * 1000;

/// A router for every path the device posts to (`/card_create.fcgi`, `/face_create.fcgi`,
/// `/fingerprint_create.fcgi`, `/template_create.fcgi`, `<monitor path>/<notification>`...).
///
/// Each callback is parsed and handed to `handler`. The device gets `200 {}` when the handler
/// succeeds, `500` when it fails (so that the device sends it again and nothing is lost),
/// `400` for a body that does not parse, `413` past the body limit, `405` for anything but POST.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use controlid_client::callbacks::{Callback, router};
///
/// let app = router(|callback: Callback| async move {
///     println!("device says: {callback:?}");
///     Ok::<(), std::io::Error>(())
/// });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
pub fn router<H, F, E>(handler: H) -> Router
where
    H: Fn(Callback) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    router_with_limit(handler, DEFAULT_BODY_LIMIT)
}

/// [`router`] with another body limit in bytes.
pub fn router_with_limit<H, F, E>(handler: H, body_limit: usize) -> Router
where
    H: Fn(Callback) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let handler = Arc::new(handler);
    Router::new().fallback(move |request: Request| {
        let handler = handler.clone();
        async move { receive(&*handler, request, body_limit).await }
    })
}

async fn receive<H, F, E>(handler: &H, request: Request, body_limit: usize) -> Response
where
    H: Fn(Callback) -> F,
    F: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    if request.method() != axum::http::Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Reading stops at the limit: an oversized body is never held whole.
    let body: Bytes = match axum::body::to_bytes(body, body_limit).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or_default();
    let callback = match parse(path, query, content_type.as_deref(), &body) {
        Ok(callback) => callback,
        Err(error) => {
            tracing::warn!(path, %error, "malformed callback from the device");
            return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
        }
    };
    match handler(callback).await {
        Ok(()) => (StatusCode::OK, [(CONTENT_TYPE, "application/json")], "{}").into_response(),
        Err(error) => {
            tracing::error!(path, %error, "callback handler failed: the device will send it again");
            (StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response()
        }
    }
}
