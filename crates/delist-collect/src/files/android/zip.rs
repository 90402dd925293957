//! zip: just enough of the zip format to find and read a few members of an APK or IPA — the
//! end-of-central-directory record (and its zip64 form), the central directory, and one member
//! at a time, stored or deflated.
//!
//! Owns reading zip structures through a [`FileView`]. It must never read more than the central
//! directory and the members asked for, never inflate past the caller's cap (a zip bomb stops
//! at the cap, it is not followed), and never trust a count or size before checking it against
//! the file. Archives in general (recursion, ratios, other members) belong to
//! [`crate::files::archive`].

use super::super::FileView;
use flate2::read::DeflateDecoder;
use std::io::Read;

/// Bytes at the end of the file searched for the end-of-central-directory record: the record
/// and the longest comment it can have.
pub const EOCD_WINDOW: usize = 22 + 65_535;
/// Largest central directory read.
pub const MAX_CD_BYTES: u64 = 64 << 20;
/// Most central-directory entries read.
pub const MAX_ENTRIES: usize = 500_000;

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_EOCD: u32 = 0x0605_4b50;
const SIG_EOCD64: u32 = 0x0606_4b50;
const SIG_LOCATOR64: u32 = 0x0706_4b50;

/// One central-directory entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub method: u16,
    pub flags: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    pub local_offset: u64,
}

/// A zip's central directory.
#[derive(Debug, Clone)]
pub struct Zip {
    pub entries: Vec<Entry>,
    /// Where the central directory starts (the APK Signing Block ends there).
    pub cd_offset: u64,
}

impl Zip {
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

fn read_exact_at(file: &dyn FileView, offset: u64, len: usize, what: &str) -> Result<Vec<u8>, String> {
    let b = file.read_at(offset, len).map_err(|e| format!("cannot read {what}: {e}"))?;
    if b.len() != len {
        return Err(format!("{what} cut short at {} of {len} bytes (truncated file?)", b.len()));
    }
    Ok(b)
}

/// Reads the central directory.
pub fn open(file: &dyn FileView) -> Result<Zip, String> {
    let len = file.len();
    let window = usize::try_from(len).unwrap_or(usize::MAX).min(EOCD_WINDOW);
    if window < 22 {
        return Err("too short for a zip".into());
    }
    let tail_start = len - window as u64;
    let tail = read_exact_at(file, tail_start, window, "zip end record")?;
    let mut at = None;
    let mut i = window - 22;
    loop {
        if u32_at(&tail, i) == Some(SIG_EOCD) {
            let comment = usize::from(u16_at(&tail, i + 20).unwrap_or(0));
            if i + 22 + comment <= window {
                at = Some(i);
                break;
            }
        }
        if i == 0 {
            break;
        }
        i -= 1;
    }
    let at = at.ok_or("no zip end-of-central-directory record (truncated file?)")?;
    let eocd = &tail[at..];
    let eocd_pos = tail_start + at as u64;
    let mut count = u64::from(u16_at(eocd, 10).unwrap_or(0));
    let mut cd_size = u64::from(u32_at(eocd, 12).unwrap_or(0));
    let mut cd_offset = u64::from(u32_at(eocd, 16).unwrap_or(0));
    let mut cd_end_limit = eocd_pos;
    if count == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff {
        // zip64: the locator sits right before the end record.
        let loc_pos = eocd_pos.checked_sub(20).ok_or("zip64 locator missing")?;
        let loc = read_exact_at(file, loc_pos, 20, "zip64 locator")?;
        if u32_at(&loc, 0) == Some(SIG_LOCATOR64) {
            let rec_pos = u64_at(&loc, 8).ok_or("zip64 locator cut short")?;
            if rec_pos >= loc_pos {
                return Err("zip64 end record after its locator".into());
            }
            let rec = read_exact_at(file, rec_pos, 56, "zip64 end record")?;
            if u32_at(&rec, 0) != Some(SIG_EOCD64) {
                return Err("zip64 end record signature missing".into());
            }
            count = u64_at(&rec, 32).unwrap_or(0);
            cd_size = u64_at(&rec, 40).unwrap_or(0);
            cd_offset = u64_at(&rec, 48).unwrap_or(0);
            cd_end_limit = rec_pos;
        }
    }
    let cd_end = cd_offset.checked_add(cd_size).ok_or("central directory size overflows")?;
    if cd_end > cd_end_limit {
        return Err(format!("central directory ({cd_offset}+{cd_size}) runs past its end record"));
    }
    if cd_size > MAX_CD_BYTES {
        return Err(format!("central directory of {cd_size} bytes is over the {MAX_CD_BYTES}-byte limit"));
    }
    if count > MAX_ENTRIES as u64 {
        return Err(format!("zip claims {count} entries, over the {MAX_ENTRIES}-entry limit"));
    }
    let cd = read_exact_at(file, cd_offset, cd_size as usize, "central directory")?;
    let mut entries = Vec::with_capacity((count as usize).min(4096));
    let mut pos = 0usize;
    while entries.len() < count as usize {
        let h = cd.get(pos..pos + 46).ok_or("central directory cut short")?;
        if u32_at(h, 0) != Some(SIG_CENTRAL) {
            return Err(format!("bad central-directory entry signature at {}", cd_offset + pos as u64));
        }
        let name_len = usize::from(u16_at(h, 28).unwrap_or(0));
        let extra_len = usize::from(u16_at(h, 30).unwrap_or(0));
        let comment_len = usize::from(u16_at(h, 32).unwrap_or(0));
        let name_at = pos + 46;
        let name = cd.get(name_at..name_at + name_len).ok_or("central-directory name cut short")?;
        let extra =
            cd.get(name_at + name_len..name_at + name_len + extra_len).ok_or("central-directory extra cut short")?;
        let mut e = Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            flags: u16_at(h, 8).unwrap_or(0),
            method: u16_at(h, 10).unwrap_or(0),
            crc: u32_at(h, 16).unwrap_or(0),
            compressed: u64::from(u32_at(h, 20).unwrap_or(0)),
            size: u64::from(u32_at(h, 24).unwrap_or(0)),
            local_offset: u64::from(u32_at(h, 42).unwrap_or(0)),
        };
        zip64_extra(&mut e, extra);
        entries.push(e);
        pos = name_at + name_len + extra_len + comment_len;
    }
    Ok(Zip { entries, cd_offset })
}

/// Applies a zip64 extended-information extra field (id 1) to the sizes and offset that are
/// saturated in the fixed header.
fn zip64_extra(e: &mut Entry, mut extra: &[u8]) {
    while let (Some(id), Some(len)) = (u16_at(extra, 0), u16_at(extra, 2)) {
        let Some(body) = extra.get(4..4 + usize::from(len)) else { return };
        if id == 1 {
            let mut at = 0;
            for field in [&mut e.size, &mut e.compressed, &mut e.local_offset] {
                if *field == 0xffff_ffff {
                    match u64_at(body, at) {
                        Some(v) => *field = v,
                        None => return,
                    }
                    at += 8;
                }
            }
            return;
        }
        extra = &extra[4 + usize::from(len)..];
    }
}

/// Reads and checks (CRC-32) one member, refusing one that would inflate past `cap` bytes.
pub fn read(file: &dyn FileView, e: &Entry, cap: u64) -> Result<Vec<u8>, String> {
    if e.flags & 1 != 0 {
        return Err(format!("{} is encrypted", e.name));
    }
    if e.size > cap {
        return Err(format!("{} is {} bytes, over the {cap}-byte limit", e.name, e.size));
    }
    // Deflate can grow incompressible data by a few bytes a block; nothing more is legitimate.
    let comp_cap = cap.saturating_add(cap / 64).saturating_add(1024);
    if e.compressed > comp_cap {
        return Err(format!("{} is {} bytes compressed, over the limit", e.name, e.compressed));
    }
    let local = read_exact_at(file, e.local_offset, 30, "local file header")?;
    if u32_at(&local, 0) != Some(SIG_LOCAL) {
        return Err(format!("{}: bad local header signature", e.name));
    }
    let skip = 30 + u64::from(u16_at(&local, 26).unwrap_or(0)) + u64::from(u16_at(&local, 28).unwrap_or(0));
    let data_at = e.local_offset.checked_add(skip).ok_or("member offset overflows")?;
    let data = read_exact_at(file, data_at, e.compressed as usize, &e.name)?;
    let out = match e.method {
        0 => {
            if e.compressed != e.size {
                return Err(format!("{}: stored member with differing sizes", e.name));
            }
            data
        }
        8 => {
            let mut out = Vec::with_capacity((e.size as usize).min(1 << 20));
            let mut dec = DeflateDecoder::new(&data[..]).take(cap + 1);
            dec.read_to_end(&mut out).map_err(|err| format!("{}: bad deflate data: {err}", e.name))?;
            if out.len() as u64 > cap {
                return Err(format!("{} inflates past the {cap}-byte limit (zip bomb?)", e.name));
            }
            out
        }
        m => return Err(format!("{}: unsupported compression method {m}", e.name)),
    };
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    if crc.sum() != e.crc || out.len() as u64 != e.size {
        return Err(format!("{}: CRC or size mismatch (corrupt member)", e.name));
    }
    Ok(out)
}

/// The names of the local file headers that start in `head` (the first bytes of a file), as far
/// as they can be followed from offset 0.
pub fn local_names(head: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while out.len() < 64 && u32_at(head, pos) == Some(SIG_LOCAL) {
        let (Some(flags), Some(comp), Some(nl), Some(xl)) =
            (u16_at(head, pos + 6), u32_at(head, pos + 18), u16_at(head, pos + 26), u16_at(head, pos + 28))
        else {
            break;
        };
        let name_at = pos + 30;
        let Some(name) = head.get(name_at..name_at + usize::from(nl)) else { break };
        out.push(String::from_utf8_lossy(name).into_owned());
        if flags & 8 != 0 {
            break; // sizes follow the data: the next header cannot be found from here
        }
        let Some(next) = (name_at + usize::from(nl) + usize::from(xl)).checked_add(comp as usize) else { break };
        pos = next;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::files::Bytes;
    use std::io::Write;

    /// A zip of (name, data, deflate?) members, written the way zip tools do.
    pub(crate) fn build(members: &[(&str, &[u8], bool)], prefix_after_data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, data, deflate) in members {
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let body = if *deflate {
                let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(data).unwrap();
                enc.finish().unwrap()
            } else {
                data.to_vec()
            };
            let method: u16 = if *deflate { 8 } else { 0 };
            let off = out.len() as u32;
            out.extend(SIG_LOCAL.to_le_bytes());
            out.extend(20u16.to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(method.to_le_bytes());
            out.extend([0u8; 4]);
            out.extend(crc.sum().to_le_bytes());
            out.extend((body.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(name.as_bytes());
            out.extend(&body);
            cd.extend(SIG_CENTRAL.to_le_bytes());
            cd.extend([20, 0, 20, 0, 0, 0]);
            cd.extend(method.to_le_bytes());
            cd.extend([0u8; 4]);
            cd.extend(crc.sum().to_le_bytes());
            cd.extend((body.len() as u32).to_le_bytes());
            cd.extend((data.len() as u32).to_le_bytes());
            cd.extend((name.len() as u16).to_le_bytes());
            cd.extend([0u8; 12]);
            cd.extend(off.to_le_bytes());
            cd.extend(name.as_bytes());
        }
        out.extend(prefix_after_data);
        let cd_off = out.len() as u32;
        out.extend(&cd);
        out.extend(SIG_EOCD.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((members.len() as u16).to_le_bytes());
        out.extend((members.len() as u16).to_le_bytes());
        out.extend((cd.len() as u32).to_le_bytes());
        out.extend(cd_off.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }

    #[test]
    fn reads_stored_and_deflated_members() {
        let z = build(&[("a.txt", b"hello", false), ("b/c.txt", &[7u8; 5000], true)], b"");
        let zip = open(&Bytes(&z)).unwrap();
        assert_eq!(zip.entries.len(), 2);
        assert_eq!(read(&Bytes(&z), zip.find("a.txt").unwrap(), 100).unwrap(), b"hello");
        assert_eq!(read(&Bytes(&z), zip.find("b/c.txt").unwrap(), 5000).unwrap(), vec![7u8; 5000]);
        assert_eq!(local_names(&z), vec!["a.txt", "b/c.txt"]);
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let z = build(&[("bomb", &vec![0u8; 4 << 20], true)], b"");
        let zip = open(&Bytes(&z)).unwrap();
        let mut e = zip.entries[0].clone();
        assert!(read(&Bytes(&z), &e, 1 << 20).unwrap_err().contains("limit"));
        // A lying header (small size) still stops at the cap while inflating.
        e.size = 10;
        assert!(read(&Bytes(&z), &e, 1 << 20).unwrap_err().contains("limit"));
    }

    #[test]
    fn hostile_directories_are_errors() {
        let z = build(&[("a", b"x", false)], b"");
        for cut in [0, 10, 21, z.len() - 1] {
            assert!(open(&Bytes(&z[..cut])).is_err(), "cut at {cut}");
        }
        // An entry count far past what the directory holds.
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 12..n - 10].copy_from_slice(&0xfffeu16.to_le_bytes());
        assert!(open(&Bytes(&bad)).is_err());
        // A directory offset past the file.
        let mut bad = z.clone();
        bad[n - 6..n - 2].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
        assert!(open(&Bytes(&bad)).is_err());
        // A member whose CRC does not match.
        let mut bad = z.clone();
        bad[30 + 1] = b'y';
        let zip = open(&Bytes(&bad)).unwrap();
        assert!(read(&Bytes(&bad), &zip.entries[0], 10).is_err());
    }
}
