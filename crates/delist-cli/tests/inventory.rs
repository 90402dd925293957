//! End-to-end tests of `delist scan` over app inventories exported by MDMs, osquery and Fleet:
//! findings name the device, app ids confirm, look-alike apps are not findings, `--map` reads
//! headers delist does not know, and a bare path is recognised by its content.
//!
//! Fixtures live in `crates/delist-collect/tests/fixtures/inventory/` (see its README for the
//! document each file follows).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixture(rel: &str) -> String {
    repo().join("crates/delist-collect/tests/fixtures/inventory").join(rel).display().to_string()
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

fn scan(args: &[&str]) -> Value {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let out = delist(&all);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&out));
    json(&out)
}

/// A finding as (artifact name, host, vendor, confidence).
type Seen = (String, String, String, String);

/// Every finding of a report, sorted.
fn findings(report: &Value) -> Vec<Seen> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            (s(&f["artifact"]["name"]), s(&f["artifact"]["host"]), s(&f["vendor"]), s(&f["confidence"]))
        })
        .collect();
    v.sort();
    v
}

fn finding<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["artifact"]["name"] == name)
        .unwrap_or_else(|| panic!("no finding for {name}: {:#}", report["findings"]))
}

fn list_ids(f: &Value) -> Vec<&str> {
    f["lists"].as_array().expect("lists").iter().filter_map(|l| l["id"].as_str()).collect()
}

fn t(name: &str, host: &str, vendor: &str, conf: &str) -> Seen {
    (name.into(), host.into(), vendor.into(), conf.into())
}

#[test]
fn tiktok_on_a_managed_phone_is_confirmed_named_by_device_and_covered_by_the_tiktok_act() {
    let target = format!("inventory:{}", fixture("intune-appinvbydevice.csv"));
    let out = delist(&["scan", &target, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let r = json(&out);
    assert_eq!(r["targets"][0]["kind"], "inventory");
    let d = "PIXEL7-JDOE";
    assert_eq!(
        findings(&r),
        vec![
            t("DeepSeek - AI Assistant", d, "deepseek", "confirmed"),
            t("Kaspersky: VPN & Antivirus", d, "kaspersky", "likely"),
            t("TikTok", d, "bytedance", "confirmed"),
            t("WeChat", d, "tencent", "confirmed"),
        ],
        "the look-alikes (TikTok Video Downloader, WeChat Backup Helper) and Outlook are not findings"
    );
    let tiktok = finding(&r, "TikTok");
    assert_eq!(tiktok["artifact"]["kind"], "mdm-app");
    assert_eq!(tiktok["artifact"]["host"], d);
    assert_eq!(tiktok["artifact"]["path"], "/intune-appinvbydevice.csv");
    assert_eq!(tiktok["artifact"]["target"], target.as_str());
    assert_eq!(tiktok["product"], "TikTok");
    assert!(list_ids(tiktok).contains(&"us-no-tiktok-act"), "{:?}", list_ids(tiktok));
    let ev: Vec<&str> =
        tiktok["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["identifier"].as_str()).collect();
    assert!(ev.contains(&"app-id:com.zhiliaoapp.musically"), "{ev:?}");
    assert_eq!(tiktok["evidence"][0]["field"], "intune.ApplicationId");
    assert_eq!(r["summary"]["artifacts"], 7);
    assert_eq!(r["summary"]["errors"], 0);
    // The table names the device too.
    let table = delist(&["scan", &target]);
    let text = String::from_utf8_lossy(&table.stdout);
    let row = text.lines().find(|l| l.contains("mdm-app TikTok ")).unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("PIXEL7-JDOE:/intune-appinvbydevice.csv"), "{row}");
}

#[test]
fn every_tools_export_finds_its_covered_apps_on_named_devices() {
    let cases: &[(&str, Vec<Seen>)] = &[
        (
            // DeepSeek's `com.deepseek.chat` is in the catalog as an Android app id only: on iOS
            // the same string is a bundle id the catalog does not list, so it is no finding.
            "jamf-mobile-device-detail.json",
            vec![
                t("TikTok", "IPHONE-ASMITH", "bytedance", "confirmed"),
                t("WeChat", "IPHONE-ASMITH", "tencent", "confirmed"),
            ],
        ),
        (
            "jamf-computers-inventory.json",
            vec![
                t("Kaspersky Downloader.app", "MBP-JDOE", "kaspersky", "confirmed"),
                t("WeChat.app", "MBP-JDOE", "tencent", "confirmed"),
            ],
        ),
        (
            "google-mobiledevices.json",
            vec![
                t("DeepSeek", "9A211FFAZ00XYZ", "deepseek", "confirmed"),
                t("TikTok", "R58N12ABCDE", "bytedance", "confirmed"),
                t("WeChat", "R58N12ABCDE", "tencent", "confirmed"),
            ],
        ),
        (
            "ws1-apps-export.csv",
            vec![
                t("TikTok", "ASMITH iPad iOS 17.5.1 DMPXK2", "bytedance", "confirmed"),
                t("WeChat", "ASMITH iPad iOS 17.5.1 DMPXK2", "tencent", "confirmed"),
            ],
        ),
        (
            // Per device by URL: the answer names no device.
            "ws1-device-apps-search.json",
            vec![t("TikTok", "", "bytedance", "confirmed")],
        ),
        (
            "osquery-results.log",
            vec![
                t("Kaspersky Endpoint Security for Windows", "LT-0042", "kaspersky", "likely"),
                // The extension id with the catalog product's name: confirmed (the id alone is likely).
                t("Kaspersky Protection", "LT-0042", "kaspersky", "confirmed"),
                t("WeChat", "mac-jdoe", "tencent", "confirmed"),
                t("kesl", "srv-build-01", "kaspersky", "confirmed"),
                t("klnagent64", "srv-db-02", "kaspersky", "confirmed"),
            ],
        ),
        (
            "fleet-host.json",
            vec![
                t("Kaspersky Protection", "Alice's MacBook Pro", "kaspersky", "confirmed"),
                t("WeChat.app", "Alice's MacBook Pro", "tencent", "confirmed"),
            ],
        ),
        (
            "intune-appinvrawdata-utf16.csv",
            vec![
                t("Kaspersky Endpoint Security for Windows", "LT-0042", "kaspersky", "likely"),
                t("TikTok", "IPHONE-ASMITH", "bytedance", "likely"),
            ],
        ),
    ];
    for (rel, want) in cases {
        let r = scan(&[&format!("inventory:{}", fixture(rel))]);
        assert_eq!(&findings(&r), want, "{rel}");
        assert_eq!(r["summary"]["errors"], 0, "{rel}: {:#}", r["errors"]);
    }
}

#[test]
fn publisher_only_tiktok_is_not_the_tiktok_acts_named_product() {
    // The discovered-apps export carries no app id: "TikTok Pte. Ltd." as publisher is likely
    // ByteDance, but not proof of the app the TikTok Act names, so only lists covering all of
    // ByteDance's apps apply.
    let r = scan(&[&format!("inventory:{}", fixture("intune-appinvrawdata-utf16.csv"))]);
    let f = finding(&r, "TikTok");
    assert_eq!(f["confidence"], "likely");
    assert!(!list_ids(f).contains(&"us-no-tiktok-act"), "{:?}", list_ids(f));
    assert!(!list_ids(f).is_empty());
}

#[test]
fn look_alikes_alone_are_not_findings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let csv = tmp.path().join("lookalikes.csv");
    std::fs::write(
        &csv,
        "DeviceName,AppName,AppId,Publisher\n\
         PIXEL-9,TikTok Video Downloader,com.example.ttdownloader,Example Apps LLC\n\
         PIXEL-9,WeChat Backup Helper,com.backuptools.wechathelper,Backup Tools Inc.\n\
         PIXEL-9,DeepSeek Chat Tips,com.tipsy.deepseekguide,Tipsy Media\n",
    )
    .expect("write");
    let out = delist(&["scan", &format!("inventory:{}", csv.display()), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&out);
    assert!(findings(&r).is_empty(), "{:?}", findings(&r));
    assert_eq!(r["summary"]["artifacts"], 3);
}

#[test]
fn map_reads_headers_delist_does_not_know() {
    let target = format!("inventory:{}", fixture("generic-odd-headers.csv"));
    let r = scan(&[&target]);
    assert!(findings(&r).is_empty());
    assert_eq!(r["summary"]["errors"], 1, "without --map the file is reported, not guessed");
    assert!(r["errors"][0]["error"].as_str().unwrap_or("").contains("--map"), "{:#}", r["errors"]);

    let mapped = [
        &target as &str,
        "--map",
        "Gerät=device",
        "--map",
        "Anwendung=name",
        "--map",
        "Kennung=id",
        "--map",
        "Stand=version",
        "--map",
        "Hersteller=publisher",
        "--map",
        "Betriebssystem=platform",
    ];
    let r = scan(&mapped);
    assert_eq!(
        findings(&r),
        vec![
            t("DeepSeek", "TABLET-LAGER", "deepseek", "confirmed"),
            t("TikTok", "TABLET-EMPFANG", "bytedance", "confirmed")
        ]
    );
    assert_eq!(finding(&r, "TikTok")["evidence"][0]["field"], "inventory.Kennung");
    assert_eq!(r["summary"]["errors"], 0);

    let bad = delist(&["scan", &target, "--map", "Gerät=owner"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert_eq!(stderr(&bad).trim().lines().count(), 1, "{}", stderr(&bad));
    assert!(stderr(&bad).contains("owner"), "{}", stderr(&bad));
}

#[test]
fn a_bare_path_is_recognised_by_its_content() {
    for (rel, name) in [
        ("generic-common-headers.csv", "TikTok"),
        ("osquery-results.log", "kesl"),
        ("google-mobiledevices.json", "TikTok"),
    ] {
        let r = scan(&[&fixture(rel)]);
        assert_eq!(r["targets"][0]["kind"], "inventory", "{rel}");
        let f = finding(&r, name);
        assert!(f["artifact"]["host"].as_str().is_some_and(|h| !h.is_empty()), "{rel}: {f:#}");
    }
    let r = scan(&[&fixture("generic-common-headers.csv")]);
    assert_eq!(
        findings(&r),
        vec![
            t("Kaspersky Safe Kids", "KIOSK-LOBBY-2", "kaspersky", "likely"),
            t("TikTok", "KIOSK-LOBBY-1", "bytedance", "confirmed")
        ]
    );
    let out = delist(&["scan", &fixture("malformed/not-an-inventory.csv")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn inventory_lists_every_app_with_its_device() {
    let out = delist(&["inventory", &format!("inventory:{}", fixture("jamf-mobile-device-detail.json")), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&out);
    assert_eq!(r["schema"], "delist.inventory/1");
    let arts = r["artifacts"].as_array().expect("artifacts");
    assert_eq!(arts.len(), 5);
    assert!(arts.iter().all(|a| a["host"] == "IPHONE-ASMITH" && a["kind"] == "mdm-app"));
    let fake = arts.iter().find(|a| a["name"] == "TikTok Video Downloader").expect("look-alike listed");
    assert_eq!(fake["ids"], serde_json::json!(["com.example.ttdownloader"]));
}

#[test]
fn broken_rows_are_errors_and_the_rest_is_scanned() {
    let r = scan(&[&format!("inventory:{}", fixture("malformed/intune-appinvbydevice-broken.csv"))]);
    assert_eq!(r["summary"]["errors"], 2);
    assert_eq!(r["errors"][0]["path"], "/intune-appinvbydevice-broken.csv");
    assert_eq!(r["errors"][0]["error"], "line 3: expected 14 fields, found 3");
    let names: Vec<String> = findings(&r).into_iter().map(|f| f.0).collect();
    assert_eq!(names, vec!["DeepSeek - AI Assistant", "Kaspersky: VPN & Antivirus", "TikTok"]);
}
