//! Template tags, status (with thumbnails), delete, class count; 404 is "no template".

use crate::common::*;
use bioid_client::{ImageFormat, TemplateLookup};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::test]
async fn set_tags_replaces_with_a_json_array() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/face/v1/template/4711/tags"))
        .and(body_json(serde_json::json!(["staff", "night-shift"])))
        .respond_with(bws(200))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let response = client(&server)
        .set_template_tags(class(4711), ["staff", "night-shift"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.body, TemplateLookup::Found(()));
}

#[tokio::test]
async fn status_with_thumbnails_decodes_them_as_images() {
    let server = MockServer::start().await;
    let thumbnail = standard_base64(PNG);
    Mock::given(method("GET"))
        .and(path("/api/face/v1/template/status/4711"))
        .and(query_param("downloadThumbnails", "true"))
        .respond_with(bws(200).set_body_json(serde_json::json!({
            "classId": 4711, "available": true, "enrolled": "2026-11-20T10:15:00Z",
            "tags": ["staff"], "encoderVersion": 5, "featureVectors": 2, "thumbnailsStored": 1,
            "thumbnails": [{"enrolled": "2026-11-20T10:15:00Z", "image": thumbnail}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let status = client(&server)
        .template_status_with_thumbnails(class(4711))
        .send()
        .await
        .unwrap()
        .body
        .found()
        .expect("a template");
    assert_eq!(status.class_id, Some(class(4711)));
    assert_eq!(
        status.enrolled_at().unwrap().to_rfc3339(),
        "2026-11-20T10:15:00+00:00"
    );
    assert_eq!(status.thumbnails[0].image.format(), ImageFormat::Png);
    assert_eq!(&status.thumbnails[0].image.bytes()[..], PNG);
}

#[tokio::test]
async fn status_without_thumbnails_sends_no_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/face/v1/template/status/8"))
        .respond_with(bws(200).set_body_json(serde_json::json!({"classId": 8, "available": true})))
        .mount(&server)
        .await;

    client(&server)
        .template_status(class(8))
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), None);
}

#[tokio::test]
async fn a_404_on_template_calls_is_no_template() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"code": 5, "message": "not found"})),
        )
        .mount(&server)
        .await;
    let client = client(&server);

    assert!(
        client
            .template_status(class(3))
            .send()
            .await
            .unwrap()
            .body
            .is_no_template()
    );
    assert!(
        client
            .delete_template(class(3))
            .send()
            .await
            .unwrap()
            .body
            .is_no_template()
    );
    assert!(
        client
            .set_template_tags(class(3), ["x"])
            .send()
            .await
            .unwrap()
            .body
            .is_no_template()
    );
}

#[tokio::test]
async fn a_404_with_the_code_as_a_string_is_no_template_too() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"code": "NotFound", "message": "no template"})),
        )
        .mount(&server)
        .await;

    assert!(
        client(&server)
            .delete_template(class(3))
            .send()
            .await
            .unwrap()
            .body
            .is_no_template()
    );
}

#[tokio::test]
async fn a_404_without_the_not_found_code_is_an_api_error() {
    for (body, content_type) in [
        ("<html><body>404 Not Found</body></html>", "text/html"),
        (r#"{"code": 3, "message": "bad"}"#, "application/json"),
        ("", "text/plain"),
    ] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(404).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        let client = client(&server);

        for err in [
            client.template_status(class(3)).send().await.unwrap_err(),
            client.delete_template(class(3)).send().await.unwrap_err(),
            client
                .set_template_tags(class(3), ["x"])
                .send()
                .await
                .unwrap_err(),
        ] {
            let api = err.as_api().unwrap_or_else(|| panic!("{body}: {err:?}"));
            assert_eq!(api.status, 404);
            assert_eq!(api.body, body.as_bytes());
        }
    }
}

#[tokio::test]
async fn delete_and_class_count() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/face/v1/template/4711"))
        .respond_with(bws(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/face/v1/classcount"))
        .and(query_param("tags", "a"))
        .and(query_param("tags", "b"))
        .respond_with(bws(200).set_body_json(serde_json::json!({"numberOfClasses": 17})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let client = client(&server);

    assert_eq!(
        client
            .delete_template(class(4711))
            .send()
            .await
            .unwrap()
            .body,
        TemplateLookup::Found(())
    );
    assert_eq!(
        client
            .class_count(["a", "b"])
            .send()
            .await
            .unwrap()
            .body
            .number_of_classes,
        17
    );
    let count_request = &server.received_requests().await.unwrap()[1];
    assert_eq!(count_request.url.query(), Some("tags=a&tags=b"));
}
