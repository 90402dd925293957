//! End to end: `delist scan` walking a tree of fixtures made by real tools
//! (`crates/delist-collect/tests/fixtures/files/make.sh`), with a symlink loop, a link out of the
//! target, a FIFO and unreadable files in it; findings with the right kind and confidence, errors
//! for bombs and broken files, `--exclude` and `--max-file-size` honoured.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
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

/// Runs delist with a deadline (a FIFO opened by mistake would block it forever), optionally as
/// another user through `setpriv`. Returns the exit code, the JSON report and stderr.
fn delist_timed(args: &[&str], dir: &Path, as_nobody: bool) -> (Option<i32>, Value, String) {
    use std::os::unix::fs::PermissionsExt;
    // Writable by the other user too.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let report = out.join("report.json");
    let _ = std::fs::remove_file(&report);
    let err = dir.join("stderr.txt");
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.push("-o".into());
    all.push(format!("json={}", report.display()));
    let mut cmd = if as_nobody {
        // A copy in the test's own 0755 folder: the build's folder may sit under a home that
        // `nobody` cannot enter (a clone in /root), and the test must run there too.
        let bin = dir.join("delist");
        std::fs::copy(env!("CARGO_BIN_EXE_delist"), &bin).expect("copy the binary");
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(bin);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_delist"))
    };
    let mut child = cmd
        .args(&all)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("run delist");
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("delist did not finish: a FIFO or a loop blocked the walk");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    let r = std::fs::read(&report).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    (status.code(), r, stderr)
}

/// Standard base64, whitespace ignored.
fn base64(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// A target tree: the fixtures under /dl (kept base64-encoded in the repository), a symlink
/// loop, a link out of the target to a covered package, a FIFO, and a folder to exclude. The
/// temporary directory is world-readable so that another user can walk it.
fn tree() -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let root = t.path().join("target");
    let dl = root.join("dl");
    std::fs::create_dir_all(&dl).expect("mkdir");
    let fixtures = repo().join("crates/delist-collect/tests/fixtures/files");
    for e in std::fs::read_dir(&fixtures).expect("fixtures") {
        let p = e.expect("entry").path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".b64")) else { continue };
        std::fs::write(dl.join(name), base64(&std::fs::read_to_string(&p).expect("read"))).expect("write");
    }
    let outside = t.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::copy(dl.join("kesl_12.0.0.6672_all.deb"), outside.join("kesl.deb")).expect("copy");
    symlink(&outside, root.join("out")).expect("symlink");
    symlink(&root, root.join("loop")).expect("symlink");
    symlink("b", root.join("a")).expect("symlink");
    symlink("a", root.join("b")).expect("symlink");
    std::fs::create_dir_all(root.join("skip")).expect("mkdir");
    std::fs::copy(dl.join("kesl-12.1.0-1234.noarch.rpm"), root.join("skip/kesl.rpm")).expect("copy");
    assert!(Command::new("mkfifo").arg(root.join("fifo")).status().is_ok_and(|s| s.success()), "mkfifo");
    (t, root)
}

fn finding<'a>(r: &'a Value, path: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["artifact"]["path"] == path))
        .unwrap_or_else(|| panic!("no finding at {path}: {}", r["findings"]))
}

fn error<'a>(r: &'a Value, path: &str) -> &'a str {
    r["errors"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["path"] == path))
        .and_then(|e| e["error"].as_str())
        .unwrap_or_else(|| panic!("no error at {path}: {}", r["errors"]))
}

#[test]
fn a_tree_with_traps_gives_findings_errors_and_no_hang() {
    let (t, root) = tree();
    let target = format!("dir:{}", root.display());
    let (code, r, stderr) = delist_timed(&["scan", &target], t.path(), false);
    assert_eq!(code, Some(1), "findings fail the scan: {stderr}");
    let deb = finding(&r, "/dl/kesl_12.0.0.6672_all.deb");
    assert_eq!(deb["vendor"], "kaspersky");
    assert_eq!(deb["confidence"], "confirmed");
    assert_eq!(deb["artifact"]["kind"], "package-file");
    for path in [
        "/dl/kesl-12.1.0-1234.noarch.rpm",
        "/dl/nested.zip!inner.zip!kesl_12.0.0.6672_all.deb",
        "/dl/rpm.tar.gz!kesl-12.1.0-1234.noarch.rpm",
        "/skip/kesl.rpm",
    ] {
        assert_eq!(finding(&r, path)["confidence"], "confirmed", "{path}");
    }
    for path in ["/dl/kesl-control", "/dl/elf.tar.xz!kesl-control", "/dl/note32be.o"] {
        let f = finding(&r, path);
        assert_eq!(
            (f["confidence"].as_str(), f["artifact"]["kind"].as_str()),
            (Some("possible"), Some("executable")),
            "{path}"
        );
    }
    for f in r["findings"].as_array().expect("findings") {
        let p = f["artifact"]["path"].as_str().unwrap_or("");
        assert!(!p.starts_with("/out/") && !p.starts_with("/loop/"), "followed a symlink: {p}");
        assert!(!p.contains(".trunc"), "a truncated copy gave a finding: {p}");
    }
    assert!(error(&r, "/dl/bomb-overlap.zip").contains("zip bomb"));
    assert!(error(&r, "/dl/bomb-ratio.zip").contains("zip bomb"));
    assert!(error(&r, "/dl/kesl_12.0.0.6672_all.deb.trunc").contains("truncated"));
    assert_eq!(r["summary"]["errors"].as_u64(), r["errors"].as_array().map(|e| e.len() as u64));

    // The inventory shows what was read from each file.
    let (_, inv, _) = delist_timed(&["inventory", &target], t.path(), false);
    let art = inv["artifacts"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["path"] == "/dl/kesl-12.1.0-1234.noarch.rpm"))
        .expect("rpm in the inventory");
    assert_eq!(art["publisher"], "AO Kaspersky Lab");
    assert!(art["ids"].as_array().is_some_and(|i| i.iter().any(|i| i == "pkg:rpm/kesl")), "{art}");
}

#[test]
fn excludes_and_the_size_cap_are_honoured() {
    let (t, root) = tree();
    let target = format!("dir:{}", root.display());
    let (code, r, stderr) = delist_timed(&["scan", &target, "--exclude", "/dl", "--exclude", "*.rpm"], t.path(), false);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(0), "{}", r["findings"]);

    let (code, r, stderr) =
        delist_timed(&["scan", &target, "--max-file-size", "200", "--fail-on", "never"], t.path(), false);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(0), "every fixture is over 200 bytes: {}", r["findings"]);
    assert!(stderr.contains("over --max-file-size"), "{stderr}");
    // And named in the report: the .deb is a format delist reads, left unread.
    assert!(
        error(&r, "/dl/kesl_12.0.0.6672_all.deb").contains("-byte cap (--max-file-size): not read"),
        "{}",
        r["errors"]
    );

    let bad = delist(&["scan", &target, "--exclude", "a[b"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--exclude a[b"), "{}", String::from_utf8_lossy(&bad.stderr));
}

#[test]
fn unreadable_files_and_folders_are_errors_not_the_end() {
    use std::os::unix::fs::PermissionsExt;
    let (t, root) = tree();
    std::fs::create_dir_all(root.join("locked")).expect("mkdir");
    std::fs::copy(root.join("dl/kesl_12.0.0.6672_all.deb"), root.join("locked/kesl.deb")).expect("copy");
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(root.join("dl/kesl_12.0.0.6672_all.deb"), std::fs::Permissions::from_mode(0o000))
        .expect("chmod");
    let root_user = delist(&["--version"]).status.success()
        && std::fs::read_to_string("/proc/self/status").is_ok_and(|s| s.contains("\nUid:\t0\t"));
    // Root reads whatever the mode says: run the scan as `nobody` instead, where setpriv exists.
    let as_nobody = root_user && Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if root_user && !as_nobody {
        eprintln!("skipped: running as root without setpriv, where a mode of 000 does not stop reads");
        return;
    }
    let target = format!("dir:{}", root.display());
    let (code, r, stderr) = delist_timed(&["scan", &target], t.path(), as_nobody);
    assert_eq!(code, Some(1), "the rest is still scanned: {stderr}");
    assert!(error(&r, "/dl/kesl_12.0.0.6672_all.deb").contains("permission denied"), "{}", r["errors"]);
    assert!(error(&r, "/locked").contains("permission denied"), "{}", r["errors"]);
    finding(&r, "/dl/kesl-12.1.0-1234.noarch.rpm");
}

/// The "must show": this machine's /usr is not a covered product. /usr/bin and
/// /usr/lib/x86_64-linux-gnu hold the ELF binaries with package notes (systemd's, on Debian);
/// the benchmark (`bench/walk.sh`) scans all of /usr.
#[test]
fn this_machines_binaries_give_no_finding_at_likely() {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/share/java"] {
        if !Path::new(dir).is_dir() {
            continue;
        }
        let out = delist(&["scan", &format!("dir:{dir}"), "--fail-on", "likely", "-o", "json", "-q"]);
        let r: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(out.status.code(), Some(0), "{dir}: {}", r["findings"]);
    }
}
