//! The inbox's page links, and the `next` token of `GET /api/v1/alarms/page`:
//! an opaque token (`?after=` / `?before=`) holding
//! the position of the alarm a page starts after or before
//! ([`store::AlarmCursor`]) and that alarm's place in the list (for
//! "showing 101–200").
//!
//! The token is base64url of `opened-millis.id.place.check`, where `check` is
//! the start of a SHA-256 over the rest, so a token that was cut short,
//! edited or made up is refused (400) rather than read as another position.
//! It is not a secret: a cursor only says where to start, and every page is
//! filtered by the principal's rights whatever the token says.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use model::Instant;
use model::alarm::AlarmId;
use sha2::{Digest, Sha256};
use store::AlarmCursor;

/// A page link's position: the alarm and its 0-based place in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageToken {
    /// The alarm the page starts after (or before).
    pub(crate) cursor: AlarmCursor,
    /// The place of the page's first alarm (`after`) or of the cursor's alarm (`before`).
    pub(crate) place: u64,
}

/// Hex digits of the check.
const CHECK_HEX: usize = 12;

fn check(payload: &str) -> String {
    let digest = Sha256::digest(format!("qingshan inbox cursor v1\0{payload}").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect::<String>()[..CHECK_HEX].to_owned()
}

impl PageToken {
    /// The token's text for a link (URL-safe as is).
    pub(crate) fn encode(self) -> String {
        let payload =
            format!("{}.{}.{}", self.cursor.opened_at.unix_millis(), self.cursor.id.0, self.place);
        let check = check(&payload);
        URL_SAFE_NO_PAD.encode(format!("{payload}.{check}"))
    }

    /// The token `text` stands for, or `None` if it is not one this inbox wrote.
    pub(crate) fn decode(text: &str) -> Option<PageToken> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (payload, given) = text.rsplit_once('.')?;
        if given != check(payload) {
            return None;
        }
        let mut parts = payload.split('.');
        let opened_at = Instant::from_unix_millis(parts.next()?.parse().ok()?)?;
        let id = AlarmId(parts.next()?.parse().ok()?);
        let place = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(PageToken { cursor: AlarmCursor { opened_at, id }, place })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> PageToken {
        let opened_at = Instant::from_unix_millis(1_795_000_000_123).unwrap();
        PageToken { cursor: AlarmCursor { opened_at, id: AlarmId(4711) }, place: 300 }
    }

    #[test]
    fn a_token_reads_back_as_written() {
        let text = token().encode();
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(PageToken::decode(&text), Some(token()));
    }

    #[test]
    fn an_edited_cut_or_made_up_token_is_refused() {
        let text = token().encode();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&text).unwrap()).unwrap();
        let edited = URL_SAFE_NO_PAD.encode(payload.replacen("4711", "4712", 1));
        for bad in [
            edited.as_str(),
            &text[..text.len() - 3],
            "",
            "abc",
            "not base64 !",
            &URL_SAFE_NO_PAD.encode("1.2.3"),
        ] {
            assert_eq!(PageToken::decode(bad), None, "{bad:?}");
        }
    }
}
