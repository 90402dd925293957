//! `delist serve` and `delist agent` as processes: enrolment from the console, an agent
//! uploading two scans between which a covered product was removed, a `kill -9` of the server
//! during a stream of uploads (no acknowledged upload lost), and a graceful stop on SIGTERM.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

const ADMIN: &str = "admin-secret-for-cli-tests-0123";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixture(rel: &str) -> String {
    format!("rootfs:{}", repo().join("crates/delist-collect/tests/fixtures").join(rel).display())
}

fn delist(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_delist"));
    c.current_dir(dir).env_remove("DELIST_TODAY").env_remove("DELIST_TOKEN").env_remove("DELIST_ADMIN_TOKEN");
    c
}

/// A `delist serve` process on a loopback port it chose itself.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path, db: &str) -> Self {
        Self::start_with(dir, db, &[])
    }

    fn start_with(dir: &Path, db: &str, more: &[&str]) -> Self {
        std::fs::write(dir.join("admin"), ADMIN).expect("admin file");
        let mut child = delist(dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", db, "--admin-token-file", "admin"])
            .args(more)
            .env("DELIST_TODAY", "2026-11-28")
            .stderr(Stdio::piped())
            .spawn()
            .expect("start delist serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().expect("a line").expect("utf-8");
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .trim_end_matches('/')
            .to_string();
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, base }
    }

    fn get(&self, path: &str) -> Value {
        let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut r = http
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {ADMIN}"))
            .call()
            .expect("request");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(dir: &Path, db: &str, host: &str) -> PathBuf {
    let out = delist(dir).args(["serve", "token", "create", "--host", host, "--database", db]).output().expect("token");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t = String::from_utf8(out.stdout).expect("utf-8");
    assert!(t.starts_with("dlt_"), "{t}");
    let file = dir.join(format!("{host}.token"));
    std::fs::write(&file, t).expect("token file");
    file
}

/// The agent uploads two scans (kesl removed between them); the server shows the removal.
#[test]
fn agent_uploads_and_the_server_sees_the_removal() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", t.path().join("d.db").display());
    let tok = token(t.path(), &db, "web-01");
    let server = Server::start(t.path(), &db);
    for (day, root) in [("2026-11-20", "dpkg/root"), ("2026-11-22", "dpkg/root-after")] {
        let out = delist(t.path())
            .args(["agent", "--once", "--server", &server.base, "--token-file"])
            .arg(&tok)
            .args(["--no-walk", &fixture(root)])
            .env("DELIST_TODAY", day)
            .output()
            .expect("agent");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(err.contains("uploaded 7 artifacts as web-01") && err.contains("3 finding(s)"), "{err}");
    }
    let all = server.get("/api/v1/hosts/web-01/findings?current=false");
    let kesl =
        all.as_array().expect("findings").iter().find(|f| f["finding"]["artifact"]["name"] == "kesl").expect("kesl");
    assert_eq!(kesl["removed_at"], "2026-11-22T12:00:00.000000Z");
    let list = server.get("/api/v1/lists/us-bod-17-01");
    assert_eq!(list["hosts_affected"], 1);

    // A bad token is refused and the agent says why, exiting 2.
    std::fs::write(t.path().join("bad.token"), format!("dlt_{}", "0".repeat(64))).expect("write");
    let out = delist(t.path())
        .args([
            "agent",
            "--once",
            "--server",
            &server.base,
            "--token-file",
            "bad.token",
            "--no-walk",
            &fixture("dpkg/root"),
        ])
        .output()
        .expect("agent");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// An upload over the server's --max-upload-bytes is refused at once with the reason, before its
/// body is sent (`Expect: 100-continue`). Sent whole instead, a body larger than the socket
/// buffers met a closed connection: "broken pipe", retried with backoff for a minute or more.
#[test]
fn an_upload_over_the_size_limit_is_refused_at_once_and_says_why() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", t.path().join("d.db").display());
    let tok = token(t.path(), &db, "big-01");
    let server = Server::start_with(t.path(), &db, &["--max-upload-bytes", "1048576"]);
    // A root whose dpkg database holds 40,000 packages: an inventory of ~15 MB.
    let status =
        std::fs::read_to_string(repo().join("crates/delist-collect/tests/fixtures/dpkg/root/var/lib/dpkg/status"))
            .expect("fixture");
    let stanzas: Vec<&str> = status.split("\n\n").filter(|s| s.contains("Package: ")).collect();
    let mut big = String::new();
    for i in 0..40_000 {
        big.push_str(&stanzas[i % stanzas.len()].trim().replacen("Package: ", &format!("Package: p{i}-"), 1));
        big.push_str("\n\n");
    }
    let root = t.path().join("root");
    std::fs::create_dir_all(root.join("var/lib/dpkg")).expect("mkdir");
    std::fs::write(root.join("var/lib/dpkg/status"), big).expect("status");
    let started = std::time::Instant::now();
    let out = delist(t.path())
        .args(["scan", "--fail-on", "never", "-o", "json=report.json", "--upload", &server.base, "--token-file"])
        .arg(&tok)
        .arg(format!("rootfs:{}", root.display()))
        .output()
        .expect("scan");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("413: uploads are limited to 1048576 bytes"), "{err}");
    assert!(!err.contains("retrying"), "a refusal is final: {err}");
    let size =
        err.split("this upload is ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse::<u64>().ok());
    assert!(size.is_some_and(|n| n > 4 << 20), "the upload's own size is told: {err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}: {err}", started.elapsed());
}

/// Uploads stream in from several clients; the server is killed with SIGKILL in the middle.
/// Every upload that was answered 201 is in the database after the restart.
#[test]
fn kill_9_loses_no_acknowledged_upload() {
    let t = tempfile::tempdir().expect("tempdir");
    let db_path = t.path().join("d.db");
    let db = format!("sqlite://{}", db_path.display());
    let tok = std::fs::read_to_string(token(t.path(), &db, "web-01")).expect("token").trim().to_string();
    let mut server = Server::start(t.path(), &db);
    let inv = inventory_json();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (base, tok, inv, acked) = (server.base.clone(), tok.clone(), inv.clone(), acked.clone());
        clients.push(std::thread::spawn(move || {
            let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            for i in 0..100_000 {
                let id = format!("kill9-{c}-{i:06}");
                let body = serde_json::json!({
                    "schema": "delist.upload/1", "upload_id": id, "scanned_at": "2026-11-27T10:00:00Z", "inventory": inv,
                });
                let r = http
                    .post(format!("{base}/api/v1/reports"))
                    .header("Authorization", format!("Bearer {tok}"))
                    .header("Content-Type", "application/json")
                    .send(body.to_string().as_bytes());
                match r {
                    Ok(r) if r.status().as_u16() == 201 => acked.lock().expect("acked").push(id),
                    _ => return,
                }
            }
        }));
    }
    // Let a few hundred uploads through, then kill without warning.
    let start = std::time::Instant::now();
    while acked.lock().expect("acked").len() < 300 && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("wait");
    for c in clients {
        c.join().expect("client");
    }
    let acked = acked.lock().expect("acked").clone();
    assert!(acked.len() >= 300, "only {} uploads before the kill", acked.len());
    // Restart (recovers the WAL) and count through the API.
    let server = Server::start(t.path(), &db);
    let host = server.get("/api/v1/hosts/web-01");
    let stored: std::collections::HashSet<String> = host["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|u| u["id"].as_str().expect("id").to_string())
        .collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} acknowledged upload(s) lost, e.g. {:?}", lost.len(), lost.first());
}

fn inventory_json() -> Value {
    let t = tempfile::tempdir().expect("tempdir");
    let out = delist(t.path())
        .args(["inventory", "--no-walk", "-o", "json", &fixture("dpkg/root")])
        .output()
        .expect("inventory");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("inventory json")
}

/// SIGTERM stops the server cleanly: it exits 0 after saying so.
#[cfg(unix)]
#[test]
fn sigterm_stops_gracefully() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", t.path().join("d.db").display());
    let mut server = Server::start(t.path(), &db);
    server.get("/api/v1/health");
    let pid = server.child.id().to_string();
    let st = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(st.success());
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
}

/// A copy of the dpkg fixture's root with the Kaspersky packages purged: the same host after
/// its covered products were removed.
fn purged_root(dir: &Path) -> String {
    let status =
        std::fs::read_to_string(repo().join("crates/delist-collect/tests/fixtures/dpkg/root/var/lib/dpkg/status"))
            .expect("fixture status");
    let kept: Vec<&str> = status
        .split("\n\n")
        .filter(|p| {
            !["kesl", "kesl-gui", "klms-agent", "klnagent64"].iter().any(|k| p.contains(&format!("Package: {k}\n")))
        })
        .collect();
    let root = dir.join("purged");
    std::fs::create_dir_all(root.join("var/lib/dpkg")).expect("mkdir");
    std::fs::write(root.join("var/lib/dpkg/status"), kept.join("\n\n")).expect("write status");
    format!("rootfs:{}", root.display())
}

/// The end-to-end check in headless Chromium: an agent uploads two scans of a host between
/// which its Kaspersky products were removed; the dashboard's trend for BOD 17-01 falls from 1
/// host to 0, with nothing fetched from outside. Needs Debian's chromium and playwright-core
/// (installed by `.ci/run`); without them it checks the HTML only.
#[test]
fn dashboard_shows_the_removal_in_headless_chromium() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", t.path().join("d.db").display());
    let tok = token(t.path(), &db, "ws-042");
    let server = Server::start(t.path(), &db);
    let after = purged_root(t.path());
    for (day, root) in [("2026-11-20", fixture("dpkg/root")), ("2026-11-24", after)] {
        let out = delist(t.path())
            .args(["agent", "--once", "--server", &server.base, "--token-file"])
            .arg(&tok)
            .args(["--no-walk", &root])
            .env("DELIST_TODAY", day)
            .output()
            .expect("agent");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let list = server.get("/api/v1/lists/us-bod-17-01");
    let trend: Vec<i64> =
        list["trend"].as_array().expect("trend").iter().map(|p| p["hosts"].as_i64().expect("n")).collect();
    assert_eq!(trend, [1, 1, 1, 1, 0, 0, 0, 0, 0], "one host until the 24th, none after");

    let script = repo().join("tests/e2e/dashboard.mjs");
    let ready =
        repo().join("tests/e2e/node_modules/playwright-core").exists() && Path::new("/usr/bin/chromium").exists();
    if !ready {
        eprintln!("skipping the browser part: chromium or playwright-core missing (.ci/run installs them)");
        return;
    }
    let shot = t.path().join("dashboard.png");
    let out = Command::new("node")
        .arg(&script)
        .args([&server.base, ADMIN, "us-bod-17-01"])
        .arg(&shot)
        .output()
        .expect("node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_slice(&out.stdout).expect("script output");
    let overview = seen["overview"].as_str().expect("overview");
    assert!(
        overview.contains("us-bod-17-01") && overview.contains("2017-12-12") && overview.contains("days ago"),
        "{overview}"
    );
    // The overview's own trend chart for the list: one point a day, from 1 host to 0.
    let ot = &seen["overviewTrend"];
    assert_eq!(ot["visible"], true, "{ot}");
    assert_eq!(ot["title"], "us-bod-17-01: 1 host(s) on 2026-11-20, 0 on 2026-11-28", "{ot}");
    assert_eq!(ot["points"], 9, "{ot}");
    let overview_png = std::fs::read(t.path().join("dashboard-overview.png")).expect("overview screenshot");
    assert!(overview_png.starts_with(b"\x89PNG") && overview_png.len() > 10_000, "a real screenshot");
    let summary = seen["summary"].as_str().expect("summary");
    assert!(summary.contains("0 host(s) affected"), "{summary}");
    let trend = seen["trend"].as_str().expect("trend table");
    assert!(trend.contains("2026-11-231") && trend.contains("2026-11-240"), "the fall on the 24th: {trend}");
    assert_eq!(seen["chartVisible"], true);
    assert_eq!(seen["points"], 9);
    assert_eq!(seen["outside"], serde_json::json!([]), "nothing fetched from outside");
    assert_eq!(seen["consoleErrors"], serde_json::json!([]), "no CSP violation or script error");
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a real screenshot");
    let _ = std::fs::create_dir_all(repo().join("target"));
    let _ = std::fs::copy(&shot, repo().join("target/dashboard.png"));
}
