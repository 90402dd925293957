//! The flatpak collector over the fixture root (`fixtures/flatpak`, installed by flatpak itself;
//! see its README) and over broken copies of it.

use delist_collect::flatpak::Flatpak;
use delist_collect::{Collector, Context, Output, Root};
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

const TARGET: &str = "rootfs:/fixture";
const SYSTEM: &str = "/var/lib/flatpak";
const ALICE: &str = "/home/alice/.local/share/flatpak";
const RUNTIME: &str = "org.freedesktop.Platform/x86_64/23.08";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flatpak/root")
}

fn collect(base: &Path) -> Output {
    let root = Root::new(base);
    let cx = Context { target: TARGET, root: &root };
    let mut out = Output::default();
    Flatpak.collect(&cx, &mut out);
    out
}

fn metadata(inst: &str, id: &str) -> String {
    format!("{inst}/app/{id}/x86_64/stable/active/metadata")
}

fn app(inst: &str, id: &str, version: &str) -> Artifact {
    Artifact::new(ArtifactKind::Flatpak, id, metadata(inst, id), TARGET)
        .version(version)
        .field("flatpak.app-id", id, Role::Name)
        .id(id)
}

/// The tail every deployment of the fixture shares.
fn deployed(a: Artifact, summary: &str) -> Artifact {
    a.field("flatpak.arch", "x86_64", Role::Other)
        .field("flatpak.branch", "stable", Role::Other)
        .field("flatpak.runtime", RUNTIME, Role::Other)
        .field("flatpak.summary", summary, Role::Text)
}

fn hikvision() -> Artifact {
    deployed(
        app(SYSTEM, "com.hikvision.iVMS4200", "3.10.0")
            .field("flatpak.developer", "Hangzhou Hikvision Digital Technology Co.,Ltd.", Role::Publisher)
            .field("flatpak.developer-id", "com.hikvision", Role::Other)
            .field("flatpak.homepage", "https://www.hikvision.com/", Role::Homepage)
            .field("flatpak.name", "iVMS-4200", Role::Other)
            .field("flatpak.license", "LicenseRef-proprietary", Role::Other),
        "Video management client",
    )
}

fn notes() -> Artifact {
    deployed(
        app(SYSTEM, "org.example.Notes", "2.1.0")
            .field("flatpak.developer", "Example Developers", Role::Publisher)
            .field("flatpak.homepage", "https://notes.example.org/", Role::Homepage)
            .field("flatpak.name", "Notes", Role::Other)
            .field("flatpak.license", "GPL-3.0-or-later", Role::Other),
        "Notes & lists",
    )
}

fn camviewer() -> Artifact {
    deployed(
        app(ALICE, "io.github.jdoe.CamViewer", "0.4.1")
            .field("flatpak.developer", "Jane Doe", Role::Publisher)
            .field("flatpak.homepage", "https://github.com/jdoe/camviewer", Role::Homepage)
            .field("flatpak.name", "CamViewer", Role::Other)
            .field("flatpak.license", "MIT", Role::Other),
        "Viewer for Hikvision cameras",
    )
}

/// Every deployed app of both installations, exactly, and nothing reported broken.
#[test]
fn fixture_apps() {
    let out = collect(&fixture());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.artifacts, [hikvision(), notes(), camviewer()]);
    assert_eq!(out.artifacts[0].publisher.as_deref(), Some("Hangzhou Hikvision Digital Technology Co.,Ltd."));
    assert!(out.artifacts[2].fields.iter().filter(|f| f.value.contains("Hikvision")).all(|f| f.role == Role::Text));
}

/// No flatpak: nothing, and no error.
#[test]
fn absent_flatpak_is_not_an_error() {
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

/// An installation declared in `/etc/flatpak/installations.d` is read too; one declared twice
/// (or reached through a symlink) once.
#[test]
fn extra_installations() {
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture().join("var/lib/flatpak"), &t.path().join("opt/extra"));
    let conf = t.path().join("etc/flatpak/installations.d");
    std::fs::create_dir_all(&conf).expect("mkdir");
    std::fs::write(
        conf.join("extra.conf"),
        "[Installation \"extra\"]\nPath=/opt/extra\nDisplayName=Extra\n\n[Installation \"again\"]\nPath=/opt/extra/\n",
    )
    .expect("write");
    std::fs::write(conf.join("ignored.txt"), "not a conf").expect("write");
    let out = collect(t.path());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let paths: Vec<_> = out.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, [metadata("/opt/extra", "com.hikvision.iVMS4200"), metadata("/opt/extra", "org.example.Notes"),]);
}

/// A broken metainfo or a missing metadata file is an error of that file; the app is still an
/// artifact with what could be read.
#[test]
fn broken_copies_are_errors_not_panics() {
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), t.path());
    let active = t.path().join("var/lib/flatpak/app/com.hikvision.iVMS4200/x86_64/stable/active");
    let metainfo = active.join("files/share/metainfo/com.hikvision.iVMS4200.metainfo.xml");
    let text = std::fs::read_to_string(&metainfo).expect("read");

    std::fs::write(&metainfo, format!("{text}<!-- never closed")).expect("write");
    std::fs::remove_file(active.join("metadata")).expect("rm");
    let out = collect(t.path());
    assert_eq!(out.artifacts.len(), 3);
    let errors: Vec<_> =
        out.errors.iter().map(|e| (e.path.rsplit('/').next().unwrap_or(""), e.error.as_str())).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "metadata");
    assert!(errors[0].1.starts_with("cannot read flatpak metadata"));
    assert_eq!(errors[1], ("com.hikvision.iVMS4200.metainfo.xml", "comment never closes"));
    // Still an artifact: the app id and where it is deployed.
    let a = &out.artifacts[0];
    assert_eq!(a.name, "com.hikvision.iVMS4200");
    assert_eq!(a.publisher, None);
    assert_eq!(a.path, metadata(SYSTEM, "com.hikvision.iVMS4200"));

    // A metainfo that is not AppStream, and every truncation, never panic.
    std::fs::write(&metainfo, "<html><name>x</name></html>").expect("write");
    let out = collect(t.path());
    assert!(out.errors.iter().any(|e| e.error.contains("no <component>")));
    for len in (0..text.len()).step_by(3) {
        if text.is_char_boundary(len) {
            std::fs::write(&metainfo, &text[..len]).expect("write");
            let _ = collect(t.path());
        }
    }
    std::fs::write(active.join("metadata"), b"\xff[Application\nname\n").expect("write");
    let out = collect(t.path());
    assert!(out.errors.iter().any(|e| e.error.starts_with("line 1:")));
}
