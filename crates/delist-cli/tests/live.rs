//! End to end: services and live signals over the fixtures of
//! `crates/delist-collect/tests/fixtures/live/make.sh` — systemd units and kernel modules in an
//! offline root, and a fake `/proc` and `/sys` for processes, loaded modules and USB/PCI devices
//! (`--proc-root`, `--sys-root`). Covered items give findings with the right kind and
//! confidence; the clean trees give none; broken inputs give errors or nothing, never a panic.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures")
}

fn scan(args: &[&str], out: &Path) -> (Option<i32>, Value) {
    let report = out.join("report.json");
    let _ = std::fs::remove_file(&report);
    let mut all = vec!["scan", "--no-walk"];
    all.extend_from_slice(args);
    let json = format!("json={}", report.display());
    all.extend(["-o", &json]);
    let o = Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(&all)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v = std::fs::read(&report).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    (o.status.code(), v)
}

fn findings(r: &Value) -> Vec<(String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut v: Vec<_> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (s(&f["artifact"]["kind"]), s(&f["artifact"]["name"]), s(&f["artifact"]["path"]), s(&f["confidence"])))
        .collect();
    v.sort();
    v
}

fn row(k: &str, n: &str, p: &str, c: &str) -> (String, String, String, String) {
    (k.into(), n.into(), p.into(), c.into())
}

#[test]
fn units_and_modules_in_an_offline_root() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = fixtures().join("live/root");
    let (code, r) = scan(&[&format!("rootfs:{}", root.display())], t.path());
    assert_eq!(code, Some(1));
    let m = "/lib/modules/6.1.0-fixture";
    assert_eq!(
        findings(&r),
        vec![
            row("kernel-module", "klfixture", &format!("{m}/updates/dkms/klfixture.ko"), "likely"),
            row("kernel-module", "klfixture_xz", &format!("{m}/extra/klfixture-xz.ko.xz"), "likely"),
            row("systemd-unit", "kesl.service", "/etc/systemd/system/kesl.service", "possible"),
        ]
    );
    let unit =
        r["findings"].as_array().expect("f").iter().find(|f| f["artifact"]["kind"] == "systemd-unit").expect("unit");
    assert_eq!(unit["evidence"][0]["identifier"], "install-path:/opt/kaspersky/kesl");
    assert_eq!(unit["evidence"][0]["value"], "/opt/kaspersky/kesl/libexec/kesl");
    assert!(unit["remediation"].as_str().expect("remediation").starts_with("systemctl disable --now kesl.service"));
    // The cut module is an error; the in-tree Huawei driver and the clean module are no finding.
    let errors = r["errors"].to_string();
    assert!(errors.contains("broken.ko"), "{errors}");
    let (code, r) = scan(&[&format!("rootfs:{}", fixtures().join("live/clean").display())], t.path());
    assert_eq!(code, Some(0));
    assert_eq!(findings(&r), vec![]);
    assert_eq!(r["summary"]["artifacts"], 3, "two units and one out-of-tree module: {}", r["summary"]);
}

/// A fake /proc: `modules` from the fixtures, and one process per `(pid, comm, program)`.
fn fake_proc(dir: &Path, procs: &[(u32, &str, &Path)]) -> PathBuf {
    let p = dir.join("proc");
    std::fs::create_dir_all(&p).expect("mkdir");
    std::fs::copy(fixtures().join("live/proc/modules"), p.join("modules")).expect("copy");
    for (pid, comm, exe) in procs {
        let d = p.join(pid.to_string());
        std::fs::create_dir_all(&d).expect("mkdir");
        std::os::unix::fs::symlink(exe, d.join("exe")).expect("symlink");
        std::fs::write(d.join("comm"), format!("{comm}\n")).expect("write");
    }
    p
}

fn decode(name: &str, out: &Path) -> PathBuf {
    let status = Command::new("base64")
        .arg("-d")
        .stdin(std::fs::File::open(fixtures().join(format!("files/{name}.b64"))).expect("fixture"))
        .stdout(std::fs::File::create(out).expect("create"))
        .status()
        .expect("base64");
    assert!(status.success());
    out.to_path_buf()
}

#[test]
fn processes_modules_and_devices_of_the_live_machine() {
    let t = tempfile::tempdir().expect("tempdir");
    let kesl = decode("kesl-control", &t.path().join("kesl-control"));
    let clean = decode("hello-plain", &t.path().join("hello-plain"));
    let procs =
        fake_proc(t.path(), &[(100, "kesl-control", &kesl), (101, "kesl-control", &kesl), (200, "hello", &clean)]);
    let sys = fixtures().join("live/sys");
    let (code, r) =
        scan(&["--proc-root", &procs.display().to_string(), "--sys-root", &sys.display().to_string()], t.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&r),
        vec![
            row("pci-device", "pci 19e5:1822", "/sys/bus/pci/devices/0000:01:00.0", "confirmed"),
            row("process", "kesl-control", &kesl.display().to_string(), "possible"),
            row("usb-device", "HUAWEI_MOBILE", "/sys/bus/usb/devices/1-1", "confirmed"),
        ]
    );
    // One artifact per program, its PIDs listed.
    let (_, inv) = {
        let report = t.path().join("inv.json");
        let o = Command::new(env!("CARGO_BIN_EXE_delist"))
            .args(["inventory", "--no-walk", "--proc-root"])
            .arg(&procs)
            .arg("--sys-root")
            .arg(&sys)
            .args(["-o", &format!("json={}", report.display())])
            .output()
            .expect("inventory");
        (o.status.code(), serde_json::from_slice::<Value>(&std::fs::read(&report).expect("report")).expect("json"))
    };
    let arts = inv["artifacts"].as_array().expect("artifacts");
    let of = |kind: &str| arts.iter().filter(|a| a["kind"] == kind).collect::<Vec<_>>();
    assert_eq!(of("process").len(), 2);
    let pids = of("process")
        .iter()
        .filter(|a| a["name"] == "kesl-control")
        .flat_map(|a| a["fields"].as_array().cloned().unwrap_or_default())
        .find(|f| f["field"] == "process.pids")
        .expect("pids");
    assert_eq!(pids["value"], "100 101");
    assert_eq!(of("usb-device").len(), 2, "the interface without ids is no device");
    assert_eq!(of("pci-device").len(), 2);
    assert!(of("kernel-module").iter().any(|a| a["name"] == "klfixture" && a["path"] == "/proc/modules"));

    // The clean machine.
    let t2 = tempfile::tempdir().expect("tempdir");
    let procs = fake_proc(t2.path(), &[(200, "hello", &clean)]);
    let sys = fixtures().join("live/sys-clean");
    let (code, r) =
        scan(&["--proc-root", &procs.display().to_string(), "--sys-root", &sys.display().to_string()], t2.path());
    assert_eq!(code, Some(0));
    assert_eq!(findings(&r), vec![]);
}

#[test]
fn broken_proc_and_sys_trees_are_not_panics() {
    let t = tempfile::tempdir().expect("tempdir");
    let cut = decode("kesl-control.trunc", &t.path().join("cut"));
    let flipped = decode("kesl-control.flip", &t.path().join("flipped"));
    let procs = fake_proc(
        t.path(),
        &[
            (1, "cut", &cut),
            (2, "flipped", &flipped),
            (3, "gone", &t.path().join("nothing-here")),
            (4, "dir", t.path()),
        ],
    );
    std::fs::write(procs.join("modules"), "\u{0}\u{1}garbage (((\n\n x y z\n").expect("write");
    std::fs::create_dir_all(procs.join("not-a-pid")).expect("mkdir");
    let sys = t.path().join("sys");
    for (dev, vendor) in [("1-1", "zzzz"), ("1-2", ""), ("1-3", "12d1999"), ("1-4", "\u{0}\u{0}")] {
        let d = sys.join("bus/usb/devices").join(dev);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("idVendor"), vendor).expect("write");
    }
    std::fs::create_dir_all(sys.join("bus/pci/devices/x/vendor")).expect("a directory where a file should be");
    let (code, r) =
        scan(&["--proc-root", &procs.display().to_string(), "--sys-root", &sys.display().to_string()], t.path());
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(findings(&r), vec![]);
}
