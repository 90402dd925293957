//! cfb: a bounded reader of the OLE Compound File Binary format ([MS-CFB]) — the container of
//! MSI packages (and of old Office documents): a header, a FAT of sector chains (located through
//! the DIFAT), a directory of 128-byte entries kept as red-black trees, and a mini stream with
//! its own mini FAT for streams under the cutoff (4096 bytes).
//!
//! Owns reading the root storage's streams through a [`FileView`], one positioned read per run
//! of contiguous sectors. It must never follow a chain further than the stream needs, revisit a
//! sector within one chain (a cycle is an error, not a hang), read a FAT sector it was not sent
//! to, or allocate more than the caller's cap for a stream.

use super::super::FileView;
use std::collections::{HashMap, HashSet};

pub const MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/// Most directory sectors read (4096 sectors: 16,384 entries in a version 3 file).
pub const MAX_DIR_SECTORS: usize = 4096;
/// Largest mini FAT read.
pub const MAX_MINIFAT_BYTES: u64 = 16 << 20;

const ENDOFCHAIN: u32 = 0xffff_fffe;
const NOSTREAM: u32 = 0xffff_ffff;
/// Sector numbers at or above this are markers, not sectors.
const MAXREGSECT: u32 = 0xffff_fffa;

/// One directory entry.
#[derive(Debug, Clone)]
pub struct DirEntry {
    pub name: String,
    /// 1 storage, 2 stream, 5 root.
    pub kind: u8,
    left: u32,
    right: u32,
    child: u32,
    pub clsid: [u8; 16],
    start: u32,
    pub size: u64,
}

/// An open compound file.
pub struct Cfb<'f> {
    file: &'f dyn FileView,
    shift: u32,
    mini_cutoff: u64,
    /// Sector numbers of the FAT's sectors, in order.
    fat_sectors: Vec<u32>,
    fat_cache: HashMap<usize, Vec<u32>>,
    minifat: Vec<u32>,
    /// The root entry's chain: the mini stream's sectors.
    mini_chain: Option<Vec<u32>>,
    /// Sectors the file has room for.
    sectors: u64,
    pub entries: Vec<DirEntry>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

impl<'f> Cfb<'f> {
    /// Reads the header, the DIFAT and the directory.
    pub fn open(file: &'f dyn FileView) -> Result<Self, String> {
        let h = file.read_at(0, 512).map_err(|e| format!("cannot read header: {e}"))?;
        if h.len() < 512 || h.get(..8) != Some(&MAGIC[..]) {
            return Err("not a compound file (or its header is cut short)".into());
        }
        let major = u16_at(&h, 0x1a).unwrap_or(0);
        let shift = u32::from(u16_at(&h, 0x1e).unwrap_or(0));
        let mini_shift = u16_at(&h, 0x20).unwrap_or(0);
        if !matches!((major, shift), (3, 9) | (4, 12)) || mini_shift != 6 {
            return Err(format!("unsupported compound file version {major} (sector shift {shift})"));
        }
        let ss = 1u64 << shift;
        // The last sector may be cut short by writers that do not pad it.
        let sectors = file.len().div_ceil(ss).saturating_sub(1);
        let num_fat = u64::from(u32_at(&h, 0x2c).unwrap_or(0));
        let first_dir = u32_at(&h, 0x30).unwrap_or(ENDOFCHAIN);
        let mini_cutoff = u64::from(u32_at(&h, 0x38).unwrap_or(0));
        if mini_cutoff != 4096 {
            return Err(format!("unsupported mini stream cutoff {mini_cutoff}"));
        }
        let first_minifat = u32_at(&h, 0x3c).unwrap_or(ENDOFCHAIN);
        let num_minifat = u64::from(u32_at(&h, 0x40).unwrap_or(0));
        let mut difat_next = u32_at(&h, 0x44).unwrap_or(ENDOFCHAIN);
        let num_difat = u64::from(u32_at(&h, 0x48).unwrap_or(0));
        if num_fat > sectors {
            return Err(format!("header claims {num_fat} FAT sectors in a file of {sectors} sectors"));
        }
        let mut cfb = Cfb {
            file,
            shift,
            mini_cutoff,
            fat_sectors: Vec::new(),
            fat_cache: HashMap::new(),
            minifat: Vec::new(),
            mini_chain: None,
            sectors,
            entries: Vec::new(),
        };
        // The DIFAT: 109 entries in the header, the rest in a chain of DIFAT sectors.
        let want = num_fat as usize;
        for i in 0..109 {
            if cfb.fat_sectors.len() >= want {
                break;
            }
            cfb.fat_sectors.push(u32_at(&h, 0x4c + 4 * i).unwrap_or(NOSTREAM));
        }
        let per = (ss / 4) as usize;
        let mut seen = HashSet::new();
        let mut n = 0u64;
        while cfb.fat_sectors.len() < want {
            n += 1;
            if n > num_difat || difat_next >= MAXREGSECT || !seen.insert(difat_next) {
                return Err("DIFAT chain ends early or loops".into());
            }
            let s = cfb.read_sector(difat_next)?;
            for i in 0..per - 1 {
                if cfb.fat_sectors.len() >= want {
                    break;
                }
                cfb.fat_sectors.push(u32_at(&s, 4 * i).unwrap_or(NOSTREAM));
            }
            difat_next = u32_at(&s, 4 * (per - 1)).unwrap_or(ENDOFCHAIN);
        }
        // The directory: a chain of unknown length in version 3 files.
        let dir_chain = cfb.chain(first_dir, None, MAX_DIR_SECTORS)?;
        let dir = cfb.read_sectors(&dir_chain, dir_chain.len() as u64 * ss)?;
        for e in dir.chunks_exact(128) {
            cfb.entries.push(parse_entry(e, major));
        }
        if cfb.entries.first().is_none_or(|r| r.kind != 5) {
            return Err("directory has no root entry".into());
        }
        // The mini FAT.
        let minifat_bytes = num_minifat.saturating_mul(ss);
        if minifat_bytes > MAX_MINIFAT_BYTES {
            return Err(format!("mini FAT of {minifat_bytes} bytes is over the limit"));
        }
        if num_minifat > 0 {
            let chain = cfb.chain(first_minifat, Some(minifat_bytes), usize::MAX)?;
            let b = cfb.read_sectors(&chain, minifat_bytes)?;
            cfb.minifat = b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        }
        Ok(cfb)
    }

    fn sector_size(&self) -> u64 {
        1u64 << self.shift
    }

    fn offset(&self, sector: u32) -> Result<u64, String> {
        if u64::from(sector) >= self.sectors {
            return Err(format!("sector {sector} is past the end of the file"));
        }
        Ok((u64::from(sector) + 1) << self.shift)
    }

    fn read_sector(&self, sector: u32) -> Result<Vec<u8>, String> {
        let ss = self.sector_size() as usize;
        let b = self.file.read_at(self.offset(sector)?, ss).map_err(|e| format!("cannot read sector: {e}"))?;
        if b.len() != ss {
            return Err(format!("sector {sector} cut short (truncated file?)"));
        }
        Ok(b)
    }

    /// Reads sectors in order, one read per run of consecutive sector numbers; at least `need`
    /// bytes must come back (the file's last sector may be short).
    fn read_sectors(&self, chain: &[u32], need: u64) -> Result<Vec<u8>, String> {
        let ss = self.sector_size();
        let mut out = Vec::with_capacity(chain.len().saturating_mul(ss as usize).min(64 << 20));
        let mut i = 0;
        while i < chain.len() {
            let mut j = i + 1;
            while j < chain.len() && chain[j] == chain[j - 1].wrapping_add(1) {
                j += 1;
            }
            let start = self.offset(chain[i])?;
            let len = ((j - i) as u64 * ss) as usize;
            let b = self.file.read_at(start, len).map_err(|e| format!("cannot read stream: {e}"))?;
            let short = b.len() != len;
            out.extend(b);
            if short {
                break;
            }
            i = j;
        }
        if (out.len() as u64) < need {
            return Err("stream cut short (truncated file?)".into());
        }
        Ok(out)
    }

    /// The FAT entry for `sector`: the next sector of its chain.
    fn next(&mut self, sector: u32) -> Result<u32, String> {
        let per = (self.sector_size() / 4) as usize;
        let idx = sector as usize / per;
        if !self.fat_cache.contains_key(&idx) {
            let fs = *self.fat_sectors.get(idx).ok_or_else(|| format!("sector {sector} is beyond the FAT"))?;
            if fs >= MAXREGSECT {
                return Err(format!("FAT sector for sector {sector} is missing"));
            }
            let b = self.read_sector(fs)?;
            let entries = b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            self.fat_cache.insert(idx, entries);
        }
        self.fat_cache
            .get(&idx)
            .and_then(|v| v.get(sector as usize % per))
            .copied()
            .ok_or_else(|| "FAT entry missing".into())
    }

    /// The sectors of a chain: exactly enough for `size` bytes when the size is known, else up to
    /// ENDOFCHAIN (at most `max` sectors).
    fn chain(&mut self, start: u32, size: Option<u64>, max: usize) -> Result<Vec<u32>, String> {
        let ss = self.sector_size();
        let need = size.map(|s| s.div_ceil(ss));
        if need.is_some_and(|n| n > self.sectors) {
            return Err("stream is larger than the file".into());
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut s = start;
        loop {
            if need.is_some_and(|n| out.len() as u64 >= n) {
                break;
            }
            if s == ENDOFCHAIN && need.is_none() {
                break;
            }
            if s >= MAXREGSECT {
                return Err("sector chain ends early".into());
            }
            if !seen.insert(s) {
                return Err(format!("sector chain loops at sector {s}"));
            }
            if out.len() >= max {
                return Err(format!("sector chain longer than {max} sectors"));
            }
            out.push(s);
            s = self.next(s)?;
        }
        Ok(out)
    }

    /// The streams directly inside the root storage: (name, entry index). Red-black tree links
    /// are followed with a visited set, so a looping tree ends.
    pub fn root_streams(&self) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.entries.len()];
        let mut stack = vec![self.entries.first().map_or(NOSTREAM, |r| r.child)];
        while let Some(id) = stack.pop() {
            let Some(e) = self.entries.get(id as usize) else { continue };
            if std::mem::replace(&mut seen[id as usize], true) {
                continue;
            }
            stack.push(e.left);
            stack.push(e.right);
            if e.kind == 2 {
                out.push((e.name.clone(), id as usize));
            }
        }
        out
    }

    /// Reads one stream, refusing one larger than `cap` bytes.
    pub fn read_stream(&mut self, index: usize, cap: u64) -> Result<Vec<u8>, String> {
        let e = self.entries.get(index).ok_or("no such directory entry")?.clone();
        if e.size > cap {
            return Err(format!("stream is {} bytes, over the {cap}-byte limit", e.size));
        }
        let size = e.size as usize;
        if e.size >= self.mini_cutoff {
            let chain = self.chain(e.start, Some(e.size), usize::MAX)?;
            let mut b = self.read_sectors(&chain, e.size)?;
            b.truncate(size);
            return Ok(b);
        }
        // A small stream lives in the mini stream, in 64-byte mini sectors.
        if self.mini_chain.is_none() {
            let root = self.entries.first().ok_or("no root entry")?.clone();
            let chain = self.chain(root.start, Some(root.size), usize::MAX)?;
            self.mini_chain = Some(chain);
        }
        let need = e.size.div_ceil(64) as usize;
        let mut out = Vec::with_capacity(size.min(1 << 20));
        let mut seen = HashSet::new();
        let mut m = e.start;
        for _ in 0..need {
            if m >= MAXREGSECT || !seen.insert(m) {
                return Err("mini sector chain ends early or loops".into());
            }
            let at = u64::from(m) * 64;
            let ss = self.sector_size();
            let chain = self.mini_chain.as_deref().unwrap_or_default();
            let sector = *chain.get((at / ss) as usize).ok_or("mini sector past the mini stream")?;
            let off = self.offset(sector)? + at % ss;
            let want = size.saturating_sub(out.len()).min(64);
            let b = self.file.read_at(off, want).map_err(|e| format!("cannot read mini sector: {e}"))?;
            if b.len() != want {
                return Err("mini sector cut short (truncated file?)".into());
            }
            out.extend(b);
            m = *self.minifat.get(m as usize).ok_or("mini sector beyond the mini FAT")?;
        }
        out.truncate(size);
        Ok(out)
    }
}

fn parse_entry(e: &[u8], major: u16) -> DirEntry {
    let name_len = usize::from(u16_at(e, 64).unwrap_or(0)).min(64);
    let units: Vec<u16> = e
        .get(..name_len.saturating_sub(2))
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut size = u64_at(e, 120).unwrap_or(0);
    if major == 3 {
        size &= 0xffff_ffff; // version 3 files may leave garbage in the high half
    }
    let mut clsid = [0u8; 16];
    if let Some(c) = e.get(80..96) {
        clsid.copy_from_slice(c);
    }
    DirEntry {
        name: String::from_utf16_lossy(&units),
        kind: e.get(66).copied().unwrap_or(0),
        left: u32_at(e, 68).unwrap_or(NOSTREAM),
        right: u32_at(e, 72).unwrap_or(NOSTREAM),
        child: u32_at(e, 76).unwrap_or(NOSTREAM),
        clsid,
        start: u32_at(e, 116).unwrap_or(ENDOFCHAIN),
        size,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::files::Bytes;

    const FREESECT: u32 = 0xffff_ffff;
    const FATSECT: u32 = 0xffff_fffd;

    fn entry(name: &str, kind: u8, left: u32, right: u32, child: u32, start: u32, size: u64) -> Vec<u8> {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
        e[66] = kind;
        e[68..72].copy_from_slice(&left.to_le_bytes());
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..128].copy_from_slice(&size.to_le_bytes());
        e
    }

    /// A version-3 compound file: streams laid out as the caller says. Sector 0 is the FAT,
    /// sector 1 the directory; `streams` are (name, bytes) stored in regular sectors from 2 on,
    /// or in the mini stream when short. `fat_patch` edits FAT entries afterwards.
    pub(crate) fn build(streams: &[(&str, Vec<u8>)], fat_patch: &[(usize, u32)]) -> Vec<u8> {
        let mut fat = vec![FATSECT, ENDOFCHAIN];
        let mut body: Vec<u8> = Vec::new(); // sectors from 2 on
        let mut mini: Vec<u8> = Vec::new();
        let mut minifat: Vec<u32> = Vec::new();
        let mut dir = Vec::new();
        let n = streams.len() as u32;
        let mut placed = Vec::new();
        for (_, data) in streams {
            if data.len() < 4096 {
                let start = (mini.len() / 64) as u32;
                let count = data.len().div_ceil(64).max(1);
                for k in 0..count {
                    minifat.push(if k + 1 == count { ENDOFCHAIN } else { start + k as u32 + 1 });
                }
                mini.extend(data);
                mini.resize(mini.len().div_ceil(64) * 64, 0);
                placed.push(start);
            } else {
                let start = 2 + (body.len() / 512) as u32;
                let count = data.len().div_ceil(512);
                for k in 0..count {
                    fat.push(if k + 1 == count { ENDOFCHAIN } else { start + k as u32 + 1 });
                }
                body.extend(data);
                body.resize(body.len().div_ceil(512) * 512, 0);
                placed.push(start);
            }
        }
        // The mini stream and the mini FAT in regular sectors after the streams.
        let mini_start = 2 + (body.len() / 512) as u32;
        let mini_count = mini.len().div_ceil(512);
        for k in 0..mini_count {
            fat.push(if k + 1 == mini_count { ENDOFCHAIN } else { mini_start + k as u32 + 1 });
        }
        body.extend(&mini);
        body.resize(body.len().div_ceil(512) * 512, 0);
        let minifat_start = 2 + (body.len() / 512) as u32;
        fat.push(ENDOFCHAIN);
        let mut mf: Vec<u8> = minifat.iter().flat_map(|v| v.to_le_bytes()).collect();
        mf.resize(512, 0xff);
        body.extend(mf);
        // Root: its child is the first stream; streams chain through `right`.
        dir.extend(entry(
            "Root Entry",
            5,
            NOSTREAM,
            NOSTREAM,
            if n > 0 { 1 } else { NOSTREAM },
            mini_start,
            mini.len() as u64,
        ));
        for (i, (name, data)) in streams.iter().enumerate() {
            let right = if (i as u32) + 1 < n { i as u32 + 2 } else { NOSTREAM };
            dir.extend(entry(name, 2, NOSTREAM, right, NOSTREAM, placed[i], data.len() as u64));
        }
        dir.resize(dir.len().div_ceil(512) * 512, 0);
        assert_eq!(dir.len(), 512, "test builder keeps the directory to one sector");
        for (i, v) in fat_patch {
            fat[*i] = *v;
        }
        let mut fat_bytes: Vec<u8> = fat.iter().flat_map(|v| v.to_le_bytes()).collect();
        fat_bytes.resize(512, 0xff);
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(&MAGIC);
        h[0x18..0x1a].copy_from_slice(&0x3eu16.to_le_bytes());
        h[0x1a..0x1c].copy_from_slice(&3u16.to_le_bytes());
        h[0x1c..0x1e].copy_from_slice(&0xfffeu16.to_le_bytes());
        h[0x1e..0x20].copy_from_slice(&9u16.to_le_bytes());
        h[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
        h[0x2c..0x30].copy_from_slice(&1u32.to_le_bytes());
        h[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        h[0x38..0x3c].copy_from_slice(&4096u32.to_le_bytes());
        h[0x3c..0x40].copy_from_slice(&minifat_start.to_le_bytes());
        h[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
        h[0x44..0x48].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            let v = if i == 0 { 0 } else { FREESECT };
            h[0x4c + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut out = h;
        out.extend(fat_bytes);
        out.extend(dir);
        out.extend(body);
        out
    }

    #[test]
    fn reads_regular_and_mini_streams() {
        let big: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let f = build(&[("small", b"hello mini stream".to_vec()), ("big", big.clone())], &[]);
        let file = Bytes(&f);
        let mut c = Cfb::open(&file).unwrap();
        let streams = c.root_streams();
        let idx = |n: &str| streams.iter().find(|(s, _)| s == n).unwrap().1;
        assert_eq!(c.read_stream(idx("small"), 100).unwrap(), b"hello mini stream");
        assert_eq!(c.read_stream(idx("big"), 10_000).unwrap(), big);
        assert!(c.read_stream(idx("big"), 4000).unwrap_err().contains("limit"));
    }

    #[test]
    fn chain_cycles_are_errors() {
        let big = vec![1u8; 5000]; // sectors 2..=11
        // Sector 5 points back to sector 3: a loop inside the stream's chain.
        let f = build(&[("big", big)], &[(5, 3)]);
        let file = Bytes(&f);
        let mut c = Cfb::open(&file).unwrap();
        let i = c.root_streams()[0].1;
        assert!(c.read_stream(i, 10_000).unwrap_err().contains("loops"));
        // A directory chain that points to itself.
        let f = build(&[("a", vec![1])], &[(1, 1)]);
        assert!(Cfb::open(&Bytes(&f)).err().unwrap().contains("loops"));
    }

    #[test]
    fn directory_tree_loops_end() {
        let mut f = build(&[("a", vec![1]), ("b", vec![2])], &[]);
        // Entry 2's left link points back to entry 1, whose right is entry 2.
        let e2 = 512 * 2 + 128 * 2;
        f[e2 + 68..e2 + 72].copy_from_slice(&1u32.to_le_bytes());
        let file = Bytes(&f);
        let c = Cfb::open(&file).unwrap();
        let mut names: Vec<String> = c.root_streams().into_iter().map(|(n, _)| n).collect();
        names.sort();
        assert_eq!(names, vec!["a", "b"]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let f = build(&[("a", vec![1; 10])], &[]);
        assert!(Cfb::open(&Bytes(&f[..511])).is_err());
        let mut bad = f.clone();
        bad[0x2c..0x30].copy_from_slice(&u32::MAX.to_le_bytes()); // FAT sector count
        assert!(Cfb::open(&Bytes(&bad)).is_err());
        let mut bad = f.clone();
        bad[0x1e] = 20; // sector shift
        assert!(Cfb::open(&Bytes(&bad)).is_err());
        let mut bad = f.clone();
        bad[0x40..0x44].copy_from_slice(&u32::MAX.to_le_bytes()); // mini FAT sectors
        assert!(Cfb::open(&Bytes(&bad)).is_err());
        let mut bad = f.clone();
        bad[0x4c..0x50].copy_from_slice(&0x7fff_ffffu32.to_le_bytes()); // FAT sector past the file
        assert!(Cfb::open(&Bytes(&bad)).is_err());
        // A stream size past the file.
        let mut bad = f.clone();
        let e1 = 512 * 2 + 128;
        bad[e1 + 120..e1 + 128].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
        let file = Bytes(&bad);
        let mut c = Cfb::open(&file).unwrap();
        assert!(c.read_stream(1, u64::MAX).is_err());
        // Every truncation is an error or a shorter directory, never a panic.
        for cut in 0..f.len() {
            let file = Bytes(&f[..cut]);
            if let Ok(mut c) = Cfb::open(&file) {
                for (_, i) in c.root_streams() {
                    let _ = c.read_stream(i, 1 << 20);
                }
            }
        }
    }
}
