//! Chromium-family browsers (Google Chrome, Chromium, Microsoft Edge, Brave): the extensions
//! installed in each profile of each user, `<user data>/<profile>/Extensions/<id>/<version>/`.
//!
//! Owns the user-data locations of those browsers on Linux (`~/.config/…`, the Chromium snap),
//! macOS (`~/Library/Application Support/…`) and Windows (`Users/*/AppData/Local/…/User Data`),
//! and turning one extension directory into one artifact: the id is the directory's name (32
//! letters a–p), the newest version directory's `manifest.json` gives name and version, and a
//! `__MSG_name__` name is looked up in `_locales/<default_locale>/messages.json`.
//!
//! Not read: extensions loaded unpacked in developer mode and policy-forced ones not yet
//! downloaded (they live only in `Preferences`), and Chrome's `External Extensions` JSON.
//! It must never write to a profile or run anything in it.

use super::{MAX_ENTRIES, MAX_MANIFEST, Manifest, lookup_message, message_key, parse_manifest};
use crate::root::join;
use crate::{Collector, Context, Sink};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

/// (browser, user-data directory relative to a home), for every layout delist knows.
pub const USER_DATA: &[(&str, &str)] = &[
    // Linux
    ("chrome", ".config/google-chrome"),
    ("chrome-beta", ".config/google-chrome-beta"),
    ("chrome-unstable", ".config/google-chrome-unstable"),
    ("chromium", ".config/chromium"),
    ("chromium", "snap/chromium/common/chromium"),
    ("edge", ".config/microsoft-edge"),
    ("edge-beta", ".config/microsoft-edge-beta"),
    ("edge-dev", ".config/microsoft-edge-dev"),
    ("brave", ".config/BraveSoftware/Brave-Browser"),
    // macOS
    ("chrome", "Library/Application Support/Google/Chrome"),
    ("chromium", "Library/Application Support/Chromium"),
    ("edge", "Library/Application Support/Microsoft Edge"),
    ("brave", "Library/Application Support/BraveSoftware/Brave-Browser"),
    // Windows
    ("chrome", "AppData/Local/Google/Chrome/User Data"),
    ("chromium", "AppData/Local/Chromium/User Data"),
    ("edge", "AppData/Local/Microsoft/Edge/User Data"),
    ("brave", "AppData/Local/BraveSoftware/Brave-Browser/User Data"),
];

/// Whether a directory name is a Chromium extension id: 32 letters a–p.
pub fn is_extension_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

/// The artifact of one extension.
pub fn artifact(
    id: &str,
    browser: &str,
    profile: &str,
    path: &str,
    m: &Manifest,
    name: Option<String>,
    target: &str,
) -> Artifact {
    let name = name.or_else(|| m.name.clone().filter(|n| message_key(n).is_none())).unwrap_or_else(|| id.to_string());
    Artifact::new(ArtifactKind::BrowserExtension, name.clone(), path, target)
        .version(m.version.clone().unwrap_or_default())
        .field("extension.id", id, Role::Identifier(IdKind::ExtensionId))
        .field("extension.name", name, Role::Name)
        .field("extension.author", m.author.clone().unwrap_or_default(), Role::Publisher)
        .field("extension.homepage_url", m.homepage_url.clone().unwrap_or_default(), Role::Homepage)
        .field("extension.update_url", m.update_url.clone().unwrap_or_default(), Role::Other)
        .field("extension.browser", browser, Role::Other)
        .field("extension.profile", profile, Role::Other)
        .field("extension.description", m.description.clone().unwrap_or_default(), Role::Text)
        .id(id)
}

/// The Chromium-family extensions collector.
pub struct Chromium;

impl Chromium {
    fn list(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) -> Vec<crate::root::Entry> {
        cx.root.read_dir(dir, MAX_ENTRIES).unwrap_or_else(|e| {
            out.error(dir, format!("cannot list: {e}"));
            Vec::new()
        })
    }

    /// The name a `__MSG_…__` manifest name stands for, from the extension's locales.
    fn resolve_name(cx: &Context<'_>, version_dir: &str, m: &Manifest, out: &mut dyn Sink) -> Option<String> {
        let key = message_key(m.name.as_deref()?)?;
        for locale in super::locales(m) {
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

    fn extension(cx: &Context<'_>, browser: &str, profile: &str, id: &str, dir: &str, out: &mut dyn Sink) {
        let mut versions: Vec<String> = Self::list(cx, dir, out)
            .into_iter()
            .filter(|e| e.is_dir && !e.name.starts_with('.'))
            .map(|e| e.name)
            .filter(|v| cx.root.is_file(&join(&join(dir, v), "manifest.json")))
            .collect();
        // During an update the old and new versions sit side by side: the newest is installed.
        versions.sort_by(|a, b| super::version_cmp(a, b));
        let Some(version) = versions.last() else {
            return;
        };
        let version_dir = join(dir, version);
        let manifest_path = join(&version_dir, "manifest.json");
        let parsed = cx
            .root
            .read(&manifest_path, MAX_MANIFEST)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|b| parse_manifest(&b));
        match parsed {
            Ok(m) => {
                let name = Self::resolve_name(cx, &version_dir, &m, out);
                out.push(artifact(id, browser, profile, dir, &m, name, cx.target));
            }
            Err(e) => out.error(&manifest_path, e),
        }
    }
}

impl Collector for Chromium {
    fn id(&self) -> &'static str {
        "chromium-extensions"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let (homes, errors) = cx.root.homes();
        for (dir, e) in errors {
            out.error(&dir, format!("cannot list: {e}"));
        }
        let mut places: Vec<(String, &str)> = Vec::new();
        for h in &homes {
            for (browser, rel) in USER_DATA {
                let d = join(h, rel);
                if cx.root.is_dir(&d) {
                    places.push((d, browser));
                }
            }
        }
        let dirs = cx.root.unique_dirs(places.iter().map(|(d, _)| d.clone()).collect());
        places.retain(|(d, _)| dirs.contains(d));
        for (user_data, browser) in places {
            for p in Self::list(cx, &user_data, out).into_iter().filter(|e| e.is_dir) {
                let profile = join(&user_data, &p.name);
                let ext_root = join(&profile, "Extensions");
                if !cx.root.is_dir(&ext_root) {
                    continue;
                }
                for e in Self::list(cx, &ext_root, out).into_iter().filter(|e| e.is_dir && is_extension_id(&e.name)) {
                    Self::extension(cx, browser, &p.name, &e.name, &join(&ext_root, &e.name), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_ids() {
        assert!(is_extension_id("ahkjpbeeocnddjkakilopmfdlnjdpcdm"));
        assert!(!is_extension_id("Temp"));
        assert!(!is_extension_id("ahkjpbeeocnddjkakilopmfdlnjdpcdz"));
    }
}
