//! Sheets User-schedule and Schedule: a user's validity period, and the device's schedules,
//! special days and schedule types.

use biometric_core::chrono::{NaiveDate, NaiveDateTime};
use biometric_core::{Error, Method, Operation, RawResponse, Result, decode_unit};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::client::Client;
use crate::list::{ListPage, decode_list, list_operation};
use crate::models::{check_uuid, user_id};

/// The sheet's `yyyyMMDDHHmm` (a typo for `yyyyMMddHHmm`: its example is `201905211400`).
const SCHEDULE_TIME: &str = "%Y%m%d%H%M";

/// A user's schedule (sheet User-schedule): a period (`from_time`, `to_time`), whether it is
/// used, and a group index. The sheet lists the fields and their values without saying how the
/// device applies them.
///
/// ```
/// use ef45_client::UserSchedule;
/// use ef45_client::chrono::NaiveDate;
/// let from = NaiveDate::from_ymd_opt(2019, 5, 21).unwrap().and_hms_opt(14, 0, 0).unwrap();
/// let to = NaiveDate::from_ymd_opt(2020, 5, 21).unwrap().and_hms_opt(14, 0, 0).unwrap();
/// let schedule = UserSchedule::new("100000", from, to).enabled(true);
/// assert_eq!(
///     serde_json::to_value(&schedule).unwrap(),
///     serde_json::json!({"uuid": "100000", "from_time": "201905211400",
///                        "to_time": "202005211400", "used": 1, "sc_idx": -1}),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserSchedule {
    /// The user id (`uuid`).
    pub uuid: String,
    /// Start of the period (`from_time`, to the minute).
    #[serde(with = "schedule_time")]
    pub from_time: NaiveDateTime,
    /// End of the period (`to_time`, to the minute).
    #[serde(with = "schedule_time")]
    pub to_time: NaiveDateTime,
    /// Whether the schedule applies (`used`: 1 enabled, 0 disabled, the default).
    #[serde(rename = "used", with = "flag")]
    pub enabled: bool,
    /// The schedule group (`sc_idx`: 1 to 999999), `None` for none (-1, disabled).
    #[serde(rename = "sc_idx", with = "group")]
    pub group: Option<u32>,
}

/// The highest schedule group index (sheet User-schedule: `1~999999`).
pub const MAX_SCHEDULE_GROUP: u32 = 999_999;

impl UserSchedule {
    /// A disabled schedule for `uuid` over the period, without a group.
    pub fn new(uuid: impl Into<String>, from_time: NaiveDateTime, to_time: NaiveDateTime) -> Self {
        UserSchedule {
            uuid: uuid.into(),
            from_time,
            to_time,
            enabled: false,
            group: None,
        }
    }

    /// Enables or disables the schedule (`used`).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The schedule group (`sc_idx`, 1 to 999999).
    pub fn group(mut self, group: u32) -> Self {
        self.group = Some(group);
        self
    }

    fn check(&self) -> Result<()> {
        check_uuid("uuid", &self.uuid)?;
        if self.to_time < self.from_time {
            return Err(Error::invalid("to_time", "must not be before from_time"));
        }
        for (field, at) in [("from_time", self.from_time), ("to_time", self.to_time)] {
            if !(0..=9999).contains(&biometric_core::chrono::Datelike::year(&at)) {
                return Err(Error::invalid(field, "year must have four digits"));
            }
        }
        if let Some(group) = self.group
            && !(1..=MAX_SCHEDULE_GROUP).contains(&group)
        {
            return Err(Error::invalid("sc_idx", "must be 1 to 999999"));
        }
        Ok(())
    }
}

mod schedule_time {
    use super::*;

    pub(super) fn serialize<S: Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&at.format(SCHEDULE_TIME))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDateTime::parse_from_str(text.trim(), SCHEDULE_TIME)
            .map_err(|_| serde::de::Error::custom("expected a time as yyyyMMddHHmm"))
    }
}

mod flag {
    use super::*;

    pub(super) fn serialize<S: Serializer>(on: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(i64::from(*on))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(i64::deserialize(d)? != 0)
    }
}

mod group {
    use super::*;

    pub(super) fn serialize<S: Serializer>(group: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(group.map_or(-1, i64::from))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        let index = i64::deserialize(d)?;
        Ok(u32::try_from(index).ok().filter(|i| *i >= 1))
    }
}

/// A schedule (sheet Schedule, `schedule-info`). The sheet lists the fields without saying
/// what they mean; the names are the device's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScheduleInfo {
    /// `sc_idx`.
    pub sc_idx: i64,
    /// `si_idx`.
    pub si_idx: i64,
    /// `st_idx`.
    pub st_idx: i64,
    /// `sc_type`.
    pub sc_type: String,
    /// `sc_cond`.
    pub sc_cond: String,
    /// `sc_re_day`.
    pub sc_re_day: i64,
    /// `sc_start_date` (optional in the sheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sc_start_date: Option<String>,
}

impl ScheduleInfo {
    /// A schedule with every required field.
    pub fn new(
        sc_idx: i64,
        si_idx: i64,
        st_idx: i64,
        sc_type: impl Into<String>,
        sc_cond: impl Into<String>,
        sc_re_day: i64,
    ) -> Self {
        ScheduleInfo {
            sc_idx,
            si_idx,
            st_idx,
            sc_type: sc_type.into(),
            sc_cond: sc_cond.into(),
            sc_re_day,
            sc_start_date: None,
        }
    }

    /// Sets `sc_start_date` (the sheet gives no format).
    pub fn start_date(mut self, date: impl Into<String>) -> Self {
        self.sc_start_date = Some(date.into());
        self
    }
}

/// A special day (sheet Schedule, `specialday-info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpecialDay {
    /// `sd_type` (the sheet's example: `1`).
    pub sd_type: String,
    /// `uuid` (the sheet's example: `0001`).
    pub uuid: String,
    /// `sd_date` (`yyyy-mm-dd`, the sheet's example `2018-09-05`).
    #[serde(with = "day")]
    pub sd_date: NaiveDate,
    /// `st_idx`.
    pub st_idx: i64,
}

impl SpecialDay {
    /// A special day.
    pub fn new(
        sd_type: impl Into<String>,
        uuid: impl Into<String>,
        sd_date: NaiveDate,
        st_idx: i64,
    ) -> Self {
        SpecialDay {
            sd_type: sd_type.into(),
            uuid: uuid.into(),
            sd_date,
            st_idx,
        }
    }
}

mod day {
    use super::*;

    pub(super) fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&date.format("%Y-%m-%d"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| serde::de::Error::custom("expected a date as yyyy-mm-dd"))
    }
}

/// A schedule type (sheet Schedule, `type-info`). The sheet gives no format for the times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScheduleType {
    /// `sti_idx`.
    pub sti_idx: i64,
    /// `st_idx`.
    pub st_idx: i64,
    /// `sti_start_time`.
    pub sti_start_time: String,
    /// `sti_end_time`.
    pub sti_end_time: String,
    /// `sti_type`.
    pub sti_type: String,
}

impl ScheduleType {
    /// A schedule type.
    pub fn new(
        sti_idx: i64,
        st_idx: i64,
        sti_start_time: impl Into<String>,
        sti_end_time: impl Into<String>,
        sti_type: impl Into<String>,
    ) -> Self {
        ScheduleType {
            sti_idx,
            st_idx,
            sti_start_time: sti_start_time.into(),
            sti_end_time: sti_end_time.into(),
            sti_type: sti_type.into(),
        }
    }
}

/// Which special days a query or delete selects (`sd_type`, `uuid`, optionally `sd_date`).
#[derive(Debug, Clone, Copy)]
struct SpecialDayKey<'a> {
    sd_type: &'a str,
    uuid: &'a str,
    date: Option<NaiveDate>,
}

impl SpecialDayKey<'_> {
    fn apply<T>(self, op: Operation<T>) -> Result<Operation<T>> {
        if self.sd_type.trim().is_empty() {
            return Err(Error::invalid("sd_type", "must not be empty"));
        }
        check_uuid("uuid", self.uuid)?;
        Ok(op
            .query("sd_type", self.sd_type)
            .query("uuid", self.uuid)
            .query_opt("sd_date", self.date.map(|d| d.format("%Y-%m-%d"))))
    }
}

/// The answer to a registration or update: the sheet says a refused request returns the
/// request's items with the error message, a successful one no items. A `status_code` other
/// than 200 is an API error with the `reason_phrase`; items under 200 are one too.
fn decode_registration(raw: RawResponse) -> Result<()> {
    let answer: ListPage<IgnoredAny> = decode_list(raw.clone())?;
    if answer.items.is_empty() {
        return Ok(());
    }
    Err(raw.api_error(
        None,
        Some(format!(
            "the device returned {} item(s) of the request as refused",
            answer.items.len()
        )),
    ))
}

/// An answer that may be empty (201/204) or the registration envelope.
fn decode_change(raw: RawResponse) -> Result<()> {
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    decode_registration(raw)
}

fn check_batch<T>(items: &[T]) -> Result<()> {
    if items.is_empty() {
        return Err(Error::invalid("items", "must hold at least one item"));
    }
    Ok(())
}

/// `{"size": n, "items": [...]}`, the sheet's registration body.
fn batch_body<T: Serialize>(items: &[T]) -> serde_json::Value {
    serde_json::json!({ "size": items.len(), "items": items })
}

/// Sheet User-schedule.
impl Client {
    /// A user's schedule (`GET user-schedule/uuid/{uuid}`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn user_schedule(&self, uuid: &str) -> Result<UserSchedule> {
        let op = Operation::new("ef45.user_schedule", Method::GET, "user-schedule/uuid/")
            .segment("uuid", user_id("uuid", uuid)?);
        self.send(op).await
    }

    /// Registers a user's schedule (`POST user-schedule`). The answer is not documented: any
    /// 2xx is success.
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn create_user_schedule(&self, schedule: &UserSchedule) -> Result<()> {
        schedule.check()?;
        let op = Operation::with_decoder(
            "ef45.create_user_schedule",
            Method::POST,
            "user-schedule",
            decode_unit,
        )
        .json_body(schedule)?;
        self.send(op).await
    }

    /// Replaces a user's schedule (`PUT user-schedule`, the user named in the body). Any 2xx
    /// is success.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_user_schedule(&self, schedule: &UserSchedule) -> Result<()> {
        schedule.check()?;
        let op = Operation::with_decoder(
            "ef45.update_user_schedule",
            Method::PUT,
            "user-schedule",
            decode_unit,
        )
        .json_body(schedule)?
        // The whole schedule is written: writing it twice leaves the same schedule.
        .idempotent(true);
        self.send(op).await
    }

    /// Deletes a user's schedule (`DELETE user-schedule/uuid/{uuid}`). Any 2xx is success.
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_user_schedule(&self, uuid: &str) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_user_schedule",
            Method::DELETE,
            "user-schedule/uuid/",
            decode_unit,
        )
        .segment("uuid", user_id("uuid", uuid)?)
        // Deleting the same schedule again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }
}

/// Sheet Schedule: schedules (`schedule-info`).
impl Client {
    /// Every schedule (`GET schedule/schedule-info`).
    ///
    /// The sheet's request table lists `sc_idx` and `si_idx` as JSON for this `GET`, but its
    /// URL example has no body: no filter is sent, the whole list is returned (filter with
    /// [`schedules_filtered`](Self::schedules_filtered)).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn schedules(&self) -> Result<Vec<ScheduleInfo>> {
        let op = list_operation("ef45.schedules", "schedule/schedule-info");
        Ok(self.send(op).await?.items)
    }

    /// The schedules of group `sc_idx` (and item `si_idx` when given): `GET
    /// schedule/schedule-info` with the JSON filter `{"sc_idx", "si_idx"}` the sheet's request
    /// table lists (its URL example shows an empty body). A `GET` with a body is unusual; a
    /// device that ignores the body answers every schedule, so the answer is filtered here too.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn schedules_filtered(
        &self,
        sc_idx: i64,
        si_idx: Option<i64>,
    ) -> Result<Vec<ScheduleInfo>> {
        let mut filter = serde_json::Map::new();
        filter.insert("sc_idx".into(), sc_idx.into());
        if let Some(si_idx) = si_idx {
            filter.insert("si_idx".into(), si_idx.into());
        }
        let op = list_operation("ef45.schedules", "schedule/schedule-info").json_body(&filter)?;
        let items = self.send(op).await?.items;
        Ok(items
            .into_iter()
            .filter(|s: &ScheduleInfo| s.sc_idx == sc_idx && si_idx.is_none_or(|si| s.si_idx == si))
            .collect())
    }

    /// Registers schedules (`POST schedule/schedule-info` with `{"size", "items"}`). Refused
    /// items come back as an [`Error::Api`].
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn register_schedules(&self, schedules: &[ScheduleInfo]) -> Result<()> {
        check_batch(schedules)?;
        let op = Operation::with_decoder(
            "ef45.register_schedules",
            Method::POST,
            "schedule/schedule-info",
            decode_change,
        )
        .json_body(&batch_body(schedules))?;
        self.send(op).await
    }

    /// Replaces one schedule (`PUT schedule/schedule-info` with the schedule as the body; the
    /// sheet documents `201 Created`).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_schedule(&self, schedule: &ScheduleInfo) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.update_schedule",
            Method::PUT,
            "schedule/schedule-info",
            decode_change,
        )
        .json_body(schedule)?
        // The whole schedule is written: writing it twice leaves the same schedule.
        .idempotent(true);
        self.send(op).await
    }

    /// Deletes schedule info (`DELETE schedule/schedule-info` with `{"sc_idx"[, "si_idx"]}`,
    /// 204; `si_idx` is optional in the sheet's table). The sheet's table also lists a `uuid` path parameter that its URL does not
    /// have; none is sent.
    ///
    /// **Resent** after a failure that may go away only for one item (`si_idx` given: one named
    /// record); a whole group is a selection that could delete items registered in between, so it
    /// is **not resent** once it may have reached the device.
    pub async fn delete_schedule(&self, sc_idx: i64, si_idx: Option<i64>) -> Result<()> {
        // The sheet marks `sc_idx` required and `si_idx` not.
        let mut body = serde_json::json!({ "sc_idx": sc_idx });
        if let Some(si_idx) = si_idx {
            body["si_idx"] = si_idx.into();
        }
        let op = Operation::with_decoder(
            "ef45.delete_schedule",
            Method::DELETE,
            "schedule/schedule-info",
            decode_unit,
        )
        .json_body(&body)?
        // One item (`si_idx` given) is one record: deleting it again changes nothing more. A
        // whole group is a selection that deletes what matches when it runs: a resend could
        // delete items registered in between.
        .idempotent(si_idx.is_some());
        self.send(op).await
    }

    /// The sheet's "Register device schedule type" (`POST schedule/device-schedule?sc_idx=`,
    /// 201).
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn register_device_schedule(&self, sc_idx: i64) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.register_device_schedule",
            Method::POST,
            "schedule/device-schedule",
            decode_unit,
        )
        .query("sc_idx", sc_idx);
        self.send(op).await
    }

    /// The sheet's "Delete all schedule data in device" (`DELETE schedule/all`, 204).
    ///
    /// **Not resent** once it may have reached the device: it deletes whatever matches when it
    /// runs, so a resend could delete what was written in between.
    pub async fn delete_all_schedules(&self) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_all_schedules",
            Method::DELETE,
            "schedule/all",
            decode_unit,
        )
        // Not repeated: if the first delete went through, a repeat would also delete schedule
        // data written in between.
        .idempotent(false);
        self.send(op).await
    }
}

/// Sheet Schedule: special days (`specialday-info`).
impl Client {
    /// The special days of a type and id, on one date or all (`GET
    /// schedule/specialday-info?sd_type=&uuid=[&sd_date=]`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn special_days(
        &self,
        sd_type: &str,
        uuid: &str,
        date: Option<NaiveDate>,
    ) -> Result<Vec<SpecialDay>> {
        let key = SpecialDayKey {
            sd_type,
            uuid,
            date,
        };
        let op = key.apply(list_operation(
            "ef45.special_days",
            "schedule/specialday-info",
        ))?;
        Ok(self.send(op).await?.items)
    }

    /// Registers special days (`POST schedule/specialday-info` with `{"size", "items"}`).
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn register_special_days(&self, days: &[SpecialDay]) -> Result<()> {
        check_batch(days)?;
        let op = Operation::with_decoder(
            "ef45.register_special_days",
            Method::POST,
            "schedule/specialday-info",
            decode_change,
        )
        .json_body(&batch_body(days))?;
        self.send(op).await
    }

    /// Replaces one special day (`PUT schedule/specialday-info`, the day as the body; 201).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_special_day(&self, day: &SpecialDay) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.update_special_day",
            Method::PUT,
            "schedule/specialday-info",
            decode_change,
        )
        .json_body(day)?
        // The whole record is written: writing it twice leaves the same record.
        .idempotent(true);
        self.send(op).await
    }

    /// Deletes the special days of a type and id, on one date or all (`DELETE
    /// schedule/specialday-info?sd_type=&uuid=[&sd_date=]`, 204).
    ///
    /// **Resent** after a failure that may go away only for one date (one named record); without a
    /// date it is a selection that could delete days registered in between, so it is **not resent**
    /// once it may have reached the device.
    pub async fn delete_special_days(
        &self,
        sd_type: &str,
        uuid: &str,
        date: Option<NaiveDate>,
    ) -> Result<()> {
        let key = SpecialDayKey {
            sd_type,
            uuid,
            date,
        };
        let op = Operation::with_decoder(
            "ef45.delete_special_days",
            Method::DELETE,
            "schedule/specialday-info",
            decode_unit,
        );
        // One date is one record: deleting it again changes nothing more. Without a date it
        // is a selection that deletes what matches when it runs: a resend could delete days
        // registered in between.
        let op = key.apply(op)?.idempotent(date.is_some());
        self.send(op).await
    }
}

/// Sheet Schedule: schedule types (`type-info`).
impl Client {
    /// Every schedule type (`GET schedule/type-info`; like `schedule-info`, the sheet's
    /// table lists a JSON `sti_idx` its example does not send).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn schedule_types(&self) -> Result<Vec<ScheduleType>> {
        let op = list_operation("ef45.schedule_types", "schedule/type-info");
        Ok(self.send(op).await?.items)
    }

    /// The schedule types numbered `sti_idx`: `GET schedule/type-info` with the JSON filter
    /// `{"sti_idx"}` of the sheet's request table (filtered here too, as for
    /// [`schedules_filtered`](Self::schedules_filtered)).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn schedule_types_filtered(&self, sti_idx: i64) -> Result<Vec<ScheduleType>> {
        let op = list_operation("ef45.schedule_types", "schedule/type-info")
            .json_body(&serde_json::json!({ "sti_idx": sti_idx }))?;
        let items = self.send(op).await?.items;
        Ok(items
            .into_iter()
            .filter(|t: &ScheduleType| t.sti_idx == sti_idx)
            .collect())
    }

    /// Registers schedule types (`POST schedule/type-info` with `{"size", "items"}`).
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn register_schedule_types(&self, types: &[ScheduleType]) -> Result<()> {
        check_batch(types)?;
        let op = Operation::with_decoder(
            "ef45.register_schedule_types",
            Method::POST,
            "schedule/type-info",
            decode_change,
        )
        .json_body(&batch_body(types))?;
        self.send(op).await
    }

    /// Replaces one schedule type (`PUT schedule/type-info`, the type as the body; 201).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_schedule_type(&self, schedule_type: &ScheduleType) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.update_schedule_type",
            Method::PUT,
            "schedule/type-info",
            decode_change,
        )
        .json_body(schedule_type)?
        // The whole record is written: writing it twice leaves the same record.
        .idempotent(true);
        self.send(op).await
    }

    /// Deletes one schedule type (`DELETE schedule/type-info` with `{"sti_idx"}`, 204).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_schedule_type(&self, sti_idx: i64) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_schedule_type",
            Method::DELETE,
            "schedule/type-info",
            decode_unit,
        )
        .json_body(&serde_json::json!({ "sti_idx": sti_idx }))?
        // Deleting the same type again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }
}
