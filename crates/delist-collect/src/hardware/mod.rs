//! Hardware inventory: processors, memory modules, storage devices and PCI devices, as
//! artifacts of kinds `cpu`, `memory-module`, `storage-device` and `pci-device`.
//!
//! Owns reading what a machine says about its hardware, one module per source:
//! - [`cpuinfo`]: `/proc/cpuinfo` (CPUID manufacturer string and model name);
//! - [`smbios`]: SMBIOS type 17 memory devices from `/sys/firmware/dmi/entries/17-*/raw` and from
//!   an offline `dmidecode --dump-bin` file;
//! - [`storage`]: `/sys/block/*/device` and `/sys/class/nvme/*`;
//! - [`lshw`] and [`lspci`]: `lshw -json` and `lspci -vmm` outputs given as `inventory:` inputs;
//! - [`hwdata`]: the machine's `pci.ids`/`usb.ids` vendor names for live PCI and USB devices.
//!
//! The live sources read the kernel's `/proc` and `/sys` (their roots injectable through
//! [`crate::live::Roots`], never an offline root's, where no kernel runs); the file formats are
//! told by content ([`sniff`]). Parsers are pure functions of bytes or text with fuzz targets.
//! This module never attributes: a manufacturer string is a publisher field, a part number or
//! disk model a `model-prefix` identifier, a CPUID string a `cpu-vendor` identifier, a PCI id a
//! `pci` identifier, and the matcher weighs them.

pub mod cpuinfo;
pub mod hwdata;
pub mod lshw;
pub mod lspci;
pub mod smbios;
pub mod storage;

use crate::Sink;
use crate::live::Roots;
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use std::io::Read;
use std::path::Path;

/// The largest hardware file read (a dump-bin is a few KiB; lshw of a big server a few MiB).
const MAX_FILE: u64 = 64 << 20;
/// The largest `/proc/cpuinfo` read (about 1.5 KiB per logical CPU).
const MAX_CPUINFO: u64 = 16 << 20;
/// The largest DMI entry read (a structure is at most 255 bytes plus its strings).
const MAX_ENTRY: u64 = 64 << 10;
/// DMI entries read.
const MAX_ENTRIES: usize = 4096;

/// A hardware description file delist reads as an `inventory:` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DmiDump,
    LshwJson,
    LspciVmm,
}

/// Which hardware format the first bytes of a file are, if any.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"_SM3_") || head.starts_with(b"_SM_") || head.starts_with(b"_DMI_") {
        Some(Format::DmiDump)
    } else if lshw::sniff(head) {
        Some(Format::LshwJson)
    } else if lspci::sniff(head) {
        Some(Format::LspciVmm)
    } else {
        None
    }
}

fn read_bounded(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut buf = Vec::new();
    f.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A vendor name without the short name hwdata appends (`Advanced Micro Devices, Inc. [AMD]`).
fn maker(name: &str) -> String {
    let n = name.trim();
    match n.rfind(" [") {
        Some(i) if n.ends_with(']') => n[..i].trim().to_string(),
        _ => n.to_string(),
    }
}

pub fn cpu_artifact(c: &cpuinfo::Cpu, path: &str, target: &str) -> Artifact {
    let name = c.model_name.clone().or_else(|| c.vendor_id.clone()).unwrap_or_else(|| "processor".into());
    let mut a = Artifact::new(ArtifactKind::Cpu, name, path, target);
    if let Some(v) = &c.vendor_id {
        a = a.field("cpu.vendor_id", v, Role::Identifier(IdKind::CpuVendor));
    }
    if let Some(m) = &c.model_name {
        a = a.field("cpu.model_name", m, Role::Other);
    }
    a.field("cpu.count", c.count.to_string(), Role::Other)
}

pub fn processor_artifact(p: &smbios::Processor, path: &str, target: &str) -> Artifact {
    let name = p.version.clone().or_else(|| p.socket.clone()).unwrap_or_else(|| format!("handle {:#06x}", p.handle));
    let mut a = Artifact::new(ArtifactKind::Cpu, name, path, target);
    if let Some(m) = &p.manufacturer {
        a = a.field("cpu.manufacturer", m, Role::Publisher);
    }
    for (k, v) in [("cpu.version", &p.version), ("cpu.socket", &p.socket)] {
        if let Some(v) = v {
            a = a.field(k, v, Role::Other);
        }
    }
    a
}

pub fn memory_artifact(m: &smbios::MemoryDevice, path: &str, target: &str) -> Artifact {
    let name =
        m.part_number.clone().or_else(|| m.locator.clone()).unwrap_or_else(|| format!("handle {:#06x}", m.handle));
    let mut a = Artifact::new(ArtifactKind::MemoryModule, name, path, target);
    if let Some(v) = &m.manufacturer {
        a = a.field("memory.manufacturer", v, Role::Publisher);
    }
    if let Some(v) = &m.part_number {
        a = a.field("memory.part_number", v, Role::Identifier(IdKind::ModelPrefix));
    }
    for (k, v) in [("memory.locator", &m.locator), ("memory.bank", &m.bank), ("memory.serial", &m.serial)] {
        if let Some(v) = v {
            a = a.field(k, v, Role::Other);
        }
    }
    if let Some(s) = m.size_mib {
        a = a.field("memory.size_mib", s.to_string(), Role::Other);
    }
    a
}

pub fn disk_artifact(d: &storage::Disk, target: &str) -> Artifact {
    let name = d.model.clone().unwrap_or_else(|| d.name.clone());
    let mut a = Artifact::new(ArtifactKind::StorageDevice, name, &d.path, target);
    // `ATA` is the transport SCSI reports for every SATA disk, not a maker.
    // A virtio disk's `vendor` is the PCI id of virtio (`0x1af4`), not a name.
    if let Some(v) = d.vendor.as_deref().filter(|v| !v.eq_ignore_ascii_case("ATA") && !v.starts_with("0x")) {
        a = a.field("storage.vendor", v, Role::Publisher);
    }
    if let Some(m) = &d.model {
        a = a.field("storage.model", m, Role::Identifier(IdKind::ModelPrefix));
    }
    if let Some(p) = &d.pci_vendor {
        a = a.field("storage.pci_vendor", p, Role::Identifier(IdKind::Pci));
    }
    if let Some(f) = &d.firmware {
        a = a.version(f.clone()).field("storage.firmware", f, Role::Other);
    }
    a.field("storage.device", &d.name, Role::Other)
}

fn lshw_artifact(n: &lshw::Node, path: &str, target: &str) -> Artifact {
    let (kind, prefix) = match n.kind {
        lshw::NodeKind::Processor => (ArtifactKind::Cpu, "lshw.processor"),
        lshw::NodeKind::MemoryBank => (ArtifactKind::MemoryModule, "lshw.memory"),
        lshw::NodeKind::Disk => (ArtifactKind::StorageDevice, "lshw.disk"),
    };
    let name = n.product.clone().or_else(|| n.description.clone()).unwrap_or_else(|| n.id.clone());
    let mut a = Artifact::new(kind, name, path, target);
    if let Some(v) = &n.vendor {
        a = a.field(&format!("{prefix}.vendor"), maker(v), Role::Publisher);
    }
    if let Some(p) = &n.product {
        // A processor's product is its model name (text); a bank's or disk's is its part number.
        let role =
            if n.kind == lshw::NodeKind::Processor { Role::Other } else { Role::Identifier(IdKind::ModelPrefix) };
        a = a.field(&format!("{prefix}.product"), p, role);
    }
    if let Some(v) = &n.version {
        a = a.version(v.clone());
    }
    for (k, v) in [("id", Some(&n.id)), ("businfo", n.businfo.as_ref()), ("description", n.description.as_ref())] {
        if let Some(v) = v {
            a = a.field(&format!("{prefix}.{k}"), v, Role::Other);
        }
    }
    a
}

fn lspci_artifact(r: &lspci::PciRecord, path: &str, target: &str) -> Artifact {
    let name = r.device.clone().unwrap_or_else(|| r.slot.clone());
    let mut a = Artifact::new(ArtifactKind::PciDevice, name, path, target).field("pci.slot", &r.slot, Role::Other);
    if let Some(v) = &r.vendor {
        a = a.field("pci.vendor", maker(v), Role::Publisher);
    }
    if let Some(id) = &r.vendor_id {
        a = a.field("pci.vendor_id", id, Role::Identifier(IdKind::Pci));
    }
    for (k, v) in [("pci.class", &r.class), ("pci.device", &r.device), ("pci.subsystem_vendor", &r.subsystem_vendor)] {
        if let Some(v) = v {
            a = a.field(k, v, Role::Other);
        }
    }
    a
}

/// Reads a hardware file's bytes into the sink (the pure entry point the fuzz targets drive).
pub fn read(bytes: &[u8], format: Format, path: &str, target: &str, out: &mut dyn Sink) {
    match format {
        Format::DmiDump => match smbios::parse_dump(bytes) {
            Ok((ps, ms)) => {
                ps.iter().for_each(|p| out.push(processor_artifact(p, path, target)));
                ms.iter().for_each(|m| out.push(memory_artifact(m, path, target)));
            }
            Err(e) => out.error(path, format!("dmidecode dump: {e}")),
        },
        Format::LshwJson => match lshw::parse(bytes) {
            Ok(ns) => ns.iter().for_each(|n| out.push(lshw_artifact(n, path, target))),
            Err(e) => out.error(path, format!("lshw -json: {e}")),
        },
        Format::LspciVmm => match lspci::parse(&String::from_utf8_lossy(bytes)) {
            Ok(rs) => rs.iter().for_each(|r| out.push(lspci_artifact(r, path, target))),
            Err(e) => out.error(path, format!("lspci -vmm: {e}")),
        },
    }
}

/// Reads one hardware file given as an `inventory:` input. Returns false if it is none.
pub fn collect_file(path: &Path, target: &str, out: &mut dyn Sink) -> bool {
    let label = format!("/{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    // Only the head is read to tell the format: an app inventory goes on streaming elsewhere.
    let Ok(head) = read_bounded(path, 4096) else { return false };
    let Some(format) = sniff(&head) else { return false };
    match read_bounded(path, MAX_FILE) {
        Ok(bytes) => read(&bytes, format, &label, target, out),
        Err(e) => out.error(&label, format!("cannot read: {e}")),
    }
    true
}

/// The live machine's processors, memory modules and storage devices.
pub fn collect_live(roots: &Roots, target: &str, out: &mut dyn Sink) {
    if let Ok(bytes) = read_bounded(&roots.proc.join("cpuinfo"), MAX_CPUINFO) {
        match cpuinfo::parse(&String::from_utf8_lossy(&bytes)) {
            Ok(cpus) => cpus.iter().for_each(|c| out.push(cpu_artifact(c, "/proc/cpuinfo", target))),
            Err(e) => out.error("/proc/cpuinfo", e),
        }
    }
    let entries = roots.sys.join("firmware/dmi/entries");
    let mut names: Vec<String> = std::fs::read_dir(&entries)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("17-"))
        .take(MAX_ENTRIES)
        .collect();
    names.sort_by_key(|n| (n.len(), n.clone()));
    for n in names {
        let label = format!("/sys/firmware/dmi/entries/{n}/raw");
        match read_bounded(&entries.join(&n).join("raw"), MAX_ENTRY) {
            Ok(bytes) => match smbios::parse_entry(&bytes) {
                Ok(Some(m)) => out.push(memory_artifact(&m, &label, target)),
                Ok(None) => {}
                Err(e) => out.error(&label, format!("SMBIOS type 17: {e}")),
            },
            Err(e) => out.error(&label, format!("cannot read: {e}")),
        }
    }
    for d in storage::disks(&roots.sys) {
        out.push(disk_artifact(&d, target));
    }
}
