//! The logs (sheet Log).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde_json::{Value, json};

use super::wire::{DEFAULT_PAGE_SIZE, Paging, Query, Reject, bad, no_content};
use super::{Ef45Sim, Store};

/// The log calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/logs", get(logs_list).delete(logs_delete_range))
        .route("/1.0/logs/count", get(logs_count))
        .route("/1.0/logs/count/{from}/{to}", get(logs_count_period))
        .route("/1.0/logs/count/{event}/{from}/{to}", get(logs_count_type))
        .route("/1.0/logs/db", delete(logs_delete_all))
        .route("/1.0/logs/from/to", get(logs_from_to))
        .route("/1.0/logs/from/to/type", get(logs_by_type))
        .route("/1.0/logs/from/count", get(logs_from_count))
        .route("/1.0/logs/from/date/{date}", get(logs_from_date))
        .route("/1.0/logs/fromto/{from}/{to}", get(logs_fromto))
        .route(
            "/1.0/logs/fromto/{event}/{from}/{to}",
            get(logs_fromto_type),
        )
        .route("/1.0/logs/{id}", get(log_get).delete(log_delete))
}

impl Ef45Sim {
    /// Appends `count` generated log items (ids after the last, 37 minutes apart; see the
    /// module's Logs section).
    pub fn add_logs(&self, count: usize) {
        let mut store = self.store();
        let next = store.logs.keys().next_back().map_or(1, |last| last + 1);
        for id in next..next + count as i64 {
            store.logs.insert(id, generated_log(id));
        }
    }

    /// How many log items are stored.
    pub fn log_count(&self) -> usize {
        self.store().logs.len()
    }
}

// ---------------------------------------------------------------------------------------------
// Logs (sheet Log)

/// The event types the Log sheet names.
pub const EVENT_TYPES: [&str; 6] = [
    "General",
    "InitInfo",
    "Recognition",
    "UserDataByPC",
    "UserData",
    "CardsData",
];

/// Appends a Recognition log of now for `user_uuid` (`info` as the API Overview's keywords
/// compose it, e.g. `Recog/BioOnly/IrisOk`) and returns its id.
pub(super) fn append_recognition(
    store: &mut Store,
    user_uuid: &str,
    info: &str,
    additional_data: &str,
) -> i64 {
    let id = store.logs.keys().next_back().map_or(1, |last| last + 1);
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    store.logs.insert(
        id,
        json!({
            "id": id, "event_type": "Recognition", "timestamp": timestamp,
            "user_uuid": user_uuid, "info": info, "additional_data": additional_data,
            "matched_faceimage_data": ""
        }),
    );
    id
}

/// The log item with id `id`: ids 68 and 69 are the Log sheet's example items verbatim; the
/// others are generated (event types in turn, 37 minutes apart from 2018-05-28T14:26:26Z,
/// users `111`/`112`).
pub(super) fn generated_log(id: i64) -> Value {
    match id {
        68 => {
            return json!({"id":68,"event_type":"Recognition","timestamp":"2018-05-28T14:26:26Z","user_uuid":"111","info":"Recog/BioOnly/IrisOk","additional_data":"Allowed","matched_faceimage_data":""});
        }
        69 => {
            return json!({"id":69,"event_type":"UserData","timestamp":"2018-05-28T14:45:57Z","user_uuid":"111","info":"DeleteUsers","additional_data":"Success","matched_faceimage_data":""});
        }
        _ => {}
    }
    let start = chrono::NaiveDate::from_ymd_opt(2018, 5, 28)
        .and_then(|d| d.and_hms_opt(14, 26, 26))
        .expect("a valid date");
    let at = start + chrono::Duration::minutes(37 * (id - 68).max(0));
    let event = EVENT_TYPES[usize::try_from(id.rem_euclid(6)).unwrap_or(0)];
    let (info, additional) = match event {
        "Recognition" => ("In/Bio-Card/IrisOk", "Allowed"),
        "UserDataByPC" => ("InsertSubject", "Success"),
        "UserData" => ("DeleteUsers", "Success"),
        "CardsData" => ("InsertCards", "Success"),
        "InitInfo" => ("Boot", ""),
        _ => ("Settings", ""),
    };
    json!({
        "id": id, "event_type": event, "timestamp": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "user_uuid": if id % 2 == 0 { "111" } else { "112" }, "info": info,
        "additional_data": additional, "matched_faceimage_data": ""
    })
}

fn log_time(item: &Value) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(item["timestamp"].as_str()?, "%Y-%m-%dT%H:%M:%SZ").ok()
}

/// The Log sheet's timestamp: `yyyy-mm-dd` (meaning 00:00) or `yyyy-mm-ddThh:mm:ssZ`.
fn period_bound(text: &str) -> Result<chrono::NaiveDateTime, Reject> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(|| bad(format!("{text:?} is not yyyy-mm-dd[Thh:mm:ssZ]")))
}

fn event_type(text: &str) -> Result<&str, Reject> {
    if EVENT_TYPES.contains(&text) {
        Ok(text)
    } else {
        Err(bad(format!("unknown event type {text:?}")))
    }
}

/// The stored logs passing `keep`, in id order.
fn logs_where(sim: &Ef45Sim, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    sim.store()
        .logs
        .values()
        .filter(|item| keep(item))
        .cloned()
        .collect()
}

/// `GET logs?page=&page_size=&order=desc` (`order` is `asc` or `desc`).
async fn logs_list(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["page", "page_size", "order"])?;
    let paging = Paging::parse(&query, "page_size")?;
    let mut items = logs_where(&sim, |_| true);
    match query.get("order") {
        None | Some("asc") => {}
        Some("desc") => items.reverse(),
        Some(other) => return Err(bad(format!("order={other} is not asc or desc"))),
    }
    Ok(paging.envelope(items))
}

fn id_range(query: &Query, required: bool) -> Result<(i64, i64), Reject> {
    let min = query.int("min", 0..=i64::MAX)?;
    let max = query.int("max", 0..=i64::MAX)?;
    if required && (min.is_none() || max.is_none()) {
        return Err(bad("min and max are both required"));
    }
    Ok((min.unwrap_or(0), max.unwrap_or(i64::MAX)))
}

/// `GET logs/from/to?page=&page_size=&min=&max=` (ids inclusive).
async fn logs_from_to(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["page", "page_size", "min", "max"])?;
    let paging = Paging::parse(&query, "page_size")?;
    let (min, max) = id_range(&query, false)?;
    let items = logs_where(&sim, |l| {
        l["id"].as_i64().is_some_and(|id| id >= min && id <= max)
    });
    Ok(paging.envelope(items))
}

/// `GET logs/from/count?from=&count=`: `count` logs from id `from` (both required here).
async fn logs_from_count(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["from", "count"])?;
    let (Some(from), Some(count)) = (
        query.int("from", 0..=i64::MAX)?,
        query.int("count", 0..=i64::MAX)?,
    ) else {
        return Err(bad("from and count are both required"));
    };
    let mut items = logs_where(&sim, |l| l["id"].as_i64().is_some_and(|id| id >= from));
    items.truncate(usize::try_from(count).unwrap_or(usize::MAX));
    Ok(Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items))
}

/// `GET logs/from/to/type?page=&min=&max=&type=`: 50 a page, fixed; each parameter optional.
async fn logs_by_type(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["page", "min", "max", "type"])?;
    let page = query.int("page", 1..=i64::from(i32::MAX))?;
    let (min, max) = id_range(&query, false)?;
    let kind = query.get("type").map(event_type).transpose()?;
    let items = logs_where(&sim, |l| {
        l["id"].as_i64().is_some_and(|id| id >= min && id <= max)
            && kind.is_none_or(|k| l["event_type"] == k)
    });
    Ok(Paging {
        page,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items))
}

/// `GET logs/from/date/{date}`: from `yyyy`, `yyyy-mm` or `yyyy-mm-dd` until now.
async fn logs_from_date(
    State(sim): State<Ef45Sim>,
    Path(date): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    let full = match date.len() {
        4 => format!("{date}-01-01"),
        7 => format!("{date}-01"),
        _ => date.clone(),
    };
    let from = chrono::NaiveDate::parse_from_str(&full, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| bad(format!("{date:?} is not yyyy, yyyy-mm or yyyy-mm-dd")))?;
    let items = logs_where(&sim, |l| log_time(l).is_some_and(|t| t >= from));
    Ok(paging.envelope(items))
}

/// The logs of a period (both bounds inclusive; a date means its 00:00), of one event type.
fn period(sim: &Ef45Sim, event: Option<&str>, from: &str, to: &str) -> Result<Vec<Value>, Reject> {
    let event = event.map(event_type).transpose()?;
    let (from, to) = (period_bound(from)?, period_bound(to)?);
    Ok(logs_where(sim, |l| {
        log_time(l).is_some_and(|t| t >= from && t <= to)
            && event.is_none_or(|e| l["event_type"] == e)
    }))
}

async fn logs_fromto(
    State(sim): State<Ef45Sim>,
    Path((from, to)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    Ok(paging.envelope(period(&sim, None, &from, &to)?))
}

async fn logs_fromto_type(
    State(sim): State<Ef45Sim>,
    Path((event, from, to)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    Ok(paging.envelope(period(&sim, Some(&event), &from, &to)?))
}

async fn logs_count(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(axum::Json(json!({"count": sim.store().logs.len()})).into_response())
}

async fn logs_count_period(
    State(sim): State<Ef45Sim>,
    Path((from, to)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let count = period(&sim, None, &from, &to)?.len();
    Ok(axum::Json(json!({"count": count})).into_response())
}

async fn logs_count_type(
    State(sim): State<Ef45Sim>,
    Path((event, from, to)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let count = period(&sim, Some(&event), &from, &to)?.len();
    Ok(axum::Json(json!({"count": count})).into_response())
}

fn log_id(text: &str) -> Result<i64, Reject> {
    text.parse()
        .map_err(|_| bad(format!("log id {text:?} is not an integer")))
}

fn log_not_found() -> Reject {
    Reject::new(
        StatusCode::NOT_FOUND,
        404,
        "NOT_FOUND",
        "no log with this id",
    )
}

async fn log_get(
    State(sim): State<Ef45Sim>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let id = log_id(&id)?;
    let item = sim
        .store()
        .logs
        .get(&id)
        .cloned()
        .ok_or_else(log_not_found)?;
    Ok(axum::Json(item).into_response())
}

async fn log_delete(
    State(sim): State<Ef45Sim>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let id = log_id(&id)?;
    sim.store().logs.remove(&id).ok_or_else(log_not_found)?;
    Ok(no_content())
}

/// `DELETE logs?min=&max=` (both required, ids inclusive).
async fn logs_delete_range(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let (min, max) = id_range(&Query::parse(&uri, &["min", "max"])?, true)?;
    sim.store().logs.retain(|id, _| *id < min || *id > max);
    Ok(no_content())
}

/// `DELETE logs/db`: every log (204; no answer is documented).
async fn logs_delete_all(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store().logs.clear();
    Ok(no_content())
}
