//! Callback payloads: the documented examples, both readings of the contradictions, templates
//! split by size, notifications, unknown paths, malformed input, and no panic on any input.

use crate::common::fixture;
use controlid_client::callbacks::{Callback, ChangeType, Notification, TEMPLATE_FORMAT, parse};
use controlid_client::{CardValue, Error, FingerType, ImageFormat};
use proptest::prelude::*;

fn parse_fixture(path: &str, name: &str) -> Callback {
    parse(path, "", Some("application/json"), fixture(name).as_bytes()).unwrap()
}

#[test]
fn card_create_example() {
    let Callback::CardCreated(card) = parse_fixture("/card_create.fcgi", "card_create.json") else {
        panic!()
    };
    assert_eq!(
        (card.user_id.get(), card.card_value, card.device_id.0),
        (1, CardValue(132456789), 935107)
    );
}

#[test]
fn fingerprint_create_as_jpeg_and_as_raw_grayscale() {
    let Callback::FingerprintCreated(jpeg) =
        parse_fixture("/fingerprint_create.fcgi", "fingerprint_create.json")
    else {
        panic!()
    };
    assert_eq!(jpeg.fingerprints.len(), 3);
    assert!(
        jpeg.fingerprints
            .iter()
            .all(|f| f.image.format() == ImageFormat::Jpeg && f.width == 300)
    );

    let Callback::FingerprintCreated(raw) =
        parse_fixture("/fingerprint_create.fcgi", "fingerprint_create_raw.json")
    else {
        panic!()
    };
    assert_eq!(raw.finger_type, FingerType::Panic);
    let bitmap = raw.fingerprints[0]
        .image
        .as_gray_bitmap()
        .expect("raw 8-bit grayscale");
    assert_eq!(
        (bitmap.width(), bitmap.height(), bitmap.pixels().len()),
        (4, 3, 12)
    );
}

#[test]
fn face_create_as_object_and_as_array() {
    for name in ["face_create.json", "face_create_array.json"] {
        let Callback::FaceCreated(face) = parse_fixture("/face_create.fcgi", name) else {
            panic!("{name}")
        };
        assert_eq!(face.faces.len(), 1, "{name}");
        assert_eq!(face.faces[0].image.format(), ImageFormat::Jpeg);
        assert_eq!(face.faces[0].width, Some(300));
    }
}

#[test]
fn template_create_splits_the_body_by_the_size_values() {
    let body: Vec<u8> = (0..10).collect();
    let query = "card_id=&device_id=935449&finger_type=0&size0=4&size1=6&temp_num=2&user_id=7";

    let Callback::TemplatesCreated(created) = parse(
        "/template_create.fcgi",
        query,
        Some("application/octet-stream"),
        &body,
    )
    .unwrap() else {
        panic!()
    };

    assert_eq!(
        (created.user_id.get(), created.device_id.0, created.card_id),
        (7, 935449, None)
    );
    assert_eq!(created.templates.len(), 2);
    assert_eq!(&created.templates[0].bytes()[..], &[0, 1, 2, 3]);
    assert_eq!(&created.templates[1].bytes()[..], &[4, 5, 6, 7, 8, 9]);
    assert_eq!(created.templates[1].format(), Some(TEMPLATE_FORMAT));
}

#[test]
fn template_sizes_that_do_not_match_the_body_are_decode_errors() {
    let body = [0u8; 10];
    for query in [
        "size0=4&size1=7&temp_num=2",
        "size0=4&temp_num=1",
        "size0=4&temp_num=2",
        "size0=x&temp_num=1",
        "temp_num=-1",
    ] {
        let err = parse("/template_create.fcgi", query, None, &body).unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{query}: {err:?}");
    }
}

#[test]
fn monitor_notifications_under_any_prefix() {
    let Callback::Notification(Notification::Dao(dao)) =
        parse_fixture("/api/notifications/dao", "dao.json")
    else {
        panic!()
    };
    assert_eq!(dao.object_changes[0].object, "access_logs");
    assert_eq!(dao.object_changes[0].change, ChangeType::Inserted);
    assert_eq!(dao.object_changes[0].values["user_id"], "0");

    let Callback::Notification(Notification::Door(door)) =
        parse_fixture("/hooks/door", "door.json")
    else {
        panic!()
    };
    assert!(door.door.open);
    assert_eq!(door.access_event_id, Some(15));

    let Callback::Notification(Notification::AccessPhoto(photo)) =
        parse_fixture("/n/access_photo", "access_photo.json")
    else {
        panic!()
    };
    assert_eq!(photo.access_photo.format(), ImageFormat::Jpeg);

    for (name, file) in [
        ("operation_mode", "operation_mode.json"),
        ("device_is_alive", "device_is_alive.json"),
        ("secbox", "secbox.json"),
        ("catra_event", "catra_event.json"),
    ] {
        let callback = parse_fixture(&format!("/api/notifications/{name}"), file);
        assert!(
            matches!(callback, Callback::Notification(_)),
            "{name}: {callback:?}"
        );
    }
}

#[test]
fn enrollment_notifications_keep_every_field() {
    let body = br#"{"user_id": "12", "device_id": 935107, "user_image": "/9j/4A=="}"#;
    let Callback::Notification(Notification::UserImage(image)) =
        parse("/api/notifications/user_image", "", None, body).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (image.user_id, image.device_id),
        (
            Some(controlid_client::UserId::new(12).unwrap()),
            Some(controlid_client::DeviceId(935107))
        )
    );
    assert_eq!(&image.data.unwrap()[..], &[0xFF, 0xD8, 0xFF, 0xE0]);
    assert_eq!(image.fields.len(), 3);
}

#[test]
fn unknown_paths_keep_everything() {
    let callback = parse(
        "/api/notifications/not_a_documented_name",
        "x=1",
        Some("application/json"),
        br#"{"pin": "1234"}"#,
    )
    .unwrap();
    let Callback::Unknown {
        path,
        query,
        content_type,
        body,
    } = callback
    else {
        panic!()
    };
    assert_eq!(
        (path.as_str(), query.as_str(), content_type.as_deref()),
        (
            "/api/notifications/not_a_documented_name",
            "x=1",
            Some("application/json")
        )
    );
    assert_eq!(&body[..], br#"{"pin": "1234"}"#);
}

#[test]
fn pin_and_password_notifications_are_typed_and_never_printed() {
    let pin = parse(
        "/api/notifications/pin",
        "",
        Some("application/json"),
        br#"{"user_id": 7, "device_id": 935107, "pin": "8642"}"#,
    )
    .unwrap();
    let password = parse(
        "/api/notifications/password",
        "",
        Some("application/json"),
        br#"{"user_id": 7, "password": "hunter2-secret"}"#,
    )
    .unwrap();

    let Callback::Notification(Notification::Pin(pin_fields)) = &pin else {
        panic!("{pin:?}")
    };
    let Callback::Notification(Notification::Password(password_fields)) = &password else {
        panic!("{password:?}")
    };
    assert_eq!(pin_fields.user_id.map(|u| u.get()), Some(7));
    assert_eq!(pin_fields.fields["pin"], "8642");
    assert_eq!(password_fields.fields["password"], "hunter2-secret");
    let printed = format!("{pin:?} {password:?}");
    assert!(
        !printed.contains("8642") && !printed.contains("hunter2"),
        "{printed}"
    );
    assert!(printed.contains("\"pin\"") && printed.contains("\"password\""));
}

#[test]
fn malformed_bodies_name_the_json_path() {
    let err = parse(
        "/card_create.fcgi",
        "",
        None,
        br#"{"user_id": 1, "card_value": "abc", "device_id": 2}"#,
    )
    .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("card_value"));
    assert_eq!(
        &decode.body[..],
        br#"{"user_id": 1, "card_value": "abc", "device_id": 2}"#
    );

    let err = parse("/face_create.fcgi", "", None, b"not json").unwrap_err();
    assert!(matches!(err, Error::Decode(_)));
}

proptest! {
    #[test]
    fn no_input_panics_the_parser(
        path in prop_oneof![
            Just("/card_create.fcgi".to_owned()), Just("/fingerprint_create.fcgi".to_owned()),
            Just("/face_create.fcgi".to_owned()), Just("/template_create.fcgi".to_owned()),
            Just("/api/notifications/dao".to_owned()), Just("/api/notifications/door".to_owned()),
            Just("/api/notifications/user_image".to_owned()), ".{0,40}",
        ],
        query in "((size[0-9]|temp_num|user_id)=[-0-9a-z]{0,6}&?){0,5}",
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = parse(&path, &query, None, &body);
    }

    #[test]
    fn json_shaped_bodies_never_panic(
        user_id in any::<i64>(), width in any::<u32>(), height in 0u32..8,
        image in "[A-Za-z0-9+/=]{0,24}", face_is_array in any::<bool>(),
    ) {
        let face = serde_json::json!({"image": image, "width": width, "height": height});
        let face = if face_is_array { serde_json::json!([face]) } else { face };
        let body = serde_json::json!({"user_id": user_id, "device_id": 1, "face": face, "finger_type": 0,
            "fingerprints": [{"image": image, "width": width, "height": height}]});
        let bytes = serde_json::to_vec(&body).unwrap();
        let _ = parse("/face_create.fcgi", "", None, &bytes);
        let _ = parse("/fingerprint_create.fcgi", "", None, &bytes);
    }
}

#[test]
fn debug_of_an_unknown_callback_hides_biometric_and_secret_fields() {
    let face = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDAoKDA";
    let body = format!(r#"{{"user_id": 7, "image": "{face}", "pin": "4321"}}"#);
    let callback = parse(
        "/undocumented_create.fcgi",
        "",
        Some("application/json"),
        body.as_bytes(),
    )
    .unwrap();

    let shown = format!("{callback:?}");
    assert!(matches!(callback, Callback::Unknown { .. }));
    assert!(!shown.contains(face) && !shown.contains("4321"), "{shown}");
    assert!(shown.contains("user_id"), "{shown}");
}
