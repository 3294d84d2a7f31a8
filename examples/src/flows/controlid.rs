//! Control iD: a user, a synchronous face saved to them, an asynchronous fingerprint received
//! through the callback router, a card, a cancelled enrollment, clean-up.

use std::time::Duration;

use controlid_client::callbacks::{Callback, RouterConfig, router_with};
use controlid_client::{
    CardValue, Client, EnrollFailure, EnrollTarget, EnrollmentResults, Error, ImageFormat,
    MonitorConfig, NewUser, Result, UserId,
};
use tokio::sync::mpsc;

use crate::step;

/// Where the device can reach the callback server this flow runs.
#[derive(Debug)]
pub struct Inbox {
    /// Host name or address the device should post to.
    pub hostname: String,
    /// Port the callback server listens on.
    pub port: u16,
    /// Where asynchronous enrollments pick up their results (the router hands them over).
    pub results: EnrollmentResults,
    callbacks: mpsc::UnboundedReceiver<Callback>,
}

impl Inbox {
    /// Serves the callback router on `bind` (`127.0.0.1:0` for the simulator, `0.0.0.0:8000`
    /// for a device on the LAN); the device is told to post to `hostname`.
    pub async fn start(bind: &str, hostname: &str) -> std::io::Result<Self> {
        let (sender, callbacks) = mpsc::unbounded_channel();
        let results = EnrollmentResults::in_process();
        let config = RouterConfig::default().results(&results);
        let app = router_with(config, move |callback: Callback| {
            let sender = sender.clone();
            async move {
                sender
                    .send(callback)
                    .map_err(|_| "the flow stopped listening")
            }
        });
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let port = listener.local_addr()?.port();
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("callback server stopped: {error}");
            }
        });
        Ok(Inbox {
            hostname: hostname.to_owned(),
            port,
            results,
            callbacks,
        })
    }

    /// Every callback the handler received so far (results included: the router hands them
    /// to the waiting enrollment and to the handler).
    pub fn received(&mut self) -> Vec<Callback> {
        std::iter::from_fn(|| self.callbacks.try_recv().ok()).collect()
    }
}

/// What the flow observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The user created for the flow.
    pub user: UserId,
    /// The synchronously enrolled face was a JPEG of this many bytes.
    pub face_jpeg_bytes: usize,
    /// The photo read back from the device equals the enrolled face.
    pub photo_round_trip: bool,
    /// Fingerprint images received through the callback router.
    pub async_fingerprints: usize,
    /// Whether they were raw grayscale bitmaps (rather than JPEG).
    pub async_fingerprints_raw: bool,
    /// The card enrolled synchronously.
    pub card: CardValue,
    /// The device's reason when the enrollment was cancelled.
    pub cancel_reason: Option<String>,
    /// Whether the user was gone after clean-up.
    pub cleaned_up: bool,
}

/// Runs the flow against `device`, with callbacks arriving in `inbox`.
pub async fn run(device: &Client, inbox: &mut Inbox) -> Result<Summary> {
    device.login().await?;
    step(format!(
        "logged in; session valid: {}",
        device.session_is_valid().await?
    ));

    let user = device
        .create_user(NewUser::new("Ana Souza").registration("E-1001"))
        .await?;
    step(format!("created user {user} (Ana Souza, E-1001)"));

    let face = device
        .remote_enroll_face(EnrollTarget::SaveToUser(user))
        .message("Look at the camera")
        .auto_capture(Duration::from_secs(3))
        .sync()
        .send()
        .await?;
    let photo = device.user_image(user).await?;
    let photo_round_trip = photo == face.image;
    step(format!(
        "face enrolled synchronously and saved: {} bytes of {:?}; read back equal: {photo_round_trip}",
        face.image.len(),
        face.image.format()
    ));

    device
        .set_monitor_config(&MonitorConfig::new(
            inbox.hostname.clone(),
            inbox.port,
            "api/notifications",
        ))
        .await?;
    let pending = device
        .remote_enroll_fingerprint(EnrollTarget::return_for(user))
        .message("Place your finger")
        .send(&inbox.results)
        .await?;
    step(format!(
        "fingerprint enrollment started asynchronously; results go to {}:{}",
        inbox.hostname, inbox.port
    ));
    let (async_fingerprints, async_fingerprints_raw) = match pending
        .wait(Duration::from_secs(90))
        .await
    {
        Ok(Callback::FingerprintCreated(created)) => {
            let raw = created
                .fingerprints
                .iter()
                .all(|f| matches!(f.image.format(), ImageFormat::Gray8 { .. }));
            step(format!(
                "callback fingerprint_create.fcgi: {} image(s) for user {}, raw grayscale: {raw}",
                created.fingerprints.len(),
                created.user_id
            ));
            (created.fingerprints.len(), raw)
        }
        Ok(other) => {
            step(format!("another result came first: {other:?}"));
            (0, false)
        }
        Err(error) if error.is_timeout() => {
            step("no fingerprint result arrived in time");
            (0, false)
        }
        Err(error) => return Err(error),
    };

    let card = device
        .remote_enroll_card(EnrollTarget::SaveToUser(user))
        .sync()
        .send()
        .await?;
    step(format!(
        "card enrolled: value {} (area {}, number {})",
        card.card_value.get(),
        card.card_value.area_code(),
        card.card_value.number()
    ));

    let cancel_reason = cancelled_enrollment(device, user).await?;
    step(format!(
        "a started face enrollment was cancelled: {}",
        cancel_reason.as_deref().unwrap_or("it finished first")
    ));

    device.destroy_user_image(user).await?;
    device.destroy_user(user).await?;
    let cleaned_up = device.user(user).await?.is_none();
    device.logout().await?;
    step(format!(
        "removed the user and logged out; user gone: {cleaned_up}"
    ));

    Ok(Summary {
        user,
        face_jpeg_bytes: face.image.len(),
        photo_round_trip,
        async_fingerprints,
        async_fingerprints_raw,
        card: card.card_value,
        cancel_reason,
        cleaned_up,
    })
}

/// Starts a synchronous enrollment and cancels it. A cancel only ends a capture already in
/// progress, so it is sent again until the enrollment returns.
async fn cancelled_enrollment(device: &Client, user: UserId) -> Result<Option<String>> {
    let enrolling = device
        .remote_enroll_face(EnrollTarget::return_for(user))
        .sync();
    let mut enrollment = tokio::spawn(enrolling.send());
    let outcome = loop {
        tokio::select! {
            done = &mut enrollment => break done.map_err(|e| Error::invalid("enrollment task", e.to_string()))?,
            _ = tokio::time::sleep(Duration::from_millis(20)) => device.cancel_remote_enroll().await?,
        }
    };
    Ok(match outcome {
        Ok(_) => None,
        Err(error) => Some(EnrollFailure::from_error(&error).ok_or(error)?.reason),
    })
}
