//! SMBIOS tables (DMTF DSP0134): processors (type 4) with their manufacturer and version, and
//! memory devices (type 17) with their manufacturer and part number, from a kernel's `/sys/firmware/dmi/entries/17-*/raw` (one structure each) or from a
//! `dmidecode --dump-bin` file (an entry point, then the table at the offset the entry point
//! gives: dmidecode rewrites the table address to 32).
//!
//! Pure functions of bytes, written by hand: the layout is a few fixed offsets, and every offset,
//! length and count is checked against the input before it is read. Nothing is allocated by a
//! size the input states: the table is sliced out of the bytes given.

/// One structure: its header and formatted area, and its strings (numbered from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure<'a> {
    pub kind: u8,
    pub handle: u16,
    /// The formatted area, header included (`formatted[0]` is the type).
    pub formatted: &'a [u8],
    pub strings: Vec<&'a [u8]>,
}

impl Structure<'_> {
    fn byte(&self, offset: usize) -> Option<u8> {
        self.formatted.get(offset).copied()
    }

    fn word(&self, offset: usize) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte(offset)?, self.byte(offset + 1)?]))
    }

    fn dword(&self, offset: usize) -> Option<u32> {
        let b = self.formatted.get(offset..offset + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The string a formatted-area byte refers to (0 = none), trimmed; `None` if absent, empty
    /// or out of range.
    fn string(&self, offset: usize) -> Option<String> {
        let n = usize::from(self.byte(offset)?);
        let s = self.strings.get(n.checked_sub(1)?)?;
        let s = String::from_utf8_lossy(s).trim().to_string();
        (!s.is_empty()).then_some(s)
    }
}

/// A memory device (type 17) that holds a module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryDevice {
    pub handle: u16,
    pub locator: Option<String>,
    pub bank: Option<String>,
    pub manufacturer: Option<String>,
    pub serial: Option<String>,
    pub part_number: Option<String>,
    /// Size in MiB, where the structure says.
    pub size_mib: Option<u64>,
}

/// A populated processor socket (type 4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Processor {
    pub handle: u16,
    pub socket: Option<String>,
    pub manufacturer: Option<String>,
    /// The processor's version string (its model name).
    pub version: Option<String>,
}

/// One type 4 structure, if its socket is populated. Offsets per DSP0134 7.5: socket
/// designation 0x04, manufacturer 0x07, version 0x10, status 0x18 (bit 6: socket populated).
pub fn processor(s: &Structure<'_>) -> Option<Processor> {
    if s.kind != 4 || s.byte(0x18).is_some_and(|st| st & 0x40 == 0) {
        return None;
    }
    Some(Processor { handle: s.handle, socket: s.string(0x04), manufacturer: s.string(0x07), version: s.string(0x10) })
}

/// The populated processor sockets of a table.
pub fn processors(structures: &[Structure<'_>]) -> Vec<Processor> {
    structures.iter().filter_map(processor).collect()
}

/// The most structures read from one table: far above any real machine's (a few hundred).
const MAX_STRUCTURES: usize = 65_536;

/// Splits a structure table into structures. Stops at the end-of-table structure (type 127) or
/// the end of the bytes; a structure that runs past the end is an error.
pub fn structures(table: &[u8]) -> Result<Vec<Structure<'_>>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 4 <= table.len() {
        if out.len() >= MAX_STRUCTURES {
            return Err(format!("more than {MAX_STRUCTURES} structures"));
        }
        let kind = table[at];
        let len = usize::from(table[at + 1]);
        if len < 4 {
            return Err(format!("structure at offset {at}: length {len} is below the 4-byte header"));
        }
        let handle = u16::from_le_bytes([table[at + 2], table[at + 3]]);
        let formatted = table
            .get(at..at + len)
            .ok_or_else(|| format!("structure at offset {at}: formatted area of {len} bytes runs past the table"))?;
        // The string set: NUL-terminated strings, ended by one more NUL ("\0\0" when empty).
        let mut strings = Vec::new();
        let mut p = at + len;
        loop {
            let rest = table.get(p..).unwrap_or(&[]);
            let Some(end) = rest.iter().position(|&b| b == 0) else {
                return Err(format!(
                    "structure at offset {at} (type {kind}): string set not terminated by a double NUL"
                ));
            };
            if end == 0 {
                // The set's terminator; an empty set is two NULs.
                p += if strings.is_empty() { 2 } else { 1 };
                break;
            }
            strings.push(&rest[..end]);
            p += end + 1;
        }
        if p > table.len() {
            return Err(format!("structure at offset {at} (type {kind}): string set runs past the table"));
        }
        out.push(Structure { kind, handle, formatted, strings });
        at = p;
        if kind == 127 {
            break;
        }
    }
    Ok(out)
}

/// The memory devices of a table that hold a module (size not 0).
pub fn memory_devices(structures: &[Structure<'_>]) -> Vec<MemoryDevice> {
    structures.iter().filter(|s| s.kind == 17).filter_map(memory_device).collect()
}

/// One type 17 structure, if it holds a module. Offsets per DSP0134 7.18: size 0x0C (SMBIOS
/// 2.1), locators 0x10/0x11, manufacturer 0x17, serial 0x18, part number 0x1A (2.3), extended
/// size 0x1C (2.7).
pub fn memory_device(s: &Structure<'_>) -> Option<MemoryDevice> {
    let size = s.word(0x0C)?;
    if size == 0 {
        return None; // an empty slot
    }
    let size_mib = match size {
        0xFFFF => None,
        0x7FFF => s.dword(0x1C).map(|x| u64::from(x & 0x7FFF_FFFF)),
        n if n & 0x8000 != 0 => Some(u64::from(n & 0x7FFF) / 1024),
        n => Some(u64::from(n)),
    };
    // Placeholders BIOSes write where nothing is known are no maker.
    let known = |v: Option<String>| {
        v.filter(|x| {
            let l = x.to_ascii_lowercase();
            !matches!(l.as_str(), "unknown" | "not specified" | "undefined" | "to be filled by o.e.m." | "none")
                && !x.bytes().all(|b| b == b'0' || b == b' ')
        })
    };
    Some(MemoryDevice {
        handle: s.handle,
        locator: s.string(0x10),
        bank: s.string(0x11),
        manufacturer: known(s.string(0x17)),
        serial: known(s.string(0x18)),
        part_number: known(s.string(0x1A)),
        size_mib,
    })
}

/// The structure table inside a `dmidecode --dump-bin` file: the entry point (`_SM3_` 64-bit,
/// `_SM_` 32-bit or legacy `_DMI_`) says where the table starts and how long it is.
pub fn dump_table(bytes: &[u8]) -> Result<&[u8], String> {
    let u16_at = |o: usize| bytes.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |o: usize| bytes.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
    let u64_at =
        |o: usize| bytes.get(o..o + 8).map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]));
    let short = || "truncated entry point".to_string();
    let (address, length) = if bytes.starts_with(b"_SM3_") {
        // SMBIOS 3: table maximum size at 0x0C (u32), address at 0x10 (u64).
        (u64_at(0x10).ok_or_else(short)?, u32_at(0x0C).ok_or_else(short)?)
    } else if bytes.starts_with(b"_SM_") {
        // SMBIOS 2.1: the intermediate `_DMI_` anchor at 0x10; table length at 0x16, address at 0x18.
        if bytes.get(0x10..0x15) != Some(b"_DMI_".as_slice()) {
            return Err("entry point _SM_ without its _DMI_ anchor at offset 16".into());
        }
        (u32_at(0x18).ok_or_else(short)?, u16_at(0x16).ok_or_else(short)? as u64)
    } else if bytes.starts_with(b"_DMI_") {
        (u32_at(0x08).ok_or_else(short)?, u16_at(0x06).ok_or_else(short)? as u64)
    } else {
        return Err("not a dmidecode dump: no _SM3_, _SM_ or _DMI_ entry point".into());
    };
    let start = usize::try_from(address).map_err(|_| format!("table address {address:#x} is out of range"))?;
    if start < 15 || start >= bytes.len() {
        return Err(format!("table address {address:#x} is not inside the {}-byte dump", bytes.len()));
    }
    // An SMBIOS 3 length is a maximum: the table may end earlier (type 127 stops the parse).
    let end = usize::try_from(length).ok().and_then(|l| start.checked_add(l)).unwrap_or(usize::MAX).min(bytes.len());
    Ok(&bytes[start..end])
}

/// Every processor and memory module of a dump-bin file.
pub fn parse_dump(bytes: &[u8]) -> Result<(Vec<Processor>, Vec<MemoryDevice>), String> {
    let table = dump_table(bytes)?;
    let s = structures(table)?;
    Ok((processors(&s), memory_devices(&s)))
}

/// One `/sys/firmware/dmi/entries/17-N/raw` file: exactly one type 17 structure.
pub fn parse_entry(bytes: &[u8]) -> Result<Option<MemoryDevice>, String> {
    let s = structures(bytes)?;
    match s.first() {
        Some(first) if first.kind == 17 => Ok(memory_device(first)),
        Some(first) => Err(format!("expected a type 17 structure, found type {}", first.kind)),
        None => Err("empty entry: expected a type 17 structure".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type 17 structure per DSP0134, 0x28 bytes of formatted area, with its strings.
    pub(crate) fn type17(handle: u16, size_mib: u16, strings: &[&str]) -> Vec<u8> {
        let mut f = vec![0u8; 0x28];
        f[0] = 17;
        f[1] = 0x28;
        f[2..4].copy_from_slice(&handle.to_le_bytes());
        f[0x0C..0x0E].copy_from_slice(&size_mib.to_le_bytes());
        f[0x10] = 1; // locator
        f[0x11] = 2; // bank
        f[0x17] = 3; // manufacturer
        f[0x18] = 4; // serial
        f[0x1A] = 5; // part number
        for s in strings {
            f.extend_from_slice(s.as_bytes());
            f.push(0);
        }
        f.push(0);
        f
    }

    #[test]
    fn reads_a_memory_device() {
        let raw = type17(0x1100, 16384, &["DIMM A1", "BANK 0", "Micron", "12345678", "MTA16ATF2G64AZ-2G6E1"]);
        let m = parse_entry(&raw).expect("valid").expect("a module");
        assert_eq!(m.manufacturer.as_deref(), Some("Micron"));
        assert_eq!(m.part_number.as_deref(), Some("MTA16ATF2G64AZ-2G6E1"));
        assert_eq!((m.locator.as_deref(), m.size_mib), (Some("DIMM A1"), Some(16384)));
        // An empty slot holds no module.
        assert_eq!(parse_entry(&type17(1, 0, &["DIMM B1"])).expect("valid"), None);
    }

    #[test]
    fn malformed_structures_are_errors_not_panics() {
        let raw = type17(0x1100, 8192, &["DIMM A1", "BANK 0", "Crucial Technology", "1", "CT8G4DFS824A.C8FE"]);
        for cut in 0..raw.len() - 1 {
            let _ = parse_entry(&raw[..cut]);
        }
        assert!(parse_entry(&raw[..raw.len() - 1]).is_err(), "a string set without its double NUL");
        assert!(parse_entry(&raw[..10]).is_err());
        let mut bad = raw.clone();
        bad[1] = 2;
        assert!(parse_entry(&bad).unwrap_err().contains("below the 4-byte header"));
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut b = raw.clone();
                b[i] ^= 1 << bit;
                let _ = parse_entry(&b);
                let _ = parse_dump(&b);
            }
        }
        assert!(parse_dump(b"_SM3_").unwrap_err().contains("truncated"));
        assert!(parse_dump(b"MZ\x90\x00").unwrap_err().contains("not a dmidecode dump"));
    }
}
