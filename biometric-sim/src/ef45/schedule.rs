//! The device's schedules (sheet Schedule): schedule info, special days and schedule types,
//! the device schedule, and deleting them all.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Map, Value};

use super::Ef45Sim;
use super::user_schedule::is_group_index;
use super::wire::{
    DEFAULT_PAGE_SIZE, Kind, Paging, Query, Reject, bad, check_fields, json_object, no_body,
    no_content, not_found, optional_json_object, require_keys,
};

/// One of the three item tables: its path, keys and types, required keys and identifying keys.
struct Table {
    name: &'static str,
    fields: &'static [(&'static str, Kind)],
    required: &'static [&'static str],
    /// The keys that identify an item (the fake's reading: the keys the DELETE call takes).
    identity: &'static [&'static str],
}

/// `schedule/schedule-info`. `sc_start_date` is the one key marked not required.
const INFO: Table = Table {
    name: "schedule-info",
    fields: &[
        ("sc_idx", Kind::Int),
        ("si_idx", Kind::Int),
        ("st_idx", Kind::Int),
        ("sc_type", Kind::Text),
        ("sc_cond", Kind::Text),
        ("sc_re_day", Kind::Int),
        ("sc_start_date", Kind::Text),
    ],
    required: &[
        "sc_idx",
        "si_idx",
        "st_idx",
        "sc_type",
        "sc_cond",
        "sc_re_day",
    ],
    identity: &["sc_idx", "si_idx"],
};

/// `schedule/specialday-info` (`sd_type` a string since spec 1.3.6).
const SPECIAL_DAY: Table = Table {
    name: "specialday-info",
    fields: &[
        ("sd_type", Kind::Text),
        ("uuid", Kind::Text),
        ("sd_date", Kind::Text),
        ("st_idx", Kind::Int),
    ],
    required: &["sd_type", "uuid", "sd_date", "st_idx"],
    identity: &["sd_type", "uuid", "sd_date"],
};

/// `schedule/type-info`.
const TYPE: Table = Table {
    name: "type-info",
    fields: &[
        ("sti_idx", Kind::Int),
        ("st_idx", Kind::Int),
        ("sti_start_time", Kind::Text),
        ("sti_end_time", Kind::Text),
        ("sti_type", Kind::Text),
    ],
    required: &[
        "sti_idx",
        "st_idx",
        "sti_start_time",
        "sti_end_time",
        "sti_type",
    ],
    identity: &["sti_idx"],
};

/// An identifying value, ordered (integers as numbers).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum KeyPart {
    Int(i64),
    Text(String),
}

type Items = BTreeMap<Vec<KeyPart>, Map<String, Value>>;

/// The Schedule sheet's state.
#[derive(Default)]
pub(super) struct Schedules {
    info: Items,
    special_days: Items,
    types: Items,
    device_schedule: Option<i64>,
}

impl Schedules {
    fn items(&mut self, table: &Table) -> &mut Items {
        match table.name {
            "schedule-info" => &mut self.info,
            "specialday-info" => &mut self.special_days,
            _ => &mut self.types,
        }
    }
}

/// The Schedule calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route(
            "/1.0/schedule/schedule-info",
            get(info_get)
                .post(info_post)
                .put(info_put)
                .delete(info_delete),
        )
        .route(
            "/1.0/schedule/specialday-info",
            get(special_day_get)
                .post(special_day_post)
                .put(special_day_put)
                .delete(special_day_delete),
        )
        .route(
            "/1.0/schedule/type-info",
            get(type_get)
                .post(type_post)
                .put(type_put)
                .delete(type_delete),
        )
        .route("/1.0/schedule/device-schedule", post(device_schedule))
        .route("/1.0/schedule/all", delete(delete_all))
}

impl Ef45Sim {
    /// The stored schedule-info items, in (`sc_idx`, `si_idx`) order.
    pub fn schedule_info(&self) -> Vec<Value> {
        listed(&self.store().schedules.info)
    }

    /// The stored special days, in (`sd_type`, `uuid`, `sd_date`) order.
    pub fn special_days(&self) -> Vec<Value> {
        listed(&self.store().schedules.special_days)
    }

    /// The stored schedule types, in `sti_idx` order.
    pub fn schedule_types(&self) -> Vec<Value> {
        listed(&self.store().schedules.types)
    }

    /// The `sc_idx` of the last `POST schedule/device-schedule`, until `DELETE schedule/all`.
    pub fn device_schedule(&self) -> Option<i64> {
        self.store().schedules.device_schedule
    }
}

fn listed(items: &Items) -> Vec<Value> {
    items.values().cloned().map(Value::Object).collect()
}

/// The identity of `item` in `table` (its identifying keys, present and typed).
fn identity(table: &Table, item: &Map<String, Value>) -> Vec<KeyPart> {
    table
        .identity
        .iter()
        .map(|key| match &item[*key] {
            Value::String(text) => KeyPart::Text(text.clone()),
            other => KeyPart::Int(other.as_i64().unwrap_or_default()),
        })
        .collect()
}

/// The sheet's one date example, `2018-09-05`: `yyyy-mm-dd`, a real date.
fn is_day(text: &str) -> bool {
    text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// One item: the table's keys and types, its required keys, and the forms the sheets give
/// (`sc_idx` 1 to 999999 as the User-schedule sheet gives group indexes, `sd_date` as in the
/// example). The other strings' forms (`sc_type`, `sc_cond`, `sc_start_date`,
/// `sti_start_time`...) are not documented and not checked.
fn check_item(table: &Table, item: &Value, at: &str) -> Result<Map<String, Value>, Reject> {
    let map = item
        .as_object()
        .ok_or_else(|| bad(format!("{at} must be an object")))?;
    check_fields(map, table.fields, at)?;
    require_keys(map, table.required, at)?;
    if let Some(n) = map.get("sc_idx").and_then(Value::as_i64)
        && (n == -1 || !is_group_index(n))
    {
        return Err(bad(format!("{at}.sc_idx {n} is not 1..=999999")));
    }
    if let Some(day) = map.get("sd_date").and_then(Value::as_str)
        && !is_day(day)
    {
        return Err(bad(format!("{at}.sd_date {day:?} is not yyyy-mm-dd")));
    }
    Ok(map.clone())
}

/// `GET`: the list envelope of every item, or of those matching the JSON body's keys. The sheet
/// lists `sc_idx`/`si_idx` (`sti_idx` for types) as JSON parameters of this GET, while its URL
/// example sends no body: the fake's reading is an optional filter.
fn list(
    sim: &Ef45Sim,
    table: &Table,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let filter = optional_json_object(headers, body)?.unwrap_or_default();
    let filter_fields: Vec<(&str, Kind)> = table
        .fields
        .iter()
        .filter(|(name, _)| table.identity.contains(name))
        .copied()
        .collect();
    check_fields(&filter, &filter_fields, table.name)?;
    let items = sim
        .store()
        .schedules
        .items(table)
        .values()
        .filter(|item| filter.iter().all(|(k, v)| item.get(k) == Some(v)))
        .cloned()
        .map(Value::Object)
        .collect();
    Ok(whole_list(items))
}

fn whole_list(items: Vec<Value>) -> Response {
    Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items)
}

/// `POST` `{"size": n, "items": [...]}`: `size` must be the number of items, every item valid
/// and new (not stored, not twice in the request). A refusal answers 400 with the request's
/// items in the list envelope, as the sheet says ("the request items are returned as a response
/// with the error message"); success answers 200 with no items (the HTTP status is not
/// documented).
fn register(
    sim: &Ef45Sim,
    table: &Table,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let map = json_object(headers, body)?;
    let Some(Value::Array(sent)) = map.get("items") else {
        return Err(bad(format!("{}.items is required (an array)", table.name)));
    };
    let refuse = |reject: Reject| reject.with_items(sent.clone());
    check_fields(
        &map,
        &[("size", Kind::Int), ("items", Kind::Array)],
        table.name,
    )
    .map_err(refuse)?;
    let size = map.get("size").and_then(Value::as_i64);
    if size != Some(sent.len() as i64) {
        return Err(refuse(bad(format!(
            "{}.size {size:?} is not the number of items ({})",
            table.name,
            sent.len()
        ))));
    }
    let mut new = Items::new();
    for (i, item) in sent.iter().enumerate() {
        let item =
            check_item(table, item, &format!("{}.items[{i}]", table.name)).map_err(refuse)?;
        if new.insert(identity(table, &item), item).is_some() {
            return Err(refuse(bad(format!(
                "{}.items[{i}] is given twice",
                table.name
            ))));
        }
    }
    let mut store = sim.store();
    let stored = store.schedules.items(table);
    if new.keys().any(|key| stored.contains_key(key)) {
        return Err(refuse(bad(format!(
            "an item of {} is already registered",
            table.name
        ))));
    }
    stored.extend(new);
    Ok(whole_list(Vec::new()))
}

/// `PUT`: one item as the body, replacing the stored item with the same identity; 201, as the
/// sheet documents. An item not stored is a 404 (the fake's choice; the sheet is silent).
fn update(
    sim: &Ef45Sim,
    table: &Table,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let item = check_item(
        table,
        &Value::Object(json_object(headers, body)?),
        table.name,
    )?;
    let mut store = sim.store();
    let stored = store
        .schedules
        .items(table)
        .get_mut(&identity(table, &item))
        .ok_or_else(|| not_found(format!("no such {} item", table.name)))?;
    *stored = item;
    Ok(StatusCode::CREATED.into_response())
}

/// Removes the items matching every `(key, value)` of `matching`; 204, or 404 when none did
/// (the fake's choice).
fn remove_matching(sim: &Ef45Sim, table: &Table, matching: &Map<String, Value>) -> Response {
    let mut store = sim.store();
    let items = store.schedules.items(table);
    let before = items.len();
    items.retain(|_, item| !matching.iter().all(|(k, v)| item.get(k) == Some(v)));
    if items.len() == before {
        not_found(format!("no matching {} item", table.name)).into_response()
    } else {
        no_content()
    }
}

/// `DELETE` with a JSON body of the table's identifying keys. The first one is required
/// (`sc_idx`, `sti_idx`); `si_idx`, not marked required, narrows the deletion. The sheet also
/// lists a `uuid` path parameter for schedule-info, but its URL has no path segment for it: the
/// fake's reading is that there is none (a path segment is 404).
fn remove(
    sim: &Ef45Sim,
    table: &Table,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Reject> {
    Query::parse(uri, &[])?;
    let map = json_object(headers, body)?;
    let fields: Vec<(&str, Kind)> = table
        .fields
        .iter()
        .filter(|(name, _)| table.identity.contains(name))
        .copied()
        .collect();
    check_fields(&map, &fields, table.name)?;
    require_keys(&map, &table.identity[..1], table.name)?;
    Ok(remove_matching(sim, table, &map))
}

async fn info_get(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    list(&sim, &INFO, &uri, &headers, &body)
}

async fn info_post(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    register(&sim, &INFO, &uri, &headers, &body)
}

async fn info_put(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    update(&sim, &INFO, &uri, &headers, &body)
}

async fn info_delete(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    remove(&sim, &INFO, &uri, &headers, &body)
}

async fn type_get(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    list(&sim, &TYPE, &uri, &headers, &body)
}

async fn type_post(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    register(&sim, &TYPE, &uri, &headers, &body)
}

async fn type_put(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    update(&sim, &TYPE, &uri, &headers, &body)
}

async fn type_delete(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    remove(&sim, &TYPE, &uri, &headers, &body)
}

/// The special-day query (GET and DELETE, since spec 1.3.6): `sd_type` and `uuid` required,
/// `sd_date` (`yyyy-mm-dd`) optional, as the sheet marks them.
fn special_day_query(uri: &Uri) -> Result<Map<String, Value>, Reject> {
    let query = Query::parse(uri, &["sd_type", "uuid", "sd_date"])?;
    let mut matching = Map::new();
    for key in ["sd_type", "uuid", "sd_date"] {
        match query.get(key) {
            Some(value) => {
                matching.insert(key.to_owned(), Value::String(value.to_owned()));
            }
            None if key == "sd_date" => {}
            None => return Err(bad(format!("{key} is required"))),
        }
    }
    if let Some(day) = query.get("sd_date")
        && !is_day(day)
    {
        return Err(bad(format!("sd_date {day:?} is not yyyy-mm-dd")));
    }
    Ok(matching)
}

async fn special_day_get(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let matching = special_day_query(&uri)?;
    let items = sim
        .store()
        .schedules
        .special_days
        .values()
        .filter(|item| matching.iter().all(|(k, v)| item.get(k) == Some(v)))
        .cloned()
        .map(Value::Object)
        .collect();
    Ok(whole_list(items))
}

async fn special_day_post(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    register(&sim, &SPECIAL_DAY, &uri, &headers, &body)
}

async fn special_day_put(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    update(&sim, &SPECIAL_DAY, &uri, &headers, &body)
}

async fn special_day_delete(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let matching = special_day_query(&uri)?;
    Ok(remove_matching(&sim, &SPECIAL_DAY, &matching))
}

/// `POST schedule/device-schedule?sc_idx=` (required, 1 to 999999): 201, as documented. The
/// schedule need not be registered first (the sheet is silent).
async fn device_schedule(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    no_body(&body, "schedule/device-schedule")?;
    let query = Query::parse(&uri, &["sc_idx"])?;
    let sc_idx = query
        .int("sc_idx", 1..=999_999)?
        .ok_or_else(|| bad("sc_idx is required"))?;
    sim.store().schedules.device_schedule = Some(sc_idx);
    Ok(StatusCode::CREATED.into_response())
}

/// `DELETE schedule/all`: schedule info, special days, types and the device schedule (the
/// Schedule sheet's data; user schedules, another sheet, stay). 204, as documented.
async fn delete_all(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store().schedules = Schedules::default();
    Ok(no_content())
}
