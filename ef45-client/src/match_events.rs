//! Sheet Match-data: polling the device for recognitions, each acknowledged only after the
//! application handled it.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use biometric_core::{Method, Operation, Result, decode_unit};
use futures_core::Stream;
use futures_util::StreamExt;

use crate::capture_data::MatchData;
use crate::client::Client;
use crate::list::{ListPage, list_operation};

/// How [`Client::match_events`] polls `GET match-data`.
///
/// The sheet only says "keep polling"; it gives no rate. The defaults poll every 500 ms while
/// events come and back off, doubling, to one poll every 5 s while the device is idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct MatchPolling {
    interval: Duration,
    idle_max: Duration,
}

impl Default for MatchPolling {
    fn default() -> Self {
        MatchPolling {
            interval: Duration::from_millis(500),
            idle_max: Duration::from_secs(5),
        }
    }
}

impl MatchPolling {
    /// Every 500 ms, backing off to 5 s when idle.
    pub fn new() -> Self {
        MatchPolling::default()
    }

    /// The wait after a poll that found nothing new, before backing off.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The longest wait between polls while idle (at least the interval).
    pub fn idle_max(mut self, idle_max: Duration) -> Self {
        self.idle_max = idle_max;
        self
    }
}

/// How many acknowledged ids are remembered, so that a poll sent before an acknowledgement
/// cannot deliver the event again.
const RECENTLY_ACKED: usize = 1024;

/// The events handed out and not yet acknowledged, and the last ones acknowledged.
#[derive(Debug, Default)]
struct Ledger {
    in_flight: HashSet<String>,
    acked: VecDeque<String>,
}

impl Ledger {
    fn should_deliver(&self, id: &str) -> bool {
        !self.in_flight.contains(id) && !self.acked.iter().any(|a| a == id)
    }

    fn acknowledged(&mut self, id: &str) {
        self.in_flight.remove(id);
        if self.acked.len() == RECENTLY_ACKED {
            self.acked.pop_front();
        }
        self.acked.push_back(id.to_owned());
    }
}

type SharedLedger = Arc<Mutex<Ledger>>;

fn lock(ledger: &SharedLedger) -> MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One recognition read from `match-data`, not yet acknowledged.
///
/// Call [`ack`](MatchEvent::ack) once the application has handled it: that empties it from the
/// device's buffer (`DELETE match-data/{encounter_id}`). An event dropped without
/// acknowledgement (a failed handler, a panic) stays in the buffer and is delivered again by a
/// later poll, so a handler must tolerate seeing an event twice.
///
/// **The buffer does not survive a new lock.** Sheet Common says a successful `POST`/`PUT
/// lock` "invoked match-data Delete": every lock empties it, including this client's
/// automatic re-lock after device code 1102, [`Client::take_over`], another client locking,
/// and this process locking again after a restart. Events not yet acknowledged at that moment
/// are gone from `match-data`; the device's logs keep the recognitions (`log_id` names an
/// event's log), so an application that must not miss one reconciles with
/// [`Client::logs_by_id_stream`] from the last `log_id` it handled.
#[derive(Debug)]
pub struct MatchEvent {
    data: MatchData,
    client: Client,
    ledger: SharedLedger,
    acked: bool,
}

impl MatchEvent {
    /// The event's data.
    pub fn data(&self) -> &MatchData {
        &self.data
    }

    /// Acknowledges the event (`DELETE match-data/{encounter_id}`). Idempotent: acknowledging
    /// twice, or an event the device already dropped, sends the same delete.
    pub async fn ack(&mut self) -> Result<()> {
        self.client.ack_match(&self.data.encounter_id).await?;
        self.acked = true;
        lock(&self.ledger).acknowledged(&self.data.encounter_id);
        Ok(())
    }

    /// Takes the data out, giving up the event without acknowledging it (it will be
    /// delivered again).
    pub fn into_data(mut self) -> MatchData {
        std::mem::take(&mut self.data)
    }
}

impl Drop for MatchEvent {
    fn drop(&mut self) {
        if !self.acked {
            // Not handled: let the next poll deliver it again.
            lock(&self.ledger).in_flight.remove(&self.data.encounter_id);
        }
    }
}

/// The polling loop's state between items.
struct Poller {
    client: Client,
    polling: MatchPolling,
    ledger: SharedLedger,
    pending: VecDeque<MatchData>,
    wait: Option<Duration>,
}

impl Poller {
    async fn next(&mut self) -> Result<MatchEvent> {
        loop {
            if let Some(data) = self.pending.pop_front() {
                if !lock(&self.ledger)
                    .in_flight
                    .insert(data.encounter_id.clone())
                {
                    continue;
                }
                return Ok(MatchEvent {
                    data,
                    client: self.client.clone(),
                    ledger: self.ledger.clone(),
                    acked: false,
                });
            }
            if let Some(wait) = self.wait {
                tokio::time::sleep(wait).await;
            }
            let items = match self.client.match_data().await {
                Ok(items) => items,
                Err(err) => {
                    self.back_off();
                    return Err(err);
                }
            };
            let ledger = lock(&self.ledger);
            self.pending = items
                .into_iter()
                .filter(|item| ledger.should_deliver(&item.encounter_id))
                .collect();
            drop(ledger);
            if self.pending.is_empty() {
                self.back_off();
            } else {
                self.wait = Some(self.polling.interval);
            }
        }
    }

    fn back_off(&mut self) {
        let idle_max = self.polling.idle_max.max(self.polling.interval);
        self.wait = Some(match self.wait {
            None => self.polling.interval,
            Some(wait) => (wait * 2).clamp(self.polling.interval, idle_max),
        });
    }
}

impl Client {
    /// The recognitions waiting on the device (`GET match-data`), without acknowledging them.
    /// Most applications want [`match_events`](Self::match_events) instead.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn match_data(&self) -> Result<Vec<MatchData>> {
        let op: Operation<ListPage<MatchData>> = list_operation("ef45.match_data", "match-data");
        Ok(self.send(op).await?.items)
    }

    /// Empties one event from the device's buffer (`DELETE match-data/{encounter_id}`).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn ack_match(&self, encounter_id: &str) -> Result<()> {
        let op =
            Operation::with_decoder("ef45.ack_match", Method::DELETE, "match-data/", decode_unit)
                .segment("encounter_id", encounter_id)
                // Deleting the same event again changes nothing more.
                .idempotent(true);
        self.send(op).await
    }

    /// Recognitions as they happen: a stream that polls `GET match-data` (see
    /// [`MatchPolling`]) and yields each new event once. This client removes an event from the
    /// device only in [`MatchEvent::ack`]; one dropped unacknowledged is delivered again by a
    /// later poll, unless a new lock emptied the buffer first (see [`MatchEvent`]: the logs
    /// are the durable record). A failed poll is yielded as an error and polling goes on after
    /// a back-off; the stream never ends by itself.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use ef45_client::MatchPolling;
    /// use futures_util::StreamExt;
    ///
    /// let mut events = std::pin::pin!(device.match_events(MatchPolling::new()));
    /// while let Some(event) = events.next().await {
    ///     let mut event = event?;
    ///     println!("{} recognised", event.data().uuid);
    ///     event.ack().await?; // only now is it gone from the device
    /// }
    /// # Ok(()) }
    /// ```
    pub fn match_events(
        &self,
        polling: MatchPolling,
    ) -> impl Stream<Item = Result<MatchEvent>> + Send + 'static {
        let poller = Poller {
            client: self.clone(),
            polling,
            ledger: SharedLedger::default(),
            pending: VecDeque::new(),
            wait: None,
        };
        futures_util::stream::unfold(poller, |mut poller| async move {
            let item = poller.next().await;
            Some((item, poller))
        })
    }

    /// Runs `handler` on every recognition, acknowledging each event only when the handler
    /// returns `Ok`; an event whose handler fails is delivered again by a later poll (unless a
    /// new lock empties the buffer first: see [`MatchEvent`]). Runs
    /// until a poll or an acknowledgement fails (that error is returned) or the future is
    /// dropped.
    pub async fn handle_match_events<F, Fut, E>(
        &self,
        polling: MatchPolling,
        mut handler: F,
    ) -> Result<()>
    where
        F: FnMut(MatchData) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: std::fmt::Display,
    {
        let mut events = std::pin::pin!(self.match_events(polling));
        while let Some(event) = events.next().await {
            let mut event = event?;
            match handler(event.data().clone()).await {
                Ok(()) => event.ack().await?,
                Err(err) => {
                    tracing::warn!(
                        operation = "ef45.match_events",
                        error = %err,
                        "handler failed: the event stays on the device and comes again"
                    );
                }
            }
        }
        Ok(())
    }
}
