//! Every public call of the crate against a device that refuses it with code 1102
//! ("Unavailable accessToken!"), once under HTTP 200 and once under HTTP 400: nothing in the
//! workbook promises a 4xx with a device code, so each call must read the body's code before
//! decoding its payload. The refusal means the call was not executed: the client locks again
//! and sends it once more, then returns the typed device failure.
//!
//! The table is checked against the crate's sources: a public call added later without a row
//! here fails `every_public_call_is_in_the_table`.

use std::future::Future;
use std::pin::Pin;

use crate::common::*;
use ef45_client::chrono::{NaiveDate, NaiveDateTime};
use ef45_client::{
    BiometricText, BitmapKind, CameraMode, CameraSettings, CaptureEnrollment, CaptureModes,
    CardEntry, Client, ConfigKind, ConfigValue, DataVersion, DatabaseFile, DeviceFailure, DoorMode,
    Error, EventType, Face, FaceSubId, FirmwareMode, FirmwareUpload, Image, LogFilter,
    ManualCommand, MatchPolling, NewUser, ResponseCode, RetryPolicy, ScheduleInfo, ScheduleType,
    SpecialDay, Subject, UploadSource, UserInfo, UserSchedule,
};
use futures_util::{Stream, StreamExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type Outcome = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// One public call, made with arguments the crate accepts before any I/O.
struct Case {
    name: &'static str,
    run: fn(Client) -> Outcome,
    /// Calls sent without the lock (nothing to renew): sent once.
    unlocked: bool,
}

macro_rules! case {
    ($name:ident, |$d:ident| $call:expr) => {
        Case {
            name: stringify!($name),
            run: |$d: Client| Box::pin(async move { $call.await.map(drop) }),
            unlocked: false,
        }
    };
    ($name:ident, unlocked, |$d:ident| $call:expr) => {
        Case {
            name: stringify!($name),
            run: |$d: Client| Box::pin(async move { $call.await.map(drop) }),
            unlocked: true,
        }
    };
}

/// The first item of a stream (a stream's first page is its first call).
async fn first<T>(stream: impl Stream<Item = Result<T, Error>>) -> Result<(), Error> {
    let mut stream = std::pin::pin!(stream);
    match stream.next().await {
        Some(item) => item.map(drop),
        None => panic!("the stream ended without an item or an error"),
    }
}

fn subject() -> Subject {
    Subject::new("1001", "Kim").templates(BiometricText::new("AAAA"), BiometricText::new("AAAA"))
}

fn face() -> Face {
    Face::new("1001", FaceSubId::Color, BiometricText::new("AAAA"))
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 4, 8).unwrap()
}

fn at(hour: u32) -> NaiveDateTime {
    day().and_hms_opt(hour, 0, 0).unwrap()
}

fn jpeg() -> Image {
    Image::from_bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0xFF, 0xD9].to_vec())
}

fn firmware() -> UploadSource {
    UploadSource::bytes(vec![7u8; 9])
}

fn cases() -> Vec<Case> {
    vec![
        // Common
        case!(change_password, unlocked, |d| d
            .change_password("cmi1003", "new")),
        case!(force_change_password, unlocked, |d| d
            .force_change_password("cmi1003", "new")),
        case!(execute, |d| d.execute(biometric_core::Operation::<
            serde_json::Value,
        >::new(
            "ef45.raw",
            biometric_core::Method::GET,
            "subjects/count"
        ))),
        // Camera
        case!(camera, |d| d.camera()),
        case!(set_camera, |d| d.set_camera(&CameraSettings::new(
            "EB0022A002929",
            CameraMode::Slave,
            true
        ))),
        case!(set_camera_mode, |d| d.set_camera_mode(CameraMode::Slave)),
        case!(set_device_time, |d| d.set_device_time(at(14))),
        case!(start_camera, |d| d.start_camera(CaptureModes::new().face())),
        case!(stop_camera, |d| d.stop_camera()),
        case!(start_match_template, |d| d.start_match_template(
            "1c0539ba-c50a-4bc7-b174-2e9faee8d596",
            &subject()
        )),
        // Biometric-data
        case!(biometric_data, |d| d.biometric_data(DataVersion::Ver1)),
        case!(delete_biometric_data, |d| d
            .delete_biometric_data("1c0539ba-c50a-4bc7-b174-2e9faee8d596")),
        case!(save_bitmap, |d| d.save_bitmap(
            BitmapKind::Face24Bit,
            "/usr/local/share/CMITECH/Images/faroff.bmp",
            &jpeg(),
            2,
            2
        )),
        case!(load_file, |d| d
            .load_file("/usr/local/share/CMITECH/Images/1001_faroff.jpg")),
        case!(save_file, |d| d.save_file(
            "/usr/local/share/CMITECH/Images/1001_faroff.jpg",
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0xFF, 0xD9]
        )),
        case!(delete_file, |d| d.delete_file(
            "/usr/local/share/CMITECH/Images/1001_faroff.jpg"
        )),
        case!(enroll_by_capture, |d| async move {
            d.enroll_by_capture(subject(), CaptureEnrollment::new())
                .await
                .map_err(|e| e.source)
        }),
        // Subject
        case!(subjects, |d| d.subjects()),
        case!(subjects_page, |d| d.subjects_page(1, Some(10))),
        case!(subjects_stream, |d| first(d.subjects_stream(Some(10)))),
        case!(subject, |d| d.subject("1001")),
        case!(create_subject, |d| d.create_subject(&subject())),
        case!(update_subject, |d| d.update_subject(&subject())),
        case!(delete_subject, |d| d.delete_subject("1001")),
        case!(subject_count, |d| d.subject_count()),
        case!(record_version, |d| d.record_version()),
        case!(find_duplicate, |d| d.find_duplicate(&subject())),
        // User_info
        case!(user_infos, |d| d.user_infos()),
        case!(user_infos_page, |d| d.user_infos_page(1, Some(10))),
        case!(user_infos_stream, |d| first(d.user_infos_stream(Some(10)))),
        case!(user_info_by_card, |d| d
            .user_info_by_card(&"65 D8 A1 BD".parse().unwrap())),
        case!(user_info, |d| d.user_info("1001")),
        case!(create_user_info, |d| d
            .create_user_info(&UserInfo::new("1001"))),
        case!(update_user_info, |d| d
            .update_user_info(&UserInfo::new("1001"))),
        case!(delete_user_info, |d| d.delete_user_info("1001")),
        case!(set_schedule_codes, |d| d.set_schedule_codes(&[("1001", 1)])),
        // Face
        case!(faces, |d| d.faces()),
        case!(faces_page, |d| d.faces_page(1, Some(10))),
        case!(faces_stream, |d| first(d.faces_stream(Some(10)))),
        case!(user_faces, |d| d.user_faces("1001")),
        case!(face, |d| d.face("1001", FaceSubId::Color)),
        case!(create_face, |d| d.create_face(&face())),
        case!(update_face, |d| d.update_face(&face())),
        case!(delete_face, |d| d.delete_face("1001", FaceSubId::Color)),
        case!(delete_faces, |d| d.delete_faces("1001")),
        // User and Card
        case!(enroll_user, |d| d.enroll_user(
            &NewUser::new(subject(), UserInfo::new("1001")).face(face())
        )),
        case!(delete_user, |d| d.delete_user("1001")),
        case!(delete_users, |d| d.delete_users(&[1001, 1002])),
        case!(cards, |d| d.cards("1001")),
        case!(register_cards, |d| d.register_cards(
            "1001",
            &[CardEntry::new(0, "65 D8 A1 BD".parse().unwrap())]
        )),
        case!(delete_cards, |d| d.delete_cards("1001")),
        // Config
        case!(config, |d| d
            .config("launcher.device.door.relay", ConfigKind::Int)),
        case!(set_config, |d| d.set_config(
            "launcher.device.door.relay",
            &ConfigValue::Int(1)
        )),
        case!(door_status, |d| d.door_status()),
        case!(set_relay, |d| d.set_relay(Some(true), Some(3))),
        // Match-data
        case!(match_data, |d| d.match_data()),
        case!(ack_match, |d| d
            .ack_match("1c0539ba-c50a-4bc7-b174-2e9faee8d596")),
        case!(match_events, |d| first(d.match_events(MatchPolling::new()))),
        case!(handle_match_events, |d| d
            .handle_match_events(MatchPolling::new(), |_| async {
                Ok::<(), String>(())
            })),
        // Log
        case!(logs, |d| d.logs()),
        case!(logs_page, |d| d.logs_page(1, Some(10))),
        case!(recent_logs, |d| d.recent_logs(10)),
        case!(logs_stream, |d| first(d.logs_stream(Some(10)))),
        case!(logs_by_id_page, |d| d.logs_by_id_page(1..=10, 1, Some(10))),
        case!(logs_by_id_stream, |d| first(
            d.logs_by_id_stream(1..=10, Some(10))
        )),
        case!(logs_from_count, |d| d.logs_from_count(1, 10)),
        case!(logs_by_type_page, |d| d.logs_by_type_page(
            &LogFilter::new().event_type(EventType::Recognition),
            1
        )),
        case!(logs_by_type_stream, |d| first(
            d.logs_by_type_stream(LogFilter::new().ids(1..=10))
        )),
        case!(log, |d| d.log(68)),
        case!(logs_since, |d| d.logs_since(day())),
        case!(logs_between, |d| d.logs_between(
            day(),
            day().succ_opt().unwrap(),
            None
        )),
        case!(log_count, |d| d.log_count()),
        case!(log_count_between, |d| d.log_count_between(
            day(),
            day().succ_opt().unwrap(),
            None
        )),
        case!(count_logs_by_walking, |d| d.count_logs_by_walking(
            day(),
            day().succ_opt().unwrap(),
            None
        )),
        case!(delete_logs, |d| d.delete_logs(1..=10)),
        case!(delete_log, |d| d.delete_log(68)),
        case!(delete_all_logs, |d| d.delete_all_logs()),
        // Preview
        case!(preview, |d| d.preview()),
        case!(preview_frames, |d| first(
            d.preview_frames(std::time::Duration::from_millis(1))
        )),
        // Firmware
        case!(upload_firmware_from, |d| async move {
            d.upload_firmware_from(firmware(), FirmwareUpload::new().unit_size(3))
                .await
                .map_err(|e| e.source)
        }),
        case!(upload_firmware, |d| async move {
            d.upload_firmware(&[7u8; 9][..], 9, FirmwareUpload::new().unit_size(3))
                .await
                .map_err(|e| e.source)
        }),
        case!(upload_firmware_file, |d| async move {
            let file = std::env::temp_dir().join(format!("ef45-fw-{}", std::process::id()));
            std::fs::write(&file, [7u8; 9]).unwrap();
            d.upload_firmware_file(&file, FirmwareUpload::new().unit_size(3))
                .await
                .map_err(|e| e.source)
        }),
        case!(abort_firmware_upload, |d| d
            .abort_firmware_upload(FirmwareMode::Normal)),
        // Database
        case!(database_size, |d| d.database_size(DatabaseFile::Main)),
        case!(download_database, |d| async move {
            d.download_database(DatabaseFile::Main, &mut Vec::new())
                .await
        }),
        case!(download_database_parts, |d| async move {
            d.download_database_parts(DatabaseFile::EyeLockPart, &mut Vec::new(), |_| {})
                .await
        }),
        case!(upload_database, |d| async move {
            d.upload_database(DatabaseFile::Main, &[7u8; 9][..], 9, |_| {})
                .await
                .map_err(|e| e.source)
        }),
        case!(upload_database_from, |d| async move {
            d.upload_database_from(DatabaseFile::EyeLockFull, firmware(), |_| {})
                .await
                .map_err(|e| e.source)
        }),
        // Control
        case!(control, |d| d
            .control(&ManualCommand::new().recog_start(true))),
        case!(start_card_input, |d| d.start_card_input()),
        case!(card_input, |d| d.card_input()),
        case!(stop_card_input, |d| d.stop_card_input()),
        case!(clear_anti_passback, |d| d.clear_anti_passback("1001")),
        case!(clear_all_anti_passback, |d| d.clear_all_anti_passback()),
        case!(set_door_mode, |d| d.set_door_mode(DoorMode::StayClosed)),
        case!(door_mode, |d| d.door_mode()),
        // User-schedule
        case!(user_schedule, |d| d.user_schedule("1001")),
        case!(create_user_schedule, |d| d.create_user_schedule(
            &UserSchedule::new("1001", at(8), at(18))
        )),
        case!(update_user_schedule, |d| d.update_user_schedule(
            &UserSchedule::new("1001", at(8), at(18))
        )),
        case!(delete_user_schedule, |d| d.delete_user_schedule("1001")),
        // Schedule
        case!(schedules, |d| d.schedules()),
        case!(schedules_filtered, |d| d.schedules_filtered(1, Some(1))),
        case!(register_schedules, |d| d.register_schedules(&[
            ScheduleInfo::new(1, 1, 1, "W", "1111111", 0)
        ])),
        case!(update_schedule, |d| d.update_schedule(&ScheduleInfo::new(
            1, 1, 1, "W", "1111111", 0
        ))),
        case!(delete_schedule, |d| d.delete_schedule(1, Some(1))),
        case!(register_device_schedule, |d| d.register_device_schedule(1)),
        case!(delete_all_schedules, |d| d.delete_all_schedules()),
        case!(special_days, |d| d.special_days("H", "1001", Some(day()))),
        case!(register_special_days, |d| d.register_special_days(&[
            SpecialDay::new("H", "1001", day(), 1)
        ])),
        case!(update_special_day, |d| d
            .update_special_day(&SpecialDay::new("H", "1001", day(), 1))),
        case!(delete_special_days, |d| d.delete_special_days(
            "H",
            "1001",
            Some(day())
        )),
        case!(schedule_types, |d| d.schedule_types()),
        case!(schedule_types_filtered, |d| d.schedule_types_filtered(1)),
        case!(register_schedule_types, |d| d.register_schedule_types(&[
            ScheduleType::new(1, 1, "0800", "1800", "N")
        ])),
        case!(update_schedule_type, |d| d.update_schedule_type(
            &ScheduleType::new(1, 1, "0800", "1800", "N")
        )),
        case!(delete_schedule_type, |d| d.delete_schedule_type(1)),
    ]
}

/// The calls that are not in the table, and why: the session itself (tested in session.rs
/// against stale locks) and the raw version read.
const NOT_IN_TABLE: &[&str] = &[
    "lock",
    "take_over",
    "close",
    "version",
    "app_version",
    "ack",
    "with_options",
];

const REFUSAL: &str = r#"{"status_code":1102,"reason_phrase":"Unavailable accessToken!"}"#;

/// A device that locks (a new lock each time), reports the newest application, and refuses
/// every other call with 1102 under `status`.
async fn refusing_device(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1.0/lock"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "lock_uid": LOCK
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/1.0/version"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"version": "2.2.41"})),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/json")
                .set_body_string(REFUSAL),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

async fn every_call_reads_the_device_code_under(status: u16) {
    let mut failures = Vec::new();
    for case in cases() {
        let server = refusing_device(status).await;
        let result = (case.run)(client(&server)).await;
        let locks = requests_to(&server, "/1.0/lock").await.len();
        let sent = calls(&server).await.len();
        let expected_locks = if case.unlocked { 0 } else { 2 };
        match result {
            Ok(()) => failures.push(format!("{}: Ok on a refusal", case.name)),
            Err(err) => {
                let code = DeviceFailure::from_error(&err).and_then(|f| f.code);
                if code != Some(ResponseCode::UnavailableAccessToken) {
                    failures.push(format!("{}: not a typed 1102: {err:?}", case.name));
                } else if locks != expected_locks {
                    failures.push(format!(
                        "{}: {locks} locks, {expected_locks} expected (one renewal)",
                        case.name
                    ));
                } else if !case.unlocked && sent != 2 {
                    failures.push(format!(
                        "{}: sent {sent} times, 2 expected (the refused call once more in \
                         the new lock)",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "under HTTP {status}:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_call_reads_the_device_code_under_http_200() {
    every_call_reads_the_device_code_under(200).await;
}

#[tokio::test]
async fn every_call_reads_the_device_code_under_http_400() {
    every_call_reads_the_device_code_under(400).await;
}

/// Every `pub async fn` of the crate's sources, and every `pub fn` returning a stream, is a
/// row of the table or named in [`NOT_IN_TABLE`].
#[test]
fn every_public_call_is_in_the_table() {
    let table: Vec<&str> = cases().iter().map(|c| c.name).collect();
    let src = format!("{}/src", env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            let line = line.trim_start();
            let name = if let Some(rest) = line.strip_prefix("pub async fn ") {
                rest
            } else if let Some(rest) = line.strip_prefix("pub fn ") {
                // A stream is a call too: its signature names `Stream` within a few lines.
                let signature: String = std::iter::once(rest)
                    .chain(lines.clone().take(4).map(str::trim))
                    .collect();
                if !signature.contains("impl Stream") {
                    continue;
                }
                rest
            } else {
                continue;
            };
            let name = name.split(['(', '<']).next().unwrap();
            if !table.contains(&name) && !NOT_IN_TABLE.contains(&name) {
                missing.push(name.to_owned());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "public calls without a row: {missing:?}"
    );
}

/// The rustdoc of every public call, by name, from the crate's sources.
fn docs() -> std::collections::HashMap<String, String> {
    let src = format!("{}/src", env!("CARGO_MANIFEST_DIR"));
    let mut docs = std::collections::HashMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut doc = String::new();
        for line in text.lines().map(str::trim_start) {
            if let Some(rest) = line.strip_prefix("///") {
                doc.push_str(rest);
                doc.push('\n');
            } else if let Some(rest) = line
                .strip_prefix("pub async fn ")
                .or_else(|| line.strip_prefix("pub fn "))
            {
                let name = rest.split(['(', '<']).next().unwrap().to_owned();
                docs.insert(name, std::mem::take(&mut doc));
            } else if !line.starts_with("#[") {
                doc.clear();
            }
        }
    }
    docs
}

/// Calls whose docs describe their resends step by step rather than with one marker: a
/// sequence of calls (transfers, the enrolment, the polling streams) or the raw escape hatch.
const SEQUENCES: &[&str] = &[
    "execute",
    "enroll_by_capture",
    "match_events",
    "handle_match_events",
    "preview_frames",
    "upload_firmware",
    "upload_firmware_from",
    "upload_firmware_file",
    "upload_database",
    "upload_database_from",
];

/// Each call's rustdoc says whether it is resent after a failure; the engine must agree. Against
/// a device that answers 503 to everything and a client allowed two attempts, a call documented
/// "**Resent**" is sent twice and one documented "**Not resent**" once. (A call resent only in
/// some forms says both; the table above uses the form that is resent.)
#[tokio::test]
async fn every_call_is_resent_exactly_as_its_docs_say() {
    let docs = docs();
    let mut failures = Vec::new();
    for case in cases() {
        let doc = &docs[case.name];
        let (resent, not_resent) = (doc.contains("**Resent**"), doc.contains("**Not resent**"));
        if SEQUENCES.contains(&case.name) {
            continue;
        }
        if !resent && !not_resent {
            failures.push(format!(
                "{}: the docs do not say whether it is resent",
                case.name
            ));
            continue;
        }
        let expected = if resent { 2 } else { 1 };
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/1.0/lock"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "lock_uid": LOCK
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/1.0/version"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"version": "2.2.41"})),
            )
            .mount(&server)
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
                "status_code": 503, "reason_phrase": "SERVICE_UNAVAILABLE"
            })))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        let device = Client::builder(server.uri())
            .credentials(ID, PASSWD)
            .http(|h| {
                h.retry(
                    RetryPolicy::default()
                        .max_attempts(2)
                        .initial_backoff(std::time::Duration::from_millis(1)),
                )
            })
            .build()
            .unwrap();
        let result = (case.run)(device).await;
        let sent = calls(&server).await.len();
        if result.is_ok() || sent != expected {
            failures.push(format!(
                "{}: sent {sent} times, the docs say {expected} ({result:?})",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
