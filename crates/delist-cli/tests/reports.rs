//! Every report format checked by something that reads that format: the committed JSON Schema
//! for `delist.report/1`, the SARIF 2.1.0 validator, a JUnit XML parser, a CSV reader, and
//! headless Chromium for the HTML report.
//!
//! The external checkers (Microsoft's SARIF multitool and playwright-core from npm, Debian's
//! chromium, PyPI's junitparser) are installed by `.ci/run`; outside CI a test whose checker is
//! missing says so and checks what it can without it.

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
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

/// Runs a scan of the dpkg fixture (three findings, one waived by a policy) writing `format`.
fn scan_to(dir: &Path, format: &str) -> PathBuf {
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "[[waiver]]\npath = \"/var/lib/dpkg/status\"\nvendor = \"kaspersky\"\nfinding = \"2353c1d777cb4ad5\"\nowner = \"secops@example.org\"\napprover = \"CIO\"\nreason = \"replacement <ordered> & paid\"\nexpires = 2027-06-30\n",
    )
    .expect("write policy");
    let file = dir.join(format!("report.{format}"));
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    let out = delist(&[
        "scan",
        &target,
        "--policy",
        &policy.display().to_string(),
        "-o",
        &format!("{format}={}", file.display()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    file
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

fn tool(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    assert!(!in_ci(), "CI must install {what} ({})", path.display());
    eprintln!("skipped part: {what} is not installed at {}", path.display());
    false
}

#[test]
fn json_reports_validate_against_the_committed_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schema/delist.report-1.schema.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let t = tempfile::tempdir().expect("tempdir");
    let with_findings = scan_to(t.path(), "json");
    let clean = t.path().join("clean.json");
    delist(&["scan", &format!("dir:{}", t.path().display()), "-o", &format!("json={}", clean.display())]);
    for file in [with_findings, clean] {
        let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("report")).expect("json");
        let errors: Vec<String> =
            validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
    // The schema is not vacuous: a report missing its findings fails it.
    let broken = serde_json::json!({"schema": "delist.report/1", "tool": {"name": "delist", "version": "0"}});
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let t = tempfile::tempdir().expect("tempdir");
    let file = scan_to(t.path(), "sarif");
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("sarif")).expect("json");
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "delist");
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "kaspersky");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    let levels: Vec<&str> = results.iter().filter_map(|r| r["level"].as_str()).collect();
    assert_eq!(levels, vec!["error", "warning", "note"]);
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "var/lib/dpkg/status");
    assert_eq!(results[0]["partialFingerprints"]["delistFindingId/v1"], "8db90285484d05c0");
    assert_eq!(results[1]["suppressions"][0]["kind"], "external", "the waived finding is suppressed");

    let multitool = repo().join("tests/e2e/node_modules/.bin/sarif-multitool");
    if !tool(&multitool, "@microsoft/sarif-multitool") {
        return;
    }
    let validate = |file: &Path| -> Vec<String> {
        let log = file.with_extension("validation.sarif");
        let out = Command::new(&multitool)
            .args([
                "validate",
                &file.display().to_string(),
                "-o",
                &log.display().to_string(),
                "--log",
                "ForceOverwrite",
            ])
            .output()
            .expect("run sarif-multitool");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        let v: Value = serde_json::from_slice(&std::fs::read(&log).expect("validation log")).expect("json");
        v["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["results"].as_array().into_iter().flatten())
            .filter(|r| r["level"] == "error")
            .map(|r| r["message"].to_string())
            .collect()
    };
    let errors = validate(&file);
    assert!(errors.is_empty(), "SARIF validation errors: {errors:#?}");
    // The validator does check the schema: a result without a message is refused.
    let mut broken = doc.clone();
    if let Some(r) = broken["runs"][0]["results"][0].as_object_mut() {
        r.remove("message");
    }
    let bad = t.path().join("broken.sarif");
    std::fs::write(&bad, serde_json::to_vec(&broken).expect("json")).expect("write");
    assert!(!validate(&bad).is_empty(), "the validator must reject a broken document");
}

#[test]
fn junit_is_parsed_by_a_junit_parser() {
    let t = tempfile::tempdir().expect("tempdir");
    let file = scan_to(t.path(), "junit");
    // Structure, read with an XML parser.
    let text = std::fs::read_to_string(&file).expect("junit");
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures, mut skipped) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => match e.name().as_ref() {
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                b"skipped" => skipped += 1,
                _ => {}
            },
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((cases, failures, skipped), (3, 1, 1), "kesl fails, klms-agent is waived, klnagent64 (possible) passes");
    // And by junitparser, the parser CI dashboards' tooling uses.
    let probe = Command::new("python3").args(["-c", "import junitparser"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(!in_ci(), "CI must install junitparser");
        eprintln!("skipped part: python3 junitparser is not installed");
        return;
    }
    let script = "import sys, junitparser\nx = junitparser.JUnitXml.fromfile(sys.argv[1])\nfor s in x:\n    for c in s:\n        print(c.classname, '|', c.name, '|', ','.join(type(r).__name__ for r in c.result))\n";
    let out = Command::new("python3").args(["-c", script, &file.display().to_string()]).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(lines.contains("delist.kaspersky | deb kesl at /var/lib/dpkg/status | Failure"), "{lines}");
    assert!(lines.contains("deb klms-agent at /var/lib/dpkg/status | Skipped"), "{lines}");
}

#[test]
fn csv_has_one_row_per_finding() {
    let t = tempfile::tempdir().expect("tempdir");
    let file = scan_to(t.path(), "csv");
    let mut rdr = csv::Reader::from_path(&file).expect("csv");
    let headers = rdr.headers().expect("headers").clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    assert_eq!(&rows[0][col("name")], "kesl");
    assert_eq!(&rows[0][col("remediation")], "apt-get purge kesl");
    assert_eq!(&rows[1][col("waived")], "yes");
    assert_eq!(&rows[1][col("waiver_reason")], "replacement <ordered> & paid");
}

#[test]
fn html_report_opens_offline_in_headless_chromium() {
    let t = tempfile::tempdir().expect("tempdir");
    let file = scan_to(t.path(), "html");
    let html = std::fs::read_to_string(&file).expect("html");
    for outside in ["<script", "<link", "src=", "url(", "http://", "https://"] {
        assert!(!html.contains(outside), "self-contained, but found {outside:?}");
    }
    assert!(html.contains("replacement &lt;ordered&gt; &amp; paid"), "escaped");
    let script = repo().join("tests/e2e/html-report.mjs");
    let chromium = Path::new("/usr/bin/chromium");
    if !tool(&repo().join("tests/e2e/node_modules/playwright-core"), "playwright-core") || !tool(chromium, "chromium") {
        return;
    }
    let shot = t.path().join("report.png");
    let out = Command::new("node").arg(&script).arg(&file).arg(&shot).arg("us-bod-17-01").output().expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_slice(&out.stdout).expect("script output");
    let summary = seen["summary"].as_str().expect("summary visible");
    assert!(summary.contains("3") && summary.contains("confirmed"), "{summary}");
    let row = seen["firstFindingRow"].as_str().expect("a finding visible");
    assert!(row.contains("kesl") && row.contains("apt-get purge kesl"), "{row}");
    let deadlines = seen["deadlines"].as_str().expect("deadlines visible");
    assert!(deadlines.contains("2017-12-12") && deadlines.contains("days ago"), "{deadlines}");
    assert!(seen["chart"].is_string(), "chart visible");
    assert_eq!(seen["requests"], serde_json::json!([]), "no network request");
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a real screenshot");
    // Keep the screenshot where a human can look at it.
    let _ = std::fs::copy(&shot, repo().join("target/html-report.png"));
}

/// Reports are written as they are serialized (a large JSON report is never held whole): the
/// bytes on stdout are the bytes of `-o json=FILE`, and a reader that closes the pipe before
/// reading (`delist scan | head -c0`) does not turn the scan into an error.
#[test]
fn streamed_json_is_the_same_on_stdout_and_in_a_file_and_a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("r.json");
    let target = format!("rootfs:{}", fixture("dpkg/root"));
    let to_file = delist(&["scan", &target, "-o", &format!("json={}", file.display())]);
    let to_stdout = delist(&["scan", &target, "-o", "json"]);
    assert_eq!(to_file.status.code(), Some(1), "{}", String::from_utf8_lossy(&to_file.stderr));
    assert_eq!(to_stdout.status.code(), Some(1));
    let written = std::fs::read(&file).expect("report file");
    assert!(written.ends_with(b"}\n"), "one JSON document and a newline");
    assert_eq!(to_stdout.stdout, written);

    let mut child = Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(["scan", &target, "-o", "json"])
        .env("DELIST_TODAY", "2026-11-28")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run delist");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the findings' exit code, not an error: {stderr}");
    assert!(!stderr.contains("writing to stdout"), "{stderr}");
}
