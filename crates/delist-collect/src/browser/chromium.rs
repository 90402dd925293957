//! Chromium-family browsers (Google Chrome, Chromium, Microsoft Edge, Brave): the extensions
//! installed in each profile of each user, `<user data>/<profile>/Extensions/<id>/<version>/`.
//!
//! Owns the user-data locations of those browsers on Linux (`~/.config/…`, the Chromium snap),
//! macOS (`~/Library/Application Support/…`) and Windows (`Users/*/AppData/Local/…/User Data`),
//! and turning one extension directory into one artifact: the id is the directory's name (32
//! letters a–p), the newest version directory's `manifest.json` gives name and version, and a
//! `__MSG_name__` name is looked up in `_locales/<default_locale>/messages.json`.
//!
//! Also read: the `<id>.json` requests installers leave in Chrome's and Chromium's external
//! extension folders (`/opt/google/chrome/extensions`, `/usr/share/google-chrome/extensions`,
//! `/usr/share/chromium/extensions`, `…/Google/Chrome/External Extensions` on a Mac), one artifact
//! each with `extension.external_request`. Not read: extensions loaded unpacked in developer mode
//! and policy-forced ones not yet downloaded (they live only in `Preferences` and, on Windows, in
//! the registry).
//! It must never write to a profile or run anything in it.

use super::{MAX_ENTRIES, MAX_MANIFEST, Manifest, message_key, parse_manifest};
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

/// (browser, folder) where installers place `<id>.json` files asking a browser to install an
/// extension ("external extensions", Chrome's alternative distribution): system-wide, and
/// relative to a home when the folder is not absolute.
pub const EXTERNAL: &[(&str, &str)] = &[
    ("chrome", "/opt/google/chrome/extensions"),
    ("chrome", "/usr/share/google-chrome/extensions"),
    ("chromium", "/usr/share/chromium/extensions"),
    ("chrome", "/Library/Application Support/Google/Chrome/External Extensions"),
    ("chrome", "Library/Application Support/Google/Chrome/External Extensions"),
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
                let name = super::resolve_name(cx, &version_dir, &m, out);
                out.push(artifact(id, browser, profile, dir, &m, name, cx.target));
            }
            Err(e) => out.error(&manifest_path, e),
        }
    }
}

impl Chromium {
    /// `<id>.json` requests of external extensions: an extension that an installer asked the
    /// browser to install (it may or may not be installed yet), one artifact per file.
    fn external(cx: &Context<'_>, homes: &[String], out: &mut dyn Sink) {
        let mut places: Vec<(String, &str)> = Vec::new();
        for (browser, dir) in EXTERNAL {
            if dir.starts_with('/') {
                places.push((dir.to_string(), browser));
            } else {
                places.extend(homes.iter().map(|h| (join(h, dir), *browser)));
            }
        }
        let dirs = cx.root.unique_dirs(places.iter().map(|(d, _)| d.clone()).collect());
        for (dir, browser) in places.iter().filter(|(d, _)| dirs.contains(d) && cx.root.is_dir(d)) {
            for e in Self::list(cx, dir, out).into_iter().filter(|e| e.is_file) {
                let Some(id) = e.name.strip_suffix(".json").filter(|i| is_extension_id(i)) else { continue };
                let path = join(dir, &e.name);
                match cx
                    .root
                    .read(&path, MAX_MANIFEST)
                    .map_err(|err| format!("cannot read: {err}"))
                    .and_then(|b| super::parse_json(&b, "external extension request"))
                {
                    Ok(v) => {
                        let m = Manifest { update_url: super::text(&v, "external_update_url"), ..Manifest::default() };
                        let a = artifact(id, browser, "", &path, &m, None, cx.target).field(
                            "extension.external_request",
                            "true",
                            Role::Other,
                        );
                        out.push(a);
                    }
                    Err(err) => out.error(&path, err),
                }
            }
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
        Self::external(cx, &homes, out);
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
