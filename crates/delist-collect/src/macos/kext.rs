//! Kernel extensions (`/Library/Extensions/*.kext`, `/System/Library/Extensions/*.kext`, and the
//! kexts in their `Contents/PlugIns`) and system extensions
//! (`/Library/SystemExtensions/<uuid>/*.systemextension`, and the records of
//! `/Library/SystemExtensions/db.plist`).
//!
//! A kext or system extension is a bundle like an app: it is read with
//! [`crate::files::macho::inspect_bundle`] (the Info.plist's CFBundleIdentifier as a bundle id,
//! the main executable's code signature and Team ID) and reported as its own kind. `db.plist`,
//! where macOS records each system extension it approved with the Team ID it verified, adds that
//! Team ID to the extension's bundle, or stands for an extension whose bundle is gone.

use super::{MAX_ENTRIES, MAX_PLIST, dict, text};
use crate::files::macho::inspect_bundle;
use crate::files::plist::Value;
use crate::root::join;
use crate::{Collector, Context, Sink};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

const KEXT_DIRS: &[&str] = &["/Library/Extensions", "/System/Library/Extensions"];
const SYSEXT_DIR: &str = "/Library/SystemExtensions";
const SYSEXT_DB: &str = "/Library/SystemExtensions/db.plist";
/// Most records read from db.plist.
const MAX_RECORDS: usize = 10_000;

/// A system extension as `db.plist` records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SysextRecord {
    pub identifier: String,
    pub team_id: Option<String>,
    pub version: Option<String>,
    pub state: Option<String>,
    pub origin_path: Option<String>,
}

/// Reads `/Library/SystemExtensions/db.plist`: its `extensions` array of records (identifier,
/// teamID, state, bundleVersion, originPath). Records without an identifier are skipped.
pub fn parse_sysext_db(bytes: &[u8]) -> Result<Vec<SysextRecord>, String> {
    let v = dict(bytes)?;
    let Some(Value::Array(items)) = v.get("extensions") else {
        return Err("db.plist without an \"extensions\" array".into());
    };
    Ok(items
        .iter()
        .take(MAX_RECORDS)
        .filter_map(|r| {
            let version = r
                .get("bundleVersion")
                .and_then(|b| text(b, "CFBundleShortVersionString").or_else(|| text(b, "CFBundleVersion")));
            Some(SysextRecord {
                identifier: text(r, "identifier")?,
                team_id: text(r, "teamID"),
                version,
                state: text(r, "state"),
                origin_path: text(r, "originPath"),
            })
        })
        .collect())
}

/// The kernel and system extensions collector.
pub struct Extensions;

impl Extensions {
    fn list(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) -> Vec<crate::root::Entry> {
        cx.root.read_dir(dir, MAX_ENTRIES).unwrap_or_else(|e| {
            out.error(dir, format!("cannot list: {e}"));
            Vec::new()
        })
    }

    fn bundle(cx: &Context<'_>, dir: &str, kind: ArtifactKind) -> Result<Option<Artifact>, String> {
        Ok(inspect_bundle(cx.root, dir, cx.target)?.map(|mut a| {
            a.kind = kind;
            a
        }))
    }

    fn kexts(cx: &Context<'_>, dir: &str, nested: bool, out: &mut dyn Sink) {
        for e in Self::list(cx, dir, out).into_iter().filter(|e| e.is_dir && e.name.ends_with(".kext")) {
            let path = join(dir, &e.name);
            match Self::bundle(cx, &path, ArtifactKind::KernelExtension) {
                Ok(Some(a)) => out.push(a),
                Ok(None) => out.error(&path, "kext without Contents/Info.plist"),
                Err(err) => out.error(&path, err),
            }
            let plugins = join(&path, "Contents/PlugIns");
            if !nested && cx.root.is_dir(&plugins) {
                Self::kexts(cx, &plugins, true, out);
            }
        }
    }

    fn sysexts(cx: &Context<'_>, out: &mut dyn Sink) {
        let records = if cx.root.is_file(SYSEXT_DB) {
            match cx
                .root
                .read(SYSEXT_DB, MAX_PLIST)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|b| parse_sysext_db(&b))
            {
                Ok(r) => r,
                Err(e) => {
                    out.error(SYSEXT_DB, e);
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for d in Self::list(cx, SYSEXT_DIR, out).into_iter().filter(|e| e.is_dir) {
            let staged = join(SYSEXT_DIR, &d.name);
            for e in
                Self::list(cx, &staged, out).into_iter().filter(|e| e.is_dir && e.name.ends_with(".systemextension"))
            {
                let path = join(&staged, &e.name);
                match Self::bundle(cx, &path, ArtifactKind::SystemExtension) {
                    Ok(Some(mut a)) => {
                        let id = a.fields.iter().find(|f| f.field == "bundle.id").map(|f| f.value.clone());
                        if let Some(r) = id.as_deref().and_then(|i| records.iter().find(|r| r.identifier == i)) {
                            a = with_record(a, r);
                        }
                        seen.extend(id);
                        out.push(a);
                    }
                    Ok(None) => out.error(&path, "system extension without Contents/Info.plist"),
                    Err(err) => out.error(&path, err),
                }
            }
        }
        // Approved extensions whose staged bundle is gone are still recorded.
        for r in records.iter().filter(|r| !seen.contains(&r.identifier)) {
            let a = Artifact::new(ArtifactKind::SystemExtension, &r.identifier, SYSEXT_DB, cx.target)
                .version(r.version.clone().unwrap_or_default())
                .field("bundle.id", &r.identifier, Role::Identifier(IdKind::BundleId))
                .id(&r.identifier);
            out.push(with_record(a, r));
        }
    }
}

/// Adds what `db.plist` recorded: the Team ID macOS verified, state and origin.
fn with_record(a: Artifact, r: &SysextRecord) -> Artifact {
    a.field("sysext.team_id", r.team_id.clone().unwrap_or_default(), Role::Identifier(IdKind::TeamId))
        .field("sysext.state", r.state.clone().unwrap_or_default(), Role::Other)
        .field("sysext.origin_path", r.origin_path.clone().unwrap_or_default(), Role::Other)
}

impl Collector for Extensions {
    fn id(&self) -> &'static str {
        "macos-extensions"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        for d in KEXT_DIRS {
            if cx.root.is_dir(d) {
                Self::kexts(cx, d, false, out);
            }
        }
        if cx.root.is_dir(SYSEXT_DIR) {
            Self::sysexts(cx, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysext_db_records() {
        let db = br#"<plist><dict><key>extensions</key><array>
<dict><key>identifier</key><string>com.example.net</string><key>teamID</key><string>ABCDE12345</string>
<key>state</key><string>activated_enabled</string>
<key>bundleVersion</key><dict><key>CFBundleShortVersionString</key><string>1.2</string></dict></dict>
<dict><key>teamID</key><string>NOIDENTIFY</string></dict>
</array></dict></plist>"#;
        let r = parse_sysext_db(db).expect("valid");
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].team_id.as_deref(), r[0].version.as_deref()), (Some("ABCDE12345"), Some("1.2")));
        assert!(parse_sysext_db(b"<plist><dict/></plist>").is_err());
        assert!(parse_sysext_db(b"<plist><dict><key>extensions</key>").is_err());
    }
}
