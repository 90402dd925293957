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

/// The peak resident set size of a running process, in KiB (`VmHWM`), if it can still be read.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cmd` (delist, possibly wrapped) with a deadline. Returns its exit code, its stderr and
/// the highest peak resident set size seen while polling it (KiB; the last 50 ms before it exits
/// go unseen, and a wrapper's is its own).
fn run_bounded(mut cmd: Command, limit: Duration) -> (Option<i32>, String, u64) {
    let mut child = cmd
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run delist");
    let deadline = Instant::now() + limit;
    let mut peak = 0;
    let status = loop {
        peak = peak.max(peak_rss_kib(child.id()).unwrap_or(0));
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
    (status.code(), stderr, peak)
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
    // A covered file cut short before its signature: a problem to report, not a reason to stop.
    std::fs::write(root.join("cut.exe"), &exe[..exe.len() / 2]).expect("write");
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
    let (code, stderr, peak_kib) = run_bounded(cmd, Duration::from_secs(240));
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
    // The broken file is reported; so, at most, are the files changed under the scan. Loops,
    // links out, the FIFO, the socket, the device and the sparse file are not problems: they are
    // not followed, never opened, or sniffed and left, and give no error.
    let error_paths: Vec<&str> =
        r["errors"].as_array().expect("errors").iter().filter_map(|e| e["path"].as_str()).collect();
    assert!(error_paths.contains(&"/cut.exe"), "{errors:?}");
    assert!(error_paths.iter().all(|p| *p == "/cut.exe" || p.starts_with("/churn/")), "{errors:?}");
    // Bounded memory: the sparse file is sniffed, not read; 10,000 levels hold no more than
    // MAX_HELD descriptors and one stack entry per waiting directory.
    eprintln!("peak RSS {peak_kib} KiB");
    assert!(peak_kib > 0, "the peak RSS was never read");
    assert!(peak_kib < 256 * 1024, "peak RSS {peak_kib} KiB");
}

/// System calls that would reach the network.
const NETWORK_CALLS: &[&str] = &["socket", "socketpair", "connect", "bind", "listen", "sendto", "sendmsg"];
/// System calls that write data through a descriptor, with the position of that descriptor among
/// their arguments (the others name what is read, or the data itself).
const DATA_CALLS: &[(&str, usize)] = &[
    ("write", 0),
    ("pwrite64", 0),
    ("writev", 0),
    ("pwritev", 0),
    ("pwritev2", 0),
    ("sendfile", 0),
    ("copy_file_range", 2),
];
/// System calls that change a file or directory named by any of their arguments.
const MUTATING_CALLS: &[&str] = &[
    "truncate",
    "ftruncate",
    "fallocate",
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "utime",
    "utimes",
    "futimesat",
    "utimensat",
    "unlink",
    "unlinkat",
    "rmdir",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "mknod",
    "mknodat",
];

/// One line of `strace -f -y` output (`PID name(args) = result`) as its call's name and
/// arguments; `None` for resumed calls, signals and exits.
fn syscall(line: &str) -> Option<(&str, &str)> {
    let (name, args) = line.split_once(' ')?.1.trim_start().split_once('(')?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')).then_some((name, args))
}

/// What an `strace -f -y` trace shows the traced process doing that is not allowed: any network
/// call, and any change to a file or directory under `root`, named by path or by descriptor.
/// Also complains when the trace shows no open relative to a directory of the tree: that would
/// mean the descriptors are not decoded, and every check here sees nothing.
fn tree_changes(trace: &str, root: &str) -> Vec<String> {
    let calls: Vec<(&str, &str)> = trace.lines().filter_map(syscall).collect();
    let mut problems = Vec::new();
    if !calls
        .iter()
        .any(|(name, args)| *name == "openat" && args.starts_with(|c: char| c.is_ascii_digit()) && args.contains(root))
    {
        problems.push("the trace shows no file opened relative to a directory of the tree".to_string());
    }
    for (name, args) in calls {
        let line = format!("{name}({args}");
        if NETWORK_CALLS.contains(&name) {
            problems.push(format!("network call: {line}"));
        }
        if let Some(&(_, at)) = DATA_CALLS.iter().find(|(n, _)| *n == name) {
            // Only the written descriptor: the data (the report's, say) may quote scanned paths,
            // and a copy may read from the tree.
            if args.split(", ").nth(at).is_some_and(|fd| fd.contains(root)) {
                problems.push(format!("changes the tree: {line}"));
            }
            continue;
        }
        if !args.contains(root) {
            continue;
        }
        if MUTATING_CALLS.contains(&name) {
            problems.push(format!("changes the tree: {line}"));
        }
        if (name.starts_with("open") || name == "creat")
            && ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"].iter().any(|f| args.contains(f))
        {
            problems.push(format!("opened for writing: {line}"));
        }
        if name == "mmap" && args.contains("PROT_WRITE") && args.contains("MAP_SHARED") {
            problems.push(format!("mapped for writing: {line}"));
        }
    }
    problems
}

#[test]
fn the_trace_check_sees_writes_through_descriptors_and_lets_reads_and_the_report_pass() {
    let root = "/tmp/t/tree";
    let fine = r#"7 open("/tmp/t/tree", O_RDONLY|O_NOATIME|O_CLOEXEC|O_DIRECTORY) = 3</tmp/t/tree>
7 openat(3</tmp/t/tree>, "a.exe", O_RDONLY|O_NOFOLLOW|O_NOATIME|O_CLOEXEC) = 4</tmp/t/tree/a.exe>
7 pread64(4</tmp/t/tree/a.exe>, "MZ"..., 4096, 0) = 4096
7 getdents64(3</tmp/t/tree>,  <unfinished ...>
7 <... getdents64 resumed>0x7f /* 0 entries */, 32768) = 0
6 openat(AT_FDCWD</tmp>, "/tmp/t/report.json", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 5</tmp/t/report.json>
6 write(5</tmp/t/report.json>, "{"path": "/tmp/t/tree/a.exe"", 29) = 29
6 copy_file_range(4</tmp/t/tree/a.exe>, NULL, 5</tmp/t/report.json>, NULL, 7616, 0) = 7616
6 close(4</tmp/t/tree/a.exe>) = 0"#;
    assert_eq!(tree_changes(fine, root), Vec::<String>::new());
    for bad in [
        r#"7 openat(3</tmp/t/tree>, "a.exe", O_RDWR|O_CLOEXEC) = 4</tmp/t/tree/a.exe>"#,
        r#"7 write(4</tmp/t/tree/a.exe>, "x", 1) = 1"#,
        r#"7 ftruncate(4</tmp/t/tree/a.exe>, 0) = 0"#,
        r#"7 copy_file_range(5</tmp/t/report.json>, NULL, 4</tmp/t/tree/a.exe>, NULL, 29, 0) = 29"#,
        r#"7 unlinkat(3</tmp/t/tree>, "a.exe", 0) = 0"#,
        r#"7 utimensat(AT_FDCWD</tmp>, "/tmp/t/tree/a.exe", NULL, 0) = 0"#,
        r#"7 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 4</tmp/t/tree/a.exe>, 0) = 0x7f00"#,
        r#"7 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 9<socket:[1]>"#,
    ] {
        let trace = format!("{fine}\n{bad}");
        assert_eq!(tree_changes(&trace, root).len(), 1, "not caught: {bad}");
    }
    // A trace without decoded descriptors cannot show a write through one.
    assert_eq!(tree_changes(r#"7 openat(3, "a.exe", O_RDONLY) = 4"#, root).len(), 1);
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
    // `-y` prints the path behind each descriptor: the walk opens files relative to their
    // directory's descriptor (`openat(5</…/tree/pe>, "x.exe", …)`), so without it a write through
    // a relative open would name no path under the tree and slip past the checks below.
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", "strace", "-f", "-y", "-qq", "-e", "trace=%network,%file,%desc", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_delist"))
        .args(["scan", "--fail-on", "never", "-o"])
        .arg(format!("json={}", out.display()))
        .arg(format!("dir:{}", root.display()));
    let (code, stderr, _) = run_bounded(cmd, Duration::from_secs(240));
    assert_eq!(code, Some(0), "{stderr}");
    let r = report(&out);
    assert!(!finding_paths(&r).is_empty(), "the fixtures hold covered files");

    let trace = std::fs::read_to_string(&trace).expect("trace");
    let root_s = root.display().to_string();
    let problems = tree_changes(&trace, &root_s);
    assert!(problems.is_empty(), "{problems:#?}");
    let after = snapshot(&root);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert!(b.1 == a.1, "{}: content changed", b.0.display());
        assert_eq!(b.2, a.2, "{}: (atime, atime ns, mtime, ctime) changed", b.0.display());
    }
}
