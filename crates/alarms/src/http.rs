//! The webhook client: one POST per notification over HTTPS (rustls;
//! certificates always verified, against the built-in public roots plus an
//! optional CA bundle) or plain HTTP, with a deadline and a bounded response.
//!
//! A standard client (`reqwest` with rustls on `ring`) does the protocol
//! work; this module only states the project's rules: which URLs are
//! accepted, how trust is configured, and how a failure is described.

use std::time::Duration;

/// Largest response body kept, in bytes (robots answer a few bytes of JSON).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Checks that `url` is an `http://` or `https://` URL with a host.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|error| format!("{url:?}: {error}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url:?}: only http:// and https:// URLs are supported"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("{url:?}: no host"));
    }
    Ok(parsed)
}

/// `url` with `query` (already encoded) appended to its query string.
pub fn with_query(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

/// A response: status code and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body (lossy UTF-8, at most 64 KiB).
    pub body: String,
}

/// An HTTP(S) client for webhooks; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
}

impl Client {
    /// A client trusting the built-in public roots and, if given, every
    /// certificate of the PEM bundle `extra_ca_pem` (e.g. a bureau's own CA).
    /// Verification is never turned off. Fails on an unreadable bundle.
    pub fn new(extra_ca_pem: Option<&[u8]>) -> Result<Client, String> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(false)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("qingshan-alarms");
        if let Some(pem) = extra_ca_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|error| format!("cannot read the CA bundle: {error}"))?;
            if certificates.is_empty() {
                return Err("the CA bundle holds no PEM certificate".to_owned());
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let inner =
            builder.build().map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Client { inner })
    }

    /// POSTs `body` to `url` and returns the response, or why it failed.
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response, String> {
        let url = check_url(url)?;
        let target = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut response = self
            .inner
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body.to_vec())
            .timeout(timeout)
            .send()
            .await
            .map_err(|error| describe(&error, &target, timeout))?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RESPONSE_BYTES.saturating_sub(bytes.len());
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if room <= chunk.len() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(error) => return Err(describe(&error, &target, timeout)),
            }
        }
        Ok(Response { status, body: String::from_utf8_lossy(&bytes).into_owned() })
    }
}

/// A failed request in words: connect, TLS (certificate), timeout or other.
fn describe(error: &reqwest::Error, target: &str, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer from {target} within {} ms", timeout.as_millis());
    }
    // The innermost cause names the real problem (refused, unknown issuer, …).
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    if error.is_connect() {
        format!("cannot connect to {target}: {cause}")
    } else {
        format!("request to {target} failed: {cause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert_eq!(
            check_url("https://qyapi.weixin.qq.com/x").unwrap().port_or_known_default(),
            Some(443)
        );
        assert_eq!(check_url("http://127.0.0.1:8099/hook").unwrap().port(), Some(8099));
        assert!(check_url("ftp://example.org/").unwrap_err().contains("only http:// and https://"));
        assert!(check_url("http://h:port/").is_err());
        assert!(check_url("relay.local/hook").is_err());
        assert_eq!(
            with_query("http://h/robot/send?access_token=x", "a=1"),
            "http://h/robot/send?access_token=x&a=1"
        );
        assert_eq!(with_query("http://h/robot/send", "a=1"), "http://h/robot/send?a=1");
    }

    #[test]
    fn a_ca_bundle_without_certificates_is_refused() {
        assert!(Client::new(None).is_ok());
        assert!(Client::new(Some(b"not a certificate")).is_err());
    }
}
