//! End-to-end tests of the `delist` binary: real fixtures in, exit codes and reports out.
//!
//! Fixtures live in `crates/delist-collect/tests/fixtures/<source>/`, each made by the real tool
//! with the `make.sh` beside it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixture(rel: &str) -> String {
    repo().join("crates/delist-collect/tests/fixtures").join(rel).display().to_string()
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

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), stderr(out)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
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
        .collect()
}

#[test]
fn dpkg_fixture_findings_confidence_and_lists() {
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    let out = delist(&["scan", &target, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let r = json(&out);
    assert_eq!(r["schema"], "delist.report/1");
    let mut got = findings(&r);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("kesl".into(), "kaspersky".into(), "confirmed".into()),
            ("klms-agent".into(), "kaspersky".into(), "likely".into()),
            ("klnagent64".into(), "kaspersky".into(), "possible".into()),
        ],
        "the decoys (camera-client, aztech-tools, honor-sync), the clean package and the removed \
         kesl-gui must not be findings"
    );
    let kesl = &r["findings"][0];
    assert_eq!(kesl["artifact"]["kind"], "deb");
    assert_eq!(kesl["artifact"]["path"], "/var/lib/dpkg/status");
    assert_eq!(kesl["artifact"]["version"], "12.0.0.6672");
    assert_eq!(kesl["artifact"]["target"], target.as_str());
    assert_eq!(kesl["product"], "Kaspersky Endpoint Security for Linux");
    assert_eq!(kesl["remediation"], "apt-get purge kesl");
    let lists: Vec<&str> = kesl["lists"].as_array().expect("lists").iter().filter_map(|l| l["id"].as_str()).collect();
    for l in ["us-bod-17-01", "us-ndaa-fy2018-1634", "us-fcc-covered-list", "us-bis-kaspersky-2024"] {
        assert!(lists.contains(&l), "{l} missing from {lists:?}");
    }
    assert!(!lists.contains(&"de-bsi-kaspersky-2022"), "advisory lists are not in force by default");
    let ev: Vec<&str> =
        kesl["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["identifier"].as_str()).collect();
    assert!(ev.contains(&"package.deb:kesl"), "{ev:?}");
    assert!(ev.iter().any(|e| e.starts_with("name:") || e.starts_with("signer:")), "{ev:?}");
    assert_eq!(r["summary"]["confirmed"], 1);
    assert_eq!(r["summary"]["likely"], 1);
    assert_eq!(r["summary"]["possible"], 1);
    assert_eq!(r["summary"]["artifacts"], 7);
    assert_eq!(r["summary"]["errors"], 0);
}

#[test]
fn fail_on_decides_the_exit_code() {
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    assert_eq!(delist(&["scan", &target, "--fail-on", "confirmed", "-o", "json"]).status.code(), Some(1));
    assert_eq!(delist(&["scan", &target, "--fail-on", "never", "-o", "json"]).status.code(), Some(0));
    let clean = format!("rootfs:{}", fixture("dpkg/distroless"));
    let out = delist(&["scan", &clean, "--lists", "us-no-tiktok-act", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "a list that does not cover Kaspersky finds nothing");
    assert!(findings(&json(&out)).is_empty());
    let bad = delist(&["scan", &target, "--fail-on", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--fail-on"), "{}", stderr(&bad));
}

#[test]
fn distroless_status_d_is_read() {
    let out = delist(&["scan", &format!("rootfs:{}", fixture("dpkg/distroless")), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    assert_eq!(findings(&r), vec![("kesl".into(), "kaspersky".into(), "confirmed".into())]);
    assert_eq!(r["findings"][0]["artifact"]["path"], "/var/lib/dpkg/status.d/kesl");
    assert_eq!(r["summary"]["artifacts"], 2, "the .md5sums file is not a stanza");
}

#[test]
fn usage_and_input_errors_exit_2_with_one_line() {
    for args in [
        vec!["scan", "rootfs:/definitely/not/here"],
        vec!["scan", "bogus:x"],
        vec!["scan", "--lists", "no-such-list", "rootfs:/"],
        vec!["scan", "-o", "yaml"],
        vec!["lists", "no-such-list"],
        vec!["vendors", "no-such-vendor"],
        vec!["explain", "no-such-thing-at-all"],
        vec!["frobnicate"],
    ] {
        let out = delist(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?} printed no reason");
    }
    let out = delist(&["scan", "rootfs:/definitely/not/here"]);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("/definitely/not/here"));
}

#[test]
fn catalog_check_reports_every_problem_with_file_and_line() {
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(t.path().join("vendors")).expect("mkdir");
    std::fs::create_dir_all(t.path().join("lists")).expect("mkdir");
    std::fs::write(
        t.path().join("vendors/acme.toml"),
        "[vendor]\nid = \"acme\"\nname = \"Acme\"\nsources = [\"https://example.org\"]\n\n[[identifier]]\nkind = \"team-id\"\nvalue = \"toolong12345\"\nsources = [\"https://example.org\"]\n\n[[identifier]]\nkind = \"package\"\necosystem = \"deb\"\nvalue = \"acme\"\n",
    )
    .expect("write");
    std::fs::write(
        t.path().join("lists/acme-ban.toml"),
        "[list]\nid = \"acme-ban\"\ntitle = \"T\"\nauthority = \"A\"\nbinding = true\npublished = \"2020-02-30\"\nsources = [\"https://example.org\"]\n\n[[covers]]\nvendor = \"nobody\"\nscope = \"all\"\n",
    )
    .expect("write");
    let dir = t.path().display().to_string();
    let out = delist(&["catalog", "check", &dir]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    let vendors = t.path().join("vendors/acme.toml").display().to_string();
    let lists = t.path().join("lists/acme-ban.toml").display().to_string();
    assert!(text.contains(&format!("{vendors}:6:1: identifier team-id")), "{text}");
    assert!(text.contains(&format!("{vendors}:11:1: identifier package \"acme\" has no `sources`")), "{text}");
    assert!(text.contains(&format!("{lists}:9:1: list \"acme-ban\" covers unknown vendor \"nobody\"")), "{text}");
    assert!(text.contains("expected a date"), "{text}");
    let out = delist(&["catalog", "check", &dir, "-o", "json"]);
    let r = json(&out);
    assert_eq!(r["ok"], false);
    assert_eq!(r["problems"].as_array().map(Vec::len), Some(4), "{r}");
}

#[test]
fn our_own_catalog_passes_its_check() {
    let out = delist(&["catalog", "check", &repo().join("catalog").display().to_string(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let r = json(&out);
    assert!(r["oui"].as_u64().unwrap_or(0) > 1000, "the IEEE table is committed: {r}");
}

const LISTS: &[&str] = &[
    "us-bod-17-01",
    "us-ndaa-fy2018-1634",
    "us-ndaa-fy2019-889",
    "us-fcc-covered-list",
    "us-bis-kaspersky-2024",
    "us-no-tiktok-act",
    "us-tx-prohibited-technologies",
    "au-pspf-tiktok-2023",
    "au-pspf-deepseek-2025",
    "au-pspf-kaspersky-2025",
    "ca-gov-mobile-tiktok-2023",
    "ca-gov-mobile-wechat-kaspersky-2023",
    "de-bsi-kaspersky-2022",
    "uk-gov-devices-tiktok-2023",
    "eu-commission-tiktok-2023",
    "lt-kaspersky-2017",
];

const VENDORS: &[&str] = &[
    "kaspersky",
    "huawei",
    "zte",
    "hytera",
    "hikvision",
    "dahua",
    "bytedance",
    "tencent",
    "deepseek",
    "dji",
    "autel",
    "china-mobile-international-usa",
    "china-telecom-americas",
    "pacnet-comnet",
    "china-unicom-americas",
];

#[test]
fn lists_json_shows_every_list_with_authority_dates_scope_and_sources() {
    let out = delist(&["lists", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let lists = json(&out);
    let lists = lists.as_array().expect("array");
    for id in LISTS {
        let l = lists.iter().find(|l| l["id"] == *id).unwrap_or_else(|| panic!("list {id} missing"));
        for field in ["title", "authority", "jurisdiction", "instrument"] {
            assert!(l[field].as_str().is_some_and(|s| !s.is_empty()), "{id}: {field} missing");
        }
        assert!(l["published"].is_string() || l["effective"].is_string(), "{id}: no date");
        assert!(l["binding"].is_boolean(), "{id}: binding");
        assert!(l["sources"].as_array().is_some_and(|s| !s.is_empty()), "{id}: sources");
        let covers = l["covers"].as_array().expect("covers");
        assert!(!covers.is_empty(), "{id}: covers");
        assert!(covers.iter().all(|c| c["scope"].is_string()), "{id}: scope");
    }
    let fcc = lists.iter().find(|l| l["id"] == "us-fcc-covered-list").expect("fcc");
    let fcc_vendors: Vec<&str> =
        fcc["covers"].as_array().expect("covers").iter().filter_map(|c| c["vendor"].as_str()).collect();
    for v in ["huawei", "zte", "hytera", "hikvision", "dahua", "kaspersky", "dji", "autel"] {
        assert!(fcc_vendors.contains(&v), "FCC list lacks {v}: {fcc_vendors:?}");
    }
    assert_eq!(fcc_vendors.iter().filter(|v| **v == "kaspersky").count(), 2, "both Kaspersky entries");
    let hik = fcc["covers"].as_array().expect("covers").iter().find(|c| c["vendor"] == "hikvision").expect("hik");
    assert!(hik["qualifier"].as_str().is_some_and(|q| q.to_lowercase().contains("public safety")), "{hik}");
    let bsi = lists.iter().find(|l| l["id"] == "de-bsi-kaspersky-2022").expect("bsi");
    assert_eq!(bsi["binding"], false);
}

#[test]
fn vendors_json_shows_every_vendor() {
    let out = delist(&["vendors", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let vendors = json(&out);
    let vendors = vendors.as_array().expect("array");
    for id in VENDORS {
        let v = vendors.iter().find(|v| v["id"] == *id).unwrap_or_else(|| panic!("vendor {id} missing"));
        assert!(v["name"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(v["sources"].as_array().is_some_and(|s| !s.is_empty()), "{id}: sources");
    }
    let k = vendors.iter().find(|v| v["id"] == "kaspersky").expect("kaspersky");
    let team: Vec<&str> = k["identifiers"]
        .as_array()
        .expect("identifiers")
        .iter()
        .filter(|i| i["kind"] == "team-id")
        .filter_map(|i| i["value"].as_str())
        .collect();
    assert_eq!(team, vec!["2Y8XE5CQ94"]);
    let hik = vendors.iter().find(|v| v["id"] == "hikvision").expect("hikvision");
    assert!(hik["oui"].as_array().is_some_and(|o| o.len() >= 50), "Hikvision's IEEE assignments");
}

#[test]
fn explain_an_identifier_a_list_and_a_finding() {
    let out = delist(&["explain", "2Y8XE5CQ94"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kaspersky"));
    let out = delist(&["explain", "us-bod-17-01"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2017-10-13"));
    let t = tempfile::tempdir().expect("tempdir");
    let report = t.path().join("r.json");
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    delist(&["scan", &target, "-o", &format!("json={}", report.display())]);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).expect("report written")).expect("json");
    let id = r["findings"][0]["id"].as_str().expect("id").to_string();
    let out = delist(&["explain", &id, "--report", &report.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("package.deb:kesl") && text.contains("us-bod-17-01"), "{text}");
}

#[test]
fn several_outputs_in_one_run() {
    let t = tempfile::tempdir().expect("tempdir");
    let file = t.path().join("r.json");
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    let out = delist(&["scan", &target, "-o", "table", "-o", &format!("json={}", file.display())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kesl"));
    let r: Value = serde_json::from_slice(&std::fs::read(&file).expect("written")).expect("json");
    assert_eq!(r["summary"]["findings"], 3);
    let two_stdout = delist(&["scan", &target, "-o", "table", "-o", "json"]);
    assert_eq!(two_stdout.status.code(), Some(2));
}

#[test]
fn inventory_lists_every_installed_package() {
    let out = delist(&["inventory", &format!("rootfs:{}", fixture("dpkg/root")), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let inv = json(&out);
    assert_eq!(inv["schema"], "delist.inventory/1");
    let mut names: Vec<&str> =
        inv["artifacts"].as_array().expect("artifacts").iter().filter_map(|a| a["name"].as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        vec!["aztech-tools", "camera-client", "hello-clean", "honor-sync", "kesl", "klms-agent", "klnagent64"]
    );
    let kesl = inv["artifacts"].as_array().expect("artifacts").iter().find(|a| a["name"] == "kesl").expect("kesl");
    assert_eq!(kesl["publisher"], "AO Kaspersky Lab <support@kaspersky.com>");
    assert_eq!(kesl["ids"][0], "pkg:deb/kesl");
}

#[test]
fn policy_waivers_and_errors() {
    let t = tempfile::tempdir().expect("tempdir");
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    let live = t.path().join("live.toml");
    std::fs::write(
        &live,
        "fail_on = \"likely\"\n[[waiver]]\nvendor = \"kaspersky\"\nowner = \"secops@example.org\"\napprover = \"CIO\"\nreason = \"replacement ordered\"\nexpires = 2027-06-30\n\n[[waiver]]\nvendor = \"huawei\"\nowner = \"o\"\napprover = \"a\"\nreason = \"r\"\nexpires = 2027-01-01\n",
    )
    .expect("write");
    let out = delist(&["scan", &target, "--policy", &live.display().to_string(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "waived findings do not fail: {}", stderr(&out));
    let r = json(&out);
    assert_eq!(r["summary"]["waived"], 3);
    assert_eq!(r["findings"][0]["waiver"]["approver"], "CIO");
    assert!(stderr(&out).contains("matches no finding"), "unused waiver reported: {}", stderr(&out));

    let expired = t.path().join("expired.toml");
    std::fs::write(
        &expired,
        "[[waiver]]\nvendor = \"kaspersky\"\nowner = \"o\"\napprover = \"a\"\nreason = \"r\"\nexpires = 2025-01-01\n",
    )
    .expect("write");
    let out = delist(&["scan", &target, "--policy", &expired.display().to_string(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("expired on 2025-01-01"), "{}", stderr(&out));
    assert_eq!(json(&out)["notices"][0]["kind"], "expired-waiver");

    let bad = t.path().join("bad.toml");
    std::fs::write(&bad, "lists = [\"nope\"]\nfail_on = \"sometimes\"\n[[waiver]]\nvendor = \"kaspersky\"\n")
        .expect("write");
    let out = delist(&["scan", &target, "--policy", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let b = bad.display().to_string();
    assert!(err.contains(&format!("{b}:1:10: unknown list \"nope\"")), "{err}");
    assert!(err.contains(&format!("{b}:2:11: fail_on")), "{err}");
    assert!(err.contains("needs `owner`") && err.contains("needs `expires`"), "{err}");
}

#[test]
fn report_json_snapshot() {
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    let out = delist(&["scan", &target, "-o", "json"]);
    let r = json(&out);
    insta::assert_json_snapshot!(r, {
        ".targets[].input" => "[target]",
        ".findings[].artifact.target" => "[target]",
        ".tool.version" => "[version]",
    });
}

/// The repository holds the catalog, docs and sources that name every covered vendor, and none
/// of that is a finding. Its test fixtures are, deliberately, covered products (signed
/// executables, APKs, installers): every finding must lie among them, and with them excluded the
/// scan is silent.
#[test]
fn delists_own_repository_gives_no_finding() {
    let root = format!("dir:{}", repo().display());
    let out = delist(&["scan", &root, "-o", "json", "--fail-on", "never", "--exclude", "/target/**"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&out);
    for f in r["findings"].as_array().expect("findings") {
        let path = f["artifact"]["path"].as_str().unwrap_or("");
        assert!(path.contains("/tests/fixtures/"), "a finding outside the fixtures: {f}");
    }
    let out = delist(&["scan", &root, "-o", "json", "--exclude", "**/tests/fixtures/**", "--exclude", "/target/**"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(findings(&json(&out)).is_empty());
}

#[test]
fn this_machines_package_database_gives_no_finding() {
    let out = delist(&["scan", "--no-walk", "--fail-on", "possible", "-o", "json"]);
    let r = json(&out);
    assert_eq!(out.status.code(), Some(0), "findings on this machine: {}", r["findings"]);
    assert!(r["summary"]["artifacts"].as_u64().unwrap_or(0) > 50, "the live dpkg database was read: {}", r["summary"]);
}

/// A clean Debian root made by `scripts/debian-minbase.sh` (CI builds it; set
/// DELIST_DEBIAN_ROOT elsewhere). Outside CI the test is skipped when no root was built.
#[test]
fn a_clean_debian_root_gives_no_finding() {
    let root =
        std::env::var("DELIST_DEBIAN_ROOT").map(PathBuf::from).unwrap_or_else(|_| repo().join("target/debian-minbase"));
    if !root.join(".delist-complete").is_file() {
        assert!(std::env::var_os("CI").is_none(), "CI must build {} with scripts/debian-minbase.sh", root.display());
        eprintln!("skipped: no clean Debian root at {}", root.display());
        return;
    }
    let out = delist(&["scan", &format!("rootfs:{}", root.display()), "--fail-on", "possible", "-o", "json"]);
    let r = json(&out);
    assert_eq!(out.status.code(), Some(0), "findings on a clean Debian root: {}", r["findings"]);
    assert!(r["summary"]["artifacts"].as_u64().unwrap_or(0) > 50, "{}", r["summary"]);
    assert_eq!(r["summary"]["errors"], 0, "{}", r["errors"]);
}

#[test]
fn import_oui_selects_exact_organisation_names() {
    let t = tempfile::tempdir().expect("tempdir");
    let oui = t.path().join("oui.csv");
    std::fs::write(
        &oui,
        "Registry,Assignment,Organization Name,Organization Address\n\
         MA-L,4447CC,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",\"No.555 Qianmo Road Hangzhou CN\"\n\
         MA-L,001122,Aztech Electronics,\"Singapore SG\"\n\
         MA-L,001123,Example Corp,\"1 Huawei Road, Shenzhen CN\"\n\
         MA-L,001124,  zte corporation  ,\"Shenzhen CN\"\n",
    )
    .expect("write");
    let mam = t.path().join("mam.csv");
    std::fs::write(
        &mam,
        "Registry,Assignment,Organization Name,Organization Address\nMA-M,0055DA1,Shanghai Dahua Scale Factory,\"Shanghai CN\"\n",
    )
    .expect("write");
    let out = delist(&[
        "catalog",
        "import-oui",
        &oui.display().to_string(),
        &mam.display().to_string(),
        "--out",
        "-",
        "--registry-date",
        "2022-08-27",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rows,
        vec![
            "registry,assignment,organization,vendor",
            "MA-L,4447CC,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",hikvision",
            "MA-L,001124,zte corporation,zte",
        ],
        "Aztech is not ZTE, an address on Huawei Road is not Huawei, a Dahua scale factory is not Dahua"
    );
    assert!(text.contains("# registry-date: 2022-08-27"));
    let bad = t.path().join("bad.csv");
    std::fs::write(&bad, "not,a,registry\n").expect("write");
    assert_eq!(delist(&["catalog", "import-oui", &bad.display().to_string(), "--out", "-"]).status.code(), Some(2));
}

/// The committed table is what `import-oui` makes from the registry files it names (Debian's
/// ieee-data 20220827.1, installed by .ci/run): a generated file must not drift by hand.
#[test]
fn committed_oui_table_is_up_to_date() {
    let dir = Path::new("/usr/share/ieee-data");
    let files = ["oui.csv", "mam.csv", "oui36.csv"].map(|f| dir.join(f).display().to_string());
    if !dir.join("oui.csv").is_file() {
        assert!(std::env::var_os("CI").is_none(), "CI must install ieee-data");
        eprintln!("skipped: ieee-data is not installed");
        return;
    }
    let mut args = vec!["catalog", "import-oui"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--out",
        "-",
        "-q",
        "--registry-date",
        "2022-08-27",
        "--registry-source",
        "Debian package ieee-data 20220827.1",
    ]);
    let out = delist(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let committed = std::fs::read_to_string(repo().join("catalog/oui/ieee.csv")).expect("committed table");
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "catalog/oui/ieee.csv is stale: rerun the import-oui command in README.md"
    );
}

#[test]
fn diff_reports_removed_new_and_remaining_per_list() {
    let t = tempfile::tempdir().expect("tempdir");
    let before = t.path().join("before.json");
    let after = t.path().join("after.json");
    delist(&["scan", &format!("rootfs:{}", fixture("dpkg/root")), "-o", &format!("json={}", before.display())]);
    delist(&["scan", &format!("rootfs:{}", fixture("dpkg/root-after")), "-o", &format!("json={}", after.display())]);
    let out = delist(&["diff", &before.display().to_string(), &after.display().to_string(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "likely findings remain: {}", stderr(&out));
    let d = json(&out);
    assert_eq!(d["schema"], "delist.diff/1");
    let names = |k: &str| -> Vec<String> {
        let mut v: Vec<String> = d[k]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|f| f["artifact"]["name"].as_str().map(String::from))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("removed"), vec!["kesl"]);
    assert_eq!(names("new"), vec!["kav4fs"]);
    assert_eq!(names("remaining"), vec!["klms-agent", "klnagent64"]);
    assert_eq!(d["summary"], serde_json::json!({"removed": 1, "new": 1, "remaining": 2}));
    let bod = d["lists"].as_array().expect("lists").iter().find(|l| l["id"] == "us-bod-17-01").expect("bod");
    assert_eq!((bod["removed"].as_u64(), bod["new"].as_u64(), bod["remaining"].as_u64()), (Some(1), Some(1), Some(2)));
    // A report against itself: nothing removed or new.
    let same = json(&delist(&["diff", &before.display().to_string(), &before.display().to_string(), "-o", "json"]));
    assert_eq!(same["summary"], serde_json::json!({"removed": 0, "new": 0, "remaining": 3}));
    let table = delist(&["diff", &before.display().to_string(), &after.display().to_string(), "--fail-on", "never"]);
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("removed") && text.contains("1 removed, 1 new, 2 remaining"), "{text}");
    let junk = t.path().join("junk.json");
    std::fs::write(&junk, "{\"schema\": \"other\"}").expect("write");
    assert_eq!(delist(&["diff", &junk.display().to_string(), &before.display().to_string()]).status.code(), Some(2));
}

/// Builds a root holding one rpm database fixture at `rel` (and, for sqlite, the Fedora layout
/// where /var/lib/rpm is a symlink into /usr/lib/sysimage).
fn rpm_root(fixture_file: &str, rel: &str, symlinked: bool) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let dest = t.path().join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
    std::fs::copy(fixture(fixture_file), &dest).expect("copy fixture");
    if symlinked {
        std::fs::create_dir_all(t.path().join("var/lib")).expect("mkdir");
        std::os::unix::fs::symlink("/usr/lib/sysimage/rpm", t.path().join("var/lib/rpm")).expect("symlink");
    }
    t
}

#[test]
fn rpm_databases_in_every_format() {
    for (file, rel, symlinked) in [
        ("rpm/sqlite/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite", true),
        ("rpm/ndb/Packages.db", "/usr/lib/sysimage/rpm/Packages.db", false),
        ("rpm/bdb/Packages", "/var/lib/rpm/Packages", false),
    ] {
        let root = rpm_root(file, rel, symlinked);
        let target = format!("rootfs:{}", root.path().display());
        let out = delist(&["scan", &target, "-o", "json"]);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stderr(&out));
        let r = json(&out);
        assert_eq!(findings(&r), vec![("kesl".into(), "kaspersky".into(), "confirmed".into())], "{file}");
        let f = &r["findings"][0];
        assert_eq!(f["artifact"]["kind"], "rpm");
        assert_eq!(f["artifact"]["path"], rel, "{file}");
        assert_eq!(f["remediation"], "dnf remove kesl");
        assert_eq!(r["summary"]["artifacts"], 4, "{file}: one database read once, even through the symlink");
        assert_eq!(r["summary"]["errors"], 0, "{file}: {}", r["errors"]);
        let inv = json(&delist(&["inventory", &target, "-o", "json"]));
        let hik = inv["artifacts"].as_array().expect("artifacts").iter().find(|a| a["name"] == "hik-demo-tool");
        let hik = hik.unwrap_or_else(|| panic!("{file}: hik-demo-tool in the inventory"));
        assert_eq!(hik["publisher"], "Hangzhou Hikvision Digital Technology Co.,Ltd.");
        assert_eq!(hik["version"], "2:3.4.5-1", "{file}: epoch kept");
    }
}

#[test]
fn a_corrupt_rpm_database_is_an_error_not_a_crash() {
    let root = rpm_root("rpm/ndb/Packages.db", "/var/lib/rpm/Packages.db", false);
    let db = root.path().join("var/lib/rpm/Packages.db");
    let mut bytes = std::fs::read(&db).expect("read");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&db, &bytes).expect("write");
    let out = delist(&["scan", &format!("rootfs:{}", root.path().display()), "-o", "json", "--fail-on", "never"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&out);
    assert!(r["summary"]["errors"].as_u64().unwrap_or(0) >= 1, "{r}");
    assert_eq!(r["errors"][0]["path"], "/var/lib/rpm/Packages.db");
}

fn own_catalog() -> String {
    repo().join("crates/delist-cli/tests/fixtures/own-catalog").display().to_string()
}

/// Every package-database fixture, each made by its tool or in its documented layout (see the
/// README beside each), through the whole pipeline: vendor, confidence, lists, artifact fields.
#[test]
fn package_databases_of_every_format() {
    struct Case<'a> {
        fixture: &'static str,
        extra: &'a [&'a str],
        want: (&'static str, &'static str, &'static str, &'static str),
        list: &'static str,
        path: &'static str,
        remediation: &'static str,
    }
    let own = own_catalog();
    let own = own.as_str();
    let with_list = ["--catalog", own, "--lists", "example-org-ban"];
    let with_catalog = ["--catalog", own];
    let cases = [
        Case {
            fixture: "pacman/root",
            extra: &[],
            want: ("kesl", "kaspersky", "likely", "pacman"),
            list: "us-bod-17-01",
            path: "/var/lib/pacman/local/kesl-12.1.0-1/desc",
            remediation: "pacman -Rns kesl",
        },
        Case {
            fixture: "snap/root",
            extra: &[],
            want: ("kesl", "kaspersky", "likely", "snap"),
            list: "us-bod-17-01",
            path: "/var/lib/snapd/state.json",
            remediation: "snap remove --purge kesl",
        },
        Case {
            fixture: "apk/root",
            extra: &with_list,
            want: ("hostguard", "huawei", "likely", "apk"),
            list: "example-org-ban",
            path: "/lib/apk/db/installed",
            remediation: "apk del hostguard",
        },
        Case {
            fixture: "flatpak/root",
            extra: &with_list,
            want: ("com.hikvision.iVMS4200", "hikvision", "likely", "flatpak"),
            list: "example-org-ban",
            path: "",
            remediation: "flatpak uninstall --delete-data com.hikvision.iVMS4200",
        },
        Case {
            fixture: "homebrew/root",
            extra: &with_catalog,
            want: ("kaspersky-security-cloud", "kaspersky", "possible", "brew-cask"),
            list: "us-bod-17-01",
            path: "",
            remediation: "brew uninstall --cask --zap kaspersky-security-cloud",
        },
    ];
    for c in cases {
        let target = format!("rootfs:{}", fixture(c.fixture));
        let mut args = vec!["scan", target.as_str(), "-o", "json", "--fail-on", "possible"];
        args.extend(c.extra);
        let out = delist(&args);
        assert_eq!(out.status.code(), Some(1), "{}: {}", c.fixture, stderr(&out));
        let r = json(&out);
        let (name, vendor, confidence, kind) = c.want;
        assert_eq!(findings(&r), vec![(name.into(), vendor.into(), confidence.into())], "{}", c.fixture);
        let f = &r["findings"][0];
        assert_eq!(f["artifact"]["kind"], kind, "{}", c.fixture);
        assert!(f["artifact"]["version"].is_string() || kind == "snap", "{}: version", c.fixture);
        if !c.path.is_empty() {
            assert_eq!(f["artifact"]["path"], c.path, "{}", c.fixture);
        }
        assert_eq!(f["remediation"], c.remediation, "{}", c.fixture);
        let lists: Vec<&str> = f["lists"].as_array().expect("lists").iter().filter_map(|l| l["id"].as_str()).collect();
        assert!(lists.contains(&c.list), "{}: {lists:?}", c.fixture);
        assert_eq!(r["summary"]["errors"], 0, "{}: {}", c.fixture, r["errors"]);
        // Without the user's catalog the official lists do not cover Huawei or Hikvision
        // software (only their equipment), and delist says nothing.
        if !c.extra.is_empty() && vendor != "kaspersky" {
            let plain = delist(&["scan", &target, "-o", "json", "--fail-on", "possible"]);
            assert_eq!(plain.status.code(), Some(0), "{}", c.fixture);
        }
    }
}
