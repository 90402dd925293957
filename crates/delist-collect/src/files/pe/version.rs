//! The version resource: finding `RT_VERSION` in a PE's resource tree, and reading the
//! VS_VERSIONINFO it holds (VS_FIXEDFILEINFO's versions and every StringFileInfo string table).
//!
//! Owns both walks. It must never follow a resource-directory offset it has already visited (a
//! hostile tree can point back at itself), go deeper than the three levels Windows uses, read
//! more than [`MAX_TREE_ENTRIES`] entries or [`MAX_STRINGS`] strings, or loop on a zero-length
//! block: every structure is read through checked offsets into the slice it was given.

use super::{u16_at, u32_at};
use std::collections::HashSet;

/// `RT_VERSION`, the resource type of VS_VERSIONINFO.
pub const RT_VERSION: u32 = 16;
/// Most directory entries visited in one resource tree (type, name and language levels).
pub const MAX_TREE_ENTRIES: usize = 4096;
/// Levels of the resource tree: type, name, language.
pub const MAX_TREE_DEPTH: usize = 3;
/// Most version resources read from one file (one per language, in practice one or two).
pub const MAX_VERSION_RESOURCES: usize = 8;
/// Most string tables read from one VS_VERSIONINFO.
pub const MAX_TABLES: usize = 16;
/// Most strings read from one VS_VERSIONINFO, across its tables.
pub const MAX_STRINGS: usize = 512;
/// Longest string kept, in UTF-16 code units (a block is at most 64 KiB anyway).
pub const MAX_STRING_UNITS: usize = 4096;

/// A leaf of the resource tree: its data's RVA and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceData {
    pub rva: u32,
    pub size: u32,
}

/// The version resources in a resource tree. `rsrc` starts at the resource directory (the
/// resource data directory's RVA); directory offsets inside it are relative to that start. A
/// tree that leaves `rsrc` is read as far as it stays inside.
pub fn version_resources(rsrc: &[u8]) -> Vec<ResourceData> {
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    let mut budget = MAX_TREE_ENTRIES;
    // (directory offset, level): an explicit stack, so a hostile tree cannot drive recursion.
    let mut stack = vec![(0usize, 0usize)];
    visited.insert(0usize);
    while let Some((dir, level)) = stack.pop() {
        let (Some(named), Some(ids)) = (u16_at(rsrc, dir + 12), u16_at(rsrc, dir + 14)) else { continue };
        let count = usize::from(named) + usize::from(ids);
        let mut children = Vec::new();
        for i in 0..count {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let Some(entry) = i.checked_mul(8).and_then(|o| o.checked_add(dir + 16)) else { break };
            let (Some(name), Some(target)) = (u32_at(rsrc, entry), u32_at(rsrc, entry + 4)) else { break };
            // At the top level only RT_VERSION (an integer id: the high bit clear) is wanted.
            if level == 0 && name != RT_VERSION {
                continue;
            }
            let offset = (target & 0x7fff_ffff) as usize;
            if target & 0x8000_0000 != 0 {
                if level + 1 < MAX_TREE_DEPTH && visited.insert(offset) {
                    children.push((offset, level + 1));
                }
            } else if level > 0 {
                // IMAGE_RESOURCE_DATA_ENTRY: OffsetToData (an RVA), Size, CodePage, Reserved.
                if let (Some(rva), Some(size)) = (u32_at(rsrc, offset), u32_at(rsrc, offset + 4))
                    && out.len() < MAX_VERSION_RESOURCES
                    && !out.contains(&ResourceData { rva, size })
                {
                    out.push(ResourceData { rva, size });
                }
            }
        }
        // Pushed reversed so that entries are read in the order the file lists them.
        stack.extend(children.into_iter().rev());
    }
    out
}

/// What one VS_VERSIONINFO says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionInfo {
    /// VS_FIXEDFILEINFO's file version, `a.b.c.d`.
    pub file_version: Option<String>,
    /// VS_FIXEDFILEINFO's product version, `a.b.c.d`.
    pub product_version: Option<String>,
    /// StringFileInfo's tables in file order: the table's key (`040904b0`: language and code
    /// page) and its (name, value) strings.
    pub tables: Vec<(String, Vec<(String, String)>)>,
}

impl VersionInfo {
    /// Distinct non-empty values of `key` across the string tables, U.S. English tables first
    /// (a product's own name for itself), then the others in file order.
    pub fn values(&self, key: &str) -> Vec<&str> {
        let english = self.tables.iter().filter(|(k, _)| k.to_ascii_lowercase().starts_with("0409"));
        let others = self.tables.iter().filter(|(k, _)| !k.to_ascii_lowercase().starts_with("0409"));
        let mut out: Vec<&str> = Vec::new();
        for (_, strings) in english.chain(others) {
            for (k, v) in strings {
                let v = v.trim();
                if k.eq_ignore_ascii_case(key) && !v.is_empty() && !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.file_version.is_none()
            && self.product_version.is_none()
            && self.tables.iter().all(|(_, s)| s.iter().all(|(_, v)| v.trim().is_empty()))
    }

    /// Adds what `other` says (a second version resource, in another language).
    pub fn merge(&mut self, other: VersionInfo) {
        self.file_version = self.file_version.take().or(other.file_version);
        self.product_version = self.product_version.take().or(other.product_version);
        for t in other.tables {
            if self.tables.len() < MAX_TABLES && !self.tables.contains(&t) {
                self.tables.push(t);
            }
        }
    }
}

/// One block of the version resource: `wLength`, `wValueLength`, `wType`, a NUL-terminated
/// UTF-16 key, padding to 32 bits, the value, padding, and child blocks.
struct Block {
    key: String,
    value_len: usize,
    /// Offset of the value (after the key and its padding).
    value: usize,
    /// End of the block (clamped to its parent's end).
    end: usize,
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|n| n & !3)
}

/// UTF-16LE from `start` up to a NUL, `end` or [`MAX_STRING_UNITS`]; and the offset after the
/// NUL (or `end`).
fn utf16z(data: &[u8], start: usize, end: usize) -> (String, usize) {
    let mut units = Vec::new();
    let mut pos = start;
    while pos + 2 <= end && units.len() < MAX_STRING_UNITS {
        let Some(u) = u16_at(data, pos) else { break };
        pos += 2;
        if u == 0 {
            break;
        }
        units.push(u);
    }
    (String::from_utf16_lossy(&units), pos)
}

/// The block at `off`, which must end by `limit`.
fn block(data: &[u8], off: usize, limit: usize) -> Option<Block> {
    let len = usize::from(u16_at(data, off)?);
    // A block shorter than its own header would never advance the walk.
    if len < 6 {
        return None;
    }
    let end = off.checked_add(len)?.min(limit).min(data.len());
    let value_len = usize::from(u16_at(data, off + 2)?);
    let (key, after_key) = utf16z(data, off + 6, end);
    Some(Block { key, value_len, value: align4(after_key)?, end })
}

/// The blocks directly inside `[start, end)`, at most `max`.
fn children(data: &[u8], start: usize, end: usize, max: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut off = start;
    while off < end && out.len() < max {
        let Some(b) = block(data, off, end) else { break };
        let next = align4(b.end);
        out.push(b);
        match next {
            Some(n) if n > off => off = n,
            _ => break,
        }
    }
    out
}

fn fixed_version(ms: u32, ls: u32) -> Option<String> {
    if ms == 0 && ls == 0 {
        return None;
    }
    Some(format!("{}.{}.{}.{}", ms >> 16, ms & 0xffff, ls >> 16, ls & 0xffff))
}

/// Reads a VS_VERSIONINFO. `None` when `data` does not start with one.
pub fn parse_version_info(data: &[u8]) -> Option<VersionInfo> {
    let root = block(data, 0, data.len())?;
    if root.key != "VS_VERSION_INFO" {
        return None;
    }
    let mut info = VersionInfo::default();
    // VS_FIXEDFILEINFO: dwSignature 0xFEEF04BD, dwStrucVersion, file version MS/LS, product
    // version MS/LS, … (52 bytes).
    if root.value_len >= 52 && u32_at(data, root.value) == Some(0xfeef_04bd) {
        let at = |i: usize| u32_at(data, root.value + i).unwrap_or(0);
        info.file_version = fixed_version(at(8), at(12));
        info.product_version = fixed_version(at(16), at(20));
    }
    let kids = align4(root.value.checked_add(root.value_len)?)?;
    let mut strings = 0usize;
    for sfi in children(data, kids, root.end, MAX_TABLES) {
        if sfi.key != "StringFileInfo" {
            continue; // VarFileInfo
        }
        // StringFileInfo and StringTable carry no value: their children follow the key.
        for table in children(data, sfi.value, sfi.end, MAX_TABLES) {
            if info.tables.len() >= MAX_TABLES {
                break;
            }
            let mut entries = Vec::new();
            for s in children(data, table.value, table.end, MAX_STRINGS - strings) {
                // wValueLength counts characters for text but some compilers wrote bytes: the
                // value runs to the block's end or its NUL, whichever comes first.
                let value = if s.value_len == 0 { String::new() } else { utf16z(data, s.value, s.end).0 };
                entries.push((s.key, value.trim_matches(char::from(0)).trim().to_string()));
            }
            strings += entries.len();
            info.tables.push((table.key, entries));
            if strings >= MAX_STRINGS {
                break;
            }
        }
    }
    Some(info)
}

/// A version string as a version: `1, 0, 0, 1` (the old resource-compiler habit) becomes
/// `1.0.0.1`; anything else is kept as written.
pub fn normalize_version(v: &str) -> String {
    let v = v.trim();
    if v.contains(',') && v.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '.')) {
        v.split(',').map(str::trim).collect::<Vec<_>>().join(".")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a version block: header, key, padding, value, padding, children.
    fn blk(key: &str, value: &[u8], value_len: u16, text: bool, children: &[Vec<u8>]) -> Vec<u8> {
        let mut b = vec![0, 0];
        b.extend(value_len.to_le_bytes());
        b.extend(u16::from(text).to_le_bytes());
        for u in key.encode_utf16().chain([0]) {
            b.extend(u.to_le_bytes());
        }
        while b.len() % 4 != 0 {
            b.push(0);
        }
        b.extend_from_slice(value);
        for c in children {
            while b.len() % 4 != 0 {
                b.push(0);
            }
            b.extend_from_slice(c);
        }
        let len = b.len() as u16;
        b[0..2].copy_from_slice(&len.to_le_bytes());
        b
    }

    fn string(key: &str, value: &str) -> Vec<u8> {
        let mut v: Vec<u8> = value.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        v.extend([0, 0]); // padding some compilers leave
        blk(key, &v, (value.encode_utf16().count() + 1) as u16, true, &[])
    }

    fn fixed() -> Vec<u8> {
        let mut f = Vec::new();
        for v in [0xfeef_04bdu32, 0x0001_0000, (21 << 16) | 3, (10 << 16) | 391, (21 << 16) | 4, 7, 0, 0, 0, 0, 0, 0, 0]
        {
            f.extend(v.to_le_bytes());
        }
        f
    }

    fn sample() -> Vec<u8> {
        let en = blk(
            "040904b0",
            &[],
            0,
            true,
            &[
                string("CompanyName", "AO Kaspersky Lab"),
                string("ProductVersion", "21, 3, 10, 391"),
                string("Empty", ""),
            ],
        );
        let ru = blk("041904b0", &[], 0, true, &[string("CompanyName", "АО Лаборатория Касперского")]);
        let sfi = blk("StringFileInfo", &[], 0, true, &[ru, en]);
        let var = blk("VarFileInfo", &[], 0, true, &[blk("Translation", &[9, 4, 0xb0, 4], 4, false, &[])]);
        blk("VS_VERSION_INFO", &fixed(), 52, false, &[var, sfi])
    }

    #[test]
    fn fixed_info_and_every_string_table() {
        let info = parse_version_info(&sample()).expect("version info");
        assert_eq!(info.file_version.as_deref(), Some("21.3.10.391"));
        assert_eq!(info.product_version.as_deref(), Some("21.4.0.7"));
        assert_eq!(info.tables.len(), 2);
        // English first even though the Russian table comes first in the file.
        assert_eq!(info.values("CompanyName"), vec!["AO Kaspersky Lab", "АО Лаборатория Касперского"]);
        assert_eq!(info.values("companyname").len(), 2);
        assert!(info.values("Empty").is_empty());
        assert_eq!(normalize_version(info.values("ProductVersion")[0]), "21.3.10.391");
        assert_eq!(normalize_version("1.0 beta"), "1.0 beta");
    }

    #[test]
    fn not_version_info() {
        assert_eq!(parse_version_info(&blk("SOMETHING", &[], 0, false, &[])), None);
        assert_eq!(parse_version_info(&[]), None);
        assert_eq!(parse_version_info(&[4, 0, 0, 0]), None);
    }

    #[test]
    fn truncated_and_flipped_never_panic() {
        let good = sample();
        for cut in 0..good.len() {
            let _ = parse_version_info(&good[..cut]);
        }
        for i in 0..good.len() {
            for bit in [0x01, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] ^= bit;
                let _ = parse_version_info(&bad);
            }
        }
        // A zero-length child cannot stall the walk.
        let mut stall = blk("VS_VERSION_INFO", &fixed(), 52, false, &[]);
        stall.extend([0u8; 64]);
        let len = stall.len() as u16;
        stall[0..2].copy_from_slice(&len.to_le_bytes());
        assert!(parse_version_info(&stall).expect("root").tables.is_empty());
    }

    /// A resource directory with `entries` (name/id, target) at `at` in `buf`.
    fn dir(buf: &mut Vec<u8>, at: usize, entries: &[(u32, u32)]) {
        let end = at + 16 + 8 * entries.len();
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf[at + 14..at + 16].copy_from_slice(&(entries.len() as u16).to_le_bytes());
        for (i, (name, target)) in entries.iter().enumerate() {
            let e = at + 16 + 8 * i;
            buf[e..e + 4].copy_from_slice(&name.to_le_bytes());
            buf[e + 4..e + 8].copy_from_slice(&target.to_le_bytes());
        }
    }

    fn data_entry(buf: &mut Vec<u8>, at: usize, rva: u32, size: u32) {
        if buf.len() < at + 16 {
            buf.resize(at + 16, 0);
        }
        buf[at..at + 4].copy_from_slice(&rva.to_le_bytes());
        buf[at + 4..at + 8].copy_from_slice(&size.to_le_bytes());
    }

    const SUB: u32 = 0x8000_0000;

    #[test]
    fn resource_tree_finds_version_leaves() {
        let mut t = Vec::new();
        dir(&mut t, 0, &[(3, SUB | 0x100), (RT_VERSION, SUB | 0x200)]); // icons, version
        dir(&mut t, 0x100, &[(1, SUB | 0x180)]);
        dir(&mut t, 0x180, &[(0x409, 0x1c0)]);
        data_entry(&mut t, 0x1c0, 0x9000, 100); // an icon: not wanted
        dir(&mut t, 0x200, &[(1, SUB | 0x280)]);
        dir(&mut t, 0x280, &[(0x409, 0x2c0), (0x419, 0x2d0)]);
        data_entry(&mut t, 0x2c0, 0x6100, 0x300);
        data_entry(&mut t, 0x2d0, 0x6400, 0x200);
        assert_eq!(
            version_resources(&t),
            vec![ResourceData { rva: 0x6100, size: 0x300 }, ResourceData { rva: 0x6400, size: 0x200 }]
        );
    }

    #[test]
    fn hostile_resource_trees_end() {
        // A directory that points at itself and at the root, at every level.
        let mut t = Vec::new();
        dir(&mut t, 0, &[(RT_VERSION, SUB), (RT_VERSION, SUB | 0x40)]);
        dir(&mut t, 0x40, &[(1, SUB | 0x40), (1, SUB)]);
        assert!(version_resources(&t).is_empty());
        // Counts far past the buffer, offsets past the end, a data entry at the top level.
        let mut t = vec![0u8; 16];
        t[12..16].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        assert!(version_resources(&t).is_empty());
        let mut t = Vec::new();
        dir(&mut t, 0, &[(RT_VERSION, 0x10), (RT_VERSION, SUB | 0x7fff_fff0)]);
        assert!(version_resources(&t).is_empty());
        // A deep chain stops at three levels.
        let mut t = Vec::new();
        dir(&mut t, 0, &[(RT_VERSION, SUB | 0x40)]);
        dir(&mut t, 0x40, &[(1, SUB | 0x80)]);
        dir(&mut t, 0x80, &[(1, SUB | 0xc0)]);
        dir(&mut t, 0xc0, &[(1, 0x100)]);
        data_entry(&mut t, 0x100, 0x1000, 16);
        assert!(version_resources(&t).is_empty());
        // A wide directory is read up to the entry budget.
        let wide: Vec<(u32, u32)> = (0..9000).map(|_| (RT_VERSION, SUB | 0x10)).collect();
        let mut t = Vec::new();
        dir(&mut t, 0, &wide);
        assert!(version_resources(&t).is_empty());
        for cut in 0..64 {
            let _ = version_resources(&t[..cut]);
        }
    }
}
