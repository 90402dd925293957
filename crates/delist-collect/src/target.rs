//! Scan targets: what the user names on the command line, and how each kind is collected.
//!
//! A target is detected by content, never by file name alone; a scheme prefix (`rootfs:`, `dir:`)
//! forces the kind. Kinds that later collectors will serve are recognised here so the error
//! says what is missing rather than "no such file".

use crate::{Context, Root, Sink, all};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// This machine, live.
    Live,
    /// An offline root filesystem.
    Rootfs,
    /// A plain folder of files.
    Dir,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Rootfs => "rootfs",
            Self::Dir => "dir",
        }
    }
}

/// A target ready to collect.
#[derive(Debug, Clone)]
pub struct Target {
    /// As the user wrote it (`rootfs:/mnt/img`), or `live` for this machine.
    pub input: String,
    pub kind: TargetKind,
    pub path: PathBuf,
}

/// Why a target cannot be scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Schemes CONTRACT names whose collectors this build does not have yet.
const LATER: &[&str] = &["file", "oci-archive", "docker-archive", "sbom", "nmap", "pcap", "leases", "inventory", "net"];

/// Top-level folders that make a directory an offline root filesystem.
const ROOT_MARKERS: &[&str] = &["etc", "usr", "var", "Windows", "Applications"];

fn looks_like_root(p: &Path) -> bool {
    ROOT_MARKERS.iter().any(|m| p.join(m).is_dir())
}

impl Target {
    /// This machine.
    pub fn live() -> Self {
        Self { input: "live".into(), kind: TargetKind::Live, path: PathBuf::from("/") }
    }

    /// Parses a target argument.
    pub fn parse(arg: &str) -> Result<Self, TargetError> {
        let (scheme, rest) = match arg.split_once(':') {
            Some((s, r)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') => (Some(s), r),
            _ => (None, arg),
        };
        let kind = match scheme {
            Some("rootfs") => Some(TargetKind::Rootfs),
            Some("dir") => Some(TargetKind::Dir),
            Some(s) if LATER.contains(&s) => {
                return Err(TargetError(format!(
                    "{arg}: `{s}:` targets are not supported by this version of delist yet"
                )));
            }
            Some(s) => {
                return Err(TargetError(format!(
                    "{arg}: unknown target scheme `{s}:` (known: rootfs:, dir:, {})",
                    LATER.iter().map(|l| format!("{l}:")).collect::<Vec<_>>().join(", ")
                )));
            }
            None => None,
        };
        let path = PathBuf::from(rest);
        let md = std::fs::metadata(&path).map_err(|e| TargetError(format!("{arg}: cannot read target: {e}")))?;
        if !md.is_dir() {
            return Err(TargetError(match kind {
                Some(k) => format!("{arg}: a {}: target must be a directory", k.as_str()),
                None => format!("{arg}: single-file targets are not supported by this version of delist yet"),
            }));
        }
        let kind = kind.unwrap_or(if looks_like_root(&path) { TargetKind::Rootfs } else { TargetKind::Dir });
        Ok(Self { input: arg.into(), kind, path })
    }

    /// Runs every collector that applies to this target. `progress` is told each step.
    pub fn collect(&self, out: &mut dyn Sink, progress: &dyn Fn(&str)) {
        let root = Root::new(&self.path);
        let label = match self.kind {
            TargetKind::Live => "live".to_string(),
            _ => self.input.clone(),
        };
        let cx = Context { target: &label, root: &root };
        match self.kind {
            TargetKind::Live | TargetKind::Rootfs => {
                for c in all() {
                    progress(c.id());
                    c.collect(&cx, out);
                }
            }
            // A plain folder holds files, not an installed system: its collectors are the
            // per-file ones (executables, installers), which arrive with the file walk.
            TargetKind::Dir => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_detection() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().display().to_string();
        assert_eq!(Target::parse(&p).expect("dir").kind, TargetKind::Dir);
        std::fs::create_dir(t.path().join("etc")).expect("mkdir");
        assert_eq!(Target::parse(&p).expect("root").kind, TargetKind::Rootfs);
        assert_eq!(Target::parse(&format!("dir:{p}")).expect("forced").kind, TargetKind::Dir);
        assert!(Target::parse("sbom:x.json").expect_err("later").0.contains("not supported"));
        assert!(Target::parse("bogus:x").expect_err("unknown").0.contains("unknown target scheme"));
        assert!(Target::parse("rootfs:/definitely/not/here").expect_err("missing").0.contains("cannot read"));
    }
}
