//! A Windows volume end to end: the registry fixtures of `crates/delist-collect/tests/fixtures/
//! windows/` (hives written by hivexsh; see its README) laid out as a mounted volume, with PE
//! fixtures (built by mingw-w64 and signed by osslsigncode; see `fixtures/pe/README.md`) copied
//! into Program Files and a user's AppData, scanned under the built-in catalog.
//!
//! What must hold (issue 4, "Windows, offline"): Uninstall entries whose Publisher is `AO
//! Kaspersky Lab` are likely; catalog service and driver names are possible (names alone); the
//! Kaspersky HTTPS-inspection root, in three stores, is one confirmed finding; the file walk reads
//! Program Files and AppData in the same scan; the clean volume gives no finding.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixtures() -> PathBuf {
    repo().join("crates/delist-collect/tests/fixtures")
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

/// A Windows-shaped volume: the fixture hives of `which`, plus executables where products live.
fn volume(which: &str, executables: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    copy(&fixtures().join("windows").join(which), t.path());
    for (pe, at) in executables {
        let to = t.path().join(at);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(fixtures().join("pe").join(pe), &to).expect("copy PE");
    }
    t
}

fn findings(out: &Output) -> (Value, Vec<(String, String, String, String)>) {
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    let mut got: Vec<(String, String, String, String)> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            (s(&f["artifact"]["kind"]), s(&f["artifact"]["name"]), s(&f["vendor"]), s(&f["confidence"]))
        })
        .collect();
    got.sort();
    (r, got)
}

#[test]
fn scan_a_windows_volume() {
    let v = volume(
        "covered",
        &[
            ("kaspersky-signed.exe", "Program Files (x86)/Kaspersky Lab/KES.12.5.0/avp.exe"),
            (
                "kaspersky-claiming.exe",
                "Users/alice/AppData/Local/Programs/Kaspersky Lab/Kaspersky Password Manager/kpm.exe",
            ),
            ("clean.exe", "Program Files/7-Zip/7z.exe"),
        ],
    );
    // A directory holding Windows/ is a root without saying so.
    let out = delist(&["scan", v.path().to_str().expect("utf-8 path"), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let (r, got) = findings(&out);
    let want: Vec<(String, String, String, String)> = [
        ("certificate", "Kaspersky Anti-Virus Personal Root Certificate", "confirmed"),
        ("executable", "avp.exe", "confirmed"),
        ("executable", "kpm.exe", "likely"),
        ("windows-driver", "klflt", "possible"),
        ("windows-driver", "klif", "possible"),
        ("windows-program", "Kaspersky Endpoint Security for Windows", "likely"),
        ("windows-program", "Kaspersky Password Manager", "likely"),
        ("windows-service", "AVP", "possible"),
    ]
    .iter()
    .map(|(k, n, c)| (k.to_string(), n.to_string(), "kaspersky".to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want);
    assert_eq!(r["summary"]["errors"], 0);
    assert_eq!(r["targets"][0]["kind"], "rootfs");

    let by_name = |n: &str| {
        r["findings"].as_array().expect("findings").iter().find(|f| f["artifact"]["name"] == n).cloned().expect(n)
    };
    let kes = by_name("Kaspersky Endpoint Security for Windows");
    assert_eq!(kes["artifact"]["version"], "12.5.0.539");
    assert_eq!(kes["artifact"]["path"], "/Windows/System32/config/SOFTWARE");
    assert_eq!(kes["evidence"][0]["field"], "windows.uninstall.publisher");
    assert_eq!(kes["evidence"][0]["value"], "AO Kaspersky Lab");
    assert_eq!(
        kes["remediation"],
        "uninstall Kaspersky Endpoint Security for Windows: run `MsiExec.exe /I{6E1A9D4B-1F37-4C1B-9E39-2E4B3C1A1F01}` \
         (or Settings > Apps > Installed apps)"
    );
    let avp = by_name("AVP");
    let ids: Vec<&str> =
        avp["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["identifier"].as_str()).collect();
    assert_eq!(ids, ["service:AVP", "process:avp.exe"]);
    assert_eq!(by_name("klif")["evidence"][0]["identifier"], "driver:klif.sys");

    let root = by_name("Kaspersky Anti-Virus Personal Root Certificate");
    let ids: Vec<&str> =
        root["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["identifier"].as_str()).collect();
    assert_eq!(ids, ["name:AO Kaspersky Lab", "root-ca:Kaspersky Anti-Virus Personal Root Certificate"]);
    let sha1 = root["artifact"]["signer"]["sha1"].as_str().expect("sha1");
    assert_eq!(sha1.len(), 40);
    assert_eq!(
        root["remediation"],
        format!(
            "remove the certificate Kaspersky Anti-Virus Personal Root Certificate: certutil -delstore Root {sha1}; \
             remove it from the Group Policy trusted root certification authorities; certutil -user -delstore Root \
             {sha1}; then uninstall the product that installed it"
        )
    );
    // Program Files and AppData went through the file walk in the same scan.
    assert_eq!(by_name("avp.exe")["artifact"]["path"], "/Program Files (x86)/Kaspersky Lab/KES.12.5.0/avp.exe");
}

#[test]
fn a_clean_windows_volume_gives_no_finding() {
    let v = volume("clean", &[("clean.exe", "Program Files/7-Zip/7z.exe")]);
    let target = format!("rootfs:{}", v.path().display());
    let out = delist(&["scan", &target, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let (r, got) = findings(&out);
    assert_eq!(got, vec![]);
    assert_eq!(r["summary"]["errors"], 0);
    // Every clean entry was read: 3 programs and 1 certificate (SOFTWARE), 2 services and drivers
    // (SYSTEM), 1 program (bob's NTUSER.DAT), and the executable.
    assert_eq!(r["summary"]["artifacts"], 8);
}

#[test]
fn a_broken_hive_is_listed_and_the_scan_goes_on() {
    let v = volume("covered", &[]);
    let hive = v.path().join("Windows/System32/config/SYSTEM");
    let data = std::fs::read(&hive).expect("read");
    std::fs::write(&hive, &data[..5000]).expect("truncate");
    let out = delist(&["scan", v.path().to_str().expect("utf-8 path"), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let (r, got) = findings(&out);
    assert_eq!(r["summary"]["errors"], 1);
    assert_eq!(r["errors"][0]["path"], "/Windows/System32/config/SYSTEM");
    assert!(r["errors"][0]["error"].as_str().is_some_and(|e| e.contains("truncated hive")));
    // No services or drivers; programs and the certificate still found.
    assert_eq!(got.len(), 3, "{got:?}");
}
