//! Languages and message catalogues: Chinese (zh-CN) by default, English by a
//! switch (`?lang=en` on any page, remembered in the `qs_lang` cookie).
//!
//! Each language's messages live in one file, `crates/web/i18n/<lang>.txt`,
//! one `key = text` per line, embedded at build time. A test checks both
//! files have the same keys and that every key a template uses exists.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::HeaderMap;

use crate::auth::{LANG_COOKIE, cookie};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag (`zh-CN`, `en`), for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The value of `?lang=` and of the cookie (`zh`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Parses `zh`, `zh-CN` or `en`.
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The language a request asks for: `?lang=`, else the cookie, else Chinese.
    pub fn of_request(query: Option<&str>, headers: &HeaderMap) -> Lang {
        query_lang(query)
            .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
            .unwrap_or_default()
    }

    /// This language's messages.
    pub fn messages(self) -> &'static Messages {
        static ZH: OnceLock<Messages> = OnceLock::new();
        static EN: OnceLock<Messages> = OnceLock::new();
        match self {
            Lang::Zh => ZH.get_or_init(|| Messages::parse(include_str!("../i18n/zh-CN.txt"))),
            Lang::En => EN.get_or_init(|| Messages::parse(include_str!("../i18n/en.txt"))),
        }
    }
}

/// `lang` in a query string, if it names a language.
pub(crate) fn query_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, value)| Lang::parse(value))
}

/// One language's catalogue.
#[derive(Debug)]
pub struct Messages {
    texts: HashMap<String, String>,
}

impl Messages {
    fn parse(text: &str) -> Messages {
        let texts = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
            .collect();
        Messages { texts }
    }

    /// The text of `key`; the key itself if missing (a test keeps that from happening).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map_or(key, String::as_str)
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn catalogues_have_the_same_keys() {
        let zh: BTreeSet<&str> = Lang::Zh.messages().keys().collect();
        let en: BTreeSet<&str> = Lang::En.messages().keys().collect();
        assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&&str>::new(), "missing in en");
        assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&&str>::new(), "missing in zh-CN");
        assert!(zh.len() > 20);
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let zh: BTreeSet<&str> = Lang::Zh.messages().keys().collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect();
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        for entry in std::fs::read_dir(src).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
        let mut n_keys = 0;
        for source in &sources {
            for piece in source.split("t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                if key.contains('.') && !key.contains(' ') {
                    n_keys += 1;
                    assert!(zh.contains(key), "message key {key:?} is in no catalogue");
                }
            }
        }
        assert!(n_keys > 20, "found {n_keys} keys");
    }

    #[test]
    fn the_request_picks_the_language() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of_request(None, &headers), Lang::Zh);
        assert_eq!(Lang::of_request(Some("a=1&lang=en"), &headers), Lang::En);
        headers.insert(axum::http::header::COOKIE, "x=1; qs_lang=en".parse().unwrap());
        assert_eq!(Lang::of_request(None, &headers), Lang::En);
        assert_eq!(Lang::of_request(Some("lang=zh"), &headers), Lang::Zh);
        assert_eq!(Lang::En.messages().t("nav.home"), "Home");
        assert_eq!(Lang::Zh.messages().t("nav.home"), "首页");
    }
}
