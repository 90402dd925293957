//! Storage devices from sysfs: `/sys/block/<dev>/device/{vendor,model,rev,firmware_rev}` for
//! SCSI/SATA/virtio disks and `/sys/class/nvme/<ctrl>/{model,firmware_rev}` (with the
//! controller's PCI vendor id in `device/vendor`) for NVMe. Live only: the roots are injected.
//!
//! Reads small attribute files through [`crate::live::attr`] (bounded); virtual block devices
//! (loop, ram, zram, device-mapper, md) have no `device` and are skipped.

use std::path::Path;

/// One storage device as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disk {
    /// `sda`, `nvme0`.
    pub name: String,
    /// Where it was read, `/`-rooted inside the sys root (`/sys/block/sda/device`).
    pub path: String,
    /// The SCSI vendor field (`ATA` for every SATA disk: the transport, not the maker).
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    /// The NVMe controller's PCI vendor id, 4 hex digits.
    pub pci_vendor: Option<String>,
}

/// The most devices read from one directory.
const MAX_DEVICES: usize = 4096;

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .take(MAX_DEVICES)
        .collect();
    names.sort();
    names
}

/// Every disk under the sys root.
pub fn disks(sys: &Path) -> Vec<Disk> {
    let attr = crate::live::attr;
    let mut out = Vec::new();
    for name in entries(&sys.join("block")) {
        if name.starts_with("nvme") {
            continue; // read from its controller below
        }
        let dev = sys.join("block").join(&name).join("device");
        if !dev.is_dir() {
            continue;
        }
        out.push(Disk {
            path: format!("/sys/block/{name}/device"),
            vendor: attr(&dev.join("vendor")),
            model: attr(&dev.join("model")),
            firmware: attr(&dev.join("rev")).or_else(|| attr(&dev.join("firmware_rev"))),
            pci_vendor: None,
            name,
        });
    }
    for name in entries(&sys.join("class/nvme")) {
        let dir = sys.join("class/nvme").join(&name);
        let model = attr(&dir.join("model"));
        if model.is_none() {
            continue;
        }
        out.push(Disk {
            path: format!("/sys/class/nvme/{name}"),
            vendor: None,
            model,
            firmware: attr(&dir.join("firmware_rev")),
            pci_vendor: attr(&dir.join("device/vendor")).and_then(|v| crate::live::devices::hex_id(&v)),
            name,
        });
    }
    out
}
