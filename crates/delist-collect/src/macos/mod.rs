//! macOS, offline: what an installed Mac records beyond its `.app` bundles (which the file walk
//! reads): installer package receipts ([`receipts`]), launchd jobs ([`launchd`]), and kernel and
//! system extensions ([`kext`]).
//!
//! Owns the places these live in a macOS root (`/var/db/receipts` — also reached as
//! `/private/var/db/receipts` —, `/Library/Receipts`, `/Library/Launch*`, `/System/Library/Launch*`,
//! `~/Library/LaunchAgents`, `/Library/Extensions`, `/System/Library/Extensions`,
//! `/Library/SystemExtensions`) and the pure readers of their property lists, built on
//! [`crate::files::plist`] (XML and binary). It must never load, unload or run anything, and
//! reads every plist under [`MAX_PLIST`] bytes.

pub mod kext;
pub mod launchd;
pub mod receipts;

use crate::files::plist::{self, Value};

/// Largest property list read (receipts and job definitions are a few KiB).
pub const MAX_PLIST: u64 = 4 << 20;
/// Most entries listed in one directory.
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// Parses a plist whose root must be a dictionary.
pub(crate) fn dict(bytes: &[u8]) -> Result<Value, String> {
    let v = plist::parse(bytes)?;
    if !matches!(v, Value::Dict(_)) {
        return Err("the plist's root is not a dictionary".into());
    }
    Ok(v)
}

/// A trimmed, non-empty string (or number written as one) at `key`.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::to_text).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The file name without its extension (`com.example.pkg.plist` → `com.example.pkg`).
pub(crate) fn stem<'a>(name: &'a str, ext: &str) -> &'a str {
    name.strip_suffix(ext).unwrap_or(name)
}
