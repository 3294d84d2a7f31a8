//! The EF-45 client against the fake device: the example flow end to end, a lock the device
//! dropped, device errors, and the admin calls the flow does not show.

use biometric_sim::ef45::{Ef45Config, Ef45Sim};
use ef45_client::chrono::NaiveDate;
use ef45_client::{
    Client, ConfigKind, ConfigValue, DeviceFailure, DoorMode, ManualCommand, ResponseCode,
    SensorState, UserSchedule,
};
use examples::flows::ef45::{Summary, run};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn device() -> (Ef45Sim, Client, biometric_sim::Running) {
    let config = Ef45Config::default();
    let sim = Ef45Sim::new(config.clone());
    let running = sim.start().await.unwrap();
    // The DEFAULT retry policy: what an application gets without configuring anything.
    let client = Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .build()
        .unwrap();
    (sim, client, running)
}

#[tokio::test]
async fn the_example_flow_gives_the_expected_answers() {
    let (sim, client, _running) = device().await;
    sim.add_logs(150);

    let summary = run(&client, "900001", day(2018, 5, 28), day(2018, 5, 30))
        .await
        .unwrap();
    client.close().await.unwrap();

    assert_eq!(
        summary,
        Summary {
            version: "2.2.41".into(),
            subjects: vec!["900001".into()],
            card: "65 D8 A1 BD".into(),
            logs_in_range: summary.logs_walked as u64,
            logs_walked: summary.logs_walked,
            recognitions: summary.recognitions,
            door_sensor: SensorState::Disabled,
            fallbacks: Vec::new(),
        }
    );
    assert!(summary.logs_walked > 20, "more than one page was walked");
    assert!(summary.recognitions > 0);
    assert_eq!(sim.subject_count(), 1);
    assert_eq!(sim.cards_of("900001"), ["65 D8 A1 BD"]);
    let stats = sim.stats();
    assert_eq!((stats.locks, stats.unlocks), (1, 1));
}

#[tokio::test]
async fn a_lock_the_device_dropped_is_renewed_once_and_the_call_replayed() {
    let (sim, client, _running) = device().await;
    client.lock().await.unwrap();
    sim.expire_lock();

    assert_eq!(client.subject_count().await.unwrap(), 0);

    let stats = sim.stats();
    assert_eq!(stats.locks, 2);
    assert_eq!(stats.stale_refusals, 1);
}

#[tokio::test]
async fn a_device_code_reaches_the_caller_typed() {
    let (sim, client, _running) = device().await;
    client.lock().await.unwrap(); // the injected answer is for the next request, not the lock
    sim.device_error_next(404, 1100);

    let err = client.user_info("nobody").await.unwrap_err();

    let failure = DeviceFailure::from_error(&err).unwrap();
    assert_eq!(failure.code, Some(ResponseCode::UserNotFound));
}

#[tokio::test]
async fn settings_control_and_schedules_round_trip_through_the_device() {
    let (sim, client, _running) = device().await;
    let title = "launcher.device.door.relay";

    client
        .set_config(title, &ConfigValue::Int(3))
        .await
        .unwrap();
    assert_eq!(
        client.config(title, ConfigKind::Int).await.unwrap(),
        ConfigValue::Int(3)
    );
    client.set_relay(Some(true), Some(5)).await.unwrap();
    client.set_door_mode(DoorMode::StayClosed).await.unwrap();
    assert_eq!(client.door_mode().await.unwrap(), DoorMode::StayClosed);
    let status = client
        .control(&ManualCommand::new().recog_start(true))
        .await
        .unwrap();
    assert!(!status.is_empty());

    sim.tag_card("65 D8 A1 BD");
    // Control sheet: "The camera mode should be set to Slave (Enroll mode) first."
    client
        .set_camera_mode(ef45_client::CameraMode::Slave)
        .await
        .unwrap();
    client.start_card_input().await.unwrap();
    let card = client.card_input().await.unwrap().unwrap();
    client.stop_card_input().await.unwrap();
    assert_eq!(card.to_string(), "65 D8 A1 BD");

    let at = |y, h| day(y, 5, 21).and_hms_opt(h, 0, 0).unwrap();
    let schedule = UserSchedule::new("100000", at(2019, 14), at(2020, 14)).enabled(true);
    client.create_user_schedule(&schedule).await.unwrap();
    assert_eq!(client.user_schedule("100000").await.unwrap(), schedule);
    client.delete_user_schedule("100000").await.unwrap();
}

#[tokio::test]
async fn every_log_variant_is_accepted_by_the_strict_device() {
    use ef45_client::{EventType, LogFilter, LogsSince};
    use futures_util::TryStreamExt;
    let (sim, client, _running) = device().await;
    sim.add_logs(120);

    // The fake starts with the Log sheet's own example items; compare with what it holds.
    let all = client.logs().await.unwrap();
    let ids: Vec<i64> = all.iter().map(|l| l.id).collect();
    assert!(
        ids.len() >= 120 && ids.windows(2).all(|w| w[0] < w[1]),
        "{ids:?}"
    );
    let page = client.logs_page(2, Some(10)).await.unwrap();
    assert_eq!(
        page.items.iter().map(|l| l.id).collect::<Vec<_>>(),
        ids[10..20]
    );
    let recent = client.recent_logs(3).await.unwrap();
    let newest: Vec<i64> = ids.iter().rev().take(3).copied().collect();
    assert_eq!(recent.iter().map(|l| l.id).collect::<Vec<_>>(), newest);
    let streamed = client
        .logs_stream(Some(50))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(streamed.len(), ids.len());
    assert_eq!(client.logs_from_count(5, 4).await.unwrap().len(), 4);
    let user_data = client
        .logs_by_type_stream(
            LogFilter::new()
                .event_type(EventType::UserData)
                .ids(1..=120),
        )
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert!(!user_data.is_empty());
    assert!(
        user_data
            .iter()
            .all(|l| l.event_type == EventType::UserData)
    );
    assert_eq!(client.log(68).await.unwrap().info, "Recog/BioOnly/IrisOk");
    assert!(
        !client
            .logs_since(LogsSince::Year(2018))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !client
            .logs_since(LogsSince::Month(2018, 5))
            .await
            .unwrap()
            .is_empty()
    );
    let (from, to) = (day(2018, 5, 28), day(2018, 5, 29));
    let that_day = client.logs_between(from, to, None).await.unwrap();
    assert_eq!(
        client.log_count_between(from, to, None).await.unwrap(),
        that_day.len() as u64
    );
    let recognitions = client
        .log_count_between(from, to, Some(&EventType::Recognition))
        .await
        .unwrap();
    assert!(recognitions <= that_day.len() as u64);
    let total = ids.len() as u64;
    assert_eq!(client.log_count().await.unwrap(), total);

    client.delete_logs(ids[0]..=ids[9]).await.unwrap();
    client.delete_log(ids[50]).await.unwrap();
    assert_eq!(client.log_count().await.unwrap(), total - 11);
    client.delete_all_logs().await.unwrap();
    assert_eq!(client.log_count().await.unwrap(), 0);
}

#[tokio::test]
async fn schedules_and_the_forced_password_change_are_accepted_by_the_strict_device() {
    use ef45_client::{ScheduleInfo, ScheduleType, SpecialDay};
    let (sim, client, _running) = device().await;

    let schedule = ScheduleInfo::new(1, 1, 1, "W", "1111100", 0);
    client
        .register_schedules(std::slice::from_ref(&schedule))
        .await
        .unwrap();
    assert_eq!(
        client.schedules().await.unwrap(),
        std::slice::from_ref(&schedule)
    );
    client.update_schedule(&schedule).await.unwrap();
    let kind = ScheduleType::new(1, 1, "0900", "1800", "A");
    client
        .register_schedule_types(std::slice::from_ref(&kind))
        .await
        .unwrap();
    assert_eq!(client.schedule_types().await.unwrap(), [kind]);
    let special = SpecialDay::new("1", "0001", day(2018, 9, 5), 1);
    client
        .register_special_days(std::slice::from_ref(&special))
        .await
        .unwrap();
    assert_eq!(
        client.special_days("1", "0001", None).await.unwrap(),
        [special]
    );
    client.register_device_schedule(1).await.unwrap();
    assert_eq!(sim.device_schedule(), Some(1));
    client
        .delete_special_days("1", "0001", Some(day(2018, 9, 5)))
        .await
        .unwrap();
    client.delete_schedule_type(1).await.unwrap();
    client.delete_schedule(1, Some(1)).await.unwrap();
    client.delete_all_schedules().await.unwrap();
    assert!(client.schedules().await.unwrap().is_empty());

    client.change_password("cmi1003", "cmi1004").await.unwrap();
    client
        .force_change_password("cmi1004", "cmi1005")
        .await
        .unwrap();
    client.close().await.unwrap();
    client.lock().await.unwrap(); // with the newest password
}

#[tokio::test]
async fn a_503_is_retried_for_a_read_and_never_for_an_enrolment() {
    use ef45_client::{NewUser, Subject, UserInfo};
    let (sim, client, _running) = device().await;
    client.lock().await.unwrap();

    // A read: the default policy retries a transient status.
    sim.fail_next(503, 1);
    assert_eq!(client.subject_count().await.unwrap(), 0);
    let after_read = sim.stats().calls;

    // POST user is not idempotent: the 503 comes back, the user is not sent again.
    sim.fail_next(503, 1);
    let user = NewUser::new(Subject::new("42", "Lee"), UserInfo::new("42"));
    let err = client.enroll_user(&user).await.unwrap_err();

    assert_eq!(
        err.status(),
        Some(ef45_client::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(sim.stats().calls, after_read + 1, "sent exactly once");
    assert_eq!(sim.subject_count(), 0);
}

#[tokio::test]
async fn a_device_slower_than_the_timeout_is_a_timeout_error() {
    use std::time::Duration;
    let config = Ef45Config::default();
    let sim = Ef45Sim::new(config.clone());
    let running = sim.start().await.unwrap();
    let client = Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .http(|h| {
            h.timeout(Duration::from_millis(200))
                .retry(ef45_client::RetryPolicy::disabled())
        })
        .build()
        .unwrap();
    client.lock().await.unwrap();
    sim.delay_next(1, Duration::from_secs(2));

    let err = client.door_status().await.unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn enrolment_by_capture_and_three_recognitions_against_the_fake() {
    use examples::flows::ef45::{CaptureSummary, capture_and_recognise, simulate_person};
    let (sim, client, _running) = device().await;

    let person = simulate_person(&sim, "kim");
    let summary = capture_and_recognise(&client, "900002", 3).await.unwrap();
    drop(person);

    assert_eq!(
        summary,
        CaptureSummary {
            faces: 2,
            iris_templates: true,
            recognised: vec!["900002".into(); 3],
        }
    );
    assert_eq!(sim.subject_count(), 1);
    assert_eq!(
        sim.biometric_data_count(),
        0,
        "the capture was acknowledged"
    );
}

#[tokio::test]
async fn a_capture_of_about_five_megabytes_is_read_whole() {
    use biometric_sim::ef45::{CameraMode, Capture};
    use ef45_client::{CaptureModes, DataVersion};
    let (sim, client, _running) = device().await;
    sim.set_camera_mode(CameraMode::Slave);
    client
        .start_camera(CaptureModes::new().both_eyes().face().glasses())
        .await
        .unwrap();
    let capture = Capture::of("kim").image_bytes(700_000);
    let id = sim.capture(&capture).unwrap();

    let items = client.biometric_data(DataVersion::Ver2).await.unwrap();

    let item = &items[0];
    assert_eq!(item.encounter_id, id);
    assert_eq!(item.left_eye.image.as_ref().unwrap().len(), 700_000);
    assert_eq!(item.left_eye.template.as_str(), capture.left_eye_template());
    assert_eq!(
        item.faces.far_off.feature.as_str(),
        capture.face_feature("far_off_face")
    );
    client.delete_biometric_data(&id).await.unwrap();
    assert_eq!(sim.biometric_data_count(), 0);
}

#[tokio::test]
async fn preview_frames_and_device_time_against_the_fake() {
    use biometric_sim::ef45::CameraMode;
    use ef45_client::CaptureModes;
    let (sim, client, _running) = device().await;
    client.lock().await.unwrap();
    assert_eq!(
        client.preview().await.unwrap(),
        None,
        "no frame before a start"
    );
    sim.set_camera_mode(CameraMode::Slave);
    client
        .start_camera(CaptureModes::new().face())
        .await
        .unwrap();
    let frame = client.preview().await.unwrap();
    assert!(frame.is_some());

    let at = day(2018, 5, 20).and_hms_opt(14, 40, 30).unwrap();
    client.set_device_time(at).await.unwrap();
    assert_eq!(sim.device_time(), Some(at));
}

#[tokio::test]
async fn a_firmware_file_reaches_the_fake_whole_in_order() {
    use biometric_sim::ef45::UploadDigest;
    use examples::flows::ef45::{synthetic_firmware, upload_firmware};
    let (sim, client, _running) = device().await;
    let len = 3 * 786_432 + 1000;
    let file = synthetic_firmware(len).unwrap();

    let summary = upload_firmware(&client, file.path(), false).await.unwrap();

    assert_eq!((summary.units, summary.bytes), (4, len as u64));
    assert_eq!(summary.progress_reports, 4);
    let upload = sim.firmware_upload().unwrap();
    let mut digest = UploadDigest::new();
    digest.update(&std::fs::read(file.path()).unwrap());
    assert_eq!(
        (upload.done, upload.forced, upload.bytes),
        (true, false, len as u64)
    );
    assert_eq!(upload.digest, digest);
}

// ---------------------------------------------------------------------------------------------
// A terminal in the field (issue 18's "done when"): stale locks, an old capture left in the
// buffer, a forced firmware upload, an older application.

/// The whole example flow against `sim`: records and logs, enrolment by capture with three
/// recognitions, a forced firmware upload; the lock released at the end whatever happened.
async fn whole_flow(sim: &Ef45Sim, firmware_len: usize) -> (Summary, u32, Vec<u8>) {
    use examples::flows::ef45::{
        capture_and_recognise, release, simulate_person, synthetic_firmware, upload_firmware,
    };
    let running = sim.start().await.unwrap();
    let config = Ef45Config::default();
    let client = Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .build()
        .unwrap();
    let person = simulate_person(sim, "kim");
    let file = synthetic_firmware(firmware_len).unwrap();
    let outcome: Result<(Summary, u32), Box<dyn std::error::Error>> = async {
        let summary = run(&client, "900001", day(2018, 5, 28), day(2018, 5, 30)).await?;
        let captured = capture_and_recognise(&client, "900002", 3).await?;
        assert_eq!(captured.recognised, vec!["900002".to_owned(); 3]);
        let uploaded = upload_firmware(&client, file.path(), true).await?;
        Ok((summary, uploaded.restarts))
    }
    .await;
    drop(person);
    let (summary, restarts) = release(&client, outcome).await.unwrap();
    (summary, restarts, std::fs::read(file.path()).unwrap())
}

async fn a_terminal_whose_lock_goes_stale_every_third_call(status: u16) {
    use biometric_sim::ef45::{Capture, UploadDigest};
    let sim = Ef45Sim::new(Ef45Config::default());
    sim.add_logs(150);
    let leftover = sim.leave_capture(&Capture::of("someone-earlier"));
    sim.stale_lock_every(3, status);

    let (summary, restarts, firmware) = whole_flow(&sim, 5 * 786_432 + 17).await;

    let stats = sim.stats();
    assert!(stats.stale_refusals >= 5, "the switch struck: {stats:?}");
    assert!(stats.locks > 5, "each stale lock was renewed: {stats:?}");
    assert_eq!(summary.subjects, ["900001"]);
    assert_eq!(
        sim.subject_count(),
        2,
        "900001 and 900002, each created once"
    );
    assert_eq!(
        sim.biometric_data_count(),
        0,
        "the leftover {leftover} and the capture are gone"
    );
    assert!(restarts <= 1, "at most once per upload: {restarts}");
    // Every unit reached the device once, in order, in the upload that finished: none of the
    // lost run was replayed into the new lock.
    let upload = sim.firmware_upload().unwrap();
    let mut digest = UploadDigest::new();
    digest.update(&firmware);
    assert_eq!((upload.done, upload.forced), (true, true));
    assert_eq!(
        (upload.bytes, upload.digest),
        (firmware.len() as u64, digest)
    );
    if restarts == 1 {
        assert_eq!(
            sim.firmware_aborts(),
            1,
            "the restart's start aborted the lost run"
        );
    }
    assert_eq!(sim.current_lock(), None, "unlocked at the end");
}

#[tokio::test]
async fn the_whole_flow_survives_a_lock_going_stale_every_third_call_under_http_200() {
    a_terminal_whose_lock_goes_stale_every_third_call(200).await;
}

#[tokio::test]
async fn the_whole_flow_survives_a_lock_going_stale_every_third_call_under_http_400() {
    a_terminal_whose_lock_goes_stale_every_third_call(400).await;
}

#[tokio::test]
async fn against_application_2_1_40_the_flow_uses_the_fallbacks_and_sends_nothing_too_new() {
    let old = Ef45Sim::new(Ef45Config::default().version("2.1.40"));
    old.add_logs(150);
    let new = Ef45Sim::new(Ef45Config::default());
    new.add_logs(150);

    let (summary, _, _) = whole_flow(&old, 786_432).await;
    let (reference, _, _) = whole_flow(&new, 786_432).await;

    assert_eq!(summary.fallbacks.len(), 2, "{:?}", summary.fallbacks);
    for fallback in &summary.fallbacks {
        assert!(
            fallback.contains("2.1.47") && fallback.contains("2.1.40"),
            "{fallback}"
        );
    }
    assert_eq!(
        summary.logs_in_range, reference.logs_in_range,
        "the walk counts the same"
    );
    assert_eq!(summary.logs_walked, reference.logs_walked);
    assert!(reference.fallbacks.is_empty());
    assert_eq!(
        old.stats().too_old,
        0,
        "every call too new was refused by the client before it was sent (and the lock had no body)"
    );
}

#[tokio::test]
async fn an_upload_whose_lock_goes_stale_on_a_unit_restarts_from_its_start_in_a_new_lock() {
    use biometric_sim::ef45::UploadDigest;
    use examples::flows::ef45::{synthetic_firmware, upload_firmware};
    let (sim, client, _running) = device().await;
    client.lock().await.unwrap();
    // Counting from here: the start call is the first, the first unit the second.
    sim.stale_lock_every(2, 200);
    let file = synthetic_firmware(4 * 786_432).unwrap();

    let summary = upload_firmware(&client, file.path(), false).await.unwrap();

    assert_eq!(summary.restarts, 1);
    assert_eq!(summary.units, 4);
    assert_eq!(
        summary.progress_reports, 4,
        "the refused unit was never acknowledged: progress restarted at the first unit"
    );
    let upload = sim.firmware_upload().unwrap();
    let mut digest = UploadDigest::new();
    digest.update(&std::fs::read(file.path()).unwrap());
    assert_eq!((upload.done, upload.bytes), (true, 4 * 786_432));
    assert_eq!(
        upload.digest, digest,
        "no unit of the lost run in the new lock"
    );
    assert_eq!(
        sim.firmware_aborts(),
        1,
        "the restart's start aborted the lost run"
    );
    let stats = sim.stats();
    assert_eq!((stats.locks, stats.stale_refusals), (2, 1));
}

#[tokio::test]
async fn a_period_streams_window_by_window_with_each_log_once() {
    use futures_util::TryStreamExt;
    use std::time::Duration;
    let (sim, client, _running) = device().await;
    sim.add_logs(150);
    // The fake writes a log every 37 minutes from 14:26:26 and reads a period's end as
    // inclusive: 37-minute windows from the first log put a log on every boundary.
    let from = day(2018, 5, 28).and_hms_opt(14, 26, 26).unwrap();
    let to = from + ef45_client::chrono::TimeDelta::hours(50);

    let whole: Vec<i64> = client
        .logs_between(from, to, None)
        .await
        .unwrap()
        .iter()
        .map(|log| log.id)
        .collect();
    for window in [Duration::from_secs(37 * 60), Duration::from_secs(3600)] {
        let streamed: Vec<i64> = client
            .logs_between_stream(from, to, None, window)
            .map_ok(|log| log.id)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, whole, "window {window:?}");
    }
    assert!(whole.len() > 50, "{}", whole.len());

    let err = client
        .logs_between_stream(from, to, None, Duration::from_millis(1500))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ef45_client::Error::InvalidRequest { ref field, .. } if field == "window"),
        "{err}"
    );
}

#[test]
fn device_time_converts_only_with_the_configured_offset() {
    use ef45_client::chrono::FixedOffset;
    let logged = day(2018, 5, 28).and_hms_opt(14, 26, 26).unwrap();
    let unknown = Client::builder("http://127.0.0.1:9").build().unwrap();
    assert_eq!(unknown.device_time_to_utc(logged), None);
    let sao_paulo = Client::builder("http://127.0.0.1:9")
        .device_utc_offset(FixedOffset::west_opt(3 * 3600).unwrap())
        .build()
        .unwrap();
    let utc = sao_paulo.device_time_to_utc(logged).unwrap();
    assert_eq!(utc.to_rfc3339(), "2018-05-28T17:26:26+00:00");
    assert_eq!(sao_paulo.utc_to_device_time(utc), Some(logged));
    assert_eq!(
        sao_paulo
            .with_options(Default::default())
            .device_utc_offset(),
        sao_paulo.device_utc_offset(),
        "kept by per-call clones"
    );
}
