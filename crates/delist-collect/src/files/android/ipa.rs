//! ipa: an iOS app archive — `Payload/<name>.app/Info.plist` (bundle id, names, versions,
//! copyright) and `Payload/<name>.app/embedded.mobileprovision` (a CMS-signed plist: the
//! `TeamIdentifier`s and `TeamName` of the developer account the app was provisioned for).
//!
//! Owns turning those two members into a `mobile-app` artifact. It must never treat the
//! profile's CMS signer as the app's signer (Apple signs every profile; the app's own code
//! signature is in its Mach-O executable, [`crate::files::macho`]'s to read), nor read any other
//! member.

use super::super::plist::{self, Value};
use super::super::{FileView, Place};
use super::{MAX_CERT_FILE, MAX_PLIST, pkcs7, zip};
use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Role};

/// `Payload/<name>.app/` of the first app bundle whose `Info.plist` the zip holds.
pub fn app_dir(z: &zip::Zip) -> Option<String> {
    z.entries.iter().find_map(|e| {
        let rest = e.name.strip_prefix("Payload/")?;
        let app = rest.strip_suffix("/Info.plist")?;
        (app.ends_with(".app") && !app.contains('/') && app.len() > 4).then(|| format!("Payload/{app}/"))
    })
}

/// What a provisioning profile says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Profile {
    pub team_ids: Vec<String>,
    pub team_name: Option<String>,
    pub name: Option<String>,
    pub app_id_name: Option<String>,
    pub application_identifier: Option<String>,
}

/// Reads an `embedded.mobileprovision`: the plist inside its CMS envelope.
pub fn parse_profile(bytes: &[u8]) -> Result<Profile, String> {
    let sd = pkcs7::parse_signed_data(bytes)?;
    let content = sd.content.ok_or("provisioning profile has no content")?;
    let root = plist::parse(&content)?;
    if !matches!(root, Value::Dict(_)) {
        return Err("provisioning profile plist is not a dictionary".into());
    }
    let text = |v: Option<&Value>| v.and_then(Value::to_text).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let team_ids = match root.get("TeamIdentifier") {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).take(16).collect(),
        _ => Vec::new(),
    };
    Ok(Profile {
        team_ids,
        team_name: text(root.get("TeamName")),
        name: text(root.get("Name")),
        app_id_name: text(root.get("AppIDName")),
        application_identifier: text(root.get("Entitlements").and_then(|e| e.get("application-identifier"))),
    })
}

/// Reads an IPA into its artifact.
pub fn ipa(file: &dyn FileView, z: &zip::Zip, app: &str, place: Place<'_>) -> Result<Artifact, String> {
    let info_name = format!("{app}Info.plist");
    let entry = z.find(&info_name).ok_or("no Info.plist")?;
    let info = plist::bundle_info(&zip::read(file, entry, MAX_PLIST)?).map_err(|e| format!("{info_name}: {e}"))?;
    let id = info.identifier.clone().ok_or_else(|| format!("{info_name} has no CFBundleIdentifier"))?;
    let shown = info.display_name.clone().or_else(|| info.name.clone());
    let mut a =
        Artifact::new(ArtifactKind::MobileApp, shown.clone().unwrap_or_else(|| id.clone()), place.path, place.target)
            .version(info.short_version.clone().or_else(|| info.version.clone()).unwrap_or_default())
            .id(id.clone())
            .field("ipa.bundle_id", id, Role::Identifier(IdKind::BundleId))
            .field("ipa.name", shown.unwrap_or_default(), Role::Name)
            .field("ipa.version", info.short_version.unwrap_or_default(), Role::Other)
            .field("ipa.build", info.version.unwrap_or_default(), Role::Other)
            .field("ipa.copyright", info.copyright.unwrap_or_default(), Role::Text);
    let profile_name = format!("{app}embedded.mobileprovision");
    if let Some(e) = z.find(&profile_name) {
        match zip::read(file, e, MAX_CERT_FILE).and_then(|b| parse_profile(&b)) {
            Ok(p) => {
                for t in p.team_ids {
                    a = a.field("ipa.team_id", t, Role::Identifier(IdKind::TeamId));
                }
                a = a
                    .field("ipa.team_name", p.team_name.unwrap_or_default(), Role::Publisher)
                    .field("ipa.profile_name", p.name.unwrap_or_default(), Role::Other)
                    .field("ipa.app_id_name", p.app_id_name.unwrap_or_default(), Role::Other)
                    .field("ipa.application_identifier", p.application_identifier.unwrap_or_default(), Role::Other);
            }
            Err(err) => a = a.field("ipa.profile_error", format!("{profile_name}: {err}"), Role::Other),
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{Bytes, FileFormat};

    fn dirs(names: &[&str]) -> Option<String> {
        let members: Vec<(&str, &[u8], bool)> = names.iter().map(|n| (*n, &b"x"[..], false)).collect();
        let z = zip::tests::build(&members, b"");
        app_dir(&zip::open(&Bytes(&z)).unwrap())
    }

    #[test]
    fn finds_the_app_bundle() {
        assert_eq!(dirs(&["Payload/A.app/Info.plist"]).as_deref(), Some("Payload/A.app/"));
        assert_eq!(dirs(&["Payload/A.app/PlugIns/X.appex/Info.plist"]), None);
        assert_eq!(dirs(&["Payload/.app/Info.plist"]), None);
        assert_eq!(dirs(&["Payload/A/Info.plist", "Other/B.app/Info.plist"]), None);
    }

    #[test]
    fn reads_an_ipa_with_an_xml_plist_and_no_profile() {
        let plist = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>org.example.notes</string>
<key>CFBundleName</key><string>Notes</string>
<key>CFBundleShortVersionString</key><string>2.0</string>
</dict></plist>"#;
        let z = zip::tests::build(&[("Payload/Notes.app/Info.plist", plist, true)], b"");
        let a = super::super::Android.inspect(&Bytes(&z), Place { path: "/n.ipa", target: "t", depth: 0 }).unwrap();
        assert_eq!(a[0].name, "Notes");
        assert_eq!(a[0].version.as_deref(), Some("2.0"));
        assert_eq!(a[0].ids, vec!["org.example.notes"]);
    }
}
