//! Loaded kernel modules: `/proc/modules`, each module's name matched against the catalog's
//! `driver` names (as `NAME.ko`). The file's format is the kernel's (`name size refcount deps
//! state address [taints]`); the parser is a pure function of its text.

use crate::Sink;
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use std::path::Path;

/// Modules read.
const MAX_MODULES: usize = 20_000;

/// One loaded module: its name and its taint flags (`O` out of tree, `E` unsigned…), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub name: String,
    pub taints: Option<String>,
}

/// Parses `/proc/modules`. Lines that do not start with a module name are skipped.
pub fn parse(text: &str) -> Vec<Loaded> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                return None;
            }
            let taints = l.rsplit_once('(').and_then(|(_, t)| t.strip_suffix(')')).map(String::from);
            Some(Loaded { name: name.to_string(), taints })
        })
        .take(MAX_MODULES)
        .collect()
}

pub fn collect(proc_root: &Path, target: &str, out: &mut dyn Sink) {
    let Some(text) = super::attr(&proc_root.join("modules")) else { return };
    for m in parse(&text) {
        let mut a = Artifact::new(ArtifactKind::KernelModule, &m.name, "/proc/modules", target)
            .field("kmod.file", format!("{}.ko", m.name), Role::Identifier(IdKind::Driver))
            .field("kmod.loaded", "true", Role::Other);
        if let Some(t) = &m.taints {
            a = a.field("kmod.taints", t, Role::Other);
        }
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_modules_lines() {
        let m = parse("kl1 16384 0 - Live 0xffffffffc0a00000 (OE)\nsnd 90112 2 snd_pcm, Live 0x0\n\n???\n");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0], Loaded { name: "kl1".into(), taints: Some("OE".into()) });
        assert_eq!(m[1].taints, None);
    }
}
