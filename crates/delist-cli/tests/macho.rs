//! Mach-O files, `.app` bundles and `.pkg` installers end to end: the fixtures of
//! `crates/delist-collect/tests/fixtures/macho/` (made by `make.sh` there with clang, ld64.lld,
//! llvm-lipo, plistlib and rcodesign) attributed under the built-in catalog.
//!
//! What must hold: a Kaspersky Team ID in a code signature confirms (the Mach-O files, the app
//! bundle, the installer); a bundle id of the catalog confirms; a decoy signed by another company
//! and an unsigned or ad-hoc signed file give no finding; a bundle whose Info.plist was altered
//! after signing keeps its bundle id (a claim the plist makes) but loses its signature evidence.

use delist_collect::Root;
use delist_collect::files::{Bytes, FileFormat, Place, macho, xar};
use delist_core::catalog::{builtin_files, load};
use delist_core::{Artifact, Confidence, Matcher, Selection};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures/macho")
}

fn findings(a: &Artifact) -> Vec<(String, Confidence, Vec<String>)> {
    let catalog = load(&builtin_files()).expect("built-in catalog");
    let matcher = Matcher::new(&catalog);
    let today = jiff::civil::Date::constant(2026, 11, 28);
    matcher
        .evaluate(a, &Selection::default_for(&catalog), today)
        .into_iter()
        .map(|f| (f.vendor, f.confidence, f.evidence.into_iter().map(|e| e.field).collect()))
        .collect()
}

fn file_artifacts(rel: &str) -> Vec<Artifact> {
    let data = std::fs::read(fixtures().join(rel)).expect("fixture");
    let path = format!("/{rel}");
    let place = Place { path: &path, target: "dir:macho", depth: 0 };
    let formats: Vec<Box<dyn FileFormat>> = vec![Box::new(macho::MachO), Box::new(xar::Xar)];
    let f = formats.iter().find(|f| f.sniff(&data)).expect("a format claims it");
    f.inspect(&Bytes(&data), place).expect(rel)
}

#[test]
fn kaspersky_signed_files_are_confirmed_and_decoys_are_quiet() {
    for rel in ["bin/kav-helper", "bin/kav-universal", "pkg/KasperskyDownloader.pkg"] {
        let a = file_artifacts(rel);
        assert_eq!(a.len(), 1, "{rel}");
        let f = findings(&a[0]);
        assert_eq!(f.len(), 1, "{rel}: {f:?}");
        let (vendor, confidence, evidence) = &f[0];
        assert_eq!((vendor.as_str(), *confidence), ("kaspersky", Confidence::Confirmed), "{rel}");
        assert!(evidence.iter().any(|e| e == "signer.team_id"), "{rel}: {evidence:?}");
    }
    for rel in ["bin/decoy-tool", "pkg/example-unsigned.pkg"] {
        for a in file_artifacts(rel) {
            assert!(findings(&a).is_empty(), "{rel}");
        }
    }
    for rel in ["bin/unsigned-tool", "bin/adhoc-tool"] {
        assert!(file_artifacts(rel).is_empty(), "{rel}");
    }
}

#[test]
fn kaspersky_app_bundle_is_confirmed_by_team_id_and_bundle_id() {
    let root = Root::new(fixtures().join("root"));
    let a = macho::inspect_bundle(&root, "/Applications/Kaspersky Downloader.app", "rootfs:fixture")
        .expect("read")
        .expect("bundle");
    let f = findings(&a);
    assert_eq!(f.len(), 1, "{f:?}");
    let (vendor, confidence, evidence) = &f[0];
    assert_eq!((vendor.as_str(), *confidence), ("kaspersky", Confidence::Confirmed));
    for field in ["bundle.id", "signer.team_id", "macho.signing_id"] {
        assert!(evidence.iter().any(|e| e == field), "{field} missing from {evidence:?}");
    }
    for clean in ["/Applications/Example Notes.app", "/Applications/Plain.app"] {
        let a = macho::inspect_bundle(&root, clean, "rootfs:fixture").expect("read").expect("bundle");
        assert!(findings(&a).is_empty(), "{clean}");
    }
}

#[test]
fn a_bundle_altered_after_signing_keeps_only_its_claims() {
    let app = "Applications/Kaspersky Downloader.app";
    let t = tempfile::tempdir().expect("tempdir");
    let copy = |from: &Path, to: &Path| {
        fn go(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).expect("mkdir");
            for e in std::fs::read_dir(from).expect("read_dir").flatten() {
                let dest = to.join(e.file_name());
                if e.path().is_dir() {
                    go(&e.path(), &dest);
                } else {
                    std::fs::copy(e.path(), dest).expect("copy");
                }
            }
        }
        go(from, to);
    };
    copy(&fixtures().join("root").join(app), &t.path().join(app));
    // Change a byte of a resource hash in CodeResources: the seal no longer matches.
    let cr = t.path().join(app).join("Contents/_CodeSignature/CodeResources");
    let mut b = std::fs::read(&cr).expect("read");
    let mid = b.len() / 2;
    b[mid] ^= 1;
    std::fs::write(&cr, b).expect("write");
    let a = macho::inspect_bundle(&Root::new(t.path()), &format!("/{app}"), "t").expect("read").expect("bundle");
    assert_eq!(a.signer.as_ref().and_then(|s| s.digest_ok), Some(false));
    let f = findings(&a);
    assert_eq!(f.len(), 1, "{f:?}");
    let (_, _, evidence) = &f[0];
    assert!(evidence.iter().all(|e| e != "signer.team_id" && e != "signer.organization"), "{evidence:?}");
}

#[test]
fn the_walk_reports_each_app_bundle_once_beside_its_executable() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(["scan", "-o", "json", "--fail-on", "never"])
        .arg(format!("rootfs:{}", fixtures().join("root").display()))
        .env("DELIST_TODAY", "2026-11-28")
        .output()
        .expect("run delist");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let mut got: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (s(&f["artifact"]["kind"]), s(&f["artifact"]["path"]), s(&f["confidence"]))
        })
        .collect();
    got.sort();
    let app = "/Applications/Kaspersky Downloader.app";
    let bundles: Vec<_> = got.iter().filter(|(k, _, _)| k == "app-bundle").collect();
    assert_eq!(bundles, [&("app-bundle".to_string(), app.to_string(), "confirmed".to_string())], "{got:?}");
    // The clean bundles give nothing; every finding lies inside the Kaspersky one.
    assert!(got.iter().all(|(_, p, _)| p.starts_with(app)), "{got:?}");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0), "{}", report["errors"]);
}
