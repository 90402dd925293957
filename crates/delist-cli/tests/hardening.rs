//! Hostile trees and side effects (issue 10): a scan of a tree built to break scanners finishes
//! in bounded time, reports what it could not read under `errors` and still finds what it can;
//! and a scan writes nothing, changes no time stamp and opens no network socket.
//!
//! The covered file in each tree is the Authenticode-signed Kaspersky PE of
//! `crates/delist-collect/tests/fixtures/pe/` (made by `make.sh` there).

use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn covered_exe() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures/pe/kaspersky-signed.exe")
}

/// Runs `cmd` (delist, possibly wrapped) with a deadline; its JSON report is written to `report`.
fn run_bounded(mut cmd: Command, limit: Duration) -> (Option<i32>, String) {
    let mut child = cmd
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run delist");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("delist did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    (status.code(), stderr)
}

fn report(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("report written")).expect("json report")
}

fn finding_paths(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["artifact"]["path"].as_str().unwrap_or("").into())
        .collect()
}

/// A directory `depth` levels deep under `base`, made with `mkdirat` relative to the level above
/// (its full path is far longer than PATH_MAX).
fn deep_dirs(base: &Path, depth: usize) {
    use rustix::fs::{Mode, OFlags, mkdirat, openat};
    let mut fd = rustix::fs::open(base, OFlags::DIRECTORY | OFlags::RDONLY, Mode::empty()).expect("open base");
    for _ in 0..depth {
        mkdirat(&fd, "d", Mode::from_raw_mode(0o755)).expect("mkdirat");
        fd = openat(&fd, "d", OFlags::DIRECTORY | OFlags::RDONLY, Mode::empty()).expect("openat");
    }
    let f = openat(&fd, "deepest.exe", OFlags::CREATE | OFlags::WRONLY, Mode::from_raw_mode(0o644)).expect("create");
    std::io::Write::write_all(&mut std::fs::File::from(f), &std::fs::read(covered_exe()).expect("fixture"))
        .expect("write");
}

#[test]
fn a_hostile_tree_finishes_reports_its_problems_and_still_finds() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("tree");
    std::fs::create_dir(&root).expect("mkdir");
    let exe = std::fs::read(covered_exe()).expect("fixture");
    std::fs::write(root.join("covered.exe"), &exe).expect("write");
    // A name that is not UTF-8.
    std::fs::write(root.join(OsStr::from_bytes(b"caf\xe9-\xff.exe")), &exe).expect("write");
    // Symlink loops and links out of the target.
    std::os::unix::fs::symlink(".", root.join("loop")).expect("symlink");
    std::os::unix::fs::symlink("/etc", root.join("out")).expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).expect("symlink");
    // A FIFO nobody writes to, a listening socket, and (as root) a device node.
    assert!(Command::new("mkfifo").arg(root.join("fifo")).status().is_ok_and(|s| s.success()), "mkfifo");
    let _sock = std::os::unix::net::UnixListener::bind(root.join("sock")).expect("socket");
    // Only root may make one; elsewhere the rest of the tree still stands.
    let _ = rustix::fs::mknodat(
        rustix::fs::CWD,
        root.join("null-device"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o666),
        rustix::fs::makedev(1, 3),
    );
    // A 10 GB sparse file: sniffed by its head, never read whole.
    std::fs::File::create(root.join("sparse.img")).and_then(|f| f.set_len(10 << 30)).expect("sparse file");
    // A directory 10,000 levels deep, a covered file at the bottom.
    deep_dirs(&root, 10_000);
    // Files truncated, replaced and deleted while the scan runs.
    let churn = root.join("churn");
    std::fs::create_dir(&churn).expect("mkdir");
    for i in 0..300 {
        std::fs::write(churn.join(format!("f{i}.exe")), &exe).expect("write");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let churner = {
        let (stop, churn, exe) = (stop.clone(), churn.clone(), exe.clone());
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let p = churn.join(format!("f{}.exe", i % 300));
                match i % 3 {
                    0 => drop(std::fs::OpenOptions::new().write(true).open(&p).and_then(|f| f.set_len(100))),
                    1 => {
                        let tmp = churn.join(format!("tmp{i}"));
                        let _ = std::fs::write(&tmp, &exe[..exe.len() / 2]);
                        let _ = std::fs::rename(&tmp, &p);
                    }
                    _ => {
                        let _ = std::fs::remove_file(&p);
                        let _ = std::fs::write(&p, &exe);
                    }
                }
                i += 1;
            }
        })
    };

    let out = t.path().join("report.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_delist"));
    cmd.arg("scan").arg(format!("dir:{}", root.display())).arg("-o").arg(format!("json={}", out.display()));
    let (code, stderr) = run_bounded(cmd, Duration::from_secs(240));
    stop.store(true, Ordering::Relaxed);
    churner.join().expect("churner");

    assert_eq!(code, Some(1), "findings expected: {stderr}");
    let r = report(&out);
    let found = finding_paths(&r);
    assert!(found.iter().any(|p| p == "/covered.exe"), "{found:?}");
    assert!(found.iter().any(|p| p.starts_with("/caf") && p.ends_with(".exe")), "non-UTF-8 name: {found:?}");
    // Nothing outside the tree, nothing through the loop twice.
    assert!(found.iter().all(|p| !p.starts_with("/loop") && !p.starts_with("/out")), "{found:?}");
    assert_eq!(found.iter().filter(|p| *p == "/covered.exe").count(), 1);
    // The deep end is read: each directory is opened relative to its parent, so a path far
    // longer than PATH_MAX is no obstacle.
    let errors: Vec<String> = r["errors"].as_array().expect("errors").iter().map(|e| e.to_string()).collect();
    let deep = found.iter().find(|p| p.ends_with("/deepest.exe")).expect("the file 10,000 levels down");
    assert_eq!(deep.split('/').filter(|c| *c == "d").count(), 10_000);
    assert_eq!(r["summary"]["errors"].as_u64(), Some(errors.len() as u64));
}

/// Every regular file under `dir` with its content and time stamps (atime with nanoseconds,
/// mtime, ctime). Read with `O_NOATIME`, so that taking the snapshot changes no access time.
type Snapshot = Vec<(PathBuf, Vec<u8>, (i64, i64, i64, i64))>;

fn snapshot(dir: &Path) -> Snapshot {
    use rustix::fs::{Mode, OFlags};
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let md = e.path().symlink_metadata().expect("lstat");
            if md.is_dir() {
                stack.push(e.path());
            } else if md.is_file() {
                let fd = rustix::fs::open(e.path(), OFlags::RDONLY | OFlags::NOATIME, Mode::empty()).expect("open");
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::fs::File::from(fd), &mut bytes).expect("read");
                let md = e.path().symlink_metadata().expect("lstat");
                out.push((e.path(), bytes, (md.atime(), md.atime_nsec(), md.mtime(), md.ctime())));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_scan_writes_nothing_touches_no_time_stamp_and_opens_no_socket() {
    let strace = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(strace, "strace is needed (.ci/run installs it)");
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("tree");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures");
    // A copy of the file fixtures (executables, installers, archives) to be scanned.
    let status = Command::new("cp").arg("-a").arg(fixtures.join("pe")).arg(&root).status().expect("cp");
    assert!(status.success());
    for sub in ["msi", "macho"] {
        let status = Command::new("cp").arg("-a").arg(fixtures.join(sub)).arg(root.join(sub)).status().expect("cp");
        assert!(status.success());
    }
    // Time stamps older than now, so that an access would show.
    let _ = Command::new("find").arg(&root).args(["-exec", "touch", "-h", "-d", "2020-01-01", "{}", "+"]).status();
    let before = snapshot(&root);

    let out = t.path().join("report.json");
    let trace = t.path().join("trace.txt");
    // The scan inside a network namespace of its own (no interface but a down loopback), traced.
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", "strace", "-f", "-qq", "-e", "trace=%network,%file", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_delist"))
        .args(["scan", "--fail-on", "never", "-o"])
        .arg(format!("json={}", out.display()))
        .arg(format!("dir:{}", root.display()));
    let (code, stderr) = run_bounded(cmd, Duration::from_secs(240));
    assert_eq!(code, Some(0), "{stderr}");
    let r = report(&out);
    assert!(!finding_paths(&r).is_empty(), "the fixtures hold covered files");

    let trace = std::fs::read_to_string(&trace).expect("trace");
    let root_s = root.display().to_string();
    assert!(trace.lines().any(|l| l.contains(&root_s) && l.contains("openat(")), "the trace saw no read of the tree");
    for line in trace.lines() {
        assert!(!line.contains("socket(") && !line.contains("connect("), "network call: {line}");
        if line.contains(&root_s) {
            for flag in ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"] {
                assert!(!line.contains(flag), "opened for writing: {line}");
            }
            for call in ["unlink", "rename", "mkdir", "chmod", "chown", "utime", "truncate", "setxattr"] {
                assert!(!line.contains(&format!("{call}(")) && !line.contains(&format!("{call}at(")), "{line}");
            }
        }
    }
    let after = snapshot(&root);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert!(b.1 == a.1, "{}: content changed", b.0.display());
        assert_eq!(b.2, a.2, "{}: (atime, atime ns, mtime, ctime) changed", b.0.display());
    }
}
