//! APK, IPA and MSI files end to end: the fixtures of
//! `crates/delist-collect/tests/fixtures/{mobile,msi}/` (made by the `make.sh` there with aapt,
//! apksigner, openssl, wixl and osslsigncode) attributed under the built-in catalog.
//!
//! What must hold (issue 3, "Attribution"): an app id or bundle id of a covered vendor confirms
//! (an APK with the vendor's app id signed by someone else — a repackaged app — is likely);
//! a look-alike app whose label names a vendor's product is at most possible; an installer whose
//! Manufacturer is a covered vendor is likely, and confirmed when a certificate naming the vendor
//! signed it; an installer signed by another company whose name merely mentions a vendor is no
//! finding at `likely` or above.

use delist_collect::files::android::Android;
use delist_collect::files::msi::Msi;
use delist_collect::files::{Bytes, FileFormat, Place};
use delist_core::catalog::{builtin_files, load};
use delist_core::{Confidence, Matcher, Selection};
use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures").join(dir)
}

/// (file, vendor, confidence, field that must be among the evidence); files absent here give no
/// finding at `likely` or above.
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    ("kaspersky-signed.msi", "kaspersky", "confirmed", "signer.organization"),
    ("kaspersky.msi", "kaspersky", "likely", "msi.manufacturer"),
    ("tiktok-resigned.apk", "bytedance", "likely", "apk.package"),
    ("tiktok.apk", "bytedance", "confirmed", "signer.organization"),
    ("tiktok.ipa", "bytedance", "confirmed", "ipa.bundle_id"),
];

#[test]
fn fixture_findings_under_the_builtin_catalog() {
    let catalog = load(&builtin_files()).expect("built-in catalog");
    let matcher = Matcher::new(&catalog);
    let selection = Selection::default_for(&catalog);
    let today = jiff::civil::Date::constant(2026, 11, 28);
    let mut got = Vec::new();
    let mut seen = Vec::new();
    for (dir, format) in [("mobile", &Android as &dyn FileFormat), ("msi", &Msi as &dyn FileFormat)] {
        let mut names: Vec<String> = std::fs::read_dir(fixtures(dir))
            .expect("fixtures")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".apk") || n.ends_with(".ipa") || n.ends_with(".msi"))
            .collect();
        names.sort();
        for name in names {
            let data = std::fs::read(fixtures(dir).join(&name)).expect("read");
            let path = format!("/{name}");
            let place = Place { path: &path, target: "dir:fixtures", depth: 0 };
            let artifacts = format.inspect(&Bytes(&data), place).expect(&name);
            assert_eq!(artifacts.len(), 1, "{name}");
            for f in matcher.evaluate(&artifacts[0], &selection, today) {
                if f.confidence >= Confidence::Likely {
                    let field = EXPECTED.iter().find(|e| e.0 == name).map_or("", |e| e.3);
                    assert!(f.evidence.iter().any(|e| e.field == field), "{name}: {f:?}");
                    got.push((name.clone(), f.vendor.clone(), f.confidence.as_str().to_string()));
                }
            }
            seen.push(name);
        }
    }
    got.sort();
    let want: Vec<(String, String, String)> =
        EXPECTED.iter().map(|(n, v, c, _)| (n.to_string(), v.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    // The look-alike, the decoy and the clean files were all read.
    for quiet in ["ttdownloader.apk", "clean.apk", "clean.ipa", "clean.msi", "decoy-signed.msi"] {
        assert!(seen.iter().any(|n| n == quiet), "fixture {quiet} missing");
    }
}
