//! Installer package receipts: `/var/db/receipts/<pkgid>.plist` (PackageIdentifier,
//! PackageVersion, InstallDate, InstallPrefixPath), and the old `/Library/Receipts/<name>.pkg`
//! bundles (their `Contents/Info.plist`). A receipt says a package was installed, even after the
//! app itself was dragged to the Bin.
//!
//! A `<pkgid>.bom` (the package's file list) is read by name only: a `.bom` without its `.plist`
//! is a receipt with nothing more than its package id. The package id is compared with the
//! catalog's bundle ids (vendors name their packages after their bundles), and the install
//! prefix with its install paths.

use super::{MAX_ENTRIES, MAX_PLIST, dict, stem, text};
use crate::files::plist::Value;
use crate::root::join;
use crate::{Collector, Context, Sink};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

/// Receipt databases, newest layout first.
const DB_DIRS: &[&str] = &["/var/db/receipts", "/private/var/db/receipts"];
/// Pre-10.5 receipts (bundles) and 10.5's flat plists.
const LIBRARY_RECEIPTS: &str = "/Library/Receipts";

/// What a receipt says, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    pub package_id: String,
    pub version: Option<String>,
    pub install_date: Option<String>,
    /// Where the payload went, relative to the volume (`Applications`, `/`).
    pub install_prefix: Option<String>,
    pub install_process: Option<String>,
    pub package_file: Option<String>,
}

/// Reads a receipt plist (`/var/db/receipts/<pkgid>.plist`). PackageIdentifier is required.
pub fn parse_receipt(bytes: &[u8]) -> Result<Receipt, String> {
    let v = dict(bytes)?;
    let package_id = text(&v, "PackageIdentifier").ok_or("receipt without PackageIdentifier")?;
    let install_date = match v.get("InstallDate") {
        Some(Value::Date(d)) => Some(d.clone()),
        Some(other) => other.to_text(),
        None => None,
    };
    Ok(Receipt {
        package_id,
        version: text(&v, "PackageVersion"),
        install_date,
        install_prefix: text(&v, "InstallPrefixPath"),
        install_process: text(&v, "InstallProcessName"),
        package_file: text(&v, "PackageFileName"),
    })
}

/// Reads an old receipt bundle's `Contents/Info.plist` (CFBundleIdentifier; the version from
/// CFBundleShortVersionString or IFMajorVersion/IFMinorVersion; IFPkgFlagDefaultLocation).
pub fn parse_bundle_receipt(bytes: &[u8]) -> Result<Receipt, String> {
    let v = dict(bytes)?;
    let package_id = text(&v, "CFBundleIdentifier").ok_or("receipt bundle without CFBundleIdentifier")?;
    let version = text(&v, "CFBundleShortVersionString").or_else(|| {
        let major = text(&v, "IFMajorVersion")?;
        Some(format!("{major}.{}", text(&v, "IFMinorVersion").unwrap_or_else(|| "0".into())))
    });
    Ok(Receipt { package_id, version, install_prefix: text(&v, "IFPkgFlagDefaultLocation"), ..Receipt::default() })
}

/// The artifact of a receipt at `path`.
pub fn artifact(r: &Receipt, path: &str, target: &str) -> Artifact {
    let prefix = r.install_prefix.as_deref().map(|p| {
        let p = p.trim_start_matches("./");
        if p.starts_with('/') { p.to_string() } else { format!("/{p}") }
    });
    Artifact::new(ArtifactKind::PkgReceipt, &r.package_id, path, target)
        .version(r.version.clone().unwrap_or_default())
        .field("receipt.package_identifier", &r.package_id, Role::Identifier(IdKind::BundleId))
        .field("receipt.install_prefix", prefix.unwrap_or_default(), Role::Identifier(IdKind::InstallPath))
        .field("receipt.install_date", r.install_date.clone().unwrap_or_default(), Role::Other)
        .field("receipt.install_process", r.install_process.clone().unwrap_or_default(), Role::Other)
        .field("receipt.package_file", r.package_file.clone().unwrap_or_default(), Role::Other)
        .id(&r.package_id)
}

/// The receipts collector.
pub struct Receipts;

impl Receipts {
    fn list(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) -> Vec<crate::root::Entry> {
        cx.root.read_dir(dir, MAX_ENTRIES).unwrap_or_else(|e| {
            out.error(dir, format!("cannot list: {e}"));
            Vec::new()
        })
    }

    fn read(
        cx: &Context<'_>,
        path: &str,
        parse: fn(&[u8]) -> Result<Receipt, String>,
        out: &mut dyn Sink,
    ) -> Option<Receipt> {
        match cx.root.read(path, MAX_PLIST).map_err(|e| format!("cannot read: {e}")).and_then(|b| parse(&b)) {
            Ok(r) => Some(r),
            Err(e) => {
                out.error(path, e);
                None
            }
        }
    }

    /// `<pkgid>.plist` receipts, and `.bom` files without one.
    fn db(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) {
        let entries = Self::list(cx, dir, out);
        // A set: a receipts folder may list up to MAX_ENTRIES files, each `.bom` looked up.
        let plists: std::collections::HashSet<&str> = entries
            .iter()
            .filter(|e| e.is_file && e.name.ends_with(".plist"))
            .map(|e| stem(&e.name, ".plist"))
            .collect();
        for e in entries.iter().filter(|e| e.is_file) {
            let path = join(dir, &e.name);
            if e.name.ends_with(".plist") {
                if let Some(r) = Self::read(cx, &path, parse_receipt, out) {
                    out.push(artifact(&r, &path, cx.target));
                }
            } else if let Some(id) = e.name.strip_suffix(".bom")
                && !plists.contains(&id)
                && !id.is_empty()
            {
                let r = Receipt { package_id: id.to_string(), ..Receipt::default() };
                out.push(artifact(&r, &path, cx.target));
            }
        }
    }

    /// `/Library/Receipts`: `.pkg` bundles, flat `.plist` receipts and `boms/*.bom`.
    fn library(cx: &Context<'_>, out: &mut dyn Sink) {
        for e in Self::list(cx, LIBRARY_RECEIPTS, out) {
            let path = join(LIBRARY_RECEIPTS, &e.name);
            if e.is_dir && e.name.ends_with(".pkg") {
                let info = join(&path, "Contents/Info.plist");
                let r = if cx.root.is_file(&info) {
                    Self::read(cx, &info, parse_bundle_receipt, out)
                } else {
                    // A receipt bundle without its Info.plist still names the package.
                    Some(Receipt { package_id: stem(&e.name, ".pkg").to_string(), ..Receipt::default() })
                };
                if let Some(r) = r {
                    out.push(artifact(&r, &path, cx.target));
                }
            } else if e.is_file && e.name.ends_with(".plist") && e.name != "InstallHistory.plist" {
                if let Some(r) = Self::read(cx, &path, parse_receipt, out) {
                    out.push(artifact(&r, &path, cx.target));
                }
            } else if e.is_dir && e.name == "boms" {
                Self::db(cx, &path, out);
            }
        }
    }
}

impl Collector for Receipts {
    fn id(&self) -> &'static str {
        "macos-receipts"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let dirs: Vec<String> = DB_DIRS.iter().filter(|d| cx.root.is_dir(d)).map(|d| d.to_string()).collect();
        for d in cx.root.unique_dirs(dirs) {
            Self::db(cx, &d, out);
        }
        if cx.root.is_dir(LIBRARY_RECEIPTS) {
            Self::library(cx, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_and_broken_ones() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>InstallDate</key><date>2024-06-01T12:00:00Z</date>
<key>InstallPrefixPath</key><string>Applications</string>
<key>PackageIdentifier</key><string>com.example.notes</string>
<key>PackageVersion</key><string>2.1</string>
</dict></plist>"#;
        let r = parse_receipt(xml).expect("valid");
        assert_eq!((r.package_id.as_str(), r.version.as_deref()), ("com.example.notes", Some("2.1")));
        assert_eq!(r.install_date.as_deref(), Some("2024-06-01T12:00:00Z"));
        let a = artifact(&r, "/var/db/receipts/com.example.notes.plist", "t");
        assert!(a.fields.iter().any(|f| f.field == "receipt.install_prefix" && f.value == "/Applications"));
        for bad in [&b""[..], b"<plist><array/></plist>", b"<plist><dict><key>X</key>", b"bplist00\x00\x01"] {
            assert!(parse_receipt(bad).is_err(), "{bad:?}");
        }
        assert!(parse_receipt(b"<plist><dict><key>PackageVersion</key><string>1</string></dict></plist>").is_err());
    }
}
