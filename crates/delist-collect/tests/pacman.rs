//! The pacman collector over the fixture root (`fixtures/pacman`, made by makepkg and pacman; see
//! its README) and over broken copies of it.

use delist_collect::pacman::Pacman;
use delist_collect::{Collector, Context, Output, Root};
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

const TARGET: &str = "rootfs:/fixture";
const LOCAL: &str = "/var/lib/pacman/local";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pacman/root")
}

fn collect(base: &Path) -> Output {
    let root = Root::new(base);
    let cx = Context { target: TARGET, root: &root };
    let mut out = Output::default();
    Pacman.collect(&cx, &mut out);
    out
}

fn package(dir: &str, name: &str, version: &str) -> Artifact {
    Artifact::new(ArtifactKind::Pacman, name, format!("{LOCAL}/{dir}/desc"), TARGET)
        .version(version)
        .field("pacman.package", name, Role::Name)
        .id(format!("pkg:alpm/{name}"))
}

fn expected() -> Vec<Artifact> {
    vec![
        package("camctl-1:0.9.2-3", "camctl", "1:0.9.2-3")
            .field("pacman.packager", "Jane Doe <jane@example.org>", Role::Publisher)
            .field("pacman.url", "https://example.org/camctl", Role::Homepage)
            .field("pacman.base", "camctl", Role::Other)
            .field("pacman.architecture", "any", Role::Other)
            .field("pacman.license", "MIT", Role::Other)
            .field("pacman.license", "Apache-2.0", Role::Other)
            .field("pacman.description", "Command-line client for Hikvision cameras", Role::Text),
        package("kesl-12.1.0-1", "kesl", "12.1.0-1")
            .field("pacman.packager", "AO Kaspersky Lab <support@kaspersky.com>", Role::Publisher)
            .field("pacman.url", "https://www.kaspersky.com/", Role::Homepage)
            .field("pacman.base", "kesl", Role::Other)
            .field("pacman.architecture", "any", Role::Other)
            .field("pacman.license", "custom:proprietary", Role::Other)
            .field("pacman.description", "Kaspersky Endpoint Security for Linux", Role::Text),
        package("zlib-ng-2.2.2-1", "zlib-ng", "2.2.2-1")
            .field("pacman.packager", "Arch Builder <builder@archlinux.example>", Role::Publisher)
            .field("pacman.url", "https://github.com/zlib-ng/zlib-ng", Role::Homepage)
            .field("pacman.base", "zlib-ng", Role::Other)
            .field("pacman.architecture", "any", Role::Other)
            .field("pacman.license", "Zlib", Role::Other)
            .field("pacman.description", "zlib replacement with optimizations for next generation systems", Role::Text),
    ]
}

/// Every package pacman installed into the fixture, exactly, and nothing reported broken.
#[test]
fn fixture_packages() {
    let out = collect(&fixture());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.artifacts, expected());
    assert_eq!(out.artifacts[1].publisher.as_deref(), Some("AO Kaspersky Lab <support@kaspersky.com>"));
    let decoy = &out.artifacts[0];
    assert!(decoy.fields.iter().filter(|f| f.value.contains("Hikvision")).all(|f| f.role == Role::Text));
}

/// No database: nothing, and no error.
#[test]
fn absent_database_is_not_an_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = collect(t.path());
    assert!(out.artifacts.is_empty() && out.errors.is_empty());
}

/// A copy of the fixture database in a tempdir, for breaking.
fn copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let src = fixture().join("var/lib/pacman/local");
    std::fs::create_dir_all(t.path().join("var/lib/pacman/local")).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("list") {
        let e = e.expect("entry");
        let to = t.path().join("var/lib/pacman/local").join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
            std::fs::copy(e.path().join("desc"), to.join("desc")).expect("copy");
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
    t
}

/// Broken, missing and truncated records give errors for themselves; the others are still read.
#[test]
fn broken_copies_are_errors_not_panics() {
    let t = copy();
    let local = t.path().join("var/lib/pacman/local");
    let kesl = local.join("kesl-12.1.0-1/desc");
    let text = std::fs::read_to_string(&kesl).expect("read");

    // A package directory without its desc.
    std::fs::remove_file(local.join("zlib-ng-2.2.2-1/desc")).expect("rm");
    // A desc with a stray line before the first section.
    std::fs::write(&kesl, format!("garbage\n{text}")).expect("write");
    let out = collect(t.path());
    assert_eq!(out.artifacts.len(), 2);
    assert_eq!(out.artifacts[1].name, "kesl");
    let errors: Vec<_> =
        out.errors.iter().map(|e| (e.path.as_str(), e.error.split(':').next().unwrap_or(""))).collect();
    assert_eq!(
        errors,
        [
            ("/var/lib/pacman/local/kesl-12.1.0-1/desc", "line 1"),
            ("/var/lib/pacman/local/zlib-ng-2.2.2-1/desc", "cannot read pacman package record"),
        ]
    );

    // A desc with no %NAME%: an error, no artifact.
    std::fs::write(&kesl, "%VERSION%\n1\n\n").expect("write");
    let out = collect(t.path());
    assert_eq!(out.artifacts.len(), 1);
    assert!(out.errors.iter().any(|e| e.error.contains("without a %NAME%")));

    // Every truncation and non-UTF-8 bytes never panic.
    for len in 0..text.len() {
        std::fs::write(&kesl, &text.as_bytes()[..len]).expect("write");
        let _ = collect(t.path());
    }
    std::fs::write(&kesl, b"%NAME%\n\xff\xfe\n").expect("write");
    let out = collect(t.path());
    assert!(out.artifacts.iter().any(|a| a.name == "\u{fffd}\u{fffd}"));
}
