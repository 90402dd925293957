//! The Homebrew collector over the fixture root (`fixtures/homebrew`, see its README) and over
//! broken copies of it.

use delist_collect::homebrew::Homebrew;
use delist_collect::{Collector, Context, Output, Root};
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

const TARGET: &str = "rootfs:/fixture";
const CELLAR: &str = "/opt/homebrew/Cellar";
const CASKROOM: &str = "/opt/homebrew/Caskroom";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/homebrew/root")
}

fn collect(base: &Path) -> Output {
    let root = Root::new(base);
    let cx = Context { target: TARGET, root: &root };
    let mut out = Output::default();
    Homebrew.collect(&cx, &mut out);
    out
}

fn keg(cellar: &str, name: &str, version: &str) -> Artifact {
    Artifact::new(ArtifactKind::Brew, name, format!("{cellar}/{name}/{version}/INSTALL_RECEIPT.json"), TARGET)
        .version(version)
        .field("brew.formula", name, Role::Name)
}

fn wget(version: &str) -> Artifact {
    keg(CELLAR, "wget", version)
        .field("brew.homepage", "https://www.gnu.org/software/wget/", Role::Homepage)
        .field("brew.tap", "homebrew/core", Role::Other)
        .field("brew.installed-on-request", "true", Role::Other)
        .field("brew.desc", "Internet file retriever", Role::Text)
}

fn expected() -> Vec<Artifact> {
    vec![
        keg(CELLAR, "camctl", "0.9.2")
            .field("brew.homepage", "https://example.org/camctl", Role::Homepage)
            .field("brew.tap", "jdoe/tools", Role::Other)
            .field("brew.installed-on-request", "true", Role::Other)
            .field(
                "brew.desc",
                "Command-line client for Hikvision cameras",
                Role::Text,
            ),
        wget("1.21.4"),
        wget("1.24.5"),
        Artifact::new(
            ArtifactKind::BrewCask,
            "firefox",
            format!("{CASKROOM}/firefox/.metadata/125.0.3/20240510093000.123/Casks/firefox.rb"),
            TARGET,
        )
        .version("125.0.3")
        .field("brew.cask", "firefox", Role::Name)
        .field(
            "brew.homepage",
            "https://www.mozilla.org/firefox/",
            Role::Homepage,
        )
        .field("brew.name", "Mozilla Firefox", Role::Other)
        .field("brew.desc", "Web browser", Role::Text),
        Artifact::new(
            ArtifactKind::BrewCask,
            "kaspersky-security-cloud",
            format!(
                "{CASKROOM}/kaspersky-security-cloud/.metadata/21.3.10.391/20240501120000.000/Casks/kaspersky-security-cloud.json"
            ),
            TARGET,
        )
        .version("21.3.10.391")
        .field("brew.cask", "kaspersky-security-cloud", Role::Name)
        .field("brew.homepage", "https://www.kaspersky.com/", Role::Homepage)
        .field("brew.tap", "homebrew/cask", Role::Other)
        .field("brew.name", "Kaspersky Security Cloud", Role::Other)
        .field("brew.desc", "Antivirus and security suite", Role::Text),
        keg("/home/linuxbrew/.linuxbrew/Cellar", "hello", "2.12.1")
            .field("brew.tap", "homebrew/core", Role::Other)
            .field("brew.installed-on-request", "true", Role::Other),
    ]
}

/// Every keg and cask of the fixture, exactly, none with a publisher, nothing reported broken.
#[test]
fn fixture_kegs_and_casks() {
    let out = collect(&fixture());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.artifacts, expected());
    assert!(out.artifacts.iter().all(|a| a.publisher.is_none()));
    assert!(out.artifacts[0].fields.iter().filter(|f| f.value.contains("Hikvision")).all(|f| f.role == Role::Text));
}

/// No Homebrew: nothing, and no error.
#[test]
fn absent_homebrew_is_not_an_error() {
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

/// A per-user `~/.linuxbrew`, and a prefix reached through a symlink only once.
#[test]
fn per_user_prefix_and_symlinked_prefix() {
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture().join("home/linuxbrew/.linuxbrew"), &t.path().join("home/bob/.linuxbrew"));
    std::fs::create_dir_all(t.path().join("home/linuxbrew")).expect("mkdir");
    std::os::unix::fs::symlink("/home/bob/.linuxbrew", t.path().join("home/linuxbrew/.linuxbrew")).expect("symlink");
    let out = collect(t.path());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let paths: Vec<_> = out.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["/home/linuxbrew/.linuxbrew/Cellar/hello/2.12.1/INSTALL_RECEIPT.json"]);
}

/// Broken receipts and cask definitions are errors of their files; the keg or cask is still an
/// artifact. A cask without metadata is reported by its staged version directories.
#[test]
fn broken_copies_are_errors_not_panics() {
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), t.path());
    let base = t.path();
    let receipt = base.join("opt/homebrew/Cellar/camctl/0.9.2/INSTALL_RECEIPT.json");
    let receipt_text = std::fs::read_to_string(&receipt).expect("read");
    std::fs::write(&receipt, &receipt_text[..40]).expect("write");
    let cask = base.join("opt/homebrew/Caskroom/kaspersky-security-cloud/.metadata/21.3.10.391/20240501120000.000/Casks/kaspersky-security-cloud.json");
    let cask_text = std::fs::read_to_string(&cask).expect("read");
    std::fs::write(&cask, "\"just a string\"").expect("write");
    std::fs::remove_dir_all(base.join("opt/homebrew/Caskroom/firefox/.metadata")).expect("rm");

    let out = collect(base);
    let errors: Vec<_> =
        out.errors.iter().map(|e| (e.path.rsplit('/').next().unwrap_or(""), e.error.as_str())).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "INSTALL_RECEIPT.json");
    assert!(errors[0].1.starts_with("not JSON"));
    assert_eq!(errors[1], ("kaspersky-security-cloud.json", "not a JSON object"));
    assert_eq!(out.artifacts.len(), 6);
    let camctl = &out.artifacts[0];
    assert_eq!(camctl.path, "/opt/homebrew/Cellar/camctl/0.9.2/INSTALL_RECEIPT.json");
    assert!(camctl.fields.iter().all(|f| f.field != "brew.tap"));
    let firefox = &out.artifacts[3];
    assert_eq!(
        (firefox.path.as_str(), firefox.version.as_deref()),
        ("/opt/homebrew/Caskroom/firefox/125.0.3", Some("125.0.3"))
    );
    let kaspersky = &out.artifacts[4];
    // The cask tab still gives the tap.
    assert!(kaspersky.fields.iter().any(|f| f.field == "brew.tap" && f.value == "homebrew/cask"));

    // Every truncation of either JSON file never panics.
    for (path, text) in [(&receipt, &receipt_text), (&cask, &cask_text)] {
        for len in (0..text.len()).step_by(11) {
            std::fs::write(path, &text.as_bytes()[..len]).expect("write");
            let _ = collect(base);
        }
    }
}
