//! End-to-end: `delist scan` over the SBOM fixtures in `crates/delist-collect/tests/fixtures/sbom/`
//! (see its README): findings, confidence, which lists cover them, and what list scope leaves out.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixture(rel: &str) -> String {
    repo().join("crates/delist-collect/tests/fixtures/sbom").join(rel).display().to_string()
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

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), stderr(out)))
}

/// Scans one target and returns the report, checking the exit code.
fn scan(target: &str, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["scan", target, "-o", "json"];
    args.extend_from_slice(extra);
    let out = delist(&args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    json(&out)
}

/// (artifact name, vendor, confidence), sorted.
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

fn finding<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["artifact"]["name"] == name)
        .unwrap_or_else(|| panic!("no finding for {name}"))
}

fn lists(f: &Value) -> Vec<String> {
    f["lists"].as_array().expect("lists").iter().filter_map(|l| l["id"].as_str().map(String::from)).collect()
}

fn f(name: &str, vendor: &str, confidence: &str) -> (String, String, String) {
    (name.into(), vendor.into(), confidence.into())
}

/// Every binding, in-force list that covers Kaspersky's software as a whole (scope `all`).
const KASPERSKY_ALL: &[&str] = &[
    "au-pspf-kaspersky-2025",
    "lt-kaspersky-2017",
    "us-bis-kaspersky-2024",
    "us-bod-17-01",
    "us-fcc-covered-list",
    "us-ndaa-fy2018-1634",
    "us-tx-prohibited-technologies",
];

/// The lists that name TikTok (scope `products`).
const TIKTOK_LISTS: &[&str] = &[
    "us-no-tiktok-act",
    "uk-gov-devices-tiktok-2023",
    "eu-commission-tiktok-2023",
    "ca-gov-mobile-tiktok-2023",
    "au-pspf-tiktok-2023",
];

#[test]
fn cyclonedx_16_findings_confidence_and_lists() {
    for file in ["app-1.6.cdx.json", "app-1.6.cdx.xml"] {
        let target = format!("sbom:{}", fixture(file));
        let r = scan(&target, &[], 1);
        assert_eq!(r["targets"][0]["kind"], "sbom");
        assert_eq!(
            findings(&r),
            vec![
                f("anti-virus-sdk", "kaspersky", "likely"),
                f("com.kaspersky.android-components:kaspresso", "kaspersky", "likely"),
                f("com.kaspersky.android-components:kautomator", "kaspersky", "likely"),
                f("github.com/bytedance/sonic", "bytedance", "likely"),
                f("github.com/bytedance/sonic/loader", "bytedance", "likely"),
                f("github.com/cloudwego/kitex", "bytedance", "likely"),
                f("kaspersky-scan-engine", "kaspersky", "likely"),
                f("opentip-api", "kaspersky", "likely"),
            ],
            "{file}: the decoys (hikvision-sdk-client by Example Corp, onvif-discovery whose description \
             names vendors), the clean components and the provider-less nested service are not findings"
        );
        assert_eq!(r["summary"]["artifacts"], 14);
        assert_eq!(r["summary"]["errors"], 0);

        // Kaspresso: Kaspersky wrote it, so every list covering all of Kaspersky's software
        // covers it; no list that names products does.
        let k = finding(&r, "com.kaspersky.android-components:kaspresso");
        assert_eq!(lists(k), KASPERSKY_ALL);
        assert!(k["product"].is_null(), "vendor-authored open source is no named product");
        assert_eq!(k["artifact"]["kind"], "sbom-component");
        assert_eq!(k["artifact"]["version"], "1.5.3");
        assert_eq!(k["artifact"]["path"], format!("/{file}"));
        assert_eq!(k["artifact"]["target"], target.as_str());
        assert_eq!(k["evidence"][0]["field"], "cyclonedx.purl");
        assert_eq!(k["evidence"][0]["identifier"], "purl-namespace:pkg:maven/com.kaspersky.android-components");
        assert_eq!(k["evidence"][0]["strength"], "likely");
        assert_eq!(
            k["remediation"],
            "replace the dependency com.kaspersky.android-components:kaspresso and rebuild; update the SBOM"
        );

        // sonic: ByteDance wrote it, but it is no TikTok app. The only list in force that covers
        // all of ByteDance's software is the Texas one.
        let s = finding(&r, "github.com/bytedance/sonic");
        assert_eq!(lists(s), ["us-tx-prohibited-technologies"]);
        for l in TIKTOK_LISTS {
            assert!(!lists(s).contains(&l.to_string()), "{l} names TikTok, not ByteDance's libraries");
        }
        assert_eq!(s["evidence"][0]["identifier"], "purl-namespace:pkg:golang/github.com/bytedance");

        // Supplier, manufacturer and authors each name Kaspersky.
        let e = finding(&r, "kaspersky-scan-engine");
        let fields: Vec<&str> =
            e["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["cyclonedx.supplier", "cyclonedx.manufacturer", "cyclonedx.authors"]);
        let cpe = finding(&r, "anti-virus-sdk");
        assert_eq!(cpe["evidence"][0]["field"], "cyclonedx.cpe.vendor");
        assert_eq!(cpe["evidence"][0]["value"], "kaspersky");
        let svc = finding(&r, "opentip-api");
        assert_eq!(svc["artifact"]["kind"], "sbom-service");
        assert_eq!(svc["evidence"][0]["field"], "cyclonedx.provider");
    }
}

#[test]
fn a_scan_limited_to_lists_that_do_not_cover_a_library_reports_nothing() {
    let target = format!("sbom:{}", fixture("app-1.6.cdx.json"));
    let r = scan(&target, &["--lists", "us-no-tiktok-act"], 0);
    assert!(findings(&r).is_empty(), "{:?}", findings(&r));
    assert_eq!(r["catalog"]["lists"], serde_json::json!(["us-no-tiktok-act"]));
    assert_eq!(r["summary"]["artifacts"], 14, "everything was read; nothing is covered");
    let all_tiktok = TIKTOK_LISTS.join(",");
    let r = scan(&target, &["--lists", &all_tiktok], 0);
    assert!(findings(&r).is_empty(), "{:?}", findings(&r));

    // NDAA §1634 covers Kaspersky's libraries and service; it says nothing of ByteDance.
    let r = scan(&target, &["--lists", "us-ndaa-fy2018-1634"], 1);
    assert_eq!(
        findings(&r),
        vec![
            f("anti-virus-sdk", "kaspersky", "likely"),
            f("com.kaspersky.android-components:kaspresso", "kaspersky", "likely"),
            f("com.kaspersky.android-components:kautomator", "kaspersky", "likely"),
            f("kaspersky-scan-engine", "kaspersky", "likely"),
            f("opentip-api", "kaspersky", "likely"),
        ]
    );
    for x in r["findings"].as_array().expect("findings") {
        assert_eq!(lists(x), ["us-ndaa-fy2018-1634"]);
    }
}

#[test]
fn cyclonedx_12_finds_a_confirmed_product_and_npm_and_cloudwego_namespaces() {
    for file in ["toolbox-1.2.cdx.json", "toolbox-1.2.cdx.xml"] {
        let r = scan(&format!("sbom:{}", fixture(file)), &[], 1);
        assert_eq!(
            findings(&r),
            vec![
                f("@kaspersky/components", "kaspersky", "likely"),
                f("com.kaspersky.android-components:kaspresso", "kaspersky", "likely"),
                f("com.kaspersky.android-components:kautomator", "kaspersky", "likely"),
                f("github.com/bytedance/sonic", "bytedance", "likely"),
                f("github.com/bytedance/sonic/loader", "bytedance", "likely"),
                f("github.com/cloudwego/netpoll", "bytedance", "likely"),
                f("kaspersky-scan-engine", "kaspersky", "likely"),
                f("kav-sdk", "kaspersky", "likely"),
                f("kesl", "kaspersky", "confirmed"),
                f("opentip-api", "kaspersky", "likely"),
            ],
            "{file}"
        );
        // The catalog's deb package name and the publisher together confirm, and name the product.
        let kesl = finding(&r, "kesl");
        assert_eq!(kesl["product"], "Kaspersky Endpoint Security for Linux");
        let ids: Vec<&str> =
            kesl["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["identifier"].as_str()).collect();
        assert!(ids.contains(&"package.deb:kesl"), "{ids:?}");
        assert_eq!(finding(&r, "kav-sdk")["evidence"][0]["value"], "kaspersky", "CPE 2.2 vendor");
        assert_eq!(finding(&r, "kaspersky-scan-engine")["evidence"][1]["field"], "cyclonedx.author");
    }
}

#[test]
fn spdx_findings_in_both_encodings_and_versions() {
    let want = vec![
        f("anti-virus-sdk", "kaspersky", "likely"),
        f("github.com/bytedance/sonic", "bytedance", "likely"),
        f("kaspersky-scan-engine", "kaspersky", "likely"),
        f("kaspresso", "kaspersky", "likely"),
    ];
    for file in ["app-2.3.spdx.json", "app-2.3.spdx"] {
        let r = scan(&format!("sbom:{}", fixture(file)), &[], 1);
        assert_eq!(findings(&r), want, "{file}");
        let e = finding(&r, "kaspersky-scan-engine");
        let fields: Vec<&str> =
            e["evidence"].as_array().expect("evidence").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["spdx.supplier", "spdx.originator"]);
        assert_eq!(lists(finding(&r, "kaspresso")), KASPERSKY_ALL);
        assert_eq!(lists(finding(&r, "github.com/bytedance/sonic")), ["us-tx-prohibited-technologies"]);
    }
    let want22 = vec![
        f("github.com/bytedance/sonic", "bytedance", "likely"),
        f("kaspersky-scan-engine", "kaspersky", "likely"),
        f("kaspresso", "kaspersky", "likely"),
        f("kav-sdk", "kaspersky", "likely"),
    ];
    for file in ["lib-2.2.spdx.json", "lib-2.2.spdx"] {
        let r = scan(&format!("sbom:{}", fixture(file)), &[], 1);
        assert_eq!(findings(&r), want22, "{file}");
    }
    let r = scan(&format!("sbom:{}", fixture("app-2.3.spdx")), &["--lists", "us-no-tiktok-act"], 0);
    assert!(findings(&r).is_empty());
}

#[test]
fn public_examples_are_clean() {
    for (file, n) in [("public/dropwizard.json", 168), ("public/dropwizard.xml", 168), ("public/PCIe.json", 7)] {
        let r = scan(&format!("sbom:{}", fixture(file)), &[], 0);
        assert!(findings(&r).is_empty(), "{file}: {:?}", findings(&r));
        assert_eq!(r["summary"]["artifacts"], n, "{file}");
        assert_eq!(r["summary"]["errors"], 0, "{file}");
    }
}

#[test]
fn a_bare_path_is_scanned_as_an_sbom() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("export.dat");
    std::fs::copy(fixture("app-2.3.spdx"), &p).expect("copy");
    let r = scan(&p.display().to_string(), &[], 1);
    assert_eq!(r["targets"][0]["kind"], "sbom");
    assert_eq!(findings(&r).len(), 4);
    assert_eq!(r["findings"][0]["artifact"]["path"], "/export.dat");
}

#[test]
fn a_truncated_sbom_reports_an_error_and_what_came_before_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let full = std::fs::read(fixture("app-1.6.cdx.json")).expect("read");
    // Cut inside the component after the kaspresso one.
    let text = String::from_utf8(full).expect("utf-8");
    let cut = text.find("github.com/cloudwego/kitex").expect("kitex");
    let p = dir.path().join("cut.cdx.json");
    std::fs::write(&p, &text[..cut]).expect("write");
    let r = scan(&format!("sbom:{}", p.display()), &[], 1);
    assert_eq!(
        findings(&r),
        vec![
            f("com.kaspersky.android-components:kaspresso", "kaspersky", "likely"),
            f("com.kaspersky.android-components:kautomator", "kaspersky", "likely"),
            f("github.com/bytedance/sonic", "bytedance", "likely"),
            f("github.com/bytedance/sonic/loader", "bytedance", "likely"),
        ]
    );
    assert_eq!(r["summary"]["errors"], 1);
    let e = r["errors"][0]["error"].as_str().expect("error");
    assert!(e.contains("truncated") && e.contains("line"), "{e}");
    assert_eq!(r["errors"][0]["path"], "/cut.cdx.json");
}

#[test]
fn inventory_lists_every_component_with_publisher_and_ids() {
    let out = delist(&["inventory", &format!("sbom:{}", fixture("app-1.6.cdx.xml")), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let inv = json(&out);
    let arts = inv["artifacts"].as_array().expect("artifacts");
    assert_eq!(arts.len(), 14);
    let decoy = arts.iter().find(|a| a["name"] == "hikvision-sdk-client").expect("decoy");
    assert_eq!(decoy["publisher"], "Example Corp");
    assert_eq!(decoy["ids"], serde_json::json!(["pkg:npm/hikvision-sdk-client@2.0.1"]));
}
