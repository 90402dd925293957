//! Live-only sources: what is running and attached on this machine — processes
//! ([`processes`]), loaded kernel modules ([`modules`]), USB and PCI devices ([`devices`]).
//!
//! They read the kernel's `/proc` and `/sys` directly (never through [`crate::Root`], which
//! serves files of a target, and never in an offline root, where nothing runs); both roots are
//! injectable ([`Roots`]) so tests read fixture trees. Every read is of a small attribute file,
//! bounded; nothing is written, signalled or loaded.

pub mod devices;
pub mod modules;
pub mod processes;

use crate::Sink;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where `/proc` and `/sys` are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    pub proc: PathBuf,
    pub sys: PathBuf,
}

impl Default for Roots {
    fn default() -> Self {
        Self { proc: PathBuf::from("/proc"), sys: PathBuf::from("/sys") }
    }
}

/// The largest attribute file read.
const MAX_ATTR: u64 = 64 * 1024;

/// A small text attribute (`/proc/PID/comm`, `/sys/…/idVendor`), trimmed; `None` if absent.
pub(crate) fn attr(path: &Path) -> Option<String> {
    let f = std::fs::File::open(path).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut buf = Vec::new();
    f.take(MAX_ATTR).read_to_end(&mut buf).ok()?;
    let s = String::from_utf8_lossy(&buf).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Runs every live source. Returns the executables of running processes (the file walk leaves
/// their own artifacts out: the process artifact already carries what the file says).
pub fn collect(roots: &Roots, target: &str, out: &mut dyn Sink, progress: &dyn Fn(&str)) -> BTreeSet<String> {
    progress("processes");
    let exes = processes::collect(&roots.proc, target, out);
    progress("modules");
    modules::collect(&roots.proc, target, out);
    progress("devices");
    devices::collect(&roots.sys, target, out);
    progress("hardware");
    crate::hardware::collect_live(roots, target, out);
    exes
}
