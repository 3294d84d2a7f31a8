//! Sheet Log: the log lists (by page, by id range, by type, by date, by period), counts and
//! deletes.

use std::ops::RangeInclusive;
use std::time::Duration;

use biometric_core::chrono::NaiveDateTime;
use biometric_core::{
    DEFAULT_MAX_PAGES, Error, Method, Operation, Page, Result, decode_unit, paginate,
};
use futures_core::Stream;
use serde::Deserialize;

use crate::client::Client;
use crate::list::{ListPage, check_page, list_operation};
use crate::log_entry::{EventType, LogEntry, LogTime, LogsSince, check_period};

/// The page size of `logs/from/to/type`, fixed by the device (sheet Log: "The number of logs
/// per page is fixed at 50").
pub const LOGS_BY_TYPE_PAGE_SIZE: u32 = 50;

/// The rows per page when a fallback walks the whole log.
const WALK_PAGE_SIZE: u32 = 100;

fn logs_page_op(page: u32, page_size: Option<u32>) -> Result<Operation<ListPage<LogEntry>>> {
    check_page(page, page_size)?;
    Ok(list_operation("ef45.logs", "logs")
        .query("page", page)
        .query_opt("page_size", page_size))
}

fn check_ids(ids: &RangeInclusive<i64>) -> Result<()> {
    if ids.end() < ids.start() {
        return Err(Error::invalid("max", "must not be below min"));
    }
    Ok(())
}

fn id_range_page_op(
    ids: RangeInclusive<i64>,
    page: u32,
    page_size: Option<u32>,
) -> Result<Operation<ListPage<LogEntry>>> {
    check_page(page, page_size)?;
    check_ids(&ids)?;
    Ok(list_operation("ef45.logs_by_id", "logs/from/to")
        .query("page", page)
        .query_opt("page_size", page_size)
        .query("min", ids.start())
        .query("max", ids.end()))
}

/// The filter of `logs/from/to/type`: every part optional (sheet Log: without `min` the first
/// id is 0, without `max` the latest log, without `type` every event type).
///
/// ```
/// use ef45_client::{EventType, LogFilter};
/// let filter = LogFilter::new().event_type(EventType::UserData).ids(1..=100);
/// # let _ = filter;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct LogFilter {
    min: Option<i64>,
    max: Option<i64>,
    event_type: Option<EventType>,
}

impl LogFilter {
    /// Every log of every type.
    pub fn new() -> Self {
        LogFilter::default()
    }

    /// Only logs whose id is in `ids` (`min`, `max`).
    pub fn ids(mut self, ids: RangeInclusive<i64>) -> Self {
        self.min = Some(*ids.start());
        self.max = Some(*ids.end());
        self
    }

    /// Only logs from this id on (`min`).
    pub fn from_id(mut self, min: i64) -> Self {
        self.min = Some(min);
        self
    }

    /// Only logs up to this id (`max`).
    pub fn to_id(mut self, max: i64) -> Self {
        self.max = Some(max);
        self
    }

    /// Only logs of this type (`type`).
    pub fn event_type(mut self, event_type: EventType) -> Self {
        self.event_type = Some(event_type);
        self
    }

    fn page_op(&self, page: u32) -> Result<Operation<ListPage<LogEntry>>> {
        check_page(page, None)?;
        if let (Some(min), Some(max)) = (self.min, self.max) {
            check_ids(&(min..=max))?;
        }
        check_event_type(self.event_type.as_ref())?;
        // The sheet's URL writes `type={eventtype}` (its table says `eventtype`).
        Ok(list_operation("ef45.logs_by_type", "logs/from/to/type")
            .query("page", page)
            .query_opt("min", self.min)
            .query_opt("max", self.max)
            .query_opt("type", self.event_type.as_ref().map(EventType::as_str)))
    }
}

fn check_event_type(event_type: Option<&EventType>) -> Result<()> {
    if event_type.is_some_and(|t| t.as_str().trim().is_empty()) {
        return Err(Error::invalid("eventtype", "must not be empty"));
    }
    Ok(())
}

/// `{prefix}/{from}/{to}` or `{prefix}/{eventtype}/{from}/{to}`.
fn period_op<T>(
    operation: Operation<T>,
    event_type: Option<&EventType>,
    from: LogTime,
    to: LogTime,
) -> Result<Operation<T>> {
    check_period(from, to)?;
    check_event_type(event_type)?;
    let operation = match event_type {
        Some(event_type) => operation.segment("eventtype", event_type),
        None => operation,
    };
    Ok(operation.segment("from_date", from).segment("to_date", to))
}

/// Where a period walk stands: the next window's start, and the ids already yielded at the
/// previous window's end (the sheet does not say whether a period's end is inclusive, so a
/// log written in the boundary second may come in both windows).
#[derive(Debug, Clone, PartialEq)]
struct PeriodCursor {
    start: NaiveDateTime,
    at_boundary: Vec<i64>,
}

/// A window as a whole number of seconds, at least one.
fn window_step(window: Duration) -> Result<biometric_core::chrono::TimeDelta> {
    let seconds = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
    if seconds == 0 || window.subsec_nanos() != 0 {
        return Err(Error::invalid(
            "window",
            "must be a whole number of seconds, at least 1",
        ));
    }
    biometric_core::chrono::TimeDelta::try_seconds(seconds)
        .ok_or_else(|| Error::invalid("window", "is too long"))
}

#[derive(Deserialize)]
struct Count {
    count: u64,
}

impl Client {
    /// Every log in one answer (`GET logs` without `page`). On a busy device this is large:
    /// prefer [`logs_stream`](Self::logs_stream) or a range.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs(&self) -> Result<Vec<LogEntry>> {
        let op = list_operation("ef45.logs", "logs");
        Ok(self.send(op).await?.items)
    }

    /// One page of logs, oldest first (`GET logs?page=&page_size=`; `page` from 1, the device's
    /// default of 50 rows when `page_size` is `None`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs_page(&self, page: u32, page_size: Option<u32>) -> Result<ListPage<LogEntry>> {
        self.send(logs_page_op(page, page_size)?).await
    }

    /// The `count` most recent logs, newest first (`GET logs?page=1&page_size=&order=desc`).
    /// The sheet's remark: "Keep polling to check if there is an event happened in the device".
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn recent_logs(&self, count: u32) -> Result<Vec<LogEntry>> {
        let op = logs_page_op(1, Some(count))?.query("order", "desc");
        Ok(self.send(op).await?.items)
    }

    /// Every log, oldest first, one page at a time as the stream is read.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub fn logs_stream(
        &self,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<LogEntry>> + Send + '_ {
        self.walk_pages(move |page| logs_page_op(page, page_size))
    }

    /// One page of the logs whose id is in `ids` (`GET logs/from/to?page=&min=&max=`, with
    /// `page_size` when given).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs_by_id_page(
        &self,
        ids: RangeInclusive<i64>,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<ListPage<LogEntry>> {
        self.send(id_range_page_op(ids, page, page_size)?).await
    }

    /// Every log whose id is in `ids`, one page at a time as the stream is read. A range that
    /// ends before it starts is refused when the stream is first read, before any I/O.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub fn logs_by_id_stream(
        &self,
        ids: RangeInclusive<i64>,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<LogEntry>> + Send + '_ {
        self.walk_pages(move |page| id_range_page_op(ids.clone(), page, page_size))
    }

    /// `count` logs from the id `from_id` on (`GET logs/from/count?from=&count=`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs_from_count(&self, from_id: i64, count: u32) -> Result<Vec<LogEntry>> {
        if count == 0 {
            return Err(Error::invalid("count", "must be at least 1"));
        }
        let op = list_operation("ef45.logs_from_count", "logs/from/count")
            .query("from", from_id)
            .query("count", count);
        Ok(self.send(op).await?.items)
    }

    /// One page of the logs that match `filter` (`GET logs/from/to/type?page=&min=&max=&type=`;
    /// the device's page size is fixed at [`LOGS_BY_TYPE_PAGE_SIZE`]).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs_by_type_page(
        &self,
        filter: &LogFilter,
        page: u32,
    ) -> Result<ListPage<LogEntry>> {
        self.send(filter.page_op(page)?).await
    }

    /// Every log that matches `filter`, one page at a time as the stream is read.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub fn logs_by_type_stream(
        &self,
        filter: LogFilter,
    ) -> impl Stream<Item = Result<LogEntry>> + Send + '_ {
        self.walk_pages(move |page| filter.page_op(page))
    }

    /// One log (`GET logs/{id}`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn log(&self, id: i64) -> Result<LogEntry> {
        let op = Operation::new("ef45.log", Method::GET, "logs/").segment("id", id);
        self.send(op).await
    }

    /// The logs from `since` "till now" (`GET logs/from/date/{date}`: `2019`, `2019-12` or
    /// `2019-12-05`). The sheet documents no paging parameter for this call: the answer is one
    /// list.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs_since(&self, since: impl Into<LogsSince>) -> Result<Vec<LogEntry>> {
        let since = since.into();
        since.check()?;
        let op = list_operation("ef45.logs_since", "logs/from/date/").segment("date", since);
        Ok(self.send(op).await?.items)
    }

    /// The logs of a period, of one event type or all (`GET logs/fromto/{from}/{to}` or
    /// `logs/fromto/{eventtype}/{from}/{to}`; spec 1.3.x).
    ///
    /// A date alone means the start of that day (see [`LogTime`]): `from` 2020-04-08 to
    /// 2020-04-09 is the logs of April 8th only. The sheet documents no paging parameter for
    /// this call: the answer is one list.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use ef45_client::EventType;
    /// use ef45_client::chrono::NaiveDate;
    /// let day = NaiveDate::from_ymd_opt(2020, 4, 8).unwrap();
    /// let next = day.succ_opt().unwrap();
    /// for log in device.logs_between(day, next, Some(&EventType::UserDataByPc)).await? {
    ///     println!("{} {} {}", log.id, log.info, log.additional_data);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn logs_between(
        &self,
        from: impl Into<LogTime>,
        to: impl Into<LogTime>,
        event_type: Option<&EventType>,
    ) -> Result<Vec<LogEntry>> {
        let op = list_operation("ef45.logs_between", "logs/fromto/");
        let op = period_op(op, event_type, from.into(), to.into())?;
        Ok(self.send(op).await?.items)
    }

    /// Every log of a period, read one `window` of time at a time as the stream is read
    /// (`GET logs/fromto/...` per window): [`logs_between`](Self::logs_between) for a period
    /// too busy to hold in one answer. The sheet documents no paging for this call, so the
    /// period is cut into windows instead; a log the device returns in two adjacent windows
    /// (written in the boundary second) is yielded once. Bad bounds or a window that is not a
    /// whole number of seconds are refused when the stream is first read, before any I/O.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use std::time::Duration;
    /// use ef45_client::chrono::NaiveDate;
    /// use futures_util::TryStreamExt;
    /// let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let to = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
    /// let hour = Duration::from_secs(3600);
    /// let logs = device.logs_between_stream(from, to, None, hour);
    /// futures_util::pin_mut!(logs);
    /// while let Some(log) = logs.try_next().await? {
    ///     println!("{} {}", log.id, log.info);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// **Resent** window by window after a failure that may go away: it only reads.
    pub fn logs_between_stream(
        &self,
        from: impl Into<LogTime>,
        to: impl Into<LogTime>,
        event_type: Option<EventType>,
        window: Duration,
    ) -> impl Stream<Item = Result<LogEntry>> + Send + '_ {
        let (from, to) = (from.into(), to.into());
        let checked = check_period(from, to)
            .and_then(|()| check_event_type(event_type.as_ref()))
            .and_then(|()| window_step(window));
        let end_of_period = to.to_datetime();
        let first = PeriodCursor {
            start: from.to_datetime(),
            at_boundary: Vec::new(),
        };
        paginate(first, DEFAULT_MAX_PAGES, move |cursor: PeriodCursor| {
            let (checked, event_type) = (checked.clone(), event_type.clone());
            async move {
                let step = checked?;
                let end = cursor
                    .start
                    .checked_add_signed(step)
                    .map_or(end_of_period, |end| end.min(end_of_period));
                let op = list_operation::<LogEntry>("ef45.logs_between", "logs/fromto/");
                let op = period_op(
                    op,
                    event_type.as_ref(),
                    LogTime::DateTime(cursor.start),
                    LogTime::DateTime(end),
                )?;
                let logs = self.send(op).await?.items;
                let at_boundary = logs
                    .iter()
                    .filter(|log| log.timestamp.is_none_or(|at| at >= end))
                    .map(|log| log.id)
                    .collect();
                let items = logs
                    .into_iter()
                    .filter(|log| !cursor.at_boundary.contains(&log.id))
                    .collect();
                let next = (end < end_of_period).then_some(PeriodCursor {
                    start: end,
                    at_boundary,
                });
                Ok(Page { items, next })
            }
        })
    }

    /// The number of logs on the device (`GET logs/count`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn log_count(&self) -> Result<u64> {
        let op = Operation::<Count>::new("ef45.log_count", Method::GET, "logs/count");
        Ok(self.send(op).await?.count)
    }

    /// The number of logs of a period, of one event type or all (`GET
    /// logs/count/{from}/{to}` or `logs/count/{eventtype}/{from}/{to}`). The period reads as in
    /// [`logs_between`](Self::logs_between).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn log_count_between(
        &self,
        from: impl Into<LogTime>,
        to: impl Into<LogTime>,
        event_type: Option<&EventType>,
    ) -> Result<u64> {
        let op = Operation::<Count>::new("ef45.log_count_between", Method::GET, "logs/count/");
        let op = period_op(op, event_type, from.into(), to.into())?;
        Ok(self.send(op).await?.count)
    }

    /// The number of logs of a period, counted by walking every log page by page (`GET
    /// logs?page=&page_size=`, served by every application version): the fallback for a device
    /// older than [`log_count_between`](Self::log_count_between) (application 2.1.47), which
    /// refuses that call with [`Error::Unsupported`]. A log counts when its timestamp is in the
    /// period, both bounds included (the crate's reading: the sheets do not say), and, when
    /// `event_type` is given, its type is that one; a log whose timestamp does not parse is not
    /// counted. Reads the whole log, 100 rows a page: slow on a busy device.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use ef45_client::chrono::NaiveDate;
    /// let day = NaiveDate::from_ymd_opt(2020, 4, 8).unwrap();
    /// let next = day.succ_opt().unwrap();
    /// let count = match device.log_count_between(day, next, None).await {
    ///     Err(err) if err.is_unsupported() => device.count_logs_by_walking(day, next, None).await?,
    ///     other => other?,
    /// };
    /// println!("{count} logs");
    /// # Ok(()) }
    /// ```
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub async fn count_logs_by_walking(
        &self,
        from: impl Into<LogTime>,
        to: impl Into<LogTime>,
        event_type: Option<&EventType>,
    ) -> Result<u64> {
        let (from, to) = (from.into(), to.into());
        check_period(from, to)?;
        check_event_type(event_type)?;
        let period = from.to_datetime()..=to.to_datetime();
        let mut logs = std::pin::pin!(self.logs_stream(Some(WALK_PAGE_SIZE)));
        let mut count = 0;
        while let Some(log) = futures_util::TryStreamExt::try_next(&mut logs).await? {
            let in_period = log.timestamp.is_some_and(|at| period.contains(&at));
            if in_period && event_type.is_none_or(|wanted| *wanted == log.event_type) {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Deletes the logs whose id is in `ids` (`DELETE logs?min=&max=`, 204).
    ///
    /// **Not resent** once it may have reached the device: it deletes whatever the range holds
    /// when it runs, and the device writes a log for every event, so a resend after a lost
    /// answer could delete logs written in between.
    pub async fn delete_logs(&self, ids: RangeInclusive<i64>) -> Result<()> {
        check_ids(&ids)?;
        let op = Operation::with_decoder("ef45.delete_logs", Method::DELETE, "logs", decode_unit)
            .query("min", ids.start())
            .query("max", ids.end())
            // A selection deletes what matches when it runs: a resend could delete logs
            // written in between.
            .idempotent(false);
        self.send(op).await
    }

    /// Deletes one log (`DELETE logs/{id}`, 204).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_log(&self, id: i64) -> Result<()> {
        let op = Operation::with_decoder("ef45.delete_log", Method::DELETE, "logs/", decode_unit)
            .segment("id", id)
            // Deleting the same log again changes nothing more.
            .idempotent(true);
        self.send(op).await
    }

    /// Deletes every log (`DELETE logs/db`). The sheet documents no answer: any 2xx is
    /// success.
    ///
    /// **Not resent** once it may have reached the device: it deletes whatever matches when it
    /// runs, so a resend could delete what was written in between.
    pub async fn delete_all_logs(&self) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_all_logs",
            Method::DELETE,
            "logs/db",
            decode_unit,
        )
        // Not repeated: the device logs every recognition, so a repeat after a lost answer
        // would also delete logs written in between.
        .idempotent(false);
        self.send(op).await
    }
}
