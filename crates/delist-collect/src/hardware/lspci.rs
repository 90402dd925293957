//! `lspci -vmm` output (and `-vmmnn`, which adds `[vendor id]`): one PCI device per record,
//! records separated by blank lines, `Tag:\tvalue` lines (pciutils' "machine readable" format).
//!
//! A pure function of text. The vendor name comes from the hwdata `pci.ids` of the machine that
//! ran lspci; a bracketed id (`Intel Corporation [8086]`) is the vendor id itself.

/// One device record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PciRecord {
    pub slot: String,
    pub class: Option<String>,
    /// The vendor's name without a trailing `[…]` (hwdata writes `Advanced Micro Devices, Inc.
    /// [AMD]`: the bracket is a short name, or with `-nn` the id).
    pub vendor: Option<String>,
    /// The 4-hex-digit vendor id, where `-nn` gave it.
    pub vendor_id: Option<String>,
    pub device: Option<String>,
    pub subsystem_vendor: Option<String>,
}

/// Splits `Name [abcd]` into the name and, if the bracket is 4 hex digits, the id.
fn split_bracket(v: &str) -> (String, Option<String>) {
    let v = v.trim();
    if let Some(open) = v.rfind(" [")
        && v.ends_with(']')
    {
        let inner = &v[open + 2..v.len() - 1];
        let id = (inner.len() == 4 && inner.bytes().all(|b| b.is_ascii_hexdigit())).then(|| inner.to_ascii_lowercase());
        return (v[..open].trim().to_string(), id);
    }
    (v.to_string(), None)
}

/// Every record. Text with no `Slot:` line is an error (it is not `lspci -vmm` output).
pub fn parse(text: &str) -> Result<Vec<PciRecord>, String> {
    let mut out = Vec::new();
    let mut cur: Option<PciRecord> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            out.extend(cur.take());
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            return Err(format!("line {}: expected `Tag:<TAB>value`", n + 1));
        };
        let value = value.trim();
        if tag == "Slot" {
            out.extend(cur.take());
            cur = Some(PciRecord { slot: value.to_string(), ..PciRecord::default() });
            continue;
        }
        let Some(r) = cur.as_mut() else {
            return Err(format!("line {}: `{tag}` before any `Slot:` line", n + 1));
        };
        match tag {
            "Class" => r.class = Some(split_bracket(value).0),
            "Vendor" => {
                let (name, id) = split_bracket(value);
                r.vendor = Some(name);
                r.vendor_id = id;
            }
            "Device" => r.device = Some(split_bracket(value).0),
            "SVendor" => r.subsystem_vendor = Some(split_bracket(value).0),
            _ => {}
        }
    }
    out.extend(cur);
    if out.is_empty() {
        return Err("expected `Slot:` records of `lspci -vmm`".into());
    }
    Ok(out)
}

/// Whether a file's first bytes are `lspci -vmm` output.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"Slot:\t") || head.starts_with(b"Device:\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_bracketed_ids() {
        let t = "Slot:\t00:00.0\nClass:\tHost bridge [0600]\nVendor:\tAdvanced Micro Devices, Inc. [AMD] [1022]\nDevice:\tRoot [1480]\n\nSlot:\t01:00.0\nVendor:\tMicron/Crucial Technology\n";
        let r = parse(t).expect("records");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].vendor.as_deref(), Some("Advanced Micro Devices, Inc. [AMD]"));
        assert_eq!(r[0].vendor_id.as_deref(), Some("1022"));
        assert_eq!(r[1].vendor.as_deref(), Some("Micron/Crucial Technology"));
        assert!(parse("Vendor:\tx\n").is_err());
        assert!(parse("garbage").is_err());
    }
}
