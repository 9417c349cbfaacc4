//! The inbox's close form takes an attachment, stored with the alarm as the
//! API stores it; a missing note or a file too large is refused next to its
//! field, and nothing changes.

use axum::http::StatusCode;
use model::alarm::{AlarmId, AlarmState};
use sha2::{Digest, Sha256};

use crate::util::{Browser, File, element, get, inbox, post_upload, send};

/// Posts the close form of alarm 1 as `browser`; returns the status and the page.
async fn check(
    state: &web::AppState,
    browser: &Browser,
    note: &str,
    files: &[File<'_>],
) -> (StatusCode, String) {
    let request = post_upload("/alarms/1/close", browser, &browser.csrf, &[("note", note)], files);
    let (status, _, page) = send(state, request).await;
    (status, page)
}

fn alarm(state: &web::AppState) -> store::Alarm {
    state.store.alarm(AlarmId(1)).unwrap().unwrap()
}

#[tokio::test]
async fn closing_with_a_photo_stores_it_with_the_alarm_and_links_it() {
    let (state, inspector) = inbox(1);
    let (_, _, page) = send(&state, get("/alarms/1", Some(&inspector))).await;
    let form = element(&page, "form", "close-form");
    assert!(form.contains(r#"enctype="multipart/form-data""#), "{form}");
    assert!(form.contains(r#"name="attachment" type="file""#), "{form}");

    let photo = b"\xFF\xD8\xFF\xE0 a photo of the outlet".as_slice();
    let files = [("attachment", "现场照片.jpg", "image/jpeg", photo)];
    let (status, page) = check(&state, &inspector, "已现场核查，设备已校准", &files).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let closed = alarm(&state);
    assert_eq!(closed.state, AlarmState::Closed);
    assert_eq!(closed.closed_by.as_deref(), Some("insp"));
    let info = closed.attachment.unwrap();
    assert_eq!((info.name.as_str(), info.media_type.as_str()), ("现场照片.jpg", "image/jpeg"));
    assert_eq!(info.sha256, format!("{:x}", Sha256::digest(photo)));

    let (_, _, page) = send(&state, get("/alarms/1", Some(&inspector))).await;
    let link = element(&page, "a", "alarm-attachment");
    assert!(
        link.contains(r#"href="/api/v1/alarms/1/attachment""#) && link.contains("现场照片.jpg")
    );
    let response = tower::ServiceExt::oneshot(
        web::router(state.clone()),
        get("/api/v1/alarms/1/attachment", Some(&inspector)),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert_eq!(bytes.as_ref(), photo, "the stored bytes come back");
}

#[tokio::test]
async fn a_missing_note_or_a_file_too_large_is_refused_next_to_its_field() {
    let (state, inspector) = inbox(1);
    let photo = b"photo".as_slice();
    let (status, page) =
        check(&state, &inspector, "  ", &[("attachment", "p.jpg", "image/jpeg", photo)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(element(&page, "span", "error-note").contains("关闭报警须填写处理说明"), "{page}");
    let large = vec![0_u8; 10 * 1024 * 1024 + 1];
    let (status, page) = check(
        &state,
        &inspector,
        "已处理",
        &[("attachment", "big.bin", "application/octet-stream", &large)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = element(&page, "span", "error-attachment");
    assert!(error.contains("附件太大，最大 10 MiB"), "{error}");
    assert!(element(&page, "textarea", "field-note").contains("已处理"), "the note is kept");
    let (status, _, _) = send(
        &state,
        post_upload("/alarms/1/close", &inspector, "forged", &[("note", "已处理")], &[]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the multipart form's CSRF token is checked");
    let open = alarm(&state);
    assert_eq!((open.state, open.attachment.is_none()), (AlarmState::Open, true));
    // Without a file (an empty file field) the alarm closes as before.
    let (status, _) =
        check(&state, &inspector, "已处理", &[("attachment", "", "application/octet-stream", b"")])
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let closed = alarm(&state);
    assert_eq!((closed.state, closed.attachment.is_none()), (AlarmState::Closed, true));
}
