//! End-to-end tests of `delist screen`: the generated feed in every input format gets exactly
//! the verdicts of `expected.tsv`; the fast prefilter agrees with parsing every row; `-o csv`
//! keeps the feed's own bytes and adds verdict columns; GS1 prefixes from a user's catalog
//! confirm; the summary counts per vendor and list; bad input is exit 2 with one clear line.
//!
//! Fixtures: `tests/fixtures/screen/` (see its README and make.sh).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screen")
}

fn fixture(name: &str) -> String {
    dir().join(name).display().to_string()
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

fn report(args: &[&str]) -> Value {
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let out = delist(&all);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

type Verdicts = BTreeSet<(String, String, String)>;

fn verdicts(r: &Value) -> Verdicts {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["artifact"]["name"].as_str().expect("name").to_string(),
                f["vendor"].as_str().expect("vendor").to_string(),
                f["confidence"].as_str().expect("confidence").to_string(),
            )
        })
        .collect()
}

fn expected() -> Verdicts {
    std::fs::read_to_string(dir().join("expected.tsv"))
        .expect("expected.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut c = l.split('\t');
            let (id, vendor, conf) = (c.next()?, c.next()?, c.next()?);
            (!vendor.is_empty()).then(|| (id.to_string(), vendor.to_string(), conf.to_string()))
        })
        .collect()
}

/// Every input format, compressed or not, gives exactly the expected verdicts, with and
/// without the prefilter.
#[test]
fn every_format_gets_the_expected_verdicts() {
    let want = expected();
    assert_eq!(want.len(), 9, "covered rows in expected.tsv");
    for f in
        ["feed.csv", "feed.tsv", "feed.jsonl", "feed.json", "feed.xml", "feed.csv.gz", "feed.jsonl.zst", "feed.xml.gz"]
    {
        for full in [false, true] {
            let mut args = vec![fixture(f)];
            if full {
                args.push("--full".into());
            }
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = report(&refs);
            assert_eq!(verdicts(&r), want, "{f} full={full}");
            assert_eq!(r["summary"]["artifacts"], 18, "{f}");
            assert_eq!(r["errors"], serde_json::json!([]), "{f}");
        }
    }
    let mapped = fixture("feed-mapped.csv");
    let r = report(&[
        &mapped,
        "--map",
        "Artikelnummer=id",
        "--map",
        "Marke=brand",
        "--map",
        "Hersteller=manufacturer",
        "--map",
        "Bezeichnung=title",
    ]);
    assert_eq!(verdicts(&r), want);
}

/// A finding is a product: the row's id, the feed as its path, brand and title in evidence.
#[test]
fn findings_name_the_row_and_carry_the_fields() {
    let feed = fixture("feed.csv");
    let r = report(&[&feed]);
    let f = r["findings"].as_array().expect("findings");
    let by = |id: &str| f.iter().find(|x| x["artifact"]["name"] == id).unwrap_or_else(|| panic!("{id}"));
    let e300 = by("E-300");
    assert_eq!(e300["artifact"]["kind"], "product");
    assert_eq!(e300["artifact"]["path"], "/feed.csv");
    assert_eq!(e300["artifact"]["target"], feed.as_str());
    assert_eq!(e300["product"], "EZVIZ C6N Indoor Wi-Fi Camera");
    assert_eq!(e300["evidence"][0]["field"], "brand");
    assert_eq!(e300["evidence"][0]["identifier"], "brand:EZVIZ");
    // White label: the manufacturer matched, the brand shown for context.
    let w = by("W-400");
    let fields: Vec<&str> =
        w["evidence"].as_array().expect("ev").iter().map(|e| e["field"].as_str().unwrap_or("")).collect();
    assert_eq!(fields, vec!["manufacturer", "brand"]);
    assert!(w["evidence"][1]["note"].as_str().is_some_and(|n| n.starts_with("context")));
    // The accessory whose brand field claims the vendor says why it is only possible.
    let a = by("A-602");
    assert!(a["evidence"].as_array().expect("ev").iter().any(|e| e["identifier"] == "accessory:for"));
    // The report is a delist.report/1 document.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/delist.report-1.schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&r).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Summary per vendor and per list.
    let s = &r["screen"];
    assert_eq!(s["rows"], 18);
    assert_eq!(s["flagged_rows"], 9);
    assert_eq!(s["by_vendor"]["hikvision"]["findings"], 4);
    assert_eq!(s["by_vendor"]["hikvision"]["likely"], 3);
    assert_eq!(s["by_vendor"]["hikvision"]["possible"], 1);
    assert_eq!(s["by_list"]["us-bod-17-01"]["findings"], 1, "Kaspersky only");
    assert_eq!(s["by_list"]["us-fcc-covered-list"]["findings"], 9);
}

/// `-o csv` writes the feed's own rows byte for byte (without its BOM), each followed by the
/// verdict columns.
#[test]
fn csv_output_keeps_the_feed_and_adds_verdicts() {
    let feed = fixture("feed.csv");
    let out = delist(&["screen", &feed, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let original = std::fs::read_to_string(dir().join("feed.csv")).expect("feed");
    let lines: Vec<&str> = text.lines().collect();
    // The byte-order mark is read, not written back; line endings become `\n`.
    let orig: Vec<&str> = original.trim_start_matches('\u{feff}').lines().map(|l| l.trim_end_matches('\r')).collect();
    assert_eq!(lines.len(), orig.len());
    for (got, was) in lines.iter().zip(&orig) {
        assert!(got.starts_with(was), "{got:?} does not keep {was:?}");
    }
    assert!(lines[0].ends_with(",delist_vendor,delist_confidence,delist_lists,delist_reason,delist_finding"));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().expect("header").clone();
    let col = |n: &str| headers.iter().position(|h| h == n).expect(n);
    let (id, vendor, conf) = (col("id"), col("delist_vendor"), col("delist_confidence"));
    let got: Verdicts = r
        .records()
        .map(|x| x.expect("record"))
        .filter(|x| !x[vendor].is_empty())
        .map(|x| (x[id].to_string(), x[vendor].to_string(), x[conf].to_string()))
        .collect();
    assert_eq!(got, expected());
    // JSON feeds have no raw rows: the fields delist read, then the verdict.
    let out = delist(&["screen", &fixture("feed.jsonl"), "-o", "csv"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("id,brand,manufacturer,title,gtin,description,seller,delist_vendor,"), "{text}");
    assert_eq!(text.lines().count(), 19);
}

/// A GS1 company prefix in a user's catalog confirms, through the check digit and any of
/// GTIN-12/13/14; without a prefix nothing is said about a GTIN.
#[test]
fn gtin_prefixes_from_a_user_catalog_confirm() {
    let cat = fixture("user-catalog");
    let feed = fixture("gtin.csv");
    let r = report(&[&feed, "--catalog", &cat, "--lists", "example-ban"]);
    let got = verdicts(&r);
    let want: Verdicts = [("G-1", "confirmed"), ("G-3", "confirmed")]
        .iter()
        .map(|(id, c)| (id.to_string(), "example-cams".to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r["findings"][0]["evidence"][0]["identifier"], "gtin-prefix:0614141");
    assert!(verdicts(&report(&[&feed])).is_empty());
}

/// Exit codes: 0 for a clean feed, 1 with findings at --fail-on, 2 for what is not a feed.
#[test]
fn exit_codes_and_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let clean = dir.path().join("clean.csv");
    std::fs::write(&clean, "sku,brand,title\n1,Logitech,Mouse\n2,Aztech,Modem\n").expect("write");
    let out = delist(&["screen", clean.to_str().expect("utf-8"), "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let feed = fixture("feed.csv");
    assert_eq!(delist(&["screen", &feed, "--fail-on", "confirmed"]).status.code(), Some(0));
    assert_eq!(delist(&["screen", &feed]).status.code(), Some(1));
    let prose = dir.path().join("notes.csv");
    std::fs::write(&prose, "Date,Amount\n1,2\n").expect("write");
    let out = delist(&["screen", prose.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no column names a product") && err.contains("--map"), "{err}");
    let out = delist(&["screen", &feed, "--map", "sku=colour"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field \"colour\""));
}

/// A policy's waivers apply to screened rows: waived in the report, in the summary and in the
/// CSV verdict; a waived finding does not fail the run.
#[test]
fn waivers_apply_to_rows() {
    let dir = tempfile::tempdir().expect("tmp");
    let policy = dir.path().join("delist.toml");
    std::fs::write(
        &policy,
        "[[waiver]]\nvendor = \"hikvision\"\nowner = \"retail@example.org\"\napprover = \"CISO\"\n\
         reason = \"stock being withdrawn\"\nexpires = 2027-06-30\n",
    )
    .expect("write");
    let feed = dir.path().join("cams.csv");
    std::fs::write(&feed, "sku,brand,title\nH-1,Hikvision,Dome\nL-1,Logitech,Webcam\n").expect("write");
    let (feed, policy) = (feed.to_str().expect("utf-8"), policy.to_str().expect("utf-8"));
    let r = report(&[feed, "--policy", policy]);
    assert_eq!(r["summary"]["waived"], 1);
    assert_eq!(r["screen"]["by_vendor"]["hikvision"]["waived"], 1);
    assert_eq!(delist(&["screen", feed, "--policy", policy]).status.code(), Some(0));
    let out = delist(&["screen", feed, "--policy", policy, "-o", "csv"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("H-1,Hikvision,Dome,hikvision,waived,")), "{text}");
    assert!(text.lines().nth(2).is_some_and(|l| l == "L-1,Logitech,Webcam,,,,,"), "{text}");
}
