//! Devices in the registry forms: validated like an imported device row (MN
//! format, the point it reports for, the password rules), the password never
//! shown, a new one hashed with argon2 as the import does, audited as the analyst.

use argon2::{PasswordHash, PasswordVerifier};
use axum::http::StatusCode;
use model::registry::RecordStatus;
use store::{RegistryEntity, RegistryKind};

use crate::util::{Browser, element, get, post_form, sample_registry, send};

/// Posts the device form with `fields` (the other columns blank); returns status, location, page.
async fn check(
    state: &web::AppState,
    browser: &Browser,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    send(state, post_form("/registry/devices/edit", browser, fields)).await
}

fn stored_hash(state: &web::AppState, mn: &str) -> Option<String> {
    let record = state.store.registry_record(RegistryKind::Device, mn).unwrap()?;
    match record.entity {
        RegistryEntity::Device(device) => Some(device.password_hash),
        _ => None,
    }
}

fn verifies(password: &str, hash: &str) -> bool {
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &PasswordHash::new(hash).unwrap())
        .is_ok()
}

const MN: &str = "WTQE01FG1DEV0001";
const POINT: &str = "WTQ-E01-FG1";

#[tokio::test]
async fn a_device_is_refused_like_an_imported_row_next_to_its_fields() {
    let (state, analyst) = sample_registry();
    let cases = [
        (("mn", "bad mn!"), "error-mn", "含有 0-9A-Za-z_- 以外的字符"),
        (("point", "NO-SUCH-POINT"), "error-point", "点位 &quot;NO-SUCH-POINT&quot; 不存在"),
        (("password", ""), "error-password", "新设备必须填写密码"),
    ];
    for ((name, value), error_id, reason) in cases {
        let mut fields =
            vec![("mn", MN), ("point", POINT), ("protocol", "2017"), ("password", "pw-1234")];
        fields.iter_mut().find(|(field, _)| *field == name).unwrap().1 = value;
        let (status, _, page) = check(&state, &analyst, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}={value}: {page:.300}");
        let error = element(&page, "span", error_id);
        assert!(error.contains(reason), "{name}={value}: {error:?}");
        assert!(!page.contains("pw-1234"), "a typed password is not echoed back");
    }
    assert!(state.store.registry_records(RegistryKind::Device).unwrap().is_empty());
}

#[tokio::test]
async fn a_new_device_is_saved_with_its_password_hashed_and_never_shown() {
    let (state, analyst) = sample_registry();
    let (status, _, page) = send(&state, get("/registry/devices/edit", Some(&analyst))).await;
    assert_eq!(status, StatusCode::OK, "{page:.300}");
    assert!(page.contains(r#"name="password" type="password""#), "{page}");
    let fields = [("mn", MN), ("point", POINT), ("protocol", "2017"), ("password", "pw-1234")];
    let (status, location, page) = check(&state, &analyst, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(location, format!("/registry/devices?saved={MN}"));
    let hash = stored_hash(&state, MN).unwrap();
    assert!(hash.starts_with("$argon2") && verifies("pw-1234", &hash), "{hash}");
    let device = state.store.device_by_mn(&model::Mn::parse(MN).unwrap()).unwrap().unwrap();
    let point = state.store.points().unwrap().into_iter().find(|p| p.point.code == POINT).unwrap();
    assert_eq!(device.device.point, point.id, "the gateway knows it for its point: {device:?}");
    let audit = &state.store.audit_entries(1).unwrap()[0];
    assert_eq!(audit.actor, "ana");
    let detail = audit.detail.to_string();
    assert!(!detail.contains(&hash) && !detail.contains("pw-1234"), "{detail}");

    let (_, _, page) = send(&state, get("/registry/devices", Some(&analyst))).await;
    assert!(element(&page, "table", "table-records").contains(MN), "listed");
    let (_, _, page) =
        send(&state, get(&format!("/registry/devices/edit?key={MN}"), Some(&analyst))).await;
    assert!(page.contains(&format!(r#"value="{POINT}""#)), "the stored point is shown: {page}");
    assert!(!page.contains("$argon2") && !page.contains(&hash), "never the hash");
}

#[tokio::test]
async fn a_blank_password_keeps_the_stored_one_and_a_new_one_replaces_it() {
    let (state, analyst) = sample_registry();
    let fields = [("mn", MN), ("point", POINT), ("protocol", "2017"), ("password", "pw-1234")];
    assert_eq!(check(&state, &analyst, &fields).await.0, StatusCode::SEE_OTHER);
    let first = stored_hash(&state, MN).unwrap();
    let fields = [("mn", MN), ("point", POINT), ("protocol", "2005"), ("password", "")];
    assert_eq!(check(&state, &analyst, &fields).await.0, StatusCode::SEE_OTHER);
    assert_eq!(stored_hash(&state, MN).unwrap(), first, "blank keeps the password");
    let fields = [("mn", MN), ("point", POINT), ("protocol", "2005"), ("password", "pw-5678")];
    assert_eq!(check(&state, &analyst, &fields).await.0, StatusCode::SEE_OTHER);
    let second = stored_hash(&state, MN).unwrap();
    assert!(second != first && verifies("pw-5678", &second) && !verifies("pw-1234", &second));

    let retire = format!("/registry/devices/retire?key={MN}");
    let (status, _, _) = send(&state, post_form(&retire, &analyst, &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let record = state.store.registry_record(RegistryKind::Device, MN).unwrap().unwrap();
    assert_eq!(record.status, RecordStatus::Retired);
    let device = state.store.device_by_mn(&model::Mn::parse(MN).unwrap()).unwrap();
    assert!(device.is_none(), "the gateway no longer finds a retired device");
}
