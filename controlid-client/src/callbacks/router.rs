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
/// Each callback is parsed and handed to `handler`, once per request.
///
/// # What the device sees, and what the application must do
///
/// | case | answer |
/// |---|---|
/// | the handler returned `Ok` | `200` with `{}` (the documented reply: "200 with an empty body or `{}`") |
/// | the handler returned `Err` | `500` with the text `handler failed` (the error itself is only logged) |
/// | a body that does not parse | `400` with the decode error |
/// | past the body limit | `413` |
/// | anything but `POST` | `405` |
///
/// The vendor documentation describes only the success reply. It does **not** say that the
/// device sends a callback again after an error answer or a timeout (the monitor's
/// `request_timeout` is how long it waits; no retry is described anywhere), so this router
/// assumes it does not: **a callback whose handler fails is lost** as far as the device is
/// concerned. To lose nothing, make the handler store what it needs durably (database, queue,
/// file) *before* returning `Ok`, and keep that store idempotent on `(device_id, user_id)`
/// in case a device does resend. After a failure, fetch the data another way: a saved face
/// with `user_get_image.fcgi` ([`crate::Client::user_image`]), users and cards with
/// `load_objects.fcgi`; an unsaved capture has to be enrolled again.
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
            // The device is not documented to send it again: the application must have stored
            // it before failing, or enroll again.
            tracing::error!(path, %error, "callback handler failed: the device is not documented to resend it");
            (StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response()
        }
    }
}
