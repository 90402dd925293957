//! Bans from every side: origin-scoped lists (Russia's Decree 166), the Chinese lists, and
//! approved-vendor policies, end to end through the `delist` binary.
//!
//! The fixture root `crates/delist-collect/tests/fixtures/origin/root` is made by dpkg itself
//! (`make.sh` beside it): two foreign packages (Microsoft, Oracle), three domestic Russian ones
//! (Kaspersky, Yandex, RusBITech-Astra) and two no catalog vendor is named as the maker of.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn root() -> String {
    format!("rootfs:{}", repo().join("crates/delist-collect/tests/fixtures/origin/root").display())
}

fn delist_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(dir)
        .output()
        .expect("run delist")
}

fn delist(args: &[&str]) -> Output {
    delist_in(&std::env::temp_dir(), args)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (artifact name, vendor, confidence, list ids) of every finding, sorted.
fn findings(r: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let mut out: Vec<_> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["artifact"]["name"].as_str().unwrap_or("").to_string(),
                f["vendor"].as_str().unwrap_or("").to_string(),
                f["confidence"].as_str().unwrap_or("").to_string(),
                f["lists"]
                    .as_array()
                    .expect("lists")
                    .iter()
                    .map(|l| l["id"].as_str().unwrap_or("").to_string())
                    .collect(),
            )
        })
        .collect();
    out.sort();
    out
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn an_origin_list_finds_every_foreign_vendors_software_and_no_domestic_one() {
    let out = delist(&["scan", &root(), "--lists", "ru-decree-166-2022", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json(&out);
    assert_eq!(r["catalog"]["lists"], serde_json::json!(["ru-decree-166-2022"]));
    let rd = vec![s("ru-decree-166-2022")];
    assert_eq!(
        findings(&r),
        vec![
            (s("code"), s("microsoft"), s("confirmed"), rd.clone()),
            (s("virtualbox-7.1"), s("oracle"), s("likely"), rd.clone()),
        ]
    );
    let f = &r["findings"][0];
    assert_eq!(f["lists"][0]["qualifier"], "on significant objects of Russian critical information infrastructure");
    assert_eq!(f["lists"][0]["deadline"], "2025-01-01");
    // `country:RU` selects the same list.
    let by_country = json(&delist(&["scan", &root(), "--lists", "country:RU", "-o", "json"]));
    assert_eq!(findings(&by_country).len(), 2);
}

#[test]
fn the_default_lists_report_only_the_covered_vendor_never_a_known_one() {
    let r = json(&delist(&["scan", &root(), "-o", "json"]));
    let lists: Vec<&str> = r["catalog"]["lists"].as_array().expect("lists").iter().filter_map(Value::as_str).collect();
    for opt_in in ["ru-decree-166-2022", "cn-cac-micron-2023", "cn-miit-safe-reliable-2023"] {
        assert!(!lists.contains(&opt_in), "{opt_in} is not a default list");
    }
    let got: Vec<(String, String)> = findings(&r).into_iter().map(|(n, v, _, _)| (n, v)).collect();
    assert_eq!(got, vec![(s("kesl"), s("kaspersky"))]);
    assert_eq!(r["summary"]["unattributed"], 0, "counted only under an approved-vendor policy");
}

#[test]
fn an_allow_policy_flags_unapproved_vendors_and_counts_unattributed_artifacts() {
    let dir = tempdir("allow");
    std::fs::write(
        dir.join("delist.toml"),
        "lists = []\nallow_only = [\"kaspersky\", \"yandex\", \"rusbitech-astra\", \"1c\"]\n",
    )
    .expect("write policy");
    let out = delist_in(&dir, &["scan", &root(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json(&out);
    let pa = vec![s("policy:allow")];
    assert_eq!(
        findings(&r),
        vec![
            (s("code"), s("microsoft"), s("confirmed"), pa.clone()),
            (s("virtualbox-7.1"), s("oracle"), s("likely"), pa)
        ]
    );
    let list = &r["findings"][0]["lists"][0];
    assert_eq!(list["title"], "Not an approved vendor (approved vendors kaspersky, yandex, rusbitech-astra, 1c)");
    assert_eq!(list["authority"], "policy delist.toml");
    assert_eq!(r["summary"]["unattributed"], 2);
    let mut un: Vec<(&str, &str)> = r["unattributed"]
        .as_array()
        .expect("unattributed listed")
        .iter()
        .map(|a| (a["name"].as_str().unwrap_or(""), a["publisher"].as_str().unwrap_or("")))
        .collect();
    un.sort();
    assert_eq!(
        un,
        vec![
            ("google-chrome-stable", "Chrome Linux Team <chromium-dev@chromium.org>"),
            ("hello-clean", "Example Corp <dev@example.org>")
        ]
    );
    // The table says so too.
    let table = delist_in(&dir, &["scan", &root()]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("2 artifact(s) unattributed"));
}

#[test]
fn a_category_allow_list_judges_only_its_categories() {
    // China's reported "safe and reliable" lists judge processors, operating systems and
    // databases; none of the fixture's packages is one, so nothing is flagged by it.
    let dir = tempdir("allow-cat");
    std::fs::write(
        dir.join("delist.toml"),
        "lists = []\n[allow.processor]\nallow_lists = [\"cn-miit-safe-reliable-2023\"]\n",
    )
    .expect("write policy");
    let r = json(&delist_in(&dir, &["scan", &root(), "-o", "json"]));
    assert!(findings(&r).is_empty(), "{:?}", findings(&r));
    // An approved-vendor list named as a ban list is refused, not applied silently.
    let out = delist(&["scan", &root(), "--lists", "cn-miit-safe-reliable-2023"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("allow_lists = [\"cn-miit-safe-reliable-2023\"]"));
    // A ban list is refused where an approved-vendor list belongs.
    std::fs::write(dir.join("delist.toml"), "allow_lists = [\"ru-decree-166-2022\"]\n").expect("write policy");
    let out = delist_in(&dir, &["scan", &root()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a ban list"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_new_lists_show_with_sources_and_dates() {
    let out = delist(&["lists"]);
    let table = String::from_utf8_lossy(&out.stdout);
    for (id, force, vendors) in [
        ("ru-decree-166-2022", "binding, opt-in", "origin:not-RU"),
        ("cn-cac-micron-2023", "binding, opt-in", "micron"),
        ("cn-miit-safe-reliable-2023", "advisory, allow-list", "origin:CN"),
    ] {
        let line = table.lines().find(|l| l.starts_with(id)).unwrap_or_else(|| panic!("{id} in {table}"));
        assert!(line.contains(force) && line.ends_with(vendors), "{line}");
    }
    let detail = String::from_utf8_lossy(&delist(&["lists", "ru-decree-166-2022"]).stdout).into_owned();
    for needle in [
        "2022-03-31  stop-purchase",
        "2025-01-01  stop-use",
        "http://en.kremlin.ru/d/68090",
        "origin: every vendor not from RU; categories: software since 2022-03-31",
    ] {
        assert!(detail.contains(needle), "{needle:?} in {detail}");
    }
    let micron = json(&delist(&["lists", "cn-cac-micron-2023", "-o", "json"]));
    assert_eq!(micron["published"], "2023-05-21");
    assert_eq!(micron["deadlines"][0]["action"], "stop-purchase");
    assert!(micron["sources"][0].as_str().is_some_and(|u| u.starts_with("https://technode.com/2023/05/22/")));
    let miit = json(&delist(&["lists", "cn-miit-safe-reliable-2023", "-o", "json"]));
    assert_eq!((miit["kind"].as_str(), miit["binding"].as_bool()), (Some("allow"), Some(false)));
    assert!(miit["notes"].as_str().is_some_and(|n| n.starts_with("Reported, not read")));
    assert_eq!(miit["covers"][0]["categories"], serde_json::json!(["processor", "operating-system", "database"]));
}

#[test]
fn catalog_check_validates_origin_and_allow_list_scopes() {
    let dir = tempdir("catalog");
    std::fs::create_dir_all(dir.join("lists")).expect("mkdir");
    std::fs::write(
        dir.join("lists/own-origin.toml"),
        r#"[list]
id = "own-origin"
title = "Only domestic software"
authority = "Example Org"
binding = true
kind = "allow"
sources = ["https://example.org/policy"]

[[covers]]
scope = "origin"
countries = ["Germany"]
exceptions = ["nobody"]

[[covers]]
scope = "origin"
"#,
    )
    .expect("write list");
    let out = delist(&["catalog", "check", &dir.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "own-origin.toml:9:1: list \"own-origin\" covers \"\": country \"Germany\" is not an ISO 3166-1 alpha-2 code",
        "own-origin.toml:9:1: list \"own-origin\": origin exception names unknown vendor \"nobody\"",
        "own-origin.toml:14:1: list \"own-origin\" covers \"\": scope = \"origin\" needs `countries` or `foreign_to`",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    // Ours validates, new lists and known vendors included.
    let ours = delist(&["catalog", "check", &repo().join("catalog").display().to_string()]);
    assert_eq!(ours.status.code(), Some(0), "{}", String::from_utf8_lossy(&ours.stdout));
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("delist-origin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn a_dmidecode_dump_is_an_inventory_input_and_micron_is_opt_in() {
    let dump = repo().join("crates/delist-collect/tests/fixtures/hardware/dmi-smbios3.bin").display().to_string();
    // Told by content, with or without the scheme.
    for target in [format!("inventory:{dump}"), dump.clone()] {
        let r = json(&delist(&["scan", &target, "--lists", "cn-cac-micron-2023", "-o", "json"]));
        assert_eq!(r["targets"][0]["kind"], "inventory");
        assert_eq!(r["summary"]["artifacts"], 4, "a processor and three memory modules");
        let got: Vec<(String, String)> = findings(&r).into_iter().map(|(n, v, c, _)| (n, format!("{v}:{c}"))).collect();
        assert_eq!(
            got,
            vec![(s("CT8G4DFS824A.C8FE"), s("micron:likely")), (s("MTA18ASF2G72PDZ-2G6E1"), s("micron:likely"))]
        );
        let q = &r["findings"][0]["lists"][0]["qualifier"];
        assert_eq!(q, "purchases by operators of critical information infrastructure in China");
    }
    // The default lists do not include China's Micron ban.
    let out = delist(&["scan", &dump, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(findings(&json(&out)).is_empty());
}

#[test]
fn a_category_allow_list_flags_a_foreign_processor_of_the_live_machine() {
    let hw = repo().join("crates/delist-collect/tests/fixtures/hardware");
    let dir = tempdir("allow-cpu");
    std::fs::write(
        dir.join("delist.toml"),
        "lists = []\n[allow.processor]\nallow_lists = [\"cn-miit-safe-reliable-2023\"]\n",
    )
    .expect("write policy");
    let (p, sys) = (hw.join("proc").display().to_string(), hw.join("sys").display().to_string());
    let out = delist_in(&dir, &["scan", "--no-walk", "--proc-root", &p, "--sys-root", &sys, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json(&out);
    // Only the processor is judged: memory and disks are outside the rule's category.
    assert_eq!(findings(&r), vec![(s("AMD EPYC"), s("amd"), s("confirmed"), vec![s("policy:allow.processor")])]);
    assert_eq!(r["findings"][0]["artifact"]["kind"], "cpu");
    assert_eq!(r["findings"][0]["evidence"][0]["identifier"], "cpu-vendor:AuthenticAMD");
}
