//! The shape of the code, checked: every `crate::`/`super::` path of `src/` points down the layers
//! (launch → app → pages → components → api → server → db → i18n → model), no two features import
//! each other, every module opens with its purpose, and no file grows past 400 lines.
//!
//! It reads the source text only (no compiler), so it runs in a second.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

/// The layer of a module path; a module may import only from its own layer or a lower one.
fn layer(module: &[String]) -> (u8, &'static str) {
    let first = module.first().map(String::as_str).unwrap_or("");
    let second = module.get(1).map(String::as_str).unwrap_or("");
    match (first, second) {
        ("model", _) => (0, "model"),
        ("i18n", _) => (1, "i18n"),
        ("server", "db") => (2, "server::db"),
        ("server", _) => (3, "server"),
        ("api", _) => (4, "api"),
        ("components", _) => (5, "components"),
        ("pages", _) => (6, "pages"),
        ("app", _) => (7, "app"),
        _ => (8, "launch"),
    }
}

/// The unit whose imports must not form a circle: a feature of a layer (`server::accounts`,
/// `api::users`), or one table's module under `server::db`.
fn unit(module: &[String]) -> String {
    let depth = if module.len() > 1 && module[0] == "server" && module[1] == "db" { 3 } else { 2 };
    module.iter().take(depth).cloned().collect::<Vec<_>>().join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/server/accounts/save.rs` → `server::accounts::save`; `mod.rs` names its folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("a file under src/");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Punct(char),
    PathSep,
}

/// The code's tokens, without comments, strings and character literals.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || (next == Some('#') && raw_string_start(&chars, i + 1))) {
            // r"…" or r#"…"#
            let mut hashes = 0;
            i += 1;
            while chars.get(i) == Some(&'#') {
                hashes += 1;
                i += 1;
            }
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' && (0..hashes).all(|h| chars.get(i + 1 + h) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && next == Some(':') {
            out.push(Token::PathSep);
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(Token::Punct(c));
            }
            i += 1;
        }
    }
    out
}

fn raw_string_start(chars: &[char], mut i: usize) -> bool {
    while chars.get(i) == Some(&'#') {
        i += 1;
    }
    chars.get(i) == Some(&'"')
}

/// Every path written in a file that starts at `crate`, `super` or `self`, made absolute.
fn paths(file_module: &[String], tokens: &[Token]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    // The module the code at each point belongs to: inline `mod name { … }` blocks nest.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some(Token::Ident(name)), Some(Token::Punct('{'))) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    inline.push((name.clone(), depth));
                }
            }
            Token::Ident(word) if matches!(word.as_str(), "crate" | "super" | "self") => {
                let preceded_by_sep = i > 0 && tokens[i - 1] == Token::PathSep;
                if !preceded_by_sep && tokens.get(i + 1) == Some(&Token::PathSep) {
                    let mut here: Vec<String> = file_module.to_vec();
                    here.extend(inline.iter().map(|(n, _)| n.clone()));
                    let (segments, end) = path_at(tokens, i);
                    for path in segments {
                        if let Some(absolute) = absolute(&here, &path) {
                            found.push(absolute);
                        }
                    }
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The path (or the paths of a `{ … }` group) starting at token `i`; returns where it ends.
fn path_at(tokens: &[Token], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        match tokens.get(i) {
            Some(Token::Ident(word)) => {
                prefix.push(word.clone());
                i += 1;
                if tokens.get(i) == Some(&Token::PathSep) {
                    i += 1;
                } else {
                    return (vec![prefix], i);
                }
            }
            Some(Token::Punct('*')) => return (vec![prefix], i + 1),
            Some(Token::Punct('{')) => {
                i += 1;
                let mut all = Vec::new();
                loop {
                    match tokens.get(i) {
                        Some(Token::Punct('}')) | None => return (all, i + 1),
                        Some(Token::Punct(',')) => i += 1,
                        Some(Token::Ident(word)) if word == "as" => i += 2,
                        _ => {
                            let (inner, end) = path_at(tokens, i);
                            for mut path in inner {
                                let mut full = prefix.clone();
                                full.append(&mut path);
                                all.push(full);
                            }
                            i = end;
                        }
                    }
                }
            }
            _ => return (vec![prefix], i),
        }
    }
}

/// `crate::a::b` → `[a, b]`; `super::x` and `self::x` from where they are written.
fn absolute(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String>;
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base = Vec::new();
            rest = &path[1..];
        }
        Some("self") => {
            base = here.to_vec();
            rest = &path[1..];
        }
        Some("super") => {
            base = here.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().filter(|s| s.as_str() != "self").cloned());
    Some(base)
}

/// The longest known module at the start of `path` (an item's path names its module).
fn module_in(path: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m)).unwrap_or_default()
}

struct Source {
    file: PathBuf,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| Source {
            module: module_of(&src, &file),
            text: std::fs::read_to_string(&file).expect("a readable source file"),
            file,
        })
        .collect()
}

#[test]
fn imports_point_down_the_layers_and_features_do_not_import_each_other() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut wrong = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in &sources {
        let (own, own_name) = layer(&source.module);
        for path in paths(&source.module, &tokens(&source.text)) {
            let target = module_in(&path, &modules);
            let (theirs, their_name) = layer(&target);
            if theirs > own {
                wrong.push(format!(
                    "{} ({own_name}) imports {} ({their_name})",
                    source.file.display(),
                    path.join("::")
                ));
            }
            let (from, to) = (unit(&source.module), unit(&target));
            if from != to && !to.is_empty() {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    assert!(wrong.is_empty(), "imports from a higher layer:\n{}", wrong.join("\n"));
    let circles = circles(&edges);
    assert!(circles.is_empty(), "features importing each other:\n{}", circles.join("\n"));
}

/// Each circle of the unit graph, once (as `a → b → a`).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = BTreeSet::new();
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, trail)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    let mut circle = trail.clone();
                    let lowest = circle.iter().enumerate().min_by_key(|(_, n)| n.as_str()).map_or(0, |(i, _)| i);
                    circle.rotate_left(lowest);
                    let first = circle[0].clone();
                    circle.push(first);
                    found.insert(circle.join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn every_module_says_what_it_is_for_and_stays_short() {
    let mut problems = Vec::new();
    for source in sources() {
        let lines = source.text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!("{}: {lines} lines (at most {MAX_LINES})", source.file.display()));
        }
        if !source.text.trim_start().starts_with("//!") {
            problems.push(format!("{}: does not start with a `//!` line saying what it is for", source.file.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_understands_paths() {
    let here: Vec<String> = vec!["server".into(), "accounts".into()];
    let text = "use super::db::{self, accounts::{Row, SecretField}, Tx};\n\
                // use crate::pages::x; in a comment\n\
                let s = \"crate::app::App\";\n\
                mod tests { use super::*; }\n\
                fn f<'a>(c: char) -> bool { c == '{' || crate::model::is(c) }";
    let found: Vec<String> = paths(&here, &tokens(text)).into_iter().map(|p| p.join("::")).collect();
    assert_eq!(
        found,
        [
            "server::db",
            "server::db::accounts::Row",
            "server::db::accounts::SecretField",
            "server::db::Tx",
            "server::accounts",
            "model::is"
        ]
    );
}
