//! USB and PCI devices: `/sys/bus/usb/devices/*/idVendor` and `/sys/bus/pci/devices/*/vendor`,
//! matched against the catalog's `usb` and `pci` vendor ids (`confirmed`: the id is assigned to
//! the vendor by USB-IF or PCI-SIG). The device's own manufacturer string is kept as a
//! publisher field, and hwdata's name of the vendor id (`pci.vendor_name`, `usb.vendor_name`) as
//! a field shown in the inventory. USB interfaces (`1-1:1.0`) carry no ids and are skipped.

use super::attr;
use crate::Sink;
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use std::path::Path;

/// Devices read per bus.
const MAX_DEVICES: usize = 10_000;

/// A 4-hex-digit id as sysfs writes it (`12d1`, `0x19e5`), lower-case; `None` if it is not one.
pub fn hex_id(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

fn devices(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<(String, std::path::PathBuf)> =
        rd.flatten().take(MAX_DEVICES).map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())).collect();
    v.sort();
    v
}

pub fn collect(sys_root: &Path, target: &str, out: &mut dyn Sink) {
    for (name, dev) in devices(&sys_root.join("bus/usb/devices")) {
        let Some(vendor) = attr(&dev.join("idVendor")).and_then(|v| hex_id(&v)) else { continue };
        let product_id = attr(&dev.join("idProduct")).and_then(|v| hex_id(&v)).unwrap_or_else(|| "????".into());
        let product = attr(&dev.join("product"));
        let label = product.clone().unwrap_or_else(|| format!("usb {vendor}:{product_id}"));
        let mut a = Artifact::new(ArtifactKind::UsbDevice, label, format!("/sys/bus/usb/devices/{name}"), target)
            .field("usb.vendor_id", &vendor, Role::Identifier(IdKind::Usb))
            .field("usb.product_id", &product_id, Role::Other);
        if let Some(n) = crate::hardware::hwdata::system().usb.get(&vendor) {
            a = a.field("usb.vendor_name", n, Role::Other);
        }
        if let Some(m) = attr(&dev.join("manufacturer")) {
            a = a.field("usb.manufacturer", m, Role::Publisher);
        }
        if let Some(p) = product {
            a = a.field("usb.product", p, Role::Other);
        }
        out.push(a);
    }
    for (name, dev) in devices(&sys_root.join("bus/pci/devices")) {
        let Some(vendor) = attr(&dev.join("vendor")).and_then(|v| hex_id(&v)) else { continue };
        let device = attr(&dev.join("device")).and_then(|v| hex_id(&v)).unwrap_or_else(|| "????".into());
        let mut a = Artifact::new(
            ArtifactKind::PciDevice,
            format!("pci {vendor}:{device}"),
            format!("/sys/bus/pci/devices/{name}"),
            target,
        )
        .field("pci.vendor_id", &vendor, Role::Identifier(IdKind::Pci))
        .field("pci.device_id", &device, Role::Other);
        // The registry's name of the vendor, shown only: the id is the evidence.
        if let Some(n) = crate::hardware::hwdata::system().pci.get(&vendor) {
            a = a.field("pci.vendor_name", n, Role::Other);
        }
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::hex_id;

    #[test]
    fn ids() {
        assert_eq!(hex_id("0x19E5\n").as_deref(), Some("19e5"));
        assert_eq!(hex_id("12d1").as_deref(), Some("12d1"));
        assert_eq!(hex_id("12d10"), None);
        assert_eq!(hex_id("zzzz"), None);
    }
}
