//! Every text of the interface, in Russian (the default) and English. The catalogs are flat JSON
//! files beside this module, compiled into both the server and the browser bundle; a test
//! (`tests::catalogs_have_the_same_keys`) fails when a key is missing in one language or used in
//! code but missing in the catalogs.

use crate::model::Lang;
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The cookie that holds the interface language (set at sign-in from the user's choice).
pub const LANG_COOKIE: &str = "pochta_lang";

const RU_JSON: &str = include_str!("ru.json");
const EN_JSON: &str = include_str!("en.json");

fn catalog(lang: Lang) -> &'static HashMap<String, String> {
    static RU: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, json) = match lang {
        Lang::Ru => (&RU, RU_JSON),
        Lang::En => (&EN, EN_JSON),
    };
    cell.get_or_init(|| serde_json::from_str(json).unwrap_or_default())
}

/// The text for `key`. A missing key shows as the key itself (and the catalog test fails).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    catalog(lang).get(key).map(String::as_str).unwrap_or(key)
}

/// The text for `key` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &'static str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key).to_string();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The language of the page being rendered (provided by the app shell).
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// Shorthand in views: the text for `key` in the page's language.
pub fn tr(key: &'static str) -> &'static str {
    t(use_lang(), key)
}

/// The explanation of a refused field value.
pub fn invalid_text(lang: Lang, problem: crate::model::Invalid) -> String {
    match problem.number() {
        Some(n) => tf(lang, problem.key(), &[("n", &n.to_string())]),
        None => t(lang, problem.key()).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::check::{Method, Reason, Step};
    use crate::model::error::AppError;
    use crate::model::Invalid;
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> BTreeSet<&'static str> {
        catalog(lang).keys().map(String::as_str).collect()
    }

    #[test]
    fn catalogs_parse() {
        assert!(serde_json::from_str::<HashMap<String, String>>(RU_JSON).is_ok(), "ru.json is not a flat JSON object");
        assert!(serde_json::from_str::<HashMap<String, String>>(EN_JSON).is_ok(), "en.json is not a flat JSON object");
    }

    #[test]
    fn catalogs_have_the_same_keys() {
        let (ru, en) = (keys(Lang::Ru), keys(Lang::En));
        let only_ru: Vec<_> = ru.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ru).collect();
        assert!(only_ru.is_empty(), "missing in en.json: {only_ru:?}");
        assert!(only_en.is_empty(), "missing in ru.json: {only_en:?}");
    }

    #[test]
    fn no_text_is_empty_and_placeholders_match() {
        for key in keys(Lang::Ru) {
            let (ru, en) = (t(Lang::Ru, key), t(Lang::En, key));
            assert!(!ru.trim().is_empty() && !en.trim().is_empty(), "empty text for {key}");
            assert_eq!(placeholders(ru), placeholders(en), "placeholders differ for {key}");
        }
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name.to_string()).collect()
    }

    #[test]
    fn every_key_used_in_code_exists() {
        let mut missing = Vec::new();
        for file in source_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))) {
            let text = std::fs::read_to_string(&file).unwrap();
            for key in used_keys(&text) {
                if !catalog(Lang::Ru).contains_key(&key) {
                    missing.push(format!("{}: {key}", file.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys used but not in the catalogs:\n{}", missing.join("\n"));
    }

    #[test]
    fn every_reason_step_and_error_has_a_text() {
        let mut wanted: Vec<String> = Vec::new();
        wanted.extend(Invalid::ALL.iter().map(|i| i.key().to_string()));
        wanted.extend(AppError::examples().iter().map(|e| e.key().to_string()));
        wanted.extend(Step::ALL.iter().map(|s| s.key().to_string()));
        wanted.extend(Method::ALL.iter().map(|m| m.key().to_string()));
        wanted.extend(crate::model::oauth::EXPLAINED_ERRORS.iter().map(|(_, key)| key.to_string()));
        wanted.extend(crate::model::oauth::Provider::ALL.iter().map(|p| p.name_key().to_string()));
        for r in Reason::ALL {
            wanted.push(r.text_key().to_string());
            wanted.push(r.advice_key().to_string());
        }
        let missing: Vec<_> = wanted.iter().filter(|k| !catalog(Lang::Ru).contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "no text for {missing:?}");
    }

    fn source_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(source_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files
    }

    /// String literals passed to `tr(`, `t(lang, ` or `tf(lang, ` that look like keys (`a.b`):
    /// the call's name must stand alone (`write_str(".")` is not `tr(".")`).
    fn used_keys(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for opener in ["tr(\"", "t(lang, \"", "tf(lang, \"", "t(self.lang, \"", "tf(self.lang, \""] {
            let mut rest = text;
            while let Some(at) = rest.find(opener) {
                let stands_alone = !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
                let after = &rest[at + opener.len()..];
                if let Some(key) = after.split('"').next().filter(|key| stands_alone && looks_like_a_key(key)) {
                    found.push(key.to_string());
                }
                rest = after;
            }
        }
        found
    }

    fn looks_like_a_key(text: &str) -> bool {
        let words: Vec<&str> = text.split('.').collect();
        words.len() > 1
            && words.iter().all(|w| {
                w.starts_with(|c: char| c.is_ascii_lowercase())
                    && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
    }

    #[test]
    fn keys_are_found_only_in_calls_of_the_text_functions() {
        // Written with stand-ins, so this file's own scan does not find these keys.
        let code = r#"@("a.b") f.write_str(".") %"c.d_2") my_@("e.f") %"Not.key") @("g..h")"#;
        let code = code.replace('@', "tr").replace('%', "t(lang, ");
        assert_eq!(used_keys(&code), ["a.b", "c.d_2"]);
    }

    #[test]
    fn placeholders_are_filled() {
        assert!(invalid_text(Lang::En, Invalid::TooLong(100)).contains("100"));
        assert!(tf(Lang::Ru, "error.too_many_attempts", &[("n", "30")]).contains("30"));
    }
}
