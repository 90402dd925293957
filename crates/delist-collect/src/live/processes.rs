//! Running processes: `/proc/PID/exe` resolved to the program's path, one `process` artifact per
//! program (its PIDs listed), attributed by the program file itself through the per-file formats
//! ([`crate::files`]: signatures, package notes, version resources) and by its path (a program
//! under a covered product's `install-path`) and file name (the catalog's `process` names).
//!
//! The program is read through `/proc/PID/exe`, so a program deleted since it started (`…
//! (deleted)`) is still read. A process that cannot be looked at (a kernel thread, another
//! user's without privileges) is skipped: that is the normal state of `/proc`, not an error.

use crate::Sink;
use crate::container::layers::Region;
use crate::files::{self, Place};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use std::collections::BTreeMap;
use std::path::Path;

/// PIDs looked at.
const MAX_PROCESSES: usize = 100_000;
/// PIDs listed on one artifact.
const MAX_PIDS: usize = 16;

struct Program {
    pids: Vec<u32>,
    comm: Option<String>,
    deleted: bool,
    /// `PROC/PID/exe` of the first process: where the program is read from.
    handle: std::path::PathBuf,
}

/// Reads the processes under `proc_root`; returns the paths of their programs.
pub fn collect(proc_root: &Path, target: &str, out: &mut dyn Sink) -> std::collections::BTreeSet<String> {
    let Ok(dir) = std::fs::read_dir(proc_root) else { return Default::default() };
    let mut programs: BTreeMap<String, Program> = BTreeMap::new();
    for e in dir.flatten().take(MAX_PROCESSES) {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let handle = e.path().join("exe");
        let Ok(link) = std::fs::read_link(&handle) else { continue };
        let link = link.to_string_lossy().into_owned();
        let (exe, deleted) = match link.strip_suffix(" (deleted)") {
            Some(p) => (p.to_string(), true),
            None => (link, false),
        };
        let p = programs.entry(exe).or_insert_with(|| Program {
            pids: Vec::new(),
            comm: super::attr(&e.path().join("comm")),
            deleted,
            handle,
        });
        if p.pids.len() < MAX_PIDS {
            p.pids.push(pid);
        }
    }
    let formats = files::formats();
    for (exe, p) in &programs {
        let name = p.comm.clone().unwrap_or_else(|| exe.rsplit('/').next().unwrap_or(exe).to_string());
        let mut a = Artifact::new(ArtifactKind::Process, name, exe.as_str(), target)
            .field("process.exe", exe.as_str(), Role::Identifier(IdKind::InstallPath))
            .field("process.file", exe.rsplit('/').next().unwrap_or(exe), Role::Identifier(IdKind::Process));
        let mut pids = p.pids.clone();
        pids.sort_unstable();
        let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
        a = a.field("process.pids", pids.join(" "), Role::Other);
        if p.deleted {
            a = a.field("process.deleted", "true", Role::Other);
        }
        // A process that ended, or another user's without privileges: nothing to read.
        if let Ok(file) = Region::open(&p.handle) {
            match files::inspect(&formats, &file, Place { path: exe, target, depth: 0 }) {
                Some(Ok(found)) => {
                    if let Some(f) = found.into_iter().next() {
                        a = merge(a, f);
                    }
                }
                Some(Err(e)) => out.error(exe, e),
                None => {}
            }
        }
        out.push(a);
    }
    programs.into_keys().collect()
}

/// The process artifact with what its program file said.
fn merge(mut a: Artifact, f: Artifact) -> Artifact {
    a.version = a.version.or(f.version);
    a.publisher = a.publisher.or(f.publisher);
    a.ids.extend(f.ids);
    a.fields.extend(f.fields);
    a.signer = a.signer.or(f.signer);
    a.other_signers.extend(f.other_signers);
    a.sha256 = a.sha256.or(f.sha256);
    a
}
