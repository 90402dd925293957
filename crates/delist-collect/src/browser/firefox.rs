//! Firefox: the add-ons of each profile of each user, from the profile's `extensions.json` (the
//! add-on database Firefox keeps) and the `.xpi` files in its `extensions/` folder.
//!
//! Owns the profile locations on Linux (`~/.mozilla/firefox`, the snap's and the flatpak's),
//! macOS (`~/Library/Application Support/Firefox/Profiles`) and Windows
//! (`Users/*/AppData/Roaming/Mozilla/Firefox/Profiles`), the `extensions.json` reader
//! ([`parse_extensions_json`]) and the addons.mozilla.org slug of an add-on
//! ([`amo_slug`]: the `/addon/<slug>/` of the store page it was installed from). An add-on
//! recorded in `extensions.json` is one artifact at that file; an `.xpi` that the file does not
//! record (dropped in by an installer, not yet registered) is one artifact at the `.xpi`, read
//! from its `manifest.json` through the zip reader of [`crate::files::archive`].
//!
//! Add-ons installers put where every profile loads them (the `{ec8030f7-…}` folders under
//! `/usr/lib/mozilla/extensions`, `/usr/share/mozilla/extensions`,
//! `/Library/Application Support/Mozilla/Extensions` and their per-user twins) are read too.
//!
//! Firefox's own built-in add-ons (locations `app-builtin`, `app-system-defaults`,
//! `app-system-addons`) are not reported. It must never write to a profile.

use super::{MAX_ENTRIES, MAX_MANIFEST, Manifest, lookup_message, message_key, parse_json, text};
use crate::files::Bytes;
use crate::files::archive::zip_members;
use crate::root::join;
use crate::{Collector, Context, Sink};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use serde_json::Value;

/// Profile folders relative to a home.
pub const PROFILE_DIRS: &[&str] = &[
    ".mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.mozilla/firefox",
    "Library/Application Support/Firefox/Profiles",
    "AppData/Roaming/Mozilla/Firefox/Profiles",
];
/// Firefox's application id: installers put add-ons for every profile in a folder of this name.
const FIREFOX_APP_ID: &str = "{ec8030f7-c20a-464f-9b0e-13a3a9e97384}";
/// Where those folders are, system-wide (absolute) or in a home (relative).
pub const GLOBAL_DIRS: &[&str] = &[
    "/usr/lib/mozilla/extensions",
    "/usr/lib64/mozilla/extensions",
    "/usr/share/mozilla/extensions",
    "/Library/Application Support/Mozilla/Extensions",
    ".mozilla/extensions",
    "Library/Application Support/Mozilla/Extensions",
];
/// Largest `.xpi` read (AMO's own limit is 200 MB; real extensions are a few MB).
pub const MAX_XPI: u64 = 64 << 20;
/// Most add-ons read from one `extensions.json`.
pub const MAX_ADDONS: usize = 10_000;
/// Locations of add-ons that ship inside Firefox itself.
const BUILTIN: &[&str] = &["app-builtin", "app-system-defaults", "app-system-addons"];

/// One add-on of `extensions.json`, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addon {
    pub id: String,
    pub version: Option<String>,
    /// `type`: extension, theme, locale, dictionary.
    pub kind: Option<String>,
    pub name: Option<String>,
    pub creator: Option<String>,
    pub homepage: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub source_uri: Option<String>,
    /// `installTelemetryInfo.sourceURL`: the page the install started from.
    pub source_url: Option<String>,
    pub active: Option<bool>,
}

/// Reads a profile's `extensions.json`: `{"addons": [{"id": …, "defaultLocale": {…}, …}]}`.
/// Add-ons without an id are skipped; a root that is not such an object is an error.
pub fn parse_extensions_json(bytes: &[u8]) -> Result<Vec<Addon>, String> {
    let v = parse_json(bytes, "extensions.json")?;
    let Some(addons) = v.get("addons").and_then(Value::as_array) else {
        return Err("extensions.json: no \"addons\" array".into());
    };
    if addons.len() > MAX_ADDONS {
        return Err(format!("extensions.json: more than {MAX_ADDONS} add-ons"));
    }
    Ok(addons
        .iter()
        .filter_map(|a| {
            let locale = a.get("defaultLocale");
            let l = |k: &str| locale.and_then(|d| text(d, k));
            Some(Addon {
                id: text(a, "id")?,
                version: text(a, "version"),
                kind: text(a, "type"),
                name: l("name"),
                creator: l("creator"),
                homepage: l("homepageURL"),
                description: l("description"),
                location: text(a, "location"),
                source_uri: text(a, "sourceURI"),
                source_url: a.get("installTelemetryInfo").and_then(|t| text(t, "sourceURL")),
                active: a.get("active").and_then(Value::as_bool),
            })
        })
        .collect())
}

/// The addons.mozilla.org slug in a store address (`https://addons.mozilla.org/en-US/firefox/
/// addon/<slug>/…`), lower-cased; `None` for any other address.
pub fn amo_slug(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    if !host.eq_ignore_ascii_case("addons.mozilla.org") {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts = path.split('/');
    parts.find(|p| *p == "addon")?;
    let slug = parts.next()?.to_ascii_lowercase();
    let ok = !slug.is_empty()
        && slug.len() <= 255
        && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(slug)
}

/// The artifact of an add-on recorded in `extensions.json` at `path`.
pub fn addon_artifact(a: &Addon, profile: &str, path: &str, target: &str) -> Artifact {
    let name = a.name.clone().unwrap_or_else(|| a.id.clone());
    let slug = [&a.source_url, &a.source_uri, &a.homepage].into_iter().flatten().find_map(|u| amo_slug(u));
    Artifact::new(ArtifactKind::BrowserExtension, name.clone(), path, target)
        .version(a.version.clone().unwrap_or_default())
        .field("firefox.id", &a.id, Role::Identifier(IdKind::ExtensionId))
        .field("firefox.amo_slug", slug.unwrap_or_default(), Role::Identifier(IdKind::ExtensionId))
        .field("extension.name", name, Role::Name)
        .field("firefox.creator", a.creator.clone().unwrap_or_default(), Role::Publisher)
        .field("firefox.homepage", a.homepage.clone().unwrap_or_default(), Role::Homepage)
        .field("firefox.type", a.kind.clone().unwrap_or_default(), Role::Other)
        .field("firefox.location", a.location.clone().unwrap_or_default(), Role::Other)
        .field("firefox.source_uri", a.source_uri.clone().unwrap_or_default(), Role::Other)
        .field("firefox.active", a.active.map(|b| b.to_string()).unwrap_or_default(), Role::Other)
        .field("extension.browser", "firefox", Role::Other)
        .field("extension.profile", profile, Role::Other)
        .field("firefox.description", a.description.clone().unwrap_or_default(), Role::Text)
        .id(&a.id)
}

/// The artifact of an `.xpi` read from its manifest (`id` from the manifest, else the file name).
pub fn xpi_artifact(id: &str, m: &Manifest, name: Option<String>, profile: &str, path: &str, target: &str) -> Artifact {
    let name = name.or_else(|| m.name.clone().filter(|n| message_key(n).is_none())).unwrap_or_else(|| id.to_string());
    let slug = m.homepage_url.as_deref().and_then(amo_slug);
    Artifact::new(ArtifactKind::BrowserExtension, name.clone(), path, target)
        .version(m.version.clone().unwrap_or_default())
        .field("firefox.id", id, Role::Identifier(IdKind::ExtensionId))
        .field("firefox.amo_slug", slug.unwrap_or_default(), Role::Identifier(IdKind::ExtensionId))
        .field("extension.name", name, Role::Name)
        .field("extension.author", m.author.clone().unwrap_or_default(), Role::Publisher)
        .field("extension.homepage_url", m.homepage_url.clone().unwrap_or_default(), Role::Homepage)
        .field("extension.browser", "firefox", Role::Other)
        .field("extension.profile", profile, Role::Other)
        .field("extension.description", m.description.clone().unwrap_or_default(), Role::Text)
        .id(id)
}

/// Reads an `.xpi`'s manifest and, for a `__MSG_…__` name, its default locale's message.
pub fn read_xpi(data: &[u8]) -> Result<(Manifest, Option<String>), String> {
    let file = Bytes(data);
    let found = zip_members(&file, &["manifest.json"], MAX_MANIFEST)?;
    let (_, bytes) = found.first().ok_or("no manifest.json in the .xpi")?;
    let m = super::parse_manifest(bytes)?;
    let mut name = None;
    if let Some(key) = m.name.as_deref().and_then(message_key) {
        let locales: Vec<String> = super::locales(&m).map(|l| format!("_locales/{l}/messages.json")).collect();
        let wanted: Vec<&str> = locales.iter().map(String::as_str).collect();
        let msgs = zip_members(&file, &wanted, MAX_MANIFEST)?;
        // In the order of preference, not the zip's.
        for l in &locales {
            if let Some((_, b)) = msgs.iter().find(|(n, _)| n == l)
                && let Some(n) = lookup_message(b, key)?
            {
                name = Some(n);
                break;
            }
        }
    }
    Ok((m, name))
}

/// The Firefox add-ons collector.
pub struct Firefox;

impl Firefox {
    fn profile(cx: &Context<'_>, profile: &str, name: &str, out: &mut dyn Sink) {
        let db = join(profile, "extensions.json");
        let mut known: Vec<String> = Vec::new();
        if cx.root.is_file(&db) {
            let parsed = cx
                .root
                .read(&db, MAX_MANIFEST)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|b| parse_extensions_json(&b));
            match parsed {
                Ok(addons) => {
                    for a in addons {
                        known.push(a.id.to_ascii_lowercase());
                        if a.location.as_deref().is_some_and(|l| BUILTIN.contains(&l)) {
                            continue;
                        }
                        out.push(addon_artifact(&a, name, &db, cx.target));
                    }
                }
                Err(e) => out.error(&db, e),
            }
        }
        let xdir = join(profile, "extensions");
        if !cx.root.is_dir(&xdir) {
            return;
        }
        let entries = match cx.root.read_dir(&xdir, MAX_ENTRIES) {
            Ok(e) => e,
            Err(e) => {
                out.error(&xdir, format!("cannot list: {e}"));
                return;
            }
        };
        for e in entries.into_iter().filter(|e| e.is_file && e.name.to_ascii_lowercase().ends_with(".xpi")) {
            let stem = &e.name[..e.name.len() - 4];
            if known.contains(&stem.to_ascii_lowercase()) {
                continue; // recorded in extensions.json: reported from there
            }
            let path = join(&xdir, &e.name);
            let read =
                cx.root.read(&path, MAX_XPI).map_err(|err| format!("cannot read: {err}")).and_then(|d| read_xpi(&d));
            match read {
                Ok((m, resolved)) => {
                    let id = m.gecko_id.clone().unwrap_or_else(|| stem.to_string());
                    if !known.contains(&id.to_ascii_lowercase()) {
                        out.push(xpi_artifact(&id, &m, resolved, name, &path, cx.target));
                    }
                }
                Err(err) => out.error(&path, err),
            }
        }
    }
}

impl Firefox {
    /// Add-ons an installer put where every profile loads them: `.xpi` files, unpacked folders
    /// with a `manifest.json`, and legacy folders without one (reported by their id alone).
    fn global(cx: &Context<'_>, homes: &[String], out: &mut dyn Sink) {
        let dirs: Vec<String> =
            GLOBAL_DIRS
                .iter()
                .flat_map(|d| {
                    if d.starts_with('/') { vec![d.to_string()] } else { homes.iter().map(|h| join(h, d)).collect() }
                })
                .map(|d| join(&d, FIREFOX_APP_ID))
                .collect();
        for dir in cx.root.unique_dirs(dirs).into_iter().filter(|d| cx.root.is_dir(d)) {
            let entries = match cx.root.read_dir(&dir, MAX_ENTRIES) {
                Ok(e) => e,
                Err(e) => {
                    out.error(&dir, format!("cannot list: {e}"));
                    continue;
                }
            };
            for e in entries {
                let path = join(&dir, &e.name);
                if e.is_file && e.name.to_ascii_lowercase().ends_with(".xpi") {
                    let stem = &e.name[..e.name.len() - 4];
                    let read = cx
                        .root
                        .read(&path, MAX_XPI)
                        .map_err(|err| format!("cannot read: {err}"))
                        .and_then(|d| read_xpi(&d));
                    match read {
                        Ok((m, name)) => {
                            let id = m.gecko_id.clone().unwrap_or_else(|| stem.to_string());
                            out.push(xpi_artifact(&id, &m, name, "", &path, cx.target));
                        }
                        Err(err) => out.error(&path, err),
                    }
                } else if e.is_dir {
                    let manifest = join(&path, "manifest.json");
                    if !cx.root.is_file(&manifest) {
                        let m = Manifest::default();
                        out.push(xpi_artifact(&e.name, &m, None, "", &path, cx.target));
                        continue;
                    }
                    let parsed = cx
                        .root
                        .read(&manifest, MAX_MANIFEST)
                        .map_err(|err| format!("cannot read: {err}"))
                        .and_then(|b| super::parse_manifest(&b));
                    match parsed {
                        Ok(m) => {
                            let name = super::resolve_name(cx, &path, &m, out);
                            let id = m.gecko_id.clone().unwrap_or_else(|| e.name.clone());
                            out.push(xpi_artifact(&id, &m, name, "", &path, cx.target));
                        }
                        Err(err) => out.error(&manifest, err),
                    }
                }
            }
        }
    }
}

impl Collector for Firefox {
    fn id(&self) -> &'static str {
        "firefox-extensions"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let (homes, errors) = cx.root.homes();
        for (dir, e) in errors {
            out.error(&dir, format!("cannot list: {e}"));
        }
        Self::global(cx, &homes, out);
        let bases: Vec<String> = homes.iter().flat_map(|h| PROFILE_DIRS.iter().map(move |d| join(h, d))).collect();
        for base in cx.root.unique_dirs(bases) {
            if !cx.root.is_dir(&base) {
                continue;
            }
            let entries = match cx.root.read_dir(&base, MAX_ENTRIES) {
                Ok(e) => e,
                Err(e) => {
                    out.error(&base, format!("cannot list: {e}"));
                    continue;
                }
            };
            for p in entries.into_iter().filter(|e| e.is_dir) {
                let profile = join(&base, &p.name);
                if cx.root.is_file(&join(&profile, "extensions.json")) || cx.root.is_dir(&join(&profile, "extensions"))
                {
                    Self::profile(cx, &profile, &p.name, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amo_slugs() {
        let s = amo_slug("https://addons.mozilla.org/en-US/firefox/addon/kaspersky-protection-2020/?src=search");
        assert_eq!(s.as_deref(), Some("kaspersky-protection-2020"));
        assert_eq!(
            amo_slug("https://addons.mozilla.org/firefox/addon/ublock-origin").as_deref(),
            Some("ublock-origin")
        );
        assert_eq!(amo_slug("https://addons.mozilla.org.evil.example/firefox/addon/x/"), None);
        assert_eq!(amo_slug("https://example.org/addon/x/"), None);
        assert_eq!(amo_slug("https://addons.mozilla.org/firefox/downloads/file/1/x.xpi"), None);
    }

    #[test]
    fn extensions_json_shapes() {
        let a = parse_extensions_json(
            br#"{"schemaVersion": 36, "addons": [
                {"id": "a@example.org", "version": "1.0", "type": "extension", "location": "app-profile",
                 "defaultLocale": {"name": "A", "creator": "Example Co"}, "active": true},
                {"version": "no id"}]}"#,
        )
        .expect("valid");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].creator.as_deref(), Some("Example Co"));
        assert_eq!(a[0].active, Some(true));
        for bad in [&b"{}"[..], b"{\"addons\": 1}", b"[", b"\"x\""] {
            assert!(parse_extensions_json(bad).is_err(), "{bad:?}");
        }
        assert!(read_xpi(b"PK\x03\x04 not really a zip").is_err());
    }
}
