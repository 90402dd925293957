//! The `inventory:` collector over each tool's fixture (`fixtures/inventory`, see its README),
//! through `Target::parse` as the CLI does, and over the broken copies made by its `make.sh`.

use delist_collect::Output;
use delist_collect::inventory::Mapping;
use delist_collect::target::{Target, TargetKind};
use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inventory").join(rel)
}

fn arg(rel: &str) -> String {
    format!("inventory:{}", fixture(rel).display())
}

fn collect_with(rel: &str, map: &[(&str, &str)]) -> Output {
    let mut t = Target::parse(&arg(rel)).expect("target");
    assert_eq!(t.kind, TargetKind::Inventory);
    t.mapping = Mapping { columns: map.iter().map(|(c, f)| (c.to_string(), f.to_string())).collect() };
    let mut out = Output::default();
    t.collect(&mut out, &|_| {});
    out
}

fn collect(rel: &str) -> Output {
    collect_with(rel, &[])
}

/// (name, host, version, the roles that can be evidence as (field, value, role))
type Summary = (String, Option<String>, Option<String>, Vec<(String, String, Role)>);

fn summary(a: &Artifact) -> Summary {
    (
        a.name.clone(),
        a.host.clone(),
        a.version.clone(),
        a.fields
            .iter()
            .filter(|f| !matches!(f.role, Role::Other | Role::Text))
            .map(|f| (f.field.clone(), f.value.clone(), f.role))
            .collect(),
    )
}

fn s(name: &str, host: Option<&str>, version: &str, ev: &[(&str, &str, Role)]) -> Summary {
    (
        name.into(),
        host.map(String::from),
        (!version.is_empty()).then(|| version.to_string()),
        ev.iter().map(|(f, v, r)| (f.to_string(), v.to_string(), *r)).collect(),
    )
}

const APP: Role = Role::Identifier(IdKind::AppId);
const BUNDLE: Role = Role::Identifier(IdKind::BundleId);
const EXT: Role = Role::Identifier(IdKind::ExtensionId);
const PKG: Role = Role::Identifier(IdKind::Package);
const TEAM: Role = Role::Identifier(IdKind::TeamId);
const PUB: Role = Role::Publisher;

#[test]
fn intune_per_device_export_is_exact() {
    let out = collect("intune-appinvbydevice.csv");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let target = arg("intune-appinvbydevice.csv");
    let mut tiktok = Artifact::new(ArtifactKind::MdmApp, "TikTok", "/intune-appinvbydevice.csv", target.as_str())
        .version("36.5.4")
        .field("intune.ApplicationName", "TikTok", Role::Other)
        .field("intune.ApplicationId", "com.zhiliaoapp.musically", APP)
        .id("com.zhiliaoapp.musically")
        .field("intune.ApplicationPublisher", "TikTok Pte. Ltd.", PUB)
        .field("intune.Platform", "AndroidWorkProfile", Role::Other);
    for (c, v) in [
        ("ApplicationKey", "5f1c6a2e0b9d4c17a3e8"),
        ("ApplicationVersion", "2023605040"),
        ("DeviceId", "8d2f4a1c-33b7-4e0a-9c51-6f0e2b7d9a10"),
        ("EmailAddress", "jdoe@example.org"),
        ("OSDescription", "Android 14"),
        ("OSVersion", "14"),
        ("UserId", "0b6e7c2d-5a41-4f38-b2d9-1e8c7f3a6b54"),
        ("UserName", "Jane Doe"),
    ] {
        tiktok = tiktok.field(&format!("intune.{c}"), v, Role::Other);
    }
    tiktok.host = Some("PIXEL7-JDOE".into());
    assert_eq!(out.artifacts[0], tiktok);

    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let d = Some("PIXEL7-JDOE");
    assert_eq!(
        got,
        vec![
            s(
                "TikTok",
                d,
                "36.5.4",
                &[
                    ("intune.ApplicationId", "com.zhiliaoapp.musically", APP),
                    ("intune.ApplicationPublisher", "TikTok Pte. Ltd.", PUB)
                ]
            ),
            s(
                "WeChat",
                d,
                "8.0.49",
                &[
                    ("intune.ApplicationId", "com.tencent.mm", APP),
                    ("intune.ApplicationPublisher", "Tencent Technology (Shenzhen) Company Limited", PUB)
                ]
            ),
            s(
                "DeepSeek - AI Assistant",
                d,
                "1.0.7",
                &[("intune.ApplicationId", "com.deepseek.chat", APP), ("intune.ApplicationPublisher", "DeepSeek", PUB)]
            ),
            s(
                "Kaspersky: VPN & Antivirus",
                d,
                "11.114.4",
                &[
                    ("intune.ApplicationId", "com.kms.free", APP),
                    ("intune.ApplicationPublisher", "AO Kaspersky Lab", PUB)
                ]
            ),
            s(
                "TikTok Video Downloader",
                d,
                "2.3.1",
                &[
                    ("intune.ApplicationId", "com.example.ttdownloader", APP),
                    ("intune.ApplicationPublisher", "Example Apps LLC", PUB)
                ]
            ),
            s(
                "WeChat Backup Helper",
                d,
                "1.4.0",
                &[
                    ("intune.ApplicationId", "com.backuptools.wechathelper", APP),
                    ("intune.ApplicationPublisher", "Backup Tools Inc.", PUB)
                ]
            ),
            s(
                "Microsoft Outlook",
                d,
                "4.2421.0",
                &[
                    ("intune.ApplicationId", "com.microsoft.office.outlook", APP),
                    ("intune.ApplicationPublisher", "Microsoft Corporation", PUB)
                ]
            ),
        ]
    );
}

#[test]
fn intune_discovered_apps_export_reads_the_same_in_utf16() {
    let utf8 = collect("intune-appinvrawdata.csv");
    let utf16 = collect("intune-appinvrawdata-utf16.csv");
    assert!(utf8.errors.is_empty() && utf16.errors.is_empty(), "{:?} {:?}", utf8.errors, utf16.errors);
    assert_eq!(utf8.artifacts.len(), 5);
    let strip = |o: &Output| -> Vec<Artifact> {
        o.artifacts
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.path = String::new();
                a.target = String::new();
                a
            })
            .collect()
    };
    assert_eq!(strip(&utf8), strip(&utf16));
    // AppInvRawData has no app id column: a publisher is all the export says about the maker.
    let got: Vec<Summary> = utf16.artifacts.iter().map(summary).collect();
    assert_eq!(
        got[0],
        s("TikTok", Some("IPHONE-ASMITH"), "36.4.0", &[("intune.ApplicationPublisher", "TikTok Pte. Ltd.", PUB)])
    );
    assert_eq!(
        got[1],
        s(
            "Kaspersky Endpoint Security for Windows",
            Some("LT-0042"),
            "12.5.0",
            &[("intune.ApplicationPublisher", "AO Kaspersky Lab", PUB)]
        )
    );
    assert!(utf16.artifacts.iter().all(|a| a.ids.is_empty()));
}

#[test]
fn jamf_computers_and_mobile_devices_name_the_device() {
    let out = collect("jamf-computers-inventory.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let (m1, m2) = (Some("MBP-JDOE"), Some("MBA-ASMITH"));
    assert_eq!(
        got,
        vec![
            s("WeChat.app", m1, "3.8.7", &[("jamf.bundleId", "com.tencent.xinWeChat", BUNDLE)]),
            s("Kaspersky Downloader.app", m1, "21.0.23", &[("jamf.bundleId", "com.kaspersky.kav.downloader", BUNDLE)]),
            s("TikTok Video Downloader.app", m1, "2.3.1", &[("jamf.bundleId", "com.example.ttdownloader", BUNDLE)]),
            s("Safari.app", m1, "17.5", &[("jamf.bundleId", "com.apple.Safari", BUNDLE)]),
            s("WeChat Backup Helper.app", m2, "1.4.0", &[("jamf.bundleId", "com.backuptools.wechathelper", BUNDLE)]),
            s("Slack.app", m2, "4.38.125", &[("jamf.bundleId", "com.tinyspeck.slackmacgap", BUNDLE)]),
        ]
    );
    assert_eq!(out.artifacts[0].path, "/jamf-computers-inventory.json");

    let out = collect("jamf-mobile-device-detail.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let p = Some("IPHONE-ASMITH");
    assert_eq!(
        got,
        vec![
            s("TikTok", p, "36.5.0", &[("jamf.identifier", "com.zhiliaoapp.musically", BUNDLE)]),
            s("WeChat", p, "8.0.50.31", &[("jamf.identifier", "com.tencent.xin", BUNDLE)]),
            s("DeepSeek", p, "1.0.9", &[("jamf.identifier", "com.deepseek.chat", BUNDLE)]),
            s("TikTok Video Downloader", p, "2.3.1", &[("jamf.identifier", "com.example.ttdownloader", BUNDLE)]),
            s("Microsoft Outlook", p, "4.2421.0", &[("jamf.identifier", "com.microsoft.Office.Outlook", BUNDLE)]),
        ]
    );
}

#[test]
fn workspace_one_rest_answer_and_console_export() {
    // The REST answer is per device (its id is in the URL, not the answer): no host, and no
    // platform, so a reverse-DNS id is offered as both kinds.
    let out = collect("ws1-device-apps.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    assert_eq!(
        got[0],
        s(
            "TikTok",
            None,
            "36.4.0",
            &[
                ("ws1.ApplicationIdentifier", "com.ss.iphone.ugc.Ame", APP),
                ("ws1.ApplicationIdentifier", "com.ss.iphone.ugc.Ame", BUNDLE)
            ]
        )
    );
    assert_eq!(got.len(), 3);

    // The newer per-device search answer: `app_items` with snake_case keys.
    let out = collect("ws1-device-apps-search.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    assert_eq!(
        got[0],
        s(
            "TikTok",
            None,
            "36.5.0",
            &[
                ("ws1.bundle_id", "com.zhiliaoapp.musically", APP),
                ("ws1.bundle_id", "com.zhiliaoapp.musically", BUNDLE)
            ]
        )
    );
    assert_eq!(got.len(), 3);

    let out = collect("ws1-apps-export.csv");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let (ipad, tc52) = (Some("ASMITH iPad iOS 17.5.1 DMPXK2"), Some("RUGGED-TC52-0193 Android 13"));
    assert_eq!(
        got,
        vec![
            s("TikTok", ipad, "36.4.0", &[("ws1.Application Identifier", "com.ss.iphone.ugc.Ame", BUNDLE)]),
            s("WeChat", ipad, "8.0.50", &[("ws1.Application Identifier", "com.tencent.xin", BUNDLE)]),
            s(
                "WeChat Backup Helper",
                tc52,
                "1.4.0",
                &[("ws1.Application Identifier", "com.backuptools.wechathelper", APP)]
            ),
            s(
                "Workspace ONE Intelligent Hub",
                tc52,
                "24.06",
                &[("ws1.Application Identifier", "com.airwatch.androidagent", APP)]
            ),
        ]
    );
}

#[test]
fn google_mobile_devices_are_named_by_serial() {
    let out = collect("google-mobiledevices.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let (a, b) = (Some("R58N12ABCDE"), Some("9A211FFAZ00XYZ"));
    assert_eq!(
        got,
        vec![
            s("TikTok", a, "36.5.4", &[("google.packageName", "com.zhiliaoapp.musically", APP)]),
            s("WeChat", a, "8.0.49", &[("google.packageName", "com.tencent.mm", APP)]),
            s("TikTok Video Downloader", a, "2.3.1", &[("google.packageName", "com.example.ttdownloader", APP)]),
            s("Gmail", a, "2024.05.26", &[("google.packageName", "com.google.android.gm", APP)]),
            s("DeepSeek", b, "1.0.7", &[("google.packageName", "com.deepseek.chat", APP)]),
        ]
    );
}

#[test]
fn osquery_results_log_every_table() {
    let out = collect("osquery-results.log");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let (mac, win, build, db) = (Some("mac-jdoe"), Some("LT-0042"), Some("srv-build-01"), Some("srv-db-02"));
    assert_eq!(
        got,
        vec![
            s("WeChat", mac, "3.8.7", &[("osquery.bundle_identifier", "com.tencent.xinWeChat", BUNDLE)]),
            s(
                "TikTok Video Downloader",
                mac,
                "2.3.1",
                &[("osquery.bundle_identifier", "com.example.ttdownloader", BUNDLE)]
            ),
            // (Zoom's row is `removed`: no longer on the host.)
            s(
                "Kaspersky Endpoint Security for Windows",
                win,
                "12.5.0.548",
                &[("osquery.publisher", "AO Kaspersky Lab", PUB)]
            ),
            s("TikTok Video Downloader", win, "2.3.1.0", &[("osquery.publisher", "Example Apps LLC", PUB)]),
            s("7-Zip 23.01 (x64)", win, "23.01", &[("osquery.publisher", "Igor Pavlov", PUB)]),
            s(
                "kesl",
                build,
                "12.0.0.6672",
                &[
                    ("osquery.name", "pkg:deb/kesl", PKG),
                    ("osquery.maintainer", "AO Kaspersky Lab <support@kaspersky.com>", PUB)
                ]
            ),
            s(
                "curl",
                build,
                "8.5.0-2ubuntu10.1",
                &[
                    ("osquery.name", "pkg:deb/curl", PKG),
                    ("osquery.maintainer", "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>", PUB)
                ]
            ),
            s(
                "klnagent64",
                db,
                "14.2.0-35148",
                &[("osquery.name", "pkg:rpm/klnagent64", PKG), ("osquery.vendor", "AO Kaspersky Lab", PUB)]
            ),
            s(
                "Kaspersky Protection",
                win,
                "4.0.127.0",
                &[("osquery.identifier", "ahkjpbeeocnddjkakilopmfdlnjdpcdm", EXT)]
            ),
            s("uBlock Origin", mac, "1.58.0", &[("osquery.creator", "Raymond Hill", PUB)]),
            s(
                "1Password for Safari",
                mac,
                "8.10.30",
                &[
                    ("osquery.identifier", "com.1password.safari.extension", BUNDLE),
                    ("osquery.author", "AgileBits Inc.", PUB),
                    ("osquery.developer_id", "2BUA8C4S2C", TEAM)
                ]
            ),
            s("wget", mac, "1.24.5", &[("osquery.name", "pkg:brew/wget", PKG)]),
            s(
                "requests",
                build,
                "2.31.0",
                &[("osquery.name", "pkg:pypi/requests", PKG), ("osquery.author", "Kenneth Reitz", PUB)]
            ),
            s(
                "left-pad",
                build,
                "1.3.0",
                &[("osquery.name", "pkg:npm/left-pad", PKG), ("osquery.author", "azer", PUB)]
            ),
        ]
    );
    let chrome = &out.artifacts[8];
    assert!(chrome.fields.iter().any(|f| f.field == "osquery.description" && f.role == Role::Text));
    assert_eq!(out.artifacts[5].ids, vec!["pkg:deb/kesl"]);
}

#[test]
fn fleet_host_software_list_and_query_export() {
    let out = collect("fleet-host.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let h = Some("Alice's MacBook Pro");
    assert_eq!(
        got,
        vec![
            s("WeChat.app", h, "3.8.7", &[("fleet.bundle_identifier", "com.tencent.xinWeChat", BUNDLE)]),
            s(
                "Kaspersky Protection",
                h,
                "4.0.127.0",
                &[("fleet.extension_id", "ahkjpbeeocnddjkakilopmfdlnjdpcdm", EXT)]
            ),
            s(
                "WeChat Backup Helper.app",
                h,
                "1.4.0",
                &[("fleet.bundle_identifier", "com.backuptools.wechathelper", BUNDLE)]
            ),
            s("Google Chrome.app", h, "125.0.6422.142", &[("fleet.bundle_identifier", "com.google.Chrome", BUNDLE)]),
        ]
    );

    // The fleet-wide software list names no host.
    let out = collect("fleet-software.json");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    assert_eq!(
        got,
        vec![
            s("TikTok", None, "36.5.0", &[("fleet.bundle_identifier", "com.zhiliaoapp.musically", BUNDLE)]),
            s("DeepSeek", None, "1.0.7", &[("fleet.application_id", "com.deepseek.chat", APP)]),
            s("TikTok Video Downloader", None, "2.3.1", &[("fleet.application_id", "com.example.ttdownloader", APP)]),
            s("curl", None, "8.5.0-2ubuntu10.1", &[("fleet.name", "pkg:deb/curl", PKG)]),
        ]
    );

    let out = collect("fleet-query-results.csv");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    assert_eq!(got[0], s("WeChat.app", h, "3.8.7", &[("fleet.bundle_identifier", "com.tencent.xinWeChat", BUNDLE)]));
    assert_eq!(got[2].1.as_deref(), Some("MBP-JDOE"));
}

#[test]
fn any_csv_with_common_headers_and_map_for_the_rest() {
    let out = collect("generic-common-headers.csv");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let k = Some("KIOSK-LOBBY-1");
    assert_eq!(
        got[0],
        s(
            "TikTok",
            k,
            "36.5.4",
            &[
                ("inventory.Bundle Identifier", "com.zhiliaoapp.musically", APP),
                ("inventory.Bundle Identifier", "com.zhiliaoapp.musically", BUNDLE),
                ("inventory.Vendor", "TikTok Pte. Ltd.", PUB),
            ]
        )
    );
    assert_eq!(out.artifacts.len(), 5);

    let out = collect("generic-odd-headers.csv");
    assert!(out.artifacts.is_empty());
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].error.contains("--map") && out.errors[0].error.contains("Gerät"), "{:?}", out.errors);

    let map = [
        ("Gerät", "device"),
        ("Anwendung", "name"),
        ("Kennung", "id"),
        ("Stand", "version"),
        ("Hersteller", "publisher"),
        ("Betriebssystem", "platform"),
    ];
    let out = collect_with("generic-odd-headers.csv", &map);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<Summary> = out.artifacts.iter().map(summary).collect();
    let (t1, t2) = (Some("TABLET-EMPFANG"), Some("TABLET-LAGER"));
    assert_eq!(
        got,
        vec![
            s(
                "TikTok",
                t1,
                "36.5.4",
                &[
                    ("inventory.Kennung", "com.zhiliaoapp.musically", APP),
                    ("inventory.Hersteller", "TikTok Pte. Ltd.", PUB)
                ]
            ),
            s(
                "WeChat Backup Helper",
                t1,
                "1.4.0",
                &[
                    ("inventory.Kennung", "com.backuptools.wechathelper", APP),
                    ("inventory.Hersteller", "Backup Tools Inc.", PUB)
                ]
            ),
            s(
                "DeepSeek",
                t2,
                "1.0.7",
                &[("inventory.Kennung", "com.deepseek.chat", APP), ("inventory.Hersteller", "DeepSeek", PUB)]
            ),
            s(
                "Notizen; Pro",
                t2,
                "3.1",
                &[("inventory.Kennung", "org.example.notes", APP), ("inventory.Hersteller", "Example Notes GmbH", PUB)]
            ),
        ]
    );

    let out = collect_with("generic-odd-headers.csv", &[("Geraet", "device"), ("Anwendung", "name")]);
    assert!(out.errors[0].error.contains("no column \"Geraet\""), "{:?}", out.errors);
    let out = collect_with("generic-odd-headers.csv", &[("Gerät", "owner")]);
    assert!(out.errors[0].error.contains("unknown field \"owner\""), "{:?}", out.errors);
}

#[test]
fn bare_paths_are_detected_by_content() {
    for rel in [
        "intune-appinvbydevice.csv",
        "intune-appinvrawdata.csv",
        "intune-appinvrawdata-utf16.csv",
        "jamf-computers-inventory.json",
        "jamf-mobile-device-detail.json",
        "ws1-device-apps.json",
        "ws1-device-apps-search.json",
        "ws1-apps-export.csv",
        "google-mobiledevices.json",
        "osquery-results.log",
        "fleet-host.json",
        "fleet-software.json",
        "fleet-query-results.csv",
        "generic-common-headers.csv",
    ] {
        let t = Target::parse(&fixture(rel).display().to_string()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(t.kind, TargetKind::Inventory, "{rel}");
    }
    // Odd headers need `inventory:` and --map; prose is nothing delist reads.
    for rel in ["generic-odd-headers.csv", "malformed/not-an-inventory.csv", "README.md", "make.sh"] {
        assert!(Target::parse(&fixture(rel).display().to_string()).is_err(), "{rel}");
    }
    // A file named like an inventory is not one because of its name.
    let tmp = tempfile::tempdir().expect("tempdir");
    let fake = tmp.path().join("AppInvRawData.csv");
    std::fs::write(&fake, "this is, just prose\nwith a comma\n").expect("write");
    assert!(Target::parse(&fake.display().to_string()).is_err());
}

#[test]
fn malformed_copies_report_the_line_and_keep_the_rest() {
    let out = collect("malformed/intune-appinvbydevice-broken.csv");
    assert_eq!(out.artifacts.len(), 6);
    let errors: Vec<&str> = out.errors.iter().map(|e| e.error.as_str()).collect();
    assert_eq!(errors, vec!["line 3: expected 14 fields, found 3", "line 9: expected 14 fields, found 3"]);
    assert!(out.errors.iter().all(|e| e.path == "/intune-appinvbydevice-broken.csv"));

    let out = collect("malformed/intune-appinvrawdata-utf16-truncated.csv");
    assert_eq!(out.artifacts.len(), 4);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].error.starts_with("line 6: "), "{:?}", out.errors);

    let out = collect("malformed/osquery-results-truncated.log");
    assert_eq!(out.artifacts.len(), 7);
    let errors: Vec<&str> = out.errors.iter().map(|e| e.error.as_str()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("line 5: invalid JSON: expected value"), "{errors:?}");
    assert!(errors[1].starts_with("line 7: invalid JSON: EOF"), "{errors:?}");

    let out = collect("malformed/jamf-computers-inventory-truncated.json");
    assert_eq!(out.artifacts.len(), 4, "the first computer's apps still read");
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].error.contains("ends inside"), "{:?}", out.errors);

    let out = collect("malformed/google-mobiledevices-broken-element.json");
    assert_eq!(out.artifacts.len(), 4, "the second device is skipped, the first reads");
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].error.starts_with("line 36: invalid JSON"), "{:?}", out.errors);

    let out = collect("malformed/not-an-inventory.csv");
    assert!(out.artifacts.is_empty());
    assert!(out.errors[0].error.starts_with("not an app inventory"), "{:?}", out.errors);
}

#[test]
fn look_alikes_carry_only_their_own_identifiers() {
    for rel in [
        "intune-appinvbydevice.csv",
        "jamf-mobile-device-detail.json",
        "google-mobiledevices.json",
        "generic-common-headers.csv",
    ] {
        let out = collect(rel);
        let fake = out.artifacts.iter().find(|a| a.name == "TikTok Video Downloader").expect("look-alike");
        // Its name mentions TikTok, but names are never evidence; its id and maker are its own.
        assert!(fake.fields.iter().filter(|f| f.value.contains("TikTok")).all(|f| f.role == Role::Other), "{rel}");
        assert_eq!(fake.ids, vec!["com.example.ttdownloader"], "{rel}");
    }
}
