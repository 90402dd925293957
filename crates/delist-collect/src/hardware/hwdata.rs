//! hwdata's `pci.ids` and `usb.ids`: vendor id → vendor name, so that a live PCI or USB device
//! carries the registry's name of its vendor beside its id (`pci.vendor_name`).
//!
//! A pure function of text: top-level lines `abcd  Name` are vendors; device lines start with a
//! tab; the class and other sections at the end start with a letter and a space. The names are
//! shown, never evidence: the id is what the catalog matches.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// The most vendors kept (pci.ids has about 2,500, usb.ids about 3,500).
const MAX_VENDORS: usize = 100_000;
/// The largest ids file read.
const MAX_FILE: u64 = 16 << 20;

/// Vendor id (4 lower-case hex digits) → name.
pub fn vendor_names(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        if out.len() >= MAX_VENDORS {
            break;
        }
        let Some((id, name)) = line.split_once("  ") else { continue };
        if id.len() == 4 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            let name = name.trim();
            if !name.is_empty() {
                out.insert(id.to_ascii_lowercase(), name.to_string());
            }
        }
    }
    out
}

/// The machine's PCI and USB vendor names, read once from `/usr/share/hwdata` or
/// `/usr/share/misc` (empty where neither exists).
pub struct Names {
    pub pci: HashMap<String, String>,
    pub usb: HashMap<String, String>,
}

fn load(file: &str) -> HashMap<String, String> {
    for dir in ["/usr/share/hwdata", "/usr/share/misc"] {
        if let Ok(bytes) = super::read_bounded(&Path::new(dir).join(file), MAX_FILE) {
            return vendor_names(&String::from_utf8_lossy(&bytes));
        }
    }
    HashMap::new()
}

/// The live machine's names (read on first use).
pub fn system() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| Names { pci: load("pci.ids"), usb: load("usb.ids") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendors_only() {
        let t = "# comment\n8086  Intel Corporation\n\t0d57  Device\n1344  Micron Technology Inc\nC 00  Unclassified device\n\t00  Non-VGA\n";
        let n = vendor_names(t);
        assert_eq!(n.get("8086").map(String::as_str), Some("Intel Corporation"));
        assert_eq!(n.get("1344").map(String::as_str), Some("Micron Technology Inc"));
        assert_eq!(n.len(), 2);
    }
}
