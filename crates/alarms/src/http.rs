//! A minimal HTTP/1.1 client for webhooks: one POST per connection over
//! plain TCP (`http://` only), with a deadline and a bounded response.
//!
//! A full client (reqwest with rustls) could not be fetched in this build
//! environment; https endpoints such as `qyapi.weixin.qq.com` are reached
//! through a TLS-terminating relay on the bureau's network.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest response read, in bytes.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Where a webhook goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Target {
    /// Parses `http://host[:port]/path?query`.
    pub fn parse(url: &str) -> Result<Target, String> {
        let Some(rest) = url.strip_prefix("http://") else {
            return Err(format!(
                "{url:?}: only http:// URLs are supported (put a TLS relay in front of https)"
            ));
        };
        let (authority, path) = match rest.find('/') {
            Some(index) => (&rest[..index], &rest[index..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => {
                (host, port.parse::<u16>().map_err(|_| format!("{url:?}: bad port {port:?}"))?)
            }
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("{url:?}: no host"));
        }
        Ok(Target { host: host.to_owned(), port, path: path.to_owned() })
    }

    /// The same target with `query` (already encoded) appended to the path.
    pub fn with_query(&self, query: &str) -> Target {
        let separator = if self.path.contains('?') { '&' } else { '?' };
        Target { path: format!("{}{separator}{query}", self.path), ..self.clone() }
    }
}

/// A response: status code and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body (lossy UTF-8).
    pub body: String,
}

/// POSTs `body` to `target` and returns the response, or why it failed.
pub async fn post(
    target: &Target,
    content_type: &str,
    body: &[u8],
    timeout: Duration,
) -> Result<Response, String> {
    tokio::time::timeout(timeout, post_unbounded(target, content_type, body))
        .await
        .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
}

async fn post_unbounded(
    target: &Target,
    content_type: &str,
    body: &[u8],
) -> Result<Response, String> {
    let mut stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|error| format!("cannot connect to {}:{}: {error}", target.host, target.port))?;
    let _ = stream.set_nodelay(true);
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: qingshan-alarms\r\n\r\n",
        target.path,
        target.host,
        target.port,
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.map_err(|error| format!("cannot send: {error}"))?;
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(response) = parse_response(&buffer)? {
            return Ok(response);
        }
        let n = stream.read(&mut chunk).await.map_err(|error| format!("cannot read: {error}"))?;
        if n == 0 {
            return parse_response(&buffer)?
                .or_else(|| parse_complete_at_eof(&buffer))
                .ok_or_else(|| "connection closed before a complete response".to_owned());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if buffer.len() > MAX_RESPONSE_BYTES {
            return Err(format!("response larger than {MAX_RESPONSE_BYTES} bytes"));
        }
    }
}

/// A response whose head is complete and whose body has its Content-Length.
fn parse_response(buffer: &[u8]) -> Result<Option<Response>, String> {
    let Some(head_end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let status = status_of(&head)?;
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok());
    let body = &buffer[head_end + 4..];
    match length {
        Some(length) if body.len() >= length => Ok(Some(Response {
            status,
            body: String::from_utf8_lossy(&body[..length]).into_owned(),
        })),
        _ => Ok(None),
    }
}

/// At end of stream, a response without Content-Length ends where the stream does.
fn parse_complete_at_eof(buffer: &[u8]) -> Option<Response> {
    let head_end = buffer.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let status = status_of(&head).ok()?;
    Some(Response { status, body: String::from_utf8_lossy(&buffer[head_end + 4..]).into_owned() })
}

fn status_of(head: &str) -> Result<u16, String> {
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next().and_then(|code| code.parse::<u16>().ok())) {
        (Some(version), Some(status)) if version.starts_with("HTTP/1.") => Ok(status),
        _ => Err(format!("not an HTTP response: {line:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_refuse_https() {
        let target = Target::parse("http://127.0.0.1:8099/robot/send?access_token=x").unwrap();
        assert_eq!(target.port, 8099);
        assert_eq!(target.path, "/robot/send?access_token=x");
        assert_eq!(target.with_query("a=1").path, "/robot/send?access_token=x&a=1");
        assert_eq!(Target::parse("http://example.org").unwrap().port, 80);
        assert!(
            Target::parse("https://qyapi.weixin.qq.com/x").unwrap_err().contains("only http://")
        );
        assert!(Target::parse("http://h:port/").is_err());
    }

    #[test]
    fn responses_need_their_whole_body() {
        let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(parse_response(whole).unwrap().unwrap().body, "ok");
        assert_eq!(parse_response(&whole[..whole.len() - 1]).unwrap(), None);
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
    }
}
