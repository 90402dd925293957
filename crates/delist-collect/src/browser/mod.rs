//! Browser extensions in users' profiles: Chromium-family browsers (Chrome, Chromium, Edge,
//! Brave; [`chromium`]) and Firefox ([`firefox`]), in Linux, macOS and Windows layouts.
//!
//! Owns the WebExtension `manifest.json` reader both families share ([`parse_manifest`]) and the
//! `__MSG_name__` lookup in `_locales/<locale>/messages.json` ([`message_key`],
//! [`lookup_message`]); the profile layouts are the submodules'. Each extension is one
//! [`ArtifactKind::BrowserExtension`](delist_core::ArtifactKind) artifact whose extension id is
//! an `extension-id` identifier: `likely` alone, since a second organisation can carry the same id
//! (the catalog's ESET caveat), `confirmed` with an author naming the vendor or the extension
//! named as the catalog's product (see `delist_core::matcher`).
//!
//! It must never run, load or modify an extension or a profile; parsers are pure functions of
//! bytes with their input capped ([`MAX_MANIFEST`]).

pub mod chromium;
pub mod firefox;

use crate::root::join;
use crate::{Context, Sink};
use serde_json::Value;

/// Largest `manifest.json`, `messages.json` or `extensions.json` read.
pub const MAX_MANIFEST: u64 = 8 << 20;
/// Most profiles or extensions listed in one directory.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// What an extension's `manifest.json` says, every field as written (`__MSG_…__` unresolved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    /// `author` (a string, or `{"email": …}` in Chrome's newer form) or `developer.name`.
    pub author: Option<String>,
    pub homepage_url: Option<String>,
    pub description: Option<String>,
    pub default_locale: Option<String>,
    pub update_url: Option<String>,
    /// Firefox's `browser_specific_settings.gecko.id` (or the older `applications.gecko.id`).
    pub gecko_id: Option<String>,
}

/// Parses JSON text of at most [`MAX_MANIFEST`] bytes (a UTF-8 byte-order mark is allowed, as
/// browsers allow it).
pub(crate) fn parse_json(bytes: &[u8], what: &str) -> Result<Value, String> {
    if bytes.len() as u64 > MAX_MANIFEST {
        return Err(format!("{what} is {} bytes, over the {MAX_MANIFEST}-byte limit", bytes.len()));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // serde_json stops at 128 levels of nesting: deep input is an error, not a stack overflow.
    serde_json::from_slice(bytes).map_err(|e| format!("{what} is not JSON: {e}"))
}

/// A trimmed, non-empty string at `key` of an object.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Reads a WebExtension `manifest.json`. The root must be an object.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let v = parse_json(bytes, "manifest.json")?;
    if !v.is_object() {
        return Err("manifest.json: the root is not an object".into());
    }
    let author = match v.get("author") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(o @ Value::Object(_)) => text(o, "name").or_else(|| text(o, "email")),
        _ => None,
    }
    .or_else(|| v.get("developer").and_then(|d| text(d, "name")));
    let gecko_id = ["browser_specific_settings", "applications"]
        .iter()
        .find_map(|k| v.get(k).and_then(|b| b.get("gecko")).and_then(|g| text(g, "id")));
    Ok(Manifest {
        name: text(&v, "name"),
        version: text(&v, "version"),
        author,
        homepage_url: text(&v, "homepage_url"),
        description: text(&v, "description"),
        default_locale: text(&v, "default_locale"),
        update_url: text(&v, "update_url"),
        gecko_id,
    })
}

/// The message name of a `__MSG_name__` placeholder, if the value is one.
pub fn message_key(value: &str) -> Option<&str> {
    value.strip_prefix("__MSG_").and_then(|r| r.strip_suffix("__")).filter(|k| !k.is_empty())
}

/// The text of message `key` in a `messages.json` (`{"key": {"message": "…"}}`; message names
/// are case-insensitive). `Ok(None)` when the file has no such message.
pub fn lookup_message(bytes: &[u8], key: &str) -> Result<Option<String>, String> {
    let v = parse_json(bytes, "messages.json")?;
    let Value::Object(map) = v else {
        return Err("messages.json: the root is not an object".into());
    };
    Ok(map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, m)| text(m, "message")))
}

/// Locales tried to resolve a name, after the manifest's own `default_locale`.
const FALLBACK_LOCALES: &[&str] = &["en", "en_US", "en_GB"];

/// The locales to look a `__MSG_…__` name up in, in order, each once: the manifest's
/// `default_locale`, then [`FALLBACK_LOCALES`].
pub(crate) fn locales(m: &Manifest) -> impl Iterator<Item = &str> {
    let own = m.default_locale.as_deref();
    own.into_iter().chain(FALLBACK_LOCALES.iter().copied().filter(move |l| Some(*l) != own))
}

/// Compares dotted version strings numerically part by part (`1.10` after `1.9`); parts that
/// are not numbers compare as text.
pub(crate) fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| s.split(['.', '_']).map(|p| (p.parse::<u64>().ok(), p.to_string())).collect::<Vec<_>>();
    parts(a).cmp(&parts(b))
}

/// The name a `__MSG_…__` manifest name stands for, from the extension's locales.
pub(crate) fn resolve_name(cx: &Context<'_>, version_dir: &str, m: &Manifest, out: &mut dyn Sink) -> Option<String> {
    let key = message_key(m.name.as_deref()?)?;
    for locale in locales(m) {
        if locale.contains(['/', '\\']) || locale.starts_with('.') {
            continue; // a locale is a name, never a path
        }
        let path = join(version_dir, &format!("_locales/{locale}/messages.json"));
        if !cx.root.is_file(&path) {
            continue;
        }
        match cx
            .root
            .read(&path, MAX_MANIFEST)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|b| lookup_message(&b, key))
        {
            Ok(Some(n)) => return Some(n),
            Ok(None) => {}
            Err(e) => out.error(&path, e),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_in_each_shape() {
        let m = parse_manifest(
            br#"{"name": "__MSG_extName__", "version": "1.2.3", "default_locale": "en",
                 "author": {"email": "dev@example.org"}, "homepage_url": "https://example.org/x",
                 "browser_specific_settings": {"gecko": {"id": "x@example.org"}}}"#,
        )
        .expect("valid");
        assert_eq!(m.name.as_deref(), Some("__MSG_extName__"));
        assert_eq!(m.author.as_deref(), Some("dev@example.org"));
        assert_eq!(m.gecko_id.as_deref(), Some("x@example.org"));
        let m = parse_manifest(b"\xef\xbb\xbf{\"name\": \"N\", \"developer\": {\"name\": \"Dev Co\"}}").expect("bom");
        assert_eq!(m.author.as_deref(), Some("Dev Co"));
        assert_eq!(message_key("__MSG_extName__"), Some("extName"));
        assert_eq!(message_key("__MSG___"), None);
        assert_eq!(message_key("Plain"), None);
        let msgs = br#"{"EXTNAME": {"message": "Example Blocker"}}"#;
        assert_eq!(lookup_message(msgs, "extName").expect("ok").as_deref(), Some("Example Blocker"));
        assert_eq!(lookup_message(msgs, "other").expect("ok"), None);
    }

    #[test]
    fn malformed_json_is_an_error() {
        for bad in [&b""[..], b"{", b"[1,2]", b"{\"name\": }", b"null"] {
            assert!(parse_manifest(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(100_000);
        assert!(parse_manifest(deep.as_bytes()).is_err());
        assert!(lookup_message(b"[]", "x").is_err());
        assert!(lookup_message(b"{\"x\": ", "x").is_err());
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering;
        assert_eq!(version_cmp("1.10.0", "1.9.2"), Ordering::Greater);
        assert_eq!(version_cmp("2.0", "2.0"), Ordering::Equal);
        assert_eq!(version_cmp("1.0_0", "1.0_1"), Ordering::Less);
    }
}
