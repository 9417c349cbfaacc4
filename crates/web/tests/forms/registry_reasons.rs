//! Registry refusals in Chinese first, English on the switch: on the forms
//! (next to the field) and in the import report (`reason_zh` beside `reason`).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::util::{Browser, element, post_form, sample_registry, send};

/// Posts an outlet form (`query` after `?`) with `changes` to a good
/// outlet; returns the status and the message next to `field`.
async fn check(
    state: &web::AppState,
    browser: &Browser,
    query: &str,
    changes: &[(&str, &str)],
    field: &str,
) -> (StatusCode, String) {
    let mut fields = vec![
        ("code", "WTQ-E01-FG9"),
        ("name", "测试排放口"),
        ("enterprise", "91511112MA65J0DT85"),
        ("kind", "flue_gas"),
        ("longitude", "103.79"),
        ("latitude", "29.48"),
    ];
    for (name, value) in changes {
        fields.iter_mut().find(|(column, _)| column == name).unwrap().1 = value;
    }
    let uri = format!("/registry/outlets/edit?{query}");
    let (status, _, page) = send(state, post_form(&uri, browser, &fields)).await;
    (status, element(&page, "span", &format!("error-{field}")).to_owned())
}

#[tokio::test]
async fn form_refusals_are_chinese_with_english_on_the_switch() {
    let (state, analyst) = sample_registry();
    // (change, field, Chinese, English)
    let cases = [
        (
            ("longitude", "203"),
            "longitude",
            "经度 203 超出 -180..180",
            "longitude 203 is outside -180..180",
        ),
        (
            ("latitude", "北纬"),
            "latitude",
            "&quot;北纬&quot; 不是数字",
            "&quot;北纬&quot; is not a number",
        ),
        (
            ("kind", "smoke"),
            "kind",
            "不是可选值（flue_gas|wastewater|vocs|fume|dust|electricity）之一",
            "is not one of flue_gas",
        ),
        (("name", ""), "name", "为空", "is empty"),
        (
            ("enterprise", "91511112MA65J0DT80"),
            "enterprise",
            "校验码（第 18 位）为 &#39;0&#39;，应为 &#39;5&#39;",
            "check character is &#39;0&#39;, expected &#39;5&#39;",
        ),
        (("enterprise", "91511112MA6CR7L2FX"), "enterprise", "不正确", "check character"),
        (
            ("code", "WTQ-AIR-01"),
            "code",
            "编码 &quot;WTQ-AIR-01&quot; 已被空气站使用",
            "is already used by a air_station",
        ),
    ];
    for ((name, value), field, zh, en) in cases {
        let (status, message) = check(&state, &analyst, "", &[(name, value)], field).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}={value}");
        assert!(message.contains(zh), "{name}={value}: {message}");
        assert!(!message.contains(en), "no English in Chinese: {message}");
        let (_, message) = check(&state, &analyst, "lang=en", &[(name, value)], field).await;
        assert!(message.contains(en) && !message.contains(zh), "{name}={value}: {message}");
    }
}

#[tokio::test]
async fn the_import_report_gives_each_reason_in_chinese_and_english() {
    let (state, analyst) = sample_registry();
    let csv = "code,name,district\n511112001,牛华镇（模拟）,五通桥区\n12345,坏乡镇,五通桥区\n";
    let request = Request::post("/api/v1/registry/import?kind=towns")
        .header(header::COOKIE, &analyst.cookie)
        .header("x-csrf-token", &analyst.csrf)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv))
        .unwrap();
    let (status, _, body) = send(&state, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    let problem = &report["problems"][0];
    assert_eq!((problem["line"].as_u64(), problem["column"].as_str()), (Some(3), Some("code")));
    assert_eq!(problem["reason_zh"], "乡镇代码 \"12345\" 应为 9 位数字（GB/T 10114）");
    assert_eq!(problem["reason"], "town code \"12345\" must be 9 digits (GB/T 10114)");
}
