//! Whole estates end to end: `delist scan rootfs:` over the macOS-shaped, browser-profile and
//! trust-store fixture roots of `crates/delist-collect/tests/fixtures/{macos,browser,truststore}/`
//! (each made by the `make.sh` beside it: plistlib, json + zip, openssl), under the built-in
//! catalog.
//!
//! What must hold: the exact findings and confidences of each covered root; no finding at all in
//! each clean root (decoys that mention Kaspersky included); one certificate reached by several
//! paths is one finding that lists the others; a browser extension id alone is `likely` (the
//! catalog's ESET caveat) and `confirmed` only with the product's name or an author naming the
//! vendor; broken plists, JSON, zips, PEM and DER are errors naming their file, never a panic.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures(area: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures").join(area)
}

/// `delist scan rootfs:DIR -o json`: exit code and report.
fn scan(dir: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(["scan", &format!("rootfs:{}", dir.display()), "-o", "json", "-q"])
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json report: {e}; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().expect("exit code"), report)
}

/// Findings as (kind, name, path, vendor, confidence), sorted.
fn findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let a = &f["artifact"];
            (s(&a["kind"]), s(&a["name"]), s(&a["path"]), s(&f["vendor"]), s(&f["confidence"]))
        })
        .collect();
    out.sort();
    out
}

fn row(kind: &str, name: &str, path: &str, confidence: &str) -> (String, String, String, String, String) {
    (kind.into(), name.into(), path.into(), "kaspersky".into(), confidence.into())
}

fn errors(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["path"].as_str().unwrap_or_default().into(), e["error"].as_str().unwrap_or_default().into()))
        .collect()
}

#[test]
fn macos_receipts_jobs_and_extensions() {
    let (code, r) = scan(&fixtures("macos/covered"));
    assert_eq!(code, 1);
    let sysext =
        "/Library/SystemExtensions/0C3E2B1A-1111-4222-8333-944455556666/com.kaspersky.kav.sysext.systemextension";
    assert_eq!(
        findings(&r),
        vec![
            row("executable", "klif", "/Library/Extensions/klif.kext/Contents/MacOS/klif", "confirmed"),
            row("kernel-extension", "klif", "/Library/Extensions/klif.kext", "confirmed"),
            row("launchd-job", "com.kaspersky.kav", "/Library/LaunchDaemons/com.kaspersky.kav.plist", "possible"),
            row(
                "launchd-job",
                "com.kaspersky.kav.downloader",
                "/Users/ana/Library/LaunchAgents/com.kaspersky.kav.downloader.plist",
                "confirmed"
            ),
            row("pkg-receipt", "com.kaspersky.kav.core", "/Library/Receipts/Core.pkg", "possible"),
            row("pkg-receipt", "com.kaspersky.kav.core", "/var/db/receipts/com.kaspersky.kav.core.plist", "possible"),
            row("system-extension", "Kaspersky Network Extension", sysext, "confirmed"),
        ]
    );
    assert_eq!(errors(&r), vec![]);
    // /var and /private/var are one directory: each receipt once. The orphan .bom is read by
    // name, and the binary and XML plists alike.
    assert_eq!(r["summary"]["artifacts"], 13);
    let f = r["findings"].as_array().expect("findings");
    let by_path = |p: &str| f.iter().find(|x| x["artifact"]["path"] == p).expect(p);
    let daemon = by_path("/Library/LaunchDaemons/com.kaspersky.kav.plist");
    assert_eq!(daemon["evidence"][0]["identifier"], "install-path:/Library/Application Support/Kaspersky Lab");
    assert_eq!(by_path(sysext)["evidence"][0]["field"], "sysext.team_id");
    assert!(daemon["remediation"].as_str().expect("remediation").contains("launchctl bootout"));

    let (code, r) = scan(&fixtures("macos/clean"));
    assert_eq!((code, findings(&r)), (0, vec![]));
    assert_eq!(errors(&r), vec![]);
    assert_eq!(r["summary"]["artifacts"], 7);
}

#[test]
fn browser_extensions_of_every_family() {
    let (code, r) = scan(&fixtures("browser/covered"));
    assert_eq!(code, 1);
    let kav = "/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm";
    assert_eq!(
        findings(&r),
        vec![
            row(
                "browser-extension",
                "Kaspersky Protection",
                "/Users/carl/Library/Application Support/Firefox/Profiles/x9f2.default/extensions/{7b1d5c62-0000-4000-8000-000000000003}.xpi",
                "confirmed"
            ),
            row(
                "browser-extension",
                "Kaspersky Protection",
                &format!("/Users/dana/AppData/Local/Google/Chrome/User Data/Default{kav}"),
                "confirmed"
            ),
            row(
                "browser-extension",
                "Kaspersky Protection",
                &format!("/home/ana/.config/google-chrome/Default{kav}"),
                "confirmed"
            ),
            row(
                "browser-extension",
                "Kaspersky Protection",
                "/home/ana/.mozilla/firefox/k3xq1b2c.default-release/extensions.json",
                "confirmed"
            ),
            // The id alone, under another name and no author: the ESET caveat keeps it likely.
            row(
                "browser-extension",
                "Security Bridge Helper",
                &format!("/home/bo/.config/microsoft-edge/Profile 1{kav}"),
                "likely"
            ),
            // An installer's request that Chrome install the id: the id alone, likely.
            row(
                "browser-extension",
                "ahkjpbeeocnddjkakilopmfdlnjdpcdm",
                "/opt/google/chrome/extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm.json",
                "likely"
            ),
        ]
    );
    assert_eq!(errors(&r), vec![]);
    let f = r["findings"].as_array().expect("findings");
    let chrome = f
        .iter()
        .find(|x| x["artifact"]["path"] == format!("/home/ana/.config/google-chrome/Default{kav}"))
        .expect("chrome");
    // The newest of two version folders, its name resolved through _locales.
    assert_eq!(chrome["artifact"]["version"], "21.0.1");
    let ids: Vec<&str> = chrome["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| e["identifier"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, vec!["extension-id:ahkjpbeeocnddjkakilopmfdlnjdpcdm", "product:Kaspersky Protection"]);
    let ff = f
        .iter()
        .find(|x| x["artifact"]["path"] == "/home/ana/.mozilla/firefox/k3xq1b2c.default-release/extensions.json")
        .expect("firefox");
    assert_eq!(ff["evidence"][0]["field"], "firefox.amo_slug");
    assert_eq!(ff["evidence"][0]["value"], "kaspersky-protection-2020");
    // Chrome, Chromium, Edge, Brave, Firefox (extensions.json and an unregistered .xpi; the
    // built-in add-on and the registered .xpi are not counted twice), Chrome's external request,
    // Firefox's global folder (an unpacked add-on and a legacy one).
    assert_eq!(r["summary"]["artifacts"], 13);

    let (code, r) = scan(&fixtures("browser/clean"));
    assert_eq!((code, findings(&r)), (0, vec![]));
    assert_eq!(errors(&r), vec![]);
    assert_eq!(r["summary"]["artifacts"], 12);
}

#[test]
fn a_trust_store_with_kasperskys_roots() {
    let (code, r) = scan(&fixtures("truststore/covered"));
    assert_eq!(code, 1);
    assert_eq!(
        findings(&r),
        vec![
            row(
                "certificate",
                "Kaspersky Anti-Virus Personal Root Certificate",
                "/usr/local/share/ca-certificates/kaspersky.crt",
                "confirmed"
            ),
            row(
                "certificate",
                "Kaspersky Web Anti-Virus Certification Authority",
                "/etc/pki/ca-trust/source/anchors/webav.der",
                "confirmed"
            ),
        ]
    );
    assert_eq!(errors(&r), vec![]);
    // The file, its /etc/ssl/certs link, the hash link, the bundle and a keychain export: one
    // certificate, one finding, the other places listed.
    let out = Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(["inventory", &format!("rootfs:{}", fixtures("truststore/covered").display()), "-o", "json"])
        .output()
        .expect("run delist");
    let inv: Value = serde_json::from_slice(&out.stdout).expect("inventory json");
    let certs: Vec<&Value> =
        inv["artifacts"].as_array().expect("artifacts").iter().filter(|a| a["kind"] == "certificate").collect();
    assert_eq!(certs.len(), 4, "two Kaspersky roots and two clean CAs");
    let kav = certs.iter().find(|a| a["path"] == "/usr/local/share/ca-certificates/kaspersky.crt").expect("kaspersky");
    let also: Vec<&str> = kav["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["field"] == "cert.also_at")
        .map(|f| f["value"].as_str().expect("path"))
        .collect();
    assert_eq!(also.len(), 4, "{also:?}");
    for p in [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/ssl/certs/kaspersky.pem",
        "/Users/ana/Library/Keychains/kaspersky-export.cer",
    ] {
        assert!(also.contains(&p), "{p} missing from {also:?}");
    }

    let (code, r) = scan(&fixtures("truststore/clean"));
    assert_eq!((code, findings(&r)), (0, vec![]));
    assert_eq!(errors(&r), vec![]);
}

/// Copies a fixture file into `root` at `rel`, cut to `keep` bytes.
fn truncated(from: &Path, root: &Path, rel: &str, keep: usize) {
    let data = std::fs::read(from).expect("fixture");
    let to = root.join(rel);
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::write(to, &data[..keep.min(data.len())]).expect("write");
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let to = root.join(rel);
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::write(to, data).expect("write");
}

#[test]
fn broken_estate_files_are_errors_not_findings_or_panics() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path();
    let mac = fixtures("macos/covered");
    let browser = fixtures("browser/covered");
    let store = fixtures("truststore/covered");
    // A truncated binary plist, a cut XML plist, a kext whose Info.plist is not a plist.
    truncated(&mac.join("Library/LaunchDaemons/com.kaspersky.kav.plist"), root, "Library/LaunchDaemons/a.plist", 40);
    truncated(&mac.join("private/var/db/receipts/com.kaspersky.kav.core.plist"), root, "var/db/receipts/b.plist", 120);
    write(root, "Library/Extensions/c.kext/Contents/Info.plist", b"not a plist");
    write(root, "Library/SystemExtensions/db.plist", b"bplist00\xff\xff");
    // Bad JSON in a Chrome manifest, a messages.json and Firefox's extensions.json; a broken .xpi.
    let ext = "home/ana/.config/google-chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm/1.0_0";
    write(root, &format!("{ext}/manifest.json"), b"{\"name\": \"__MSG_extName__\", \"default_locale\": \"en\",");
    let ext2 = "home/ana/.config/chromium/Default/Extensions/cjpalhdlnbpafiabklfmmmkdhcbmbhln/1.0_0";
    write(root, &format!("{ext2}/manifest.json"), b"{\"name\": \"__MSG_n__\", \"default_locale\": \"en\"}");
    write(root, &format!("{ext2}/_locales/en/messages.json"), b"[1, 2");
    write(root, "home/ana/.mozilla/firefox/p.default/extensions.json", b"{\"addons\": [");
    let xpi = browser.join(
        "Users/carl/Library/Application Support/Firefox/Profiles/x9f2.default/extensions/{7b1d5c62-0000-4000-8000-000000000003}.xpi",
    );
    truncated(&xpi, root, "home/ana/.mozilla/firefox/p.default/extensions/x@example.org.xpi", 60);
    // A PEM cut inside its block, a DER certificate cut short.
    truncated(
        &store.join("usr/local/share/ca-certificates/kaspersky.crt"),
        root,
        "usr/local/share/ca-certificates/cut.crt",
        300,
    );
    truncated(
        &store.join("etc/pki/ca-trust/source/anchors/webav.der"),
        root,
        "etc/pki/ca-trust/source/anchors/cut.der",
        200,
    );

    let (code, r) = scan(root);
    assert_eq!((code, findings(&r)), (0, vec![]), "broken files accuse nobody");
    let errs = errors(&r);
    let mut paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    paths.sort_unstable();
    let (messages, manifest) = (format!("/{ext2}/_locales/en/messages.json"), format!("/{ext}/manifest.json"));
    let mut expected = vec![
        messages.as_str(),
        manifest.as_str(),
        "/Library/Extensions/c.kext",
        "/Library/LaunchDaemons/a.plist",
        "/Library/SystemExtensions/db.plist",
        "/etc/pki/ca-trust/source/anchors/cut.der",
        "/home/ana/.mozilla/firefox/p.default/extensions.json",
        "/home/ana/.mozilla/firefox/p.default/extensions/x@example.org.xpi",
        // The walk also meets the cut zip.
        "/home/ana/.mozilla/firefox/p.default/extensions/x@example.org.xpi",
        "/usr/local/share/ca-certificates/cut.crt",
        "/var/db/receipts/b.plist",
    ];
    expected.sort_unstable();
    assert_eq!(paths, expected, "{errs:#?}");
    let err_of = |p: &str| errs.iter().find(|(x, _)| x == p).map(|(_, e)| e.as_str()).unwrap_or_default();
    assert!(err_of("/usr/local/share/ca-certificates/cut.crt").contains("not closed"), "{errs:?}");
    assert!(err_of(&format!("/{ext}/manifest.json")).contains("not JSON"), "{errs:?}");
}
