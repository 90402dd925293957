//! The apk collector over the fixture root (`fixtures/apk`, see its README) and over broken
//! copies of it.

use delist_collect::apk::Apk;
use delist_collect::{Collector, Context, Output, Root};
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

const TARGET: &str = "rootfs:/fixture";
const DB: &str = "/lib/apk/db/installed";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apk/root")
}

fn collect(base: &Path) -> Output {
    let root = Root::new(base);
    let cx = Context { target: TARGET, root: &root };
    let mut out = Output::default();
    Apk.collect(&cx, &mut out);
    out
}

fn package(name: &str, version: &str) -> Artifact {
    Artifact::new(ArtifactKind::Apk, name, DB, TARGET)
        .version(version)
        .field("apk.package", name, Role::Name)
        .id(format!("pkg:apk/{name}"))
}

fn expected() -> Vec<Artifact> {
    vec![
        package("musl", "1.2.5-r0")
            .field("apk.maintainer", "Timo Teräs <timo.teras@iki.fi>", Role::Publisher)
            .field("apk.url", "https://musl.libc.org/", Role::Homepage)
            .field("apk.origin", "musl", Role::Other)
            .field("apk.architecture", "x86_64", Role::Other)
            .field("apk.license", "MIT", Role::Other)
            .field("apk.description", "the musl c library (libc) implementation", Role::Text),
        package("hostguard", "3.2.10-r1")
            .field("apk.maintainer", "Huawei Technologies Co., Ltd. <support@huawei.com>", Role::Publisher)
            .field("apk.url", "https://www.huaweicloud.com/", Role::Homepage)
            .field("apk.origin", "hostguard", Role::Other)
            .field("apk.architecture", "x86_64", Role::Other)
            .field("apk.license", "LicenseRef-Huawei-Proprietary", Role::Other)
            .field("apk.description", "Host security agent", Role::Text),
        package("camctl", "0.9.2-r3")
            .field("apk.maintainer", "Jane Doe <jane@example.org>", Role::Publisher)
            .field("apk.url", "https://example.org/camctl", Role::Homepage)
            .field("apk.origin", "camctl", Role::Other)
            .field("apk.architecture", "noarch", Role::Other)
            .field("apk.license", "MIT AND Apache-2.0", Role::Other)
            .field("apk.description", "Command-line client for Hikvision cameras", Role::Text),
    ]
}

/// Every package of the fixture database, exactly, and nothing reported broken.
#[test]
fn fixture_packages() {
    let out = collect(&fixture());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.artifacts, expected());
    let hostguard = &out.artifacts[1];
    assert_eq!(hostguard.publisher.as_deref(), Some("Huawei Technologies Co., Ltd. <support@huawei.com>"));
    // The decoy's vendor mention is free text only.
    let decoy = &out.artifacts[2];
    assert!(decoy.fields.iter().filter(|f| f.value.contains("Hikvision")).all(|f| f.role == Role::Text));
}

/// On a merged `/usr` the database is read once, through either name, and reported at the first.
#[test]
fn merged_usr_is_read_once() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = t.path().join("usr/lib/apk/db");
    std::fs::create_dir_all(&db).expect("mkdir");
    std::fs::copy(fixture().join("lib/apk/db/installed"), db.join("installed")).expect("copy");
    std::os::unix::fs::symlink("usr/lib", t.path().join("lib")).expect("symlink");
    let out = collect(t.path());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.artifacts, expected());

    // Without the symlink, only the /usr path exists.
    std::fs::remove_file(t.path().join("lib")).expect("rm");
    let out = collect(t.path());
    assert_eq!(out.artifacts.len(), 3);
    assert!(out.artifacts.iter().all(|a| a.path == "/usr/lib/apk/db/installed"));
}

/// No database: nothing, and no error.
#[test]
fn absent_database_is_not_an_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = collect(t.path());
    assert!(out.artifacts.is_empty() && out.errors.is_empty());
}

/// Truncated and garbled copies give errors for what is broken and artifacts for the rest.
#[test]
fn broken_copies_are_errors_not_panics() {
    let text = std::fs::read_to_string(fixture().join("lib/apk/db/installed")).expect("read");
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("lib/apk/db");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("installed");

    // Garbage between packages: reported with its line, the packages around it survive.
    let garbled = text.replacen("\nC:Q1n8H", "\nthis is not apk\n\u{0}\u{7f}\n\nC:Q1n8H", 1);
    std::fs::write(&path, &garbled).expect("write");
    let out = collect(t.path());
    assert_eq!(out.artifacts.len(), 3);
    assert_eq!(out.errors.len(), 2, "{:?}", out.errors);
    assert!(out.errors.iter().all(|e| e.path == DB));
    assert!(out.errors[0].error.starts_with("line 23:"), "{:?}", out.errors);

    // A stanza without a name.
    std::fs::write(&path, "V:1.0\nm:Nobody\n\nP:ok\nV:1\n").expect("write");
    let out = collect(t.path());
    assert_eq!(out.artifacts.len(), 1);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].error.contains("without a P: name"));

    // Every truncation, and bytes that are not UTF-8, never panic.
    for len in (0..text.len()).step_by(7) {
        std::fs::write(&path, &text.as_bytes()[..len]).expect("write");
        let _ = collect(t.path());
    }
    std::fs::write(&path, b"\xff\xfe\nP:na\x80me\n").expect("write");
    let out = collect(t.path());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.artifacts.len(), 1);
    assert_eq!(out.artifacts[0].name, "na\u{fffd}me");

    // A directory where the file should be is unreadable: an error, not a panic.
    std::fs::remove_file(&path).expect("rm");
    std::fs::create_dir(&path).expect("mkdir");
    let out = collect(t.path());
    assert!(out.artifacts.is_empty());
}
