//! End to end: `delist scan` of container images made by umoci and skopeo
//! (`crates/delist-collect/tests/fixtures/container/make.sh`) in the `docker save` layout, as
//! oci-archives (gzip and zstd layers) and as an OCI layout directory: a covered package and
//! executable added in layer 1 and deleted in layer 2 are not reported, the ones added in layer
//! 2 are, each naming layer 2; a clean image gives nothing. Malformed images (cut, a manifest
//! naming a missing layer, `../` and absolute entries, hard-link loops, a compressed archive)
//! give errors — never a panic, never a file written.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The diff id of layer 2 of the fixture image (`make.sh` prints the ids; regenerating the
/// fixtures changes them).
const LAYER2: &str = "sha256:710d13eca5827544f124171e3bd1f3fb6c8d722a20c6b0cbb9cc09687154b4e0";
const LAYER1: &str = "sha256:363893fb50620f8925867b3e8c27fe497c041602c1fa62324f92cdcd7ffde013";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delist-collect/tests/fixtures/container")
}

/// Decodes a base64 fixture (stored encoded so that a scan of this repository does not report
/// delist's own test data) into `dir`.
fn decode(name: &str, dir: &Path) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("base64")
        .arg("-d")
        .stdin(std::fs::File::open(fixtures().join(format!("{name}.b64"))).expect("fixture"))
        .stdout(std::fs::File::create(&out).expect("create"))
        .status()
        .expect("base64");
    assert!(status.success());
    out
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

/// Scans one target into a JSON report written outside the target's directory.
fn scan(target: &str, report_dir: &Path, cmd: &str) -> (Option<i32>, Value, String) {
    let report = report_dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let out = delist(&[cmd, target, "-o", &format!("json={}", report.display())]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = std::fs::read(&report).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    (out.status.code(), json, stderr)
}

fn findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let a = &f["artifact"];
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            (s(&a["kind"]), s(&a["name"]), s(&a["path"]), s(&f["confidence"]), s(&a["layer"]))
        })
        .collect();
    v.sort();
    v
}

fn expected() -> Vec<(String, String, String, String, String)> {
    let f = |k: &str, n: &str, p: &str, c: &str| (k.into(), n.into(), p.into(), c.into(), LAYER2.into());
    vec![
        f("deb", "kav4fs", "/var/lib/dpkg/status.d/kav4fs", "confirmed"),
        f("executable", "kesl-control", "/srv/tools/kesl-control", "possible"),
    ]
}

#[test]
fn images_in_every_layout_report_what_is_left_with_its_layer() {
    let t = tempfile::tempdir().expect("tempdir");
    let reports = tempfile::tempdir().expect("tempdir");
    let docker = decode("image.docker.tar", t.path());
    let oci = decode("image.oci.tar", t.path());
    let zstd = decode("image.oci-zstd.tar", t.path());
    let layout = t.path().join("layout");
    std::fs::create_dir(&layout).expect("mkdir");
    let untar = Command::new("tar").arg("-xf").arg(&zstd).arg("-C").arg(&layout).status().expect("tar");
    assert!(untar.success());
    let d = docker.display().to_string();
    let o = oci.display().to_string();
    let z = zstd.display().to_string();
    let l = layout.display().to_string();
    for (target, kind) in [
        (format!("docker-archive:{d}"), "docker-archive"),
        (d.clone(), "docker-archive"),
        (format!("oci-archive:{o}"), "oci-archive"),
        (o.clone(), "oci-archive"),
        (z.clone(), "oci-archive"),
        (format!("oci:{l}"), "oci"),
        (l.clone(), "oci"),
    ] {
        let (code, report, stderr) = scan(&target, reports.path(), "scan");
        assert_eq!(code, Some(1), "{target}: {stderr}");
        assert_eq!(report["targets"][0]["kind"], kind, "{target}");
        assert_eq!(findings(&report), expected(), "{target}");
        assert_eq!(report["errors"], Value::Array(vec![]), "{target}");
    }
    // What layer 1 added and nobody deleted is there, from layer 1; what layer 2 deleted is not.
    let (_, inv, _) = scan(&d, reports.path(), "inventory");
    let arts: Vec<(String, String)> = inv["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| (a["path"].as_str().unwrap_or("").into(), a["layer"].as_str().unwrap_or("").into()))
        .collect();
    assert!(arts.contains(&("/var/lib/dpkg/status.d/hello-clean".into(), LAYER1.into())), "{arts:?}");
    assert!(arts.contains(&("/usr/bin/hello-noted".into(), LAYER1.into())), "{arts:?}");
    assert!(!arts.iter().any(|(p, _)| p.contains("status.d/kesl") || p.starts_with("/opt")), "{arts:?}");
}

#[test]
fn a_clean_image_gives_no_finding() {
    let t = tempfile::tempdir().expect("tempdir");
    let clean = decode("clean.docker.tar", t.path());
    let (code, report, stderr) = scan(&clean.display().to_string(), t.path(), "scan");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(findings(&report), vec![]);
    assert!(report["summary"]["artifacts"].as_u64().expect("count") >= 2);
}

/// A ustar archive written by hand (tar(1) refuses to write `../` names and link loops).
fn tar(entries: &[(&str, u8, &[u8], &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, data, link) in entries {
        let mut b = [0u8; 512];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        b[156] = *kind;
        b[157..157 + link.len()].copy_from_slice(link.as_bytes());
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|x| u64::from(*x)).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&b);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// A `docker save` archive of the given layers (named `l0.tar`, `l1.tar`, …); `manifest`
/// overrides the manifest.
fn docker_save(layers: &[Vec<u8>], manifest: Option<&str>) -> Vec<u8> {
    let names: Vec<String> = (0..layers.len()).map(|i| format!("l{i}.tar")).collect();
    let m = manifest.map(String::from).unwrap_or_else(|| {
        format!(r#"[{{"Config":"c.json","RepoTags":["x:1"],"Layers":{}}}]"#, serde_json::json!(names))
    });
    let mut entries: Vec<(&str, u8, &[u8], &str)> =
        vec![("manifest.json", b'0', m.as_bytes(), ""), ("c.json", b'0', b"{}", "")];
    for (n, l) in names.iter().zip(layers) {
        entries.push((n, b'0', l, ""));
    }
    tar(&entries)
}

/// Every file under a directory, for checking that a scan wrote nothing.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("list") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn malformed_images_are_errors_not_panics_and_nothing_is_written() {
    let t = tempfile::tempdir().expect("tempdir");
    let reports = tempfile::tempdir().expect("tempdir");
    let ok = tar(&[("etc/motd", b'0', b"hi", "")]);
    let hostile = tar(&[
        ("../evil", b'0', b"x", ""),
        ("/abs", b'0', b"x", ""),
        ("a/../../../tmp/escape", b'0', b"x", ""),
        ("h1", b'1', b"", "h2"),
        ("h2", b'1', b"", "h1"),
        ("fine", b'0', b"ok", ""),
    ]);
    let real = std::fs::read(decode("image.docker.tar", t.path())).expect("read");
    let gz = {
        let mut c = Command::new("gzip")
            .arg("-c")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("gzip");
        c.stdin.take().expect("stdin").write_all(&docker_save(std::slice::from_ref(&ok), None)).expect("gzip");
        c.wait_with_output().expect("gzip").stdout
    };
    let mut flipped = real.clone();
    for i in (0..flipped.len()).step_by(61) {
        flipped[i] ^= 0x55;
    }
    // (name, bytes, whether the target can be opened at all, what the error says)
    let cases: Vec<(&str, Vec<u8>, bool, &str)> = vec![
        ("cut.tar", real.get(..real.len() / 2).expect("half").to_vec(), false, "cut short"),
        (
            "missing.tar",
            docker_save(std::slice::from_ref(&ok), Some(r#"[{"Config":"c.json","Layers":["gone.tar"]}]"#)),
            false,
            "gone.tar",
        ),
        (
            "climb.tar",
            docker_save(std::slice::from_ref(&ok), Some(r#"[{"Config":"c.json","Layers":["../l0.tar"]}]"#)),
            false,
            "climbs out",
        ),
        ("hostile.tar", docker_save(&[ok.clone(), hostile], None), true, "refused"),
        ("badlayer.tar", docker_save(&[b"not a tar".repeat(100)], None), false, "not a tar"),
        ("cutlayer.tar", docker_save(&[ok.get(..600).expect("cut").to_vec()], None), true, "cut short"),
        ("gz.tar", gz, false, "gzip-compressed"),
        ("flipped.tar", flipped, false, ""),
    ];
    for (name, bytes, opens, says) in &cases {
        let p = t.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        let before = listing(t.path());
        let (code, report, stderr) = scan(&format!("docker-archive:{}", p.display()), reports.path(), "scan");
        assert_eq!(listing(t.path()), before, "{name}: the scan wrote something");
        assert!(!Path::new("/tmp/escape").exists());
        if *opens {
            assert_eq!(code, Some(0), "{name}: {stderr}");
            let errors = report["errors"].to_string();
            assert!(errors.contains(says), "{name}: {errors}");
        } else {
            assert_eq!(code, Some(2), "{name}: {stderr}");
            assert!(stderr.contains(says), "{name}: {stderr}");
        }
    }
    // The hostile layer's entries are each an error; its one good file is read.
    let (_, inv, _) =
        scan(&format!("docker-archive:{}", t.path().join("hostile.tar").display()), reports.path(), "scan");
    assert_eq!(inv["errors"].as_array().expect("errors").len(), 5, "{}", inv["errors"]);
}
