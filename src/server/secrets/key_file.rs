//! The key file: one `id base64` line per key, the first encrypting. Made on the first start of
//! an SQLite deployment; written only whole (a temporary file, synced, renamed over the old one),
//! so a crash or a second process never leaves half a file behind.

use super::KeySet;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

const HEADER: &str = "# Pochta secret keys: the first line encrypts. Back this file up.";

pub fn read(path: &Path) -> Result<KeySet, String> {
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?);
    KeySet::parse(&text)
}

/// Reads the key file, creating it with a fresh key if there is none (first start). Two servers
/// starting at once make one file: only one of them can create it.
pub fn load_or_create(path: &Path) -> Result<(KeySet, bool), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let text = Zeroizing::new(format!("{HEADER}\n{}\n", KeySet::generate_line()));
    let created = match private_file(path, true) {
        Ok(mut file) => {
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    };
    Ok((read(path)?, created))
}

/// Puts a fresh key first in the key file (the others stay, so what they encrypted still
/// opens). Returns the new key's id.
pub fn add_key_first(path: &Path) -> Result<String, String> {
    let current =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?);
    KeySet::parse(&current)?;
    let line = Zeroizing::new(KeySet::generate_line());
    let id = line.split(' ').next().unwrap_or_default().to_string();
    let (comments, keys): (Vec<&str>, Vec<&str>) = current.lines().partition(|l| l.trim_start().starts_with('#'));
    let mut text = Zeroizing::new(comments.join("\n"));
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    for key in keys.iter().filter(|l| !l.trim().is_empty()) {
        text.push_str(key);
        text.push('\n');
    }
    replace(path, &text)?;
    Ok(id)
}

/// Replaces a file whole: a private temporary file beside it, synced, renamed over it.
fn replace(path: &Path, text: &str) -> Result<(), String> {
    let temporary = path.with_extension(format!("new-{}", std::process::id()));
    let written = private_file(&temporary, true).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    // The rename itself is durable once the folder is synced.
    if let Some(folder) = path.parent().and_then(|p| std::fs::File::open(p).ok()) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Opens a new file readable only by its owner (`create_new`: never an existing one).
fn private_file(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(create_new);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}
