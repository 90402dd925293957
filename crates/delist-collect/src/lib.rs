//! delist's collectors: each turns one kind of source into [`Artifact`]s.
//!
//! A collector is one module per source (`dpkg`, `rpm`, `apk`, …) implementing [`Collector`],
//! registered in [`all`]. Collectors read only through [`Root`] (bounded, read-only, resolved
//! inside the target); their parsers are pure functions of bytes so they can be fuzzed. A broken
//! file or record becomes a [`ScanError`] in the output and the collector goes on.
//!
//! Where a new collector goes: a module here, a line in [`all`], fixtures under
//! `tests/fixtures/<module>/` with the script that made them. Files found on disk (executables,
//! installers, package files, archives) are read by the walk ([`walk`]) through the per-file
//! formats of [`files`].

pub mod apk;
pub mod browser;
pub mod container;
mod csv_reader;
pub mod dpkg;
mod excerpt;
pub mod feed;
pub mod files;
pub mod flatpak;
pub mod hardware;
pub mod homebrew;
pub mod inventory;
pub mod kmod;
pub mod live;
pub mod macos;
pub mod network;
pub mod pacman;
pub mod root;
pub mod rpm;
pub mod sbom;
pub mod snap;
pub mod systemd;
pub mod target;
pub mod truststore;
pub mod walk;
pub mod windows;
mod x509_name;

use delist_core::{Artifact, ScanError};
pub use root::Root;

/// Where collectors put what they read. A scan evaluates each artifact as it arrives and keeps
/// only findings, so memory does not grow with the size of a source (a 100,000-component SBOM);
/// an inventory keeps everything ([`Output`]).
pub trait Sink {
    fn push(&mut self, artifact: Artifact);
    fn push_error(&mut self, error: ScanError);
}

impl dyn Sink + '_ {
    /// Records a problem with a file or record; never fatal to the scan.
    pub fn error(&mut self, path: &str, error: impl std::fmt::Display) {
        self.push_error(ScanError { path: path.to_string(), error: error.to_string() });
    }
}

/// A sink that keeps everything: for `delist inventory` and for tests.
#[derive(Debug, Default)]
pub struct Output {
    pub artifacts: Vec<Artifact>,
    pub errors: Vec<ScanError>,
}

impl Output {
    pub fn error(&mut self, path: &str, error: impl std::fmt::Display) {
        self.errors.push(ScanError { path: path.to_string(), error: error.to_string() });
    }
}

impl Sink for Output {
    fn push(&mut self, artifact: Artifact) {
        self.artifacts.push(artifact);
    }

    fn push_error(&mut self, error: ScanError) {
        self.errors.push(error);
    }
}

/// Where the collector is running: the target as the user wrote it, and its files.
pub struct Context<'a> {
    /// The target as given (`rootfs:/mnt/img`, `/` for the live machine).
    pub target: &'a str,
    pub root: &'a Root,
}

/// One kind of source.
pub trait Collector: Send + Sync {
    /// Stable kebab-case name (`dpkg`), shown in progress and `--help`.
    fn id(&self) -> &'static str;
    /// Reads its source under the root, if present, into `out`. Absence is not an error.
    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink);
}

/// Every collector of an installed system (package databases, macOS records, browser profiles,
/// trust stores), in the order they run; the file walk follows them.
pub fn all() -> Vec<Box<dyn Collector>> {
    vec![
        Box::new(dpkg::Dpkg),
        Box::new(rpm::Rpm),
        Box::new(apk::Apk),
        Box::new(pacman::Pacman),
        Box::new(snap::Snap),
        Box::new(flatpak::Flatpak),
        Box::new(homebrew::Homebrew),
        Box::new(macos::receipts::Receipts),
        Box::new(macos::launchd::Launchd),
        Box::new(macos::kext::Extensions),
        Box::new(truststore::TrustStore),
        Box::new(browser::chromium::Chromium),
        Box::new(browser::firefox::Firefox),
        // Reads only a root holding Windows/System32/config.
        Box::new(windows::WindowsRegistry),
        Box::new(systemd::Systemd),
        Box::new(kmod::Kmod),
    ]
}
