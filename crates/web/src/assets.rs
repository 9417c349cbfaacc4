//! Static assets embedded in the binary and served by Qingshan itself (the
//! intranet has no internet): one stylesheet, one small script, one icon.
//! Served with `Cache-Control` and an `ETag` (the content's SHA-256), so a
//! browser revalidates with `If-None-Match` and gets 304.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The embedded files: name, content type, bytes.
const FILES: [(&str, &str, &[u8]); 3] = [
    ("qingshan.css", "text/css; charset=utf-8", include_bytes!("../assets/qingshan.css")),
    ("qingshan.js", "text/javascript; charset=utf-8", include_bytes!("../assets/qingshan.js")),
    ("icon.svg", "image/svg+xml", include_bytes!("../assets/icon.svg")),
];

fn etags() -> &'static [String; 3] {
    static ETAGS: OnceLock<[String; 3]> = OnceLock::new();
    ETAGS.get_or_init(|| {
        FILES.map(|(_, _, bytes)| {
            let digest = Sha256::digest(bytes);
            let short: String = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
            format!("\"{short}\"")
        })
    })
}

/// `GET /static/{file}`.
pub(crate) async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(index) = FILES.iter().position(|(name, _, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let (_, content_type, bytes) = FILES[index];
    let etag = &etags()[index];
    let cache = (header::CACHE_CONTROL, "public, max-age=3600");
    if headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()) == Some(etag) {
        return (StatusCode::NOT_MODIFIED, [cache, (header::ETAG, etag.as_str())]).into_response();
    }
    ([(header::CONTENT_TYPE, content_type), cache, (header::ETAG, etag.as_str())], bytes)
        .into_response()
}
