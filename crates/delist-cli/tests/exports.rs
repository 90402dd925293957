//! `delist export`: each engine's output checked by something that reads it — SQLite for the
//! osquery and Fleet SQL, an XML parser for WDAC and AppLocker, `yara` for the YARA rules,
//! `named-checkzone` for the RPZ zone — and against the lists in force.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

fn export(args: &[&str]) -> String {
    let mut all = vec!["export", "-q"];
    all.extend(args);
    let out = delist(&all);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn checker(name: &str) -> bool {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {name}")]).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI must install {name}");
        eprintln!("skipped part: {name} is not installed");
    }
    found
}

/// A report whose finding carries a signer and a file hash, as a scan of a signed executable
/// writes it; `--from` turns them into certificate, publisher and hash rules.
fn report_with_signer(dir: &Path) -> PathBuf {
    let r = serde_json::json!({
        "schema": "delist.report/1",
        "tool": {"name": "delist", "version": "0.1.0"},
        "catalog": {"version": "2026.11.28", "lists": ["us-bod-17-01"]},
        "targets": [{"input": "dir:/mnt/share", "kind": "dir"}],
        "summary": {"artifacts": 1, "findings": 1, "confirmed": 1, "likely": 0, "possible": 0, "waived": 0,
                    "unattributed": 0, "errors": 0},
        "findings": [{
            "id": "0123456789abcdef", "vendor": "kaspersky", "vendor_name": "AO Kaspersky Lab",
            "confidence": "confirmed",
            "lists": [{"id": "us-bod-17-01", "title": "BOD 17-01", "authority": "DHS", "binding": true}],
            "artifact": {"kind": "executable", "name": "avp.exe", "path": "/avp.exe", "target": "dir:/mnt/share",
                         "sha256": "aa".repeat(32),
                         "signer": {"subject": "CN=AO Kaspersky Lab, O=AO Kaspersky Lab, L=Moscow, ST=Moscow, C=RU",
                                    "organization": "AO Kaspersky Lab", "common_name": "AO Kaspersky Lab",
                                    "sha256": "bb".repeat(32), "issuer_tbs_sha256": "cc".repeat(32)}},
            "evidence": [{"field": "signer.organization", "value": "AO Kaspersky Lab",
                          "identifier": "signer:AO Kaspersky Lab", "strength": "confirmed"}],
            "waiver": null
        }],
        "errors": []
    });
    let p = dir.join("report.json");
    std::fs::write(&p, serde_json::to_vec(&r).expect("json")).expect("write");
    p
}

#[test]
fn santa_rules_have_the_import_shape() {
    let t = tempfile::tempdir().expect("tempdir");
    let from = report_with_signer(t.path());
    let doc: Value =
        serde_json::from_str(&export(&["--format", "santa", "--from", &from.display().to_string()])).expect("JSON");
    let rules = doc["rules"].as_array().expect("rules");
    for r in rules {
        assert_eq!(r["policy"], "BLOCKLIST");
        assert!(
            ["TEAMID", "SIGNINGID", "CERTIFICATE", "BINARY"].contains(&r["rule_type"].as_str().unwrap_or("")),
            "{r}"
        );
        assert!(r["identifier"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let has = |ty: &str, id: &str| rules.iter().any(|r| r["rule_type"] == ty && r["identifier"] == id);
    assert!(has("TEAMID", "2Y8XE5CQ94"));
    assert!(has("TEAMID", "5A4RE8SF68"), "Tencent is on the Texas list");
    assert!(has("SIGNINGID", "2Y8XE5CQ94:com.kaspersky.kav.downloader"));
    assert!(has("CERTIFICATE", &"bb".repeat(32)));
    assert!(has("BINARY", &"aa".repeat(32)));
    assert!(
        doc["delist"]["unexpressed"].as_array().is_some_and(|u| !u.is_empty()),
        "what Santa cannot block is listed"
    );
    // Only what the chosen lists cover: the TikTok Act covers TikTok, not Kaspersky or CapCut.
    let tiktok: Value =
        serde_json::from_str(&export(&["--format", "santa", "--lists", "us-no-tiktok-act"])).expect("JSON");
    assert_eq!(tiktok["rules"].as_array().map(Vec::len), Some(0), "{tiktok}");
    let unexpressed = tiktok["delist"]["unexpressed"].to_string();
    assert!(unexpressed.contains("com.zhiliaoapp.musically") && !unexpressed.contains("com.lemon.lvoverseas"));
}

/// The osquery tables the queries use, with the columns they read (osquery's own schemas).
const OSQUERY_TABLES: &str = "
CREATE TABLE deb_packages (name, version, maintainer);
CREATE TABLE rpm_packages (name, version, vendor);
CREATE TABLE programs (name, version, publisher);
CREATE TABLE services (name, display_name, path);
CREATE TABLE drivers (description, image, provider);
CREATE TABLE processes (pid, name, path);
CREATE TABLE apps (name, bundle_identifier, path);
CREATE TABLE signature (path, team_identifier);
CREATE TABLE chrome_extensions (name, identifier, version, path);
CREATE TABLE certificates (common_name, issuer, sha1, path);
CREATE TABLE usb_devices (vendor, vendor_id, model, model_id);
CREATE TABLE pci_devices (vendor, vendor_id, model, model_id);
";

fn sqlite() -> rusqlite::Connection {
    let db = rusqlite::Connection::open_in_memory().expect("sqlite");
    db.execute_batch(OSQUERY_TABLES).expect("tables");
    db
}

#[test]
fn osquery_pack_queries_are_valid_sql_that_find_the_products() {
    let doc: Value = serde_json::from_str(&export(&["--format", "osquery"])).expect("JSON");
    let queries = doc["queries"].as_object().expect("queries");
    assert!(queries.contains_key("delist_deb_packages") && queries.contains_key("delist_apps"));
    let db = sqlite();
    for (name, q) in queries {
        let sql = q["query"].as_str().expect("query");
        db.prepare(sql).unwrap_or_else(|e| panic!("{name}: {e}: {sql}"));
        assert!(q["interval"].is_u64() && q["platform"].is_string());
    }
    // Run against a host that has kesl and a clean package: the query finds kesl only.
    db.execute_batch("INSERT INTO deb_packages VALUES ('kesl', '12', 'AO Kaspersky Lab'), ('bash', '5', 'Debian');")
        .expect("insert");
    let sql = queries["delist_deb_packages"]["query"].as_str().expect("query");
    let mut stmt = db.prepare(sql).expect("prepare");
    let names: Vec<String> =
        stmt.query_map([], |r| r.get::<_, String>(0)).expect("query").map(|r| r.expect("row")).collect();
    assert_eq!(names, vec!["kesl"]);
}

#[test]
fn fleet_policies_are_yes_no_sql() {
    let yaml = export(&["--format", "fleet"]);
    assert!(yaml.contains("\npolicies:\n"));
    let db = sqlite();
    let mut n = 0;
    for line in yaml.lines() {
        if let Some(q) = line.trim().strip_prefix("query: \"").and_then(|q| q.strip_suffix('"')) {
            let sql = q.replace("\\\"", "\"").replace("\\\\", "\\");
            assert!(sql.starts_with("SELECT 1 WHERE NOT EXISTS ("), "{sql}");
            let mut stmt = db.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
            // On a clean host every policy passes (returns a row).
            assert!(stmt.exists([]).expect("run"), "{sql}");
            n += 1;
        }
    }
    assert!(n >= 5, "{yaml}");
}

fn xml_elements(text: &str) -> Vec<(String, Vec<String>)> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match r.read_event().unwrap_or_else(|e| panic!("XML not well-formed: {e}")) {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| String::from_utf8_lossy(a.expect("attribute").key.as_ref()).into_owned())
                    .collect();
                out.push((String::from_utf8_lossy(e.name().as_ref()).into_owned(), attrs));
            }
            quick_xml::events::Event::Eof => return out,
            _ => {}
        }
    }
}

#[test]
fn wdac_policy_denies_signers_at_publisher_level() {
    let t = tempfile::tempdir().expect("tempdir");
    let from = report_with_signer(t.path());
    let xml = export(&["--format", "wdac", "--from", &from.display().to_string()]);
    let els = xml_elements(&xml);
    let names: Vec<&str> = els.iter().map(|(n, _)| n.as_str()).collect();
    for required in ["SiPolicy", "VersionEx", "PlatformID", "Rules", "FileRules", "Signers", "SigningScenarios"] {
        assert!(names.contains(&required), "{required} missing");
    }
    let signer = els.iter().find(|(n, _)| n == "Signer").expect("a Signer");
    assert!(signer.1.contains(&"ID".to_string()) && signer.1.contains(&"Name".to_string()));
    assert!(xml.contains(&format!("<CertRoot Type=\"TBS\" Value=\"{}\" />", "CC".repeat(32))));
    assert!(xml.contains("<CertPublisher Value=\"AO Kaspersky Lab\" />"));
    assert!(xml.contains("<DeniedSigner SignerId=\"ID_SIGNER_DELIST_1\" />"));
    assert!(xml.contains("FileName=\"*\""), "everything else stays allowed");
    // Without a report there is no certificate to pin, and the policy says so.
    let bare = export(&["--format", "wdac"]);
    xml_elements(&bare);
    assert!(bare.contains("No signer was seen"));
}

#[test]
fn applocker_policy_has_publisher_and_hash_deny_rules() {
    let t = tempfile::tempdir().expect("tempdir");
    let from = report_with_signer(t.path());
    let xml = export(&["--format", "applocker", "--from", &from.display().to_string()]);
    let els = xml_elements(&xml);
    let rule = els.iter().find(|(n, _)| n == "FilePublisherRule").expect("publisher rule");
    for a in ["Id", "Name", "UserOrGroupSid", "Action"] {
        assert!(rule.1.contains(&a.to_string()), "{a} missing");
    }
    assert!(xml.contains("PublisherName=\"O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU\""), "{xml}");
    assert!(xml.contains("Action=\"Deny\""));
    assert!(els.iter().any(|(n, _)| n == "FileHashRule"));
}

#[test]
fn yara_rules_compile() {
    let t = tempfile::tempdir().expect("tempdir");
    let rules = t.path().join("delist.yar");
    std::fs::write(&rules, export(&["--format", "yara"])).expect("write");
    if !checker("yara") {
        return;
    }
    let out = Command::new("yara").arg(&rules).arg(&rules).output().expect("yara");
    assert!(out.status.success(), "yara refused the rules: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn hosts_and_rpz_block_the_catalog_domains() {
    let hosts = export(&["--format", "hosts"]);
    let lines: Vec<&str> = hosts.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    assert!(lines.contains(&"0.0.0.0 tiktokv.com"), "{hosts}");
    assert!(lines.iter().all(|l| {
        l.strip_prefix("0.0.0.0 ")
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'))
    }));
    let t = tempfile::tempdir().expect("tempdir");
    let zone = t.path().join("rpz.zone");
    let text = export(&["--format", "rpz"]);
    assert!(text.contains("\ntiktokv.com CNAME .\n*.tiktokv.com CNAME .\n"));
    std::fs::write(&zone, &text).expect("write");
    if checker("named-checkzone") {
        let out = Command::new("named-checkzone").arg("rpz.local").arg(&zone).output().expect("named-checkzone");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn fapolicyd_denies_install_directories() {
    let rules = export(&["--format", "fapolicyd"]);
    assert!(rules.contains("deny_audit perm=execute all : dir=/opt/kaspersky/kesl/"), "{rules}");
    for l in rules.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (_, object) = l.split_once(" : ").expect("subject : object");
        assert!(l.starts_with("deny_audit perm=") && !object.is_empty(), "{l}");
    }
    let out = delist(&["export", "--format", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = repo();
}
