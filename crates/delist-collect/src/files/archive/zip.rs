//! zip (and what is zip inside: .jar, .nupkg, .crx after its header, self-extracting files):
//! the central directory, read from the end of the file, and each member's data on demand.
//!
//! Owns the zip-bomb checks that can be made before anything is inflated: a central directory
//! within its caps, members whose data do not overlap (the overlapping-member bomb), and a
//! total declared size within [`super::MAX_EXPANDED`] and [`super::MAX_RATIO`] times the file.
//! While inflating, a member may never produce more than it declares. Only stored and deflated
//! members are read; encrypted ones are counted, not guessed at.

use super::peek;
use super::stream::{Meter, ViewReader, fill, inflate_raw_head, read_capped_into};
use crate::files::FileView;
use std::io::{self, Read};

const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const EOCD64: &[u8; 4] = b"PK\x06\x06";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
const LOCAL: &[u8; 4] = b"PK\x03\x04";
const EOCD_LEN: u64 = 22;
const LOCAL_LEN: u64 = 30;
/// Largest central directory read.
const MAX_CD: u64 = 64 << 20;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// One member of the central directory.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    method: u16,
    flags: u16,
    crc: u32,
    pub compressed: u64,
    pub size: u64,
    /// Where its local header is, from the start of the file.
    local: u64,
    /// A directory, a symlink or another non-regular member.
    special: bool,
}

impl Entry {
    pub(crate) fn encrypted(&self) -> bool {
        self.flags & 1 != 0
    }

    pub(crate) fn supported(&self) -> bool {
        matches!(self.method, 0 | 8)
    }

    pub(crate) fn regular(&self) -> bool {
        !self.special
    }
}

/// A zip's members.
#[derive(Debug)]
pub(crate) struct Directory {
    pub entries: Vec<Entry>,
    /// The sum of the members' declared sizes.
    pub declared: u64,
}

fn bad(msg: impl Into<String>) -> String {
    msg.into()
}

/// Reads the central directory and makes the checks that need no inflating.
pub(crate) fn directory(file: &dyn FileView, max_entries: usize) -> Result<Directory, String> {
    let len = file.len();
    if len < EOCD_LEN {
        return Err(bad("truncated: too short for a zip end-of-central-directory record"));
    }
    let tail_len = (EOCD_LEN + 0xffff).min(len);
    let tail_at = len - tail_len;
    let tail = file.read_at(tail_at, tail_len as usize).map_err(|e| format!("cannot read: {e}"))?;
    // The last EOCD signature whose comment ends at the end of the file (or before it).
    let eocd = (0..tail.len().saturating_sub(EOCD_LEN as usize - 1))
        .rev()
        .find(|&i| {
            tail.get(i..i + 4) == Some(EOCD)
                && u16_at(&tail, i + 20).is_some_and(|c| i + EOCD_LEN as usize + usize::from(c) <= tail.len())
        })
        .ok_or_else(|| bad("no zip end-of-central-directory record (truncated or not a zip)"))?;
    let eocd_pos = tail_at + eocd as u64;
    let field16 = |o: usize| u16_at(&tail, eocd + o).unwrap_or(0);
    let field32 = |o: usize| u32_at(&tail, eocd + o).unwrap_or(0);
    let mut count = u64::from(field16(10));
    let mut cd_size = u64::from(field32(12));
    let mut cd_offset = u64::from(field32(16));
    let mut cd_end = eocd_pos;
    if count == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff {
        // zip64: the locator sits just before the EOCD record.
        let loc_at = eocd_pos.checked_sub(20).ok_or_else(|| bad("zip64 locator missing"))?;
        let loc = file.read_at(loc_at, 20).map_err(|e| format!("cannot read: {e}"))?;
        if loc.get(..4) == Some(EOCD64_LOCATOR) {
            let rec_at = u64_at(&loc, 8).ok_or_else(|| bad("truncated zip64 locator"))?;
            let rec = file.read_at(rec_at, 56).map_err(|e| format!("cannot read: {e}"))?;
            if rec.get(..4) != Some(EOCD64) {
                return Err(format!("invalid zip64 end-of-central-directory record at byte {rec_at}"));
            }
            count = u64_at(&rec, 32).ok_or_else(|| bad("truncated zip64 record"))?;
            cd_size = u64_at(&rec, 40).ok_or_else(|| bad("truncated zip64 record"))?;
            cd_offset = u64_at(&rec, 48).ok_or_else(|| bad("truncated zip64 record"))?;
            cd_end = rec_at;
        }
    }
    if count > max_entries as u64 {
        return Err(format!("{count} members, over the limit of {max_entries}: refused"));
    }
    if cd_size > MAX_CD {
        return Err(format!("central directory of {cd_size} bytes, over the {MAX_CD}-byte limit: refused"));
    }
    // Data before the zip (a .crx header, a self-extractor stub) shifts every offset by the same
    // amount: the central directory ends where the EOCD record starts.
    let cd_at = cd_end.checked_sub(cd_size).ok_or_else(|| bad("central directory larger than the file"))?;
    let base = cd_at.checked_sub(cd_offset).ok_or_else(|| bad("central directory offset past its position"))?;
    let cd = file.read_at(cd_at, cd_size as usize).map_err(|e| format!("cannot read: {e}"))?;
    if (cd.len() as u64) < cd_size {
        return Err(bad("truncated: central directory cut short"));
    }
    let mut entries = Vec::new();
    let mut at = 0usize;
    let mut declared: u64 = 0;
    while at < cd.len() {
        if entries.len() >= max_entries {
            return Err(format!("more than {max_entries} members: refused"));
        }
        let e = central_entry(&cd, at, base)
            .ok_or_else(|| format!("invalid central directory entry at byte {}", cd_at + at as u64))?;
        declared = declared.saturating_add(e.1.size);
        at = e.0;
        entries.push(e.1);
    }
    if entries.len() as u64 != count {
        return Err(format!("central directory holds {} members, its end record says {count}", entries.len()));
    }
    check_overlap(&entries, len)?;
    // In file order: members are then read front to back.
    entries.sort_by_key(|e| e.local);
    Ok(Directory { entries, declared })
}

/// One central directory entry at `at`: where the next one starts, and the entry.
fn central_entry(cd: &[u8], at: usize, base: u64) -> Option<(usize, Entry)> {
    if cd.get(at..at + 4)? != CENTRAL {
        return None;
    }
    let made_by = u16_at(cd, at + 4)?;
    let flags = u16_at(cd, at + 8)?;
    let method = u16_at(cd, at + 10)?;
    let crc = u32_at(cd, at + 16)?;
    let mut compressed = u64::from(u32_at(cd, at + 20)?);
    let mut size = u64::from(u32_at(cd, at + 24)?);
    let name_len = usize::from(u16_at(cd, at + 28)?);
    let extra_len = usize::from(u16_at(cd, at + 30)?);
    let comment_len = usize::from(u16_at(cd, at + 32)?);
    let external = u32_at(cd, at + 38)?;
    let mut local = u64::from(u32_at(cd, at + 42)?);
    let name_at = at.checked_add(46)?;
    let name = cd.get(name_at..name_at.checked_add(name_len)?)?;
    let extra_at = name_at + name_len;
    let extra = cd.get(extra_at..extra_at.checked_add(extra_len)?)?;
    let next = extra_at.checked_add(extra_len)?.checked_add(comment_len)?;
    if next > cd.len() {
        return None;
    }
    // zip64 extended information: the 64-bit values of the fields that are all ones, in order.
    let mut i = 0;
    while let (Some(id), Some(len)) = (u16_at(extra, i), u16_at(extra, i + 2)) {
        let body = extra.get(i + 4..i + 4 + usize::from(len))?;
        if id == 1 {
            let mut j = 0;
            for field in [&mut size, &mut compressed, &mut local] {
                if *field == 0xffff_ffff {
                    *field = u64_at(body, j)?;
                    j += 8;
                }
            }
        }
        i += 4 + usize::from(len);
    }
    let name = String::from_utf8_lossy(name).into_owned();
    let unix_mode = if made_by >> 8 == 3 { (external >> 16) & 0o170_000 } else { 0 };
    let special = name.ends_with('/') || (unix_mode != 0 && unix_mode != 0o100_000);
    Some((next, Entry { name, method, flags, crc, compressed, size, local: base.checked_add(local)?, special }))
}

/// Refuses members whose data overlap: the overlapping-member zip bomb points thousands of
/// entries at one highly compressed kernel.
fn check_overlap(entries: &[Entry], file_len: u64) -> Result<(), String> {
    let mut spans: Vec<(u64, u64)> = entries
        .iter()
        .filter(|e| !(e.name.ends_with('/') && e.compressed == 0))
        .map(|e| (e.local, e.local.saturating_add(LOCAL_LEN).saturating_add(e.compressed)))
        .collect();
    spans.sort_unstable();
    for w in spans.windows(2) {
        if let [a, b] = w
            && b.0 < a.1
        {
            return Err(format!(
                "members overlap (data at byte {} also belongs to the member at byte {}): a zip bomb, refused",
                b.0, a.0
            ));
        }
    }
    if let Some(last) = spans.last()
        && last.1 > file_len
    {
        return Err(format!("truncated: a member's data runs past the end of the file ({} > {file_len})", last.1));
    }
    Ok(())
}

/// A reader of one member's stored (possibly compressed) data.
fn data<'a>(file: &'a dyn FileView, e: &Entry) -> Result<ViewReader<'a>, String> {
    let (start, len) = data_span(file, e)?;
    Ok(ViewReader::new(file, start, len))
}

/// Where one member's stored (possibly compressed) data lies in the file: offset and length.
fn data_span(file: &dyn FileView, e: &Entry) -> Result<(u64, u64), String> {
    let hdr = file.read_at(e.local, LOCAL_LEN as usize).map_err(|err| format!("cannot read: {err}"))?;
    if hdr.get(..4) != Some(LOCAL) {
        return Err(format!("invalid local header at byte {}", e.local));
    }
    let name_len = u64::from(u16_at(&hdr, 26).ok_or("truncated local header")?);
    let extra_len = u64::from(u16_at(&hdr, 28).ok_or("truncated local header")?);
    let data = e.local + LOCAL_LEN + name_len + extra_len;
    if data.checked_add(e.compressed).is_none_or(|end| end > file.len()) {
        return Err("truncated: member data runs past the end of the file".into());
    }
    Ok((data, e.compressed))
}

/// A reader of one member's uncompressed bytes, stopped at its declared size.
pub(crate) fn open<'a>(file: &'a dyn FileView, e: &Entry) -> Result<Box<dyn Read + 'a>, String> {
    let raw = data(file, e)?;
    Ok(match e.method {
        0 => Box::new(raw),
        8 => Box::new(Meter::new(
            flate2::read::DeflateDecoder::new(io::BufReader::with_capacity(64 * 1024, raw)),
            e.size,
            "more than the member declares",
        )),
        m => return Err(format!("compression method {m} is not supported")),
    })
}

/// The first `n` bytes of a member (fewer if it is shorter).
pub(crate) fn head(file: &dyn FileView, e: &Entry, n: usize) -> Result<Vec<u8>, String> {
    let n = n.min(usize::try_from(e.size).unwrap_or(usize::MAX));
    let mut raw = data(file, e)?;
    match e.method {
        0 => {
            let mut buf = vec![0u8; n];
            let got = fill(&mut raw, &mut buf).map_err(|err| err.to_string())?;
            buf.truncate(got);
            Ok(buf)
        }
        8 => inflate_raw_head(&mut raw, n).map_err(|err| err.to_string()),
        m => Err(format!("compression method {m} is not supported")),
    }
}

/// Up to this many bytes of a deflated member's head are decoded by [`peek`]; longer heads go
/// to the table-driven inflater, which is faster once past a few hundred bytes.
const PEEK_UP_TO: usize = 512;

/// [`head`] for the short heads sniffing needs: a deflated member's first bytes decoded from
/// its first compressed bytes, without setting up an inflater (see [`peek`]). Anything it cannot
/// finish goes to [`head`].
pub(crate) fn short_head(file: &dyn FileView, e: &Entry, n: usize) -> Result<Vec<u8>, String> {
    if e.method != 8 || n > PEEK_UP_TO {
        return head(file, e, n);
    }
    let n = n.min(usize::try_from(e.size).unwrap_or(usize::MAX));
    let (start, len) = data_span(file, e)?;
    // A dynamic block's code tables take some 60-100 bytes; 512 almost always suffice.
    for want in [512u64, 4096] {
        let take = want.min(len);
        let raw = file.read_at(start, take as usize).map_err(|err| format!("cannot read: {err}"))?;
        match peek::peek(&raw, n) {
            Ok(v) => return Ok(v),
            Err(peek::Stop::NeedInput) if take < len => continue,
            Err(_) => break,
        }
    }
    head(file, e, n)
}

/// A whole member of at most `cap` bytes, checked against its CRC.
pub(crate) fn read(file: &dyn FileView, e: &Entry, cap: u64) -> Result<Vec<u8>, String> {
    if e.size > cap {
        return Err(format!("member is {} bytes, over the {cap}-byte limit for files inside archives", e.size));
    }
    let mut r = open(file, e)?;
    // The declared size is within the cap, and the caller has charged it to the file's budget.
    let reserved = Vec::with_capacity(usize::try_from(e.size).unwrap_or(0));
    let data = read_capped_into(&mut r, cap, "member", reserved).map_err(|err| err.to_string())?;
    if data.len() as u64 != e.size {
        return Err(format!("member gives {} bytes, its header declares {}", data.len(), e.size));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&data);
    if crc.sum() != e.crc {
        return Err(format!("CRC mismatch (stored {:08x}, computed {:08x}): corrupt member", e.crc, crc.sum()));
    }
    Ok(data)
}
