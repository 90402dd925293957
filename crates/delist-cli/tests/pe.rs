//! PE executables end to end: the fixtures of `crates/delist-collect/tests/fixtures/pe/` (made
//! by `make.sh` there with mingw-w64, windres, osslsigncode and openssl) attributed under the
//! built-in catalog.
//!
//! What must hold (issue 3, "Attribution"): a Kaspersky signature confirms; a Kaspersky
//! CompanyName without a signature is likely (a claim); the same CompanyName on a file signed by
//! another company is only possible; a file signed by another company whose description
//! mentions a vendor is no finding; a tampered signature proves nothing (the claim stays
//! likely).

use delist_collect::files::pe::Pe;
use delist_collect::files::{Bytes, FileFormat, Place};
use delist_core::catalog::{builtin_files, load};
use delist_core::{Confidence, Matcher, Selection};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixtures() -> PathBuf {
    repo().join("crates/delist-collect/tests/fixtures/pe")
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        // No ./delist.toml is picked up from wherever the tests run.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

/// (file, vendor, confidence) the fixtures must give; files absent here give no finding.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("example-claims-kaspersky.exe", "kaspersky", "possible"),
    ("kaspersky-claiming.exe", "kaspersky", "likely"),
    ("kaspersky-signed.exe", "kaspersky", "confirmed"),
    ("kaspersky-tampered.exe", "kaspersky", "likely"),
    ("tencent-dual.exe", "tencent", "confirmed"),
    ("tencent-x86.exe", "tencent", "confirmed"),
];

#[test]
fn fixture_findings_under_the_builtin_catalog() {
    let catalog = load(&builtin_files()).expect("built-in catalog");
    let matcher = Matcher::new(&catalog);
    let selection = Selection::default_for(&catalog);
    let today = jiff::civil::Date::constant(2026, 11, 28);
    let mut got = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".exe"))
        .collect();
    names.sort();
    for name in &names {
        let data = std::fs::read(fixtures().join(name)).expect("read");
        let path = format!("/{name}");
        let artifacts = Pe.inspect(&Bytes(&data), Place { path: &path, target: "dir:pe", depth: 0 }).expect(name);
        for a in &artifacts {
            for f in matcher.evaluate(a, &selection, today) {
                got.push((name.clone(), f.vendor.clone(), f.confidence.as_str().to_string()));
                if f.confidence == Confidence::Confirmed {
                    // Confirmed by the signature, not by the CompanyName alone.
                    assert!(f.evidence.iter().any(|e| e.field == "signer.organization"), "{name}: {f:?}");
                }
            }
        }
    }
    let want: Vec<(String, String, String)> =
        EXPECTED.iter().map(|(n, v, c)| (n.to_string(), v.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    // The decoy (Example Corp, "Viewer for Hikvision cameras"), the clean and the plain file.
    for quiet in ["example-decoy.exe", "clean.exe", "plain.exe"] {
        assert!(names.iter().any(|n| n == quiet), "fixture {quiet} missing");
    }
}

#[test]
fn scan_dir_of_pe_fixtures() {
    let target = format!("dir:{}", fixtures().display());
    let out = delist(&["scan", &target, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut got: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["artifact"]["name"].as_str().unwrap_or("").to_string(),
                f["vendor"].as_str().unwrap_or("").to_string(),
                f["confidence"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, String, String)> =
        EXPECTED.iter().map(|(n, v, c)| (n.to_string(), v.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    for f in r["findings"].as_array().expect("findings") {
        assert_eq!(f["artifact"]["kind"], "executable");
        let path = f["artifact"]["path"].as_str().unwrap_or("");
        assert!(path.starts_with('/') && path.ends_with(".exe"), "{path}");
    }
    // The inventory shows the signer of every signed file, tampered ones with digest_ok false.
    let out = delist(&["inventory", &target, "-o", "json"]);
    let inv: Value = serde_json::from_slice(&out.stdout).expect("JSON inventory");
    let artifacts = inv["artifacts"].as_array().expect("artifacts");
    let by_name = |n: &str| artifacts.iter().find(|a| a["name"] == n).unwrap_or_else(|| panic!("{n} missing"));
    assert_eq!(by_name("kaspersky-signed.exe")["signer"]["organization"], "AO Kaspersky Lab");
    assert_eq!(by_name("kaspersky-signed.exe")["signer"]["digest_ok"], true);
    assert_eq!(by_name("kaspersky-tampered.exe")["signer"]["digest_ok"], false);
    assert_eq!(by_name("tencent-dual.exe")["other_signers"].as_array().map(Vec::len), Some(1));
    assert!(artifacts.iter().all(|a| a["name"] != "plain.exe"));
}

#[test]
fn one_file_as_a_target_by_scheme_or_by_content() {
    let signed = fixtures().join("kaspersky-signed.exe");
    for arg in [format!("file:{}", signed.display()), signed.display().to_string()] {
        let out = delist(&["scan", "-o", "json", &arg]);
        assert_eq!(out.status.code(), Some(1), "{arg}: {}", String::from_utf8_lossy(&out.stderr));
        let r: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(r["targets"][0]["kind"], "file", "{arg}");
        let f = r["findings"].as_array().expect("findings");
        assert_eq!(f.len(), 1, "{arg}: {f:?}");
        assert_eq!(f[0]["confidence"], "confirmed");
        assert_eq!(f[0]["artifact"]["path"], "/kaspersky-signed.exe");
    }
    let clean = fixtures().join("clean.exe");
    let out = delist(&["scan", "-o", "json", &format!("file:{}", clean.display())]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // A file no format reads, named by scheme, is read and found to hold nothing.
    let readme = fixtures().join("README.md");
    let out = delist(&["scan", "-o", "json", &format!("file:{}", readme.display())]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = delist(&["scan", &readme.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot tell what this file is"));
}
