//! kmod: out-of-tree Linux kernel modules under `/lib/modules` and `/usr/lib/modules`
//! (`.ko`, and `.ko.xz`, `.ko.zst`, `.ko.gz` as distributions compress them).
//!
//! A module says who wrote it in its ELF `.modinfo` section (`author=`, `vendor=` — publisher
//! fields, `likely` when they name a vendor — and `description=`, text, never evidence). Only
//! out-of-tree modules are artifacts: the `kernel/` tree of each kernel version and any module
//! marked `intree=Y` ship with the kernel itself (Linux carries drivers *for* vendors' hardware,
//! some written by the vendor: hardware support, not the vendor's product on the machine).
//! DKMS and vendor packages put theirs under `updates/`, `extra/` or `misc/`, all read here.
//!
//! The `.modinfo` parser is a pure function of the module's bytes (goblin reads the section
//! headers; fuzz target `live`); decompression is bounded. It never loads a module or runs
//! modinfo.

use crate::files::archive::{Codec, read_capped};
use crate::{Collector, Context, Sink, root::join};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

const BASES: &[&str] = &["/lib/modules", "/usr/lib/modules"];
/// Entries listed per directory.
const MAX_ENTRIES: usize = 20_000;
/// Directory levels below a kernel version's directory.
const MAX_DEPTH: usize = 8;
/// Module files read per kernel version.
const MAX_MODULES: usize = 5_000;
/// The largest module read (compressed, and unpacked).
const MAX_MODULE: u64 = 64 << 20;

/// The `key=value` strings of an ELF's `.modinfo` section, in order.
pub fn modinfo(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    use goblin::container::{Container, Ctx};
    use goblin::elf::{Elf, SectionHeader};
    // Only the header, the section headers and their names are parsed (goblin bounds the count
    // by the file's size): a module's symbols and relocations are not needed.
    let h = Elf::parse_header(bytes).map_err(|e| format!("not an ELF kernel module: {e}"))?;
    let container = if h.e_ident.get(goblin::elf::header::EI_CLASS) == Some(&goblin::elf::header::ELFCLASS64) {
        Container::Big
    } else {
        Container::Little
    };
    let le = goblin::container::Endian::from(
        h.e_ident.get(goblin::elf::header::EI_DATA) != Some(&goblin::elf::header::ELFDATA2MSB),
    );
    let ctx = Ctx::new(container, le);
    let off = usize::try_from(h.e_shoff).map_err(|_| "bad section header offset")?;
    let shdrs = SectionHeader::parse(bytes, off, usize::from(h.e_shnum), ctx)
        .map_err(|e| format!("not an ELF kernel module: section headers: {e}"))?;
    let names = shdrs.get(usize::from(h.e_shstrndx)).ok_or("no section name table: not a kernel module")?;
    let names_at = usize::try_from(names.sh_offset).map_err(|_| "bad section name table")?;
    let names_len = usize::try_from(names.sh_size).map_err(|_| "bad section name table")?;
    let names = names_at
        .checked_add(names_len)
        .and_then(|end| bytes.get(names_at..end))
        .ok_or("section name table runs past the end of the file")?;
    let name_of = |s: &SectionHeader| {
        let rest = names.get(s.sh_name..)?;
        rest.split(|b| *b == 0).next()
    };
    let sh = shdrs
        .iter()
        .find(|s| name_of(s) == Some(b".modinfo".as_slice()))
        .ok_or("no .modinfo section: not a kernel module")?;
    let start = usize::try_from(sh.sh_offset).map_err(|_| "bad .modinfo offset")?;
    let len = usize::try_from(sh.sh_size).map_err(|_| "bad .modinfo size")?;
    let data = start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| format!(".modinfo at {start}+{len} runs past the end of the file ({} bytes)", bytes.len()))?;
    Ok(data
        .split(|b| *b == 0)
        .filter_map(|s| {
            let s = String::from_utf8_lossy(s);
            let (k, v) = s.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .take(4096)
        .collect())
}

/// The module's bytes: decompressed by its suffix.
fn unpack(name: &str, raw: Vec<u8>) -> Result<Vec<u8>, String> {
    let codec = if name.ends_with(".ko") {
        return Ok(raw);
    } else {
        Codec::sniff(&raw).ok_or("a compressed module that is not xz, zstd or gzip")?
    };
    let mut r = codec.decoder(raw.as_slice()).map_err(|e| e.to_string())?;
    read_capped(&mut r, MAX_MODULE, "module").map_err(|e| format!("{}: {e}", codec.name()))
}

fn is_module(name: &str) -> bool {
    [".ko", ".ko.xz", ".ko.zst", ".ko.gz"].iter().any(|s| name.ends_with(s))
}

/// A `kernel-module` artifact from a module's `.modinfo`; `None` for an in-tree module.
pub fn artifact(file: &str, info: &[(String, String)], path: &str, target: &str) -> Option<Artifact> {
    let get = |k: &str| info.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if get("intree") == Some("Y") {
        return None;
    }
    let stem = file.split(".ko").next().unwrap_or(file);
    let name = get("name").filter(|n| !n.is_empty()).unwrap_or(stem);
    let mut a = Artifact::new(ArtifactKind::KernelModule, name, path, target).field(
        "kmod.file",
        format!("{stem}.ko"),
        Role::Identifier(IdKind::Driver),
    );
    if let Some(v) = get("version") {
        a = a.version(v);
    }
    for (k, v) in info {
        let role = match k.as_str() {
            "author" | "vendor" => Role::Publisher,
            "description" => Role::Text,
            "license" | "srcversion" | "vermagic" => Role::Other,
            _ => continue,
        };
        a = a.field(&format!("kmod.{k}"), v, role);
    }
    Some(a)
}

/// The kernel module collector.
pub struct Kmod;

impl Kmod {
    /// Out-of-tree module files under one kernel version's directory, depth first.
    fn modules(cx: &Context<'_>, dir: &str, depth: usize, found: &mut Vec<String>, out: &mut dyn Sink) {
        if depth > MAX_DEPTH || found.len() >= MAX_MODULES {
            return;
        }
        let entries = match cx.root.read_dir(dir, MAX_ENTRIES) {
            Ok(e) => e,
            Err(e) => {
                out.error(dir, format!("cannot list: {e}"));
                return;
            }
        };
        for e in entries {
            // The kernel's own tree (and the build/source links into a kernel tree).
            if depth == 0 && matches!(e.name.as_str(), "kernel" | "build" | "source") {
                continue;
            }
            let p = join(dir, &e.name);
            if e.is_dir {
                Self::modules(cx, &p, depth + 1, found, out);
            } else if e.is_file && is_module(&e.name) && found.len() < MAX_MODULES {
                found.push(p);
            }
        }
    }
}

impl Collector for Kmod {
    fn id(&self) -> &'static str {
        "kmod"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let mut seen = Vec::new();
        for base in BASES {
            if !cx.root.is_dir(base) {
                continue;
            }
            if let Ok(id) = cx.root.identity(base) {
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
            }
            let versions = match cx.root.read_dir(base, MAX_ENTRIES) {
                Ok(v) => v,
                Err(e) => {
                    out.error(base, format!("cannot list: {e}"));
                    continue;
                }
            };
            for v in versions.iter().filter(|v| v.is_dir) {
                let mut found = Vec::new();
                Self::modules(cx, &join(base, &v.name), 0, &mut found, out);
                for path in found {
                    let file = path.rsplit('/').next().unwrap_or(&path);
                    let info = cx
                        .root
                        .read(&path, MAX_MODULE)
                        .map_err(|e| format!("cannot read module: {e}"))
                        .and_then(|raw| unpack(file, raw))
                        .and_then(|b| modinfo(&b));
                    match info {
                        Ok(info) => {
                            if let Some(a) = artifact(file, &info, &path, cx.target) {
                                out.push(a);
                            }
                        }
                        Err(e) => out.error(&path, e),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_tree_modules_are_not_artifacts() {
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert!(artifact("x.ko", &[kv("intree", "Y"), kv("author", "Huawei")], "/p", "t").is_none());
        let a = artifact("kl.ko.xz", &[kv("author", "AO Kaspersky Lab"), kv("version", "1")], "/p", "t").expect("a");
        assert_eq!(
            (a.name.as_str(), a.version.as_deref(), a.publisher.as_deref()),
            ("kl", Some("1"), Some("AO Kaspersky Lab"))
        );
        assert!(modinfo(b"\x7fELF garbage").is_err());
        assert!(modinfo(b"").is_err());
    }

    #[test]
    fn the_fixture_module_and_broken_copies() {
        let ko = include_bytes!("../tests/fixtures/live/root/lib/modules/6.1.0-fixture/updates/dkms/klfixture.ko");
        let info = modinfo(ko).expect("modinfo");
        assert!(info.contains(&("author".into(), "AO Kaspersky Lab".into())), "{info:?}");
        for len in 0..ko.len() {
            assert!(modinfo(&ko[..len]).is_err() || len > 64, "cut at {len}");
        }
        let mut flipped = ko.to_vec();
        for i in (0..flipped.len()).step_by(61) {
            flipped[i] ^= 0x55;
            let _ = modinfo(&flipped);
        }
        let xz = include_bytes!("../tests/fixtures/live/root/lib/modules/6.1.0-fixture/extra/klfixture-xz.ko.xz");
        let info = unpack("klfixture-xz.ko.xz", xz.to_vec()).and_then(|b| modinfo(&b)).expect("xz");
        assert!(info.contains(&("name".into(), "klfixture_xz".into())));
        assert!(unpack("x.ko.xz", xz[..xz.len() / 2].to_vec()).is_err());
        assert!(unpack("x.ko.gz", b"plain".to_vec()).is_err());
    }
}
