//! End-to-end tests of network evidence: nmap XML, captures, lease files, MAC lists, merging,
//! and the active probe against servers the tests start on loopback.
//!
//! Fixtures live in `crates/delist-collect/tests/fixtures/network/`, with the `make.sh` that
//! made them (nmap and the captures by the real tools).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixture(rel: &str) -> String {
    repo().join("crates/delist-collect/tests/fixtures/network").join(rel).display().to_string()
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
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

/// (artifact name, vendor, confidence) of every finding, sorted.
fn findings(r: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = r["findings"]
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
    v.sort();
    v
}

fn t(s: &str, v: &str, c: &str) -> (String, String, String) {
    (s.to_string(), v.to_string(), c.to_string())
}

fn scan(targets: &[String]) -> Value {
    let mut args = vec!["scan", "-o", "json", "--fail-on", "never"];
    args.extend(targets.iter().map(String::as_str));
    let out = delist(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

#[test]
fn isc_leases_confirm_by_oui_and_skip_randomised_and_uncovered_macs() {
    let r = scan(&[format!("leases:{}", fixture("dhcpd.leases"))]);
    assert_eq!(findings(&r), vec![t("04:03:12:a1:b2:c3", "hikvision", "confirmed")]);
    let f = &r["findings"][0];
    assert_eq!(f["artifact"]["kind"], "network-device");
    assert_eq!(f["artifact"]["mac"], "04:03:12:a1:b2:c3");
    assert_eq!(f["artifact"]["ip"], "127.0.0.2");
    assert_eq!(f["artifact"]["hostname"], "DS-2CD2042WD");
    assert_eq!(f["evidence"][0]["field"], "leases.hardware");
    assert_eq!(f["evidence"][0]["identifier"], "oui-org:Hangzhou Hikvision Digital Technology Co.,Ltd.");
    assert_eq!(f["evidence"][0]["value"], "04:03:12:a1:b2:c3 (IEEE MA-L 040312)");
    assert_eq!(f["evidence"][0]["strength"], "confirmed");
    assert_eq!(r["summary"]["artifacts"], 3);
    // Detected by content without a scheme, too.
    let r = scan(&[fixture("dhcpd.leases")]);
    assert_eq!(r["targets"][0]["kind"], "leases");
    assert_eq!(findings(&r).len(), 1);
}

#[test]
fn dnsmasq_kea_and_mac_csv() {
    let r = scan(&[fixture("dnsmasq.leases")]);
    assert_eq!(findings(&r), vec![t("08:ed:ed:10:20:30", "dahua", "confirmed")]);
    // Kea: the MA-M block AC64DD5 is ZTE's; its MA-L parent AC64DD belongs to the IEEE's MA-M
    // holders, so ac:64:dd:41:… (another holder) is no finding: the longest prefix wins.
    let r = scan(&[fixture("kea-leases4.csv")]);
    assert_eq!(findings(&r), vec![t("ac:64:dd:51:23:45", "zte", "confirmed")]);
    assert_eq!(r["findings"][0]["evidence"][0]["value"], "ac:64:dd:51:23:45 (IEEE MA-M AC64DD5)");
    assert_eq!(r["findings"][0]["artifact"]["hostname"], "zte-ont, office");
    let r = scan(&[format!("macs:{}", fixture("macs.csv"))]);
    assert_eq!(findings(&r), vec![t("00:18:82:aa:bb:cc", "huawei", "confirmed")]);
    assert_eq!(r["findings"][0]["evidence"][0]["field"], "csv.mac");
}

#[test]
fn nmap_banner_alone_is_likely_and_says_oem() {
    let r = scan(&[format!("nmap:{}", fixture("nmap-loopback.xml"))]);
    assert_eq!(findings(&r), vec![t("127.0.0.2", "hikvision", "likely")]);
    let f = &r["findings"][0];
    assert_eq!(f["artifact"]["banners"], serde_json::json!(["Hikvision-Webs"]));
    assert_eq!(f["artifact"]["ports"], serde_json::json!(["8080/tcp"]));
    assert!(f["artifact"].get("mac").is_none());
    assert_eq!(f["evidence"][0]["identifier"], "banner:Hikvision-Webs");
    assert_eq!(f["evidence"][0]["field"], "nmap.http-server-header");
    assert!(f["notes"][0].as_str().expect("note").contains("OEM equipment"), "{f}");
    assert_eq!(r["summary"]["artifacts"], 2);
}

#[test]
fn one_device_one_finding_across_inputs() {
    let r = scan(&[format!("nmap:{}", fixture("nmap-loopback.xml")), format!("leases:{}", fixture("dhcpd.leases"))]);
    assert_eq!(findings(&r), vec![t("04:03:12:a1:b2:c3", "hikvision", "confirmed")]);
    let f = &r["findings"][0];
    assert_eq!(f["artifact"]["ip"], "127.0.0.2");
    assert_eq!(f["artifact"]["banners"], serde_json::json!(["Hikvision-Webs"]));
    let ids: Vec<&str> =
        f["evidence"].as_array().expect("ev").iter().map(|e| e["identifier"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, vec!["banner:Hikvision-Webs", "oui-org:Hangzhou Hikvision Digital Technology Co.,Ltd."]);
    assert!(f.get("notes").is_none(), "{f}");
    let seen = f["artifact"]["seen_in"].as_array().expect("seen_in");
    assert_eq!(seen.len(), 2);
    // 2 nmap hosts + 3 leases, one of them the same device: 4 artifacts.
    assert_eq!(r["summary"]["artifacts"], 4);
    // The finding id does not depend on which inputs saw the device.
    let alone = scan(&[format!("leases:{}", fixture("dhcpd.leases"))]);
    assert_eq!(alone["findings"][0]["id"], f["id"]);
}

#[test]
fn inventory_lists_devices_with_mac_and_banners() {
    let out = delist(&["inventory", "-o", "json", &format!("nmap:{}", fixture("nmap-loopback.xml"))]);
    assert_eq!(out.status.code(), Some(0));
    let inv = json(&out);
    let arts = inv["artifacts"].as_array().expect("artifacts");
    assert_eq!(arts.len(), 2);
    assert_eq!(arts[1]["name"], "127.0.0.3");
    assert_eq!(arts[1]["banners"], serde_json::json!(["nginx/1.24.0"]));
}

#[test]
fn broken_network_inputs_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases: &[(&str, &[u8])] = &[
        ("nmap", b"<?xml version=\"1.0\"?><nmaprun><host><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>"),
        ("leases", b"lease 10.0.0.5 {\n  hardware ethernet 44:47:cc;\n}\n"),
        ("macs", b"mac,ip\nnot-a-mac,10.0.0.1\n"),
    ];
    for (scheme, bytes) in cases {
        let p = dir.path().join(format!("bad-{scheme}"));
        std::fs::write(&p, bytes).expect("write");
        let out = delist(&["scan", "-o", "json", &format!("{scheme}:{}", p.display())]);
        assert_eq!(out.status.code(), Some(0), "{scheme}: {}", String::from_utf8_lossy(&out.stderr));
        let r = json(&out);
        assert_eq!(r["summary"]["errors"], 1, "{scheme}: {r}");
        assert!(r["errors"][0]["path"].as_str().expect("path").ends_with(&format!("bad-{scheme}")));
    }
}
