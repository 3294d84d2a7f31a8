//! Users through the objects API, including the paged stream.

use crate::common::*;
use controlid_client::{Error, NewUser};
use futures_util::TryStreamExt;
use wiremock::matchers::{body_json, body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn device() -> MockServer {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    server
}

#[tokio::test]
async fn create_sends_values_and_returns_ids() {
    let server = device().await;
    Mock::given(method("POST"))
        .and(path("/create_objects.fcgi"))
        .and(body_json(serde_json::json!({
            "object": "users",
            "values": [{"name": "Ana Souza", "registration": "E-1001", "begin_time": 0}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ids": [42]})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let id = client(&server)
        .create_user(
            NewUser::new("Ana Souza")
                .registration("E-1001")
                .column("begin_time", 0),
        )
        .await
        .unwrap();
    assert_eq!(id, user(42));
}

#[tokio::test]
async fn load_one_user_by_id_filter_nested_under_the_table() {
    let server = device().await;
    Mock::given(path("/load_objects.fcgi"))
        .and(body_json(serde_json::json!({"object": "users", "where": {"users": {"id": 42}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "users": [{"id": 42, "name": "Ana", "registration": "E-1", "begin_time": 0, "password": ""}]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/load_objects.fcgi"))
        .and(body_json(
            serde_json::json!({"object": "users", "where": {"users": {"id": 43}}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"users": []})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    let ana = device.user(user(42)).await.unwrap().unwrap();
    assert_eq!(
        (ana.name.as_str(), ana.registration.as_str()),
        ("Ana", "E-1")
    );
    assert_eq!(ana.other["begin_time"], 0, "other columns are kept");
    assert_eq!(device.user(user(43)).await.unwrap(), None);
}

#[tokio::test]
async fn listing_pages_with_limit_and_offset() {
    let server = device().await;
    let page = |offset: u64, ids: &[i64]| {
        let users: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({"id": id, "name": format!("u{id}")}))
            .collect();
        Mock::given(path("/load_objects.fcgi"))
            .and(body_json(serde_json::json!({"object": "users", "limit": 2, "offset": offset, "order": ["id"]})))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"users": users})))
            .expect(1)
    };
    page(0, &[1, 2]).mount(&server).await;
    page(2, &[3, 4]).mount(&server).await;
    page(4, &[5]).mount(&server).await;
    catch_all(&server).await;

    let device = client(&server);
    let users: Vec<_> = device.users_paged(2).try_collect().await.unwrap();

    let ids: Vec<i64> = users.iter().map(|u| u.id.get()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn modify_and_destroy_report_whether_a_row_changed() {
    let server = device().await;
    Mock::given(path("/modify_objects.fcgi"))
        .and(body_json(serde_json::json!({
            "object": "users", "values": {"name": "Ana S."}, "where": {"users": {"id": 42}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"changes": 1})))
        .mount(&server)
        .await;
    Mock::given(path("/destroy_objects.fcgi"))
        .and(body_partial_json(
            serde_json::json!({"object": "users", "where": {"users": {"id": 42}}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"changes": 0})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    assert!(
        device
            .modify_user(user(42), NewUser::changes().name("Ana S."))
            .await
            .unwrap()
    );
    assert!(!device.destroy_user(user(42)).await.unwrap());
}

#[tokio::test]
async fn names_are_checked_before_any_io() {
    let server = MockServer::start().await;
    let device = client(&server);

    let blank = device.create_user(NewUser::new("  ")).await.unwrap_err();
    let missing = device.create_user(NewUser::changes()).await.unwrap_err();
    let empty = device.create_users(Vec::new()).await.unwrap_err();

    for (err, field) in [(blank, "name"), (missing, "name"), (empty, "users")] {
        assert!(
            matches!(&err, Error::InvalidRequest { field: f, .. } if f == field),
            "{err}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
