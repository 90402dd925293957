//! The file walk over a tree of fixtures made by real tools (`tests/fixtures/files/make.sh`):
//! package files, ELF package notes and archives found with the right kind and evidence; bombs,
//! truncated and bit-flipped copies reported as errors; symlink loops, links out of the target
//! and FIFOs never followed or opened; `--exclude` and the size cap honoured.

use delist_collect::Output;
use delist_collect::target::TargetKind;
use delist_collect::walk::{WalkOptions, WalkStats, walk};
use delist_core::catalog::{builtin_files, load};
use delist_core::{Artifact, ArtifactKind, Confidence, IdKind, Matcher, Role, Selection};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/files")
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

/// Decodes every fixture (`NAME.b64`) into `dir`.
fn decode_fixtures(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for e in std::fs::read_dir(fixtures()).expect("fixtures") {
        let p = e.expect("entry").path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".b64")) else { continue };
        let text = std::fs::read_to_string(&p).expect("read");
        std::fs::write(dir.join(name), base64(&text)).expect("write");
    }
}

/// The tree every test walks: fixtures under /dl, a symlink loop, a link out of the target to
/// a covered package, a FIFO, and a folder to exclude.
fn tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("target");
    decode_fixtures(&root.join("dl"));
    let outside = t.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::copy(root.join("dl/kesl_12.0.0.6672_all.deb"), outside.join("kesl.deb")).expect("copy");
    std::os::unix::fs::symlink(&outside, root.join("out")).expect("symlink");
    std::os::unix::fs::symlink(&root, root.join("loop")).expect("symlink");
    std::os::unix::fs::symlink("b", root.join("a")).expect("symlink");
    std::os::unix::fs::symlink("a", root.join("b")).expect("symlink");
    std::fs::create_dir_all(root.join("skip")).expect("mkdir");
    std::fs::copy(root.join("dl/kesl_12.0.0.6672_all.deb"), root.join("skip/kesl.deb")).expect("copy");
    let made = std::process::Command::new("mkfifo").arg(root.join("fifo")).status().is_ok_and(|s| s.success());
    assert!(made, "mkfifo failed");
    t
}

/// Walks in a thread with a deadline: a FIFO opened by mistake would block forever.
fn run(root: &Path, opts: WalkOptions) -> (Output, WalkStats, u64) {
    let root = root.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Output::default();
        let last = std::cell::Cell::new(0);
        let stats = walk(&root, "dir:t", TargetKind::Dir, &opts, &mut out, &|n| last.set(n));
        let _ = tx.send((out, stats, last.get()));
    });
    rx.recv_timeout(Duration::from_secs(120)).expect("the walk finished (a FIFO would block it)")
}

fn find<'a>(out: &'a Output, path: &str) -> &'a Artifact {
    out.artifacts.iter().find(|a| a.path == path).unwrap_or_else(|| {
        panic!("no artifact at {path}; have {:?}", out.artifacts.iter().map(|a| &a.path).collect::<Vec<_>>())
    })
}

fn field<'a>(a: &'a Artifact, name: &str) -> &'a delist_core::Field {
    a.fields.iter().find(|f| f.field == name).unwrap_or_else(|| panic!("{} has no {name}: {:?}", a.path, a.fields))
}

fn error_at<'a>(out: &'a Output, path: &str) -> &'a str {
    out.errors.iter().find(|e| e.path == path).map(|e| e.error.as_str()).unwrap_or_else(|| {
        panic!("no error at {path}; have {:?}", out.errors.iter().map(|e| &e.path).collect::<Vec<_>>())
    })
}

/// The strongest finding's confidence and vendor under the built-in catalog, if any.
fn verdict(a: &Artifact) -> Option<(String, Confidence)> {
    let catalog = load(&builtin_files()).expect("catalog");
    let m = Matcher::new(&catalog);
    let today = "2026-11-28".parse().expect("date");
    m.evaluate(a, &Selection::default_for(&catalog), today)
        .into_iter()
        .map(|f| (f.vendor, f.confidence))
        .max_by_key(|f| f.1)
}

#[test]
fn fixtures_are_found_with_their_evidence() {
    let t = tree();
    let (out, stats, last) = run(&t.path().join("target"), WalkOptions::default());
    assert_eq!(last, stats.files, "progress ends with the count");
    assert!(stats.special >= 4, "symlinks and the FIFO were passed over: {stats:?}");

    let deb = find(&out, "/dl/kesl_12.0.0.6672_all.deb");
    assert_eq!(
        (deb.kind, deb.name.as_str(), deb.version.as_deref()),
        (ArtifactKind::PackageFile, "kesl", Some("12.0.0.6672"))
    );
    let f = field(deb, "deb.package");
    assert_eq!((f.value.as_str(), f.role), ("pkg:deb/kesl", Role::Identifier(IdKind::Package)));
    assert_eq!(deb.publisher.as_deref(), Some("AO Kaspersky Lab <support@kaspersky.com>"));
    assert_eq!(verdict(deb), Some(("kaspersky".into(), Confidence::Confirmed)));

    let rpm = find(&out, "/dl/kesl-12.1.0-1234.noarch.rpm");
    assert_eq!((rpm.kind, rpm.version.as_deref()), (ArtifactKind::PackageFile, Some("12.1.0-1234")));
    assert_eq!(field(rpm, "rpm.name").value, "pkg:rpm/kesl");
    assert_eq!(field(rpm, "rpm.vendor").value, "AO Kaspersky Lab");
    assert_eq!(field(rpm, "rpm.packager").role, Role::Publisher);
    assert_eq!(verdict(rpm), Some(("kaspersky".into(), Confidence::Confirmed)));

    // Inside archives, with the archive path before each `!`.
    for path in ["/dl/nested.zip!inner.zip!kesl_12.0.0.6672_all.deb", "/dl/rpm.tar.gz!kesl-12.1.0-1234.noarch.rpm"] {
        let a = find(&out, path);
        assert_eq!((a.kind, a.name.as_str()), (ArtifactKind::PackageFile, "kesl"));
        assert_eq!(verdict(a), Some(("kaspersky".into(), Confidence::Confirmed)), "{path}");
    }
    assert_eq!(find(&out, "/dl/clean.tar.zst!hello-clean_1.0_all.deb").name, "hello-clean");
    assert_eq!(verdict(find(&out, "/dl/clean.tar.zst!hello-clean_1.0_all.deb")), None);

    // ELF package notes: a package name alone, so `possible`.
    for path in ["/dl/kesl-control", "/dl/elf.tar.xz!kesl-control"] {
        let elf = find(&out, path);
        assert_eq!(
            (elf.kind, elf.name.as_str(), elf.version.as_deref()),
            (ArtifactKind::Executable, "kesl-control", Some("12.0.0.6672"))
        );
        assert_eq!(field(elf, "elf.package").value, "pkg:deb/kesl");
        assert_eq!(verdict(elf), Some(("kaspersky".into(), Confidence::Possible)));
    }
    let be32 = find(&out, "/dl/note32be.o");
    assert_eq!(field(be32, "elf.package").value, "pkg:rpm/kesl");
    assert_eq!(field(be32, "elf.package.os").value, "fedora");
    assert_eq!(verdict(find(&out, "/dl/hello-noted")), None);
    assert!(out.artifacts.iter().all(|a| a.path != "/dl/hello-plain"), "an ELF without a note is no artifact");
    // A catalog package name with someone else's maintainer: possible.
    assert_eq!(verdict(find(&out, "/dl/klnagent64_14.0.0_all.deb")), Some(("kaspersky".into(), Confidence::Possible)));
    assert_eq!(verdict(find(&out, "/dl/hello-clean-1.0-1.noarch.rpm")), None);

    // Never followed: links out of the target, loops.
    for a in &out.artifacts {
        assert!(!a.path.starts_with("/out") && !a.path.starts_with("/loop") && !a.path.starts_with("/a"), "{}", a.path);
    }
    assert!(find(&out, "/skip/kesl.deb").name == "kesl");

    // Bombs refused, broken copies reported.
    assert!(error_at(&out, "/dl/bomb-overlap.zip").contains("zip bomb"));
    assert!(error_at(&out, "/dl/bomb-ratio.zip").contains("zip bomb"));
    for name in [
        "kesl_12.0.0.6672_all.deb",
        "klnagent64_14.0.0_all.deb",
        "hello-clean_1.0_all.deb",
        "kesl-12.1.0-1234.noarch.rpm",
        "hello-clean-1.0-1.noarch.rpm",
        "kesl-control",
        "hello-noted",
        "note32be.o",
        "nested.zip",
        "rpm.tar.gz",
        "elf.tar.xz",
        "clean.tar.zst",
        "bomb-overlap.zip",
        "bomb-ratio.zip",
    ] {
        let path = format!("/dl/{name}.trunc");
        assert!(!error_at(&out, &path).is_empty());
        assert!(out.artifacts.iter().all(|a| !a.path.starts_with(&path)), "{path} gave an artifact");
    }
}

#[test]
fn excludes_and_the_size_cap_are_honoured() {
    let t = tree();
    let root = t.path().join("target");
    let opts =
        WalkOptions { exclude: vec!["/skip".into(), "*.rpm".into(), "/dl/*.zip".into()], ..WalkOptions::default() };
    let (out, _, _) = run(&root, opts);
    assert!(out.artifacts.iter().all(|a| !a.path.starts_with("/skip")));
    // Names are matched in every directory; members of archives are not files of the walk.
    assert!(out.artifacts.iter().all(|a| !a.path.ends_with(".rpm") || a.path.contains('!')), "names matched anywhere");
    find(&out, "/dl/rpm.tar.gz!kesl-12.1.0-1234.noarch.rpm");
    assert!(out.artifacts.iter().all(|a| !a.path.starts_with("/dl/nested.zip")));
    assert!(out.errors.iter().all(|e| e.path != "/dl/bomb-overlap.zip"));
    find(&out, "/dl/kesl_12.0.0.6672_all.deb");

    let (out, stats, _) = run(&root, WalkOptions { max_file_size: 4096, ..WalkOptions::default() });
    assert!(stats.too_large > 10, "{stats:?}");
    assert!(out.artifacts.iter().all(|a| a.path != "/dl/kesl-control"), "over the cap: not read");
    // Each file left unread is named under errors, with its size, so the report shows the gap.
    let over: Vec<_> =
        out.errors.iter().filter(|e| e.error.contains("-byte cap (--max-file-size): not read")).collect();
    assert_eq!(over.len() as u64, stats.too_large, "{over:?}");
    let size = std::fs::metadata(root.join("dl/kesl-control")).expect("fixture").len();
    assert!(
        over.iter().any(|e| e.path == "/dl/kesl-control"
            && e.error.starts_with(&format!("{size} bytes, larger than the 4096-byte cap"))),
        "{over:?}"
    );
    find(&out, "/dl/note32be.o");
}

#[test]
fn unreadable_files_are_errors_not_the_end() {
    // Root reads anything whatever its mode; the CLI tests check this path as another user.
    if std::fs::read("/proc/self/status").is_ok_and(|s| String::from_utf8_lossy(&s).contains("\nUid:\t0\t")) {
        eprintln!("skipped: running as root, where a mode of 000 does not stop reads");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let t = tree();
    let root = t.path().join("target");
    let locked = root.join("dl/kesl_12.0.0.6672_all.deb");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let (out, _, _) = run(&root, WalkOptions::default());
    assert!(error_at(&out, "/dl/kesl_12.0.0.6672_all.deb").contains("permission denied"));
    find(&out, "/dl/kesl-12.1.0-1234.noarch.rpm");
}
