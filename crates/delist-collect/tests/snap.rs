//! The snap collector over the fixture root (`fixtures/snap`, see its README) and over broken
//! copies of it.

use delist_collect::snap::Snap;
use delist_collect::{Collector, Context, Output, Root};
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

const TARGET: &str = "rootfs:/fixture";
const STATE: &str = "/var/lib/snapd/state.json";
const CORE22_ID: &str = "amcUKQILKXHHTlmSa7NMdnXSx02dNeeT";
const KESL_ID: &str = "Kx3Lq0ZrYbTnWm4Vc8Pd2Hs7Ja9Ee1Ff";
const CAMVIEW_ID: &str = "Cv7Tq2LmNb8Xw1Pz5Ry3Ks6Hd9Gf0Ja";
const KASPERSKY_ACCOUNT: &str = "kR4sPq7LmW2xN9bV3cZ8tY1gH6jD5fA0";
const JDOE_ACCOUNT: &str = "jD0e8Xq2WmL5nB7vC3zK9tR1yH4gF6sP";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snap/root")
}

fn collect(base: &Path) -> Output {
    let root = Root::new(base);
    let cx = Context { target: TARGET, root: &root };
    let mut out = Output::default();
    Snap.collect(&cx, &mut out);
    out
}

fn snap(instance: &str, name: &str, version: &str, path: &str) -> Artifact {
    Artifact::new(ArtifactKind::Snap, instance, path, TARGET).version(version).field("snap.name", name, Role::Name)
}

fn publisher(a: Artifact, display: &str, user: &str, id: &str, validation: &str) -> Artifact {
    a.field("snap.publisher", display, Role::Publisher)
        .field("snap.publisher-username", user, Role::Publisher)
        .field("snap.publisher-id", id, Role::Other)
        .field("snap.publisher-validation", validation, Role::Other)
}

fn camview(path: &str, state: bool) -> Artifact {
    let a = snap("camview", "camview", "0.4.1", path);
    let a = if state {
        publisher(a, "Jane Doe", "jdoe", JDOE_ACCOUNT, "unproven")
            .field("snap.snap-id", CAMVIEW_ID, Role::Other)
            .field("snap.revision", "3", Role::Other)
            .field("snap.channel", "latest/stable", Role::Other)
            .field("snap.type", "app", Role::Other)
    } else {
        a
    };
    a.field("snap.summary", "Viewer for Hikvision cameras", Role::Text)
}

fn core22(path: &str, state: bool) -> Artifact {
    let a = snap("core22", "core22", "20240111", path);
    let a = if state {
        publisher(a, "Canonical", "canonical", "canonical", "verified")
            .field("snap.snap-id", CORE22_ID, Role::Other)
            .field("snap.revision", "1380", Role::Other)
            .field("snap.channel", "latest/stable", Role::Other)
    } else {
        a
    };
    a.field("snap.type", "base", Role::Other).field(
        "snap.summary",
        "Runtime environment based on Ubuntu 22.04",
        Role::Text,
    )
}

fn kesl(path: &str, state: bool) -> Artifact {
    let a = snap("kesl", "kesl", "12.1.0.1297", path);
    let a = if state {
        publisher(a, "AO Kaspersky Lab", "kaspersky", KASPERSKY_ACCOUNT, "verified")
            .field("snap.website", "https://www.kaspersky.com/", Role::Homepage)
            .field("snap.snap-id", KESL_ID, Role::Other)
            .field("snap.revision", "15", Role::Other)
            .field("snap.channel", "latest/stable", Role::Other)
            .field("snap.type", "app", Role::Other)
            .field("snap.title", "Kaspersky Endpoint Security", Role::Other)
    } else {
        a.field("snap.website", "https://www.kaspersky.com/", Role::Homepage)
    };
    a.field(
        "snap.summary",
        "Kaspersky Endpoint Security for Linux protects servers and workstations from threats",
        Role::Text,
    )
}

fn hello_local() -> Artifact {
    snap("hello_local", "hello", "", STATE).field("snap.revision", "x1", Role::Other).field(
        "snap.type",
        "app",
        Role::Other,
    )
}

/// Every installed snap, exactly: state, mounted snap.yaml (both mount directories) and the
/// publisher from the assertions; nothing reported broken.
#[test]
fn fixture_snaps() {
    let out = collect(&fixture());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let expected = vec![camview(STATE, true), core22(STATE, true), hello_local(), kesl(STATE, true)];
    assert_eq!(out.artifacts, expected);
    assert_eq!(out.artifacts[3].publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(out.artifacts[2].publisher, None);
    assert!(out.artifacts[0].fields.iter().filter(|f| f.value.contains("Hikvision")).all(|f| f.role == Role::Text));
}

/// No snapd: nothing, and no error.
#[test]
fn absent_snapd_is_not_an_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = collect(t.path());
    assert!(out.artifacts.is_empty() && out.errors.is_empty());
}

/// Copies a directory tree, symlinks as symlinks.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("list") {
        let e = e.expect("entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().expect("type");
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).expect("link"), &dst).expect("symlink");
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// A state that is not JSON is an error; the mounted snaps are still found, by their snap.yaml.
#[test]
fn broken_state_falls_back_to_mounts() {
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), t.path());
    let state = t.path().join("var/lib/snapd/state.json");
    let text = std::fs::read_to_string(&state).expect("read");
    std::fs::write(&state, &text[..text.len() / 2]).expect("write");
    let out = collect(t.path());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].path, STATE);
    assert!(out.errors[0].error.starts_with("not JSON"));
    assert_eq!(
        out.artifacts,
        [
            core22("/snap/core22/current/meta/snap.yaml", false),
            kesl("/snap/kesl/current/meta/snap.yaml", false),
            camview("/var/lib/snapd/snap/camview/current/meta/snap.yaml", false),
        ]
    );

    // Every truncation of the state never panics.
    for len in (0..text.len()).step_by(5) {
        std::fs::write(&state, &text.as_bytes()[..len]).expect("write");
        let _ = collect(t.path());
    }
    std::fs::write(&state, b"{\"data\":{\"snaps\":{\"x\":{\"sequence\":[7]}}}}").expect("write");
    let out = collect(t.path());
    assert!(out.errors.iter().any(|e| e.error.contains("sequence entry")));
}

/// Broken assertions and snap.yaml files are errors of their own files; the snap is still an
/// artifact, with what could be read.
#[test]
fn broken_assertion_and_yaml_are_errors() {
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), t.path());
    let account = format!("var/lib/snapd/assertions/asserts-v0/account/{KASPERSKY_ACCOUNT}/active");
    std::fs::write(t.path().join(&account), "\u{0}garbage\n").expect("write");
    std::fs::write(t.path().join("snap/core22/1380/meta/snap.yaml"), "name: core22\nversion: '20240111\nsummary: x\n")
        .expect("write");
    let out = collect(t.path());
    let errors: Vec<_> = out.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(errors, ["/snap/core22/1380/meta/snap.yaml", format!("/{account}").as_str()]);
    assert_eq!(out.artifacts.len(), 4);
    let core = &out.artifacts[1];
    assert_eq!(core.version, None);
    assert_eq!(core.publisher.as_deref(), Some("Canonical"));
    let kesl = &out.artifacts[3];
    assert_eq!(kesl.publisher, None);
    assert_eq!(kesl.version.as_deref(), Some("12.1.0.1297"));
}
