//! The Windows registry hive file format (regf): keys, values and their data, read from the bytes
//! of a primary hive file (`SOFTWARE`, `SYSTEM`, `NTUSER.DAT`).
//!
//! Owns the base block, cells, key nodes (`nk`), subkey lists (`lf`, `lh`, `li`, `ri`), value
//! lists, value keys (`vk`) and big data (`db`). It is a pure function of bytes: it never opens a
//! file, never applies a transaction log (`.LOG1`/`.LOG2` are never read: a hive whose base block
//! says it is dirty is read as it stands, which is what was last written to it), never writes.
//!
//! It must never trust an offset, count or length it has not checked against the bytes it has,
//! allocate from a count it was given, recurse on input, or loop forever. Every cell read spends
//! one unit of a per-hive budget ([`MAX_CELLS`]), keys nest at most [`MAX_DEPTH`] deep, an index
//! root may hold only leaves, and a subkey list that points back at its own key or an ancestor is
//! an error: a cyclic or truncated hive gives an [`Error`], never a hang or a panic.
//!
//! Why by hand rather than a crate: the maintained pure-Rust readers are GPL (`nt-hive`:
//! GPL-2.0-or-later; `nt_hive2`: GPL-3.0), which delist's Apache-2.0/MIT licence cannot take;
//! `notatin` (Apache-2.0) is a forensic toolkit that replays transaction logs and recovers
//! deleted cells — exactly what a scan must not do — and brings an export stack with it. What
//! delist needs is the read path of a documented format, about 400 lines.

use std::cell::Cell;
use std::fmt;

/// The base block's size; the hive bins start right after it, and cell offsets count from there.
pub const BASE_BLOCK: usize = 4096;
/// Deepest key nesting followed (Windows' own limit is 512 levels).
pub const MAX_DEPTH: usize = 512;
/// Cells read from one hive before giving up: far more than the few paths delist reads visit,
/// small enough that a hostile hive (a list shared by every key, a DAG fanning out) ends quickly.
pub const MAX_CELLS: u64 = 4_000_000;
/// Largest value data assembled (certificate blobs are a few KiB; a value is at most 1 MiB in
/// Windows' own guidance).
pub const MAX_VALUE: usize = 1 << 20;
/// Largest data a single cell holds before Windows splits it into big data segments.
const BIG_DATA_SEGMENT: usize = 16344;
/// Offset meaning "no cell".
const NONE: u32 = u32::MAX;

pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_MULTI_SZ: u32 = 7;

/// Why a hive or one of its cells cannot be read: the cell's offset (from the start of the hive
/// bins) where one is involved, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub offset: Option<u32>,
    pub what: String,
}

impl Error {
    fn at(offset: u32, what: impl Into<String>) -> Self {
        Self { offset: Some(offset), what: what.into() }
    }

    fn file(what: impl Into<String>) -> Self {
        Self { offset: None, what: what.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "cell at 0x{o:x}: {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let b: [u8; 2] = d.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// A parsed hive: its bins and root, and the budget of cells left to read.
#[derive(Debug)]
pub struct Hive<'a> {
    bins: &'a [u8],
    root: u32,
    minor: u32,
    /// The base block's sequence numbers differ: a write was not completed and the changes sit in
    /// the transaction logs, which delist does not apply.
    pub dirty: bool,
    budget: Cell<u64>,
}

/// One key: where its node lies, its name, and the nodes above it (for cycle detection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a> {
    pub offset: u32,
    pub name: String,
    node: &'a [u8],
    ancestors: Vec<u32>,
}

impl Key<'_> {
    /// How many keys lie above this one.
    pub fn depth(&self) -> usize {
        self.ancestors.len()
    }
}

/// One value of a key, its data assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// Empty for the key's default value.
    pub name: String,
    pub kind: u32,
    pub data: Vec<u8>,
}

impl Value {
    /// The data as text, for `REG_SZ` and `REG_EXPAND_SZ` (UTF-16LE up to the first NUL).
    pub fn string(&self) -> Option<String> {
        matches!(self.kind, REG_SZ | REG_EXPAND_SZ).then(|| utf16z(&self.data))
    }

    /// The data as a number, for `REG_DWORD`.
    pub fn dword(&self) -> Option<u32> {
        if self.kind != REG_DWORD {
            return None;
        }
        u32_at(&self.data, 0)
    }
}

/// UTF-16LE text up to its first NUL (an odd trailing byte is dropped).
pub fn utf16z(data: &[u8]) -> String {
    let units: Vec<u16> =
        data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
    String::from_utf16_lossy(&units)
}

/// Latin-1 text (compressed key and value names).
fn latin1(data: &[u8]) -> String {
    data.iter().map(|b| char::from(*b)).collect()
}

/// The base block checksum: XOR of its first 127 dwords, with 0 and -1 mapped as Windows does.
fn checksum(base: &[u8]) -> u32 {
    let x = (0..127).filter_map(|i| u32_at(base, i * 4)).fold(0u32, |a, d| a ^ d);
    match x {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        x => x,
    }
}

impl<'a> Hive<'a> {
    /// Reads the base block and finds the hive bins. A transaction log, a truncated file or a
    /// corrupted base block is an error.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let base = data.get(..BASE_BLOCK).ok_or_else(|| {
            Error::file(format!("truncated hive: the base block needs {BASE_BLOCK} bytes, the file has {}", data.len()))
        })?;
        if !base.starts_with(b"regf") {
            return Err(Error::file("not a registry hive: expected the signature `regf`"));
        }
        let field = |off: usize| u32_at(base, off).unwrap_or(0);
        let (seq1, seq2, major, minor, kind, format) = (field(4), field(8), field(20), field(24), field(28), field(32));
        if major != 1 || !(1..=6).contains(&minor) {
            return Err(Error::file(format!("unsupported hive version {major}.{minor} (expected 1.1 to 1.6)")));
        }
        if kind != 0 {
            return Err(Error::file(format!("file type {kind}: a transaction log, not a primary hive file")));
        }
        if format != 1 {
            return Err(Error::file(format!("unsupported hive format {format} (expected 1, direct memory load)")));
        }
        let stored = field(508);
        if checksum(base) != stored {
            return Err(Error::file("base block checksum mismatch: the hive header is corrupted"));
        }
        let size = field(40) as usize;
        if size == 0 || !size.is_multiple_of(4096) {
            return Err(Error::file(format!("hive bins size {size} is not a positive multiple of 4096")));
        }
        let bins = data.get(BASE_BLOCK..BASE_BLOCK.saturating_add(size)).ok_or_else(|| {
            Error::file(format!(
                "truncated hive: the base block declares {size} bytes of hive bins, the file has {}",
                data.len().saturating_sub(BASE_BLOCK)
            ))
        })?;
        if !bins.starts_with(b"hbin") {
            return Err(Error::file("expected a hive bin (`hbin`) right after the base block"));
        }
        Ok(Self { bins, root: field(36), minor, dirty: seq1 != seq2, budget: Cell::new(MAX_CELLS) })
    }

    /// The contents of the allocated cell at `off` (its size field excluded).
    fn cell(&self, off: u32) -> Result<&'a [u8]> {
        let left = self.budget.get();
        if left == 0 {
            return Err(Error::at(off, format!("read budget of {MAX_CELLS} cells exhausted (a looping hive?)")));
        }
        self.budget.set(left - 1);
        if off == NONE {
            return Err(Error::at(off, "expected a cell, found no offset"));
        }
        if !off.is_multiple_of(8) {
            return Err(Error::at(off, "cell offset is not 8-byte aligned"));
        }
        let o = off as usize;
        let size = u32_at(self.bins, o)
            .ok_or_else(|| Error::at(off, "cell lies past the end of the hive bins (truncated hive?)"))?
            as i32;
        if size >= 0 {
            return Err(Error::at(off, "expected an allocated cell, found a free one"));
        }
        let len = size.unsigned_abs() as usize;
        if len < 8 {
            return Err(Error::at(off, format!("cell of {len} bytes is smaller than a cell header")));
        }
        o.checked_add(len).and_then(|end| self.bins.get(o + 4..end)).ok_or_else(|| {
            Error::at(off, format!("cell of {len} bytes runs past the end of the hive bins (truncated hive?)"))
        })
    }

    /// The key node at `off`, below `ancestors`.
    fn key(&self, off: u32, ancestors: Vec<u32>) -> Result<Key<'a>> {
        let node = self.cell(off)?;
        if !node.starts_with(b"nk") {
            return Err(Error::at(off, "expected a key node (`nk`)"));
        }
        let flags = u16_at(node, 2).unwrap_or(0);
        let name_len = usize::from(u16_at(node, 72).ok_or_else(|| Error::at(off, "key node shorter than 76 bytes"))?);
        let raw = node
            .get(76..76 + name_len)
            .ok_or_else(|| Error::at(off, format!("key name of {name_len} bytes runs past its cell")))?;
        // KEY_COMP_NAME: the name is Latin-1, one byte a character; else UTF-16LE.
        let name = if flags & 0x20 != 0 { latin1(raw) } else { utf16z(raw) };
        Ok(Key { offset: off, name, node, ancestors })
    }

    /// The root key.
    pub fn root(&self) -> Result<Key<'a>> {
        self.key(self.root, Vec::new())
    }

    /// The direct subkeys of `key`, in stored order. A subkey that is the key itself or one of
    /// its ancestors is an error (a cycle), as is nesting past [`MAX_DEPTH`].
    pub fn subkeys(&self, key: &Key<'a>) -> Result<Vec<Key<'a>>> {
        let count = u32_at(key.node, 20).unwrap_or(0);
        let list = u32_at(key.node, 28).unwrap_or(NONE);
        if count == 0 || list == NONE {
            return Ok(Vec::new());
        }
        if key.depth() + 1 >= MAX_DEPTH {
            return Err(Error::at(key.offset, format!("keys nested deeper than {MAX_DEPTH} levels")));
        }
        let mut offsets = Vec::new();
        self.list_offsets(list, true, &mut offsets)?;
        let mut ancestors = key.ancestors.clone();
        ancestors.push(key.offset);
        let mut out = Vec::new();
        for off in offsets {
            if ancestors.contains(&off) {
                return Err(Error::at(
                    key.offset,
                    format!("subkey list of `{}` points back to 0x{off:x}, the key or an ancestor (a cycle)", key.name),
                ));
            }
            out.push(self.key(off, ancestors.clone())?);
        }
        Ok(out)
    }

    /// The key offsets of a subkey list: a leaf (`lf`, `lh`, `li`), or (at the top only) an
    /// index root (`ri`) of leaves.
    fn list_offsets(&self, off: u32, top: bool, out: &mut Vec<u32>) -> Result<()> {
        let cell = self.cell(off)?;
        let sig = cell.get(..2).unwrap_or_default();
        let count = usize::from(u16_at(cell, 2).ok_or_else(|| Error::at(off, "subkey list without a count"))?);
        let stride = match sig {
            b"lf" | b"lh" => 8,
            b"li" | b"ri" => 4,
            _ => return Err(Error::at(off, "expected a subkey list (`lf`, `lh`, `li` or `ri`)")),
        };
        let body = count
            .checked_mul(stride)
            .and_then(|n| cell.get(4..4 + n))
            .ok_or_else(|| Error::at(off, format!("subkey list of {count} entries runs past its cell")))?;
        for chunk in body.chunks_exact(stride) {
            let child = u32_at(chunk, 0).unwrap_or(NONE);
            if sig == b"ri" {
                if !top {
                    return Err(Error::at(off, "an index root (`ri`) inside an index root"));
                }
                self.list_offsets(child, false, out)?;
            } else {
                out.push(child);
            }
        }
        Ok(())
    }

    /// The subkey of `key` named `name` (ASCII case-insensitively, as Windows compares).
    pub fn subkey(&self, key: &Key<'a>, name: &str) -> Result<Option<Key<'a>>> {
        Ok(self.subkeys(key)?.into_iter().find(|k| same_name(&k.name, name)))
    }

    /// The key at a `\`-separated path below `key`, if every part exists.
    pub fn open(&self, key: &Key<'a>, path: &str) -> Result<Option<Key<'a>>> {
        let mut cur = key.clone();
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            match self.subkey(&cur, part)? {
                Some(k) => cur = k,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    /// The value list of `key`: its value key offsets.
    fn value_offsets(&self, key: &Key<'a>) -> Result<Vec<u32>> {
        let count = u32_at(key.node, 36).unwrap_or(0) as usize;
        let list = u32_at(key.node, 40).unwrap_or(NONE);
        if count == 0 || list == NONE {
            return Ok(Vec::new());
        }
        let cell = self.cell(list)?;
        let body = count
            .checked_mul(4)
            .and_then(|n| cell.get(..n))
            .ok_or_else(|| Error::at(list, format!("value list of {count} entries runs past its cell")))?;
        Ok(body.chunks_exact(4).map(|c| u32_at(c, 0).unwrap_or(NONE)).collect())
    }

    /// The values of `key`, in stored order.
    pub fn values(&self, key: &Key<'a>) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for off in self.value_offsets(key)? {
            out.extend(self.value(off, None)?);
        }
        Ok(out)
    }

    /// The value of `key` named `name` (case-insensitively; `""` is the default value). Only the
    /// names of the other values are read, so a broken value elsewhere in the key does not hide it.
    pub fn value_named(&self, key: &Key<'a>, name: &str) -> Result<Option<Value>> {
        for off in self.value_offsets(key)? {
            if let Some(v) = self.value(off, Some(name))? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// The value key at `off` with its data; `None` when `want` names another value (its data is
    /// then not read).
    fn value(&self, off: u32, want: Option<&str>) -> Result<Option<Value>> {
        let vk = self.cell(off)?;
        if !vk.starts_with(b"vk") || vk.len() < 20 {
            return Err(Error::at(off, "expected a value key (`vk`)"));
        }
        let name_len = usize::from(u16_at(vk, 2).unwrap_or(0));
        let raw_size = u32_at(vk, 4).unwrap_or(0);
        let data_off = u32_at(vk, 8).unwrap_or(NONE);
        let kind = u32_at(vk, 12).unwrap_or(0);
        let flags = u16_at(vk, 16).unwrap_or(0);
        let raw_name = vk
            .get(20..20 + name_len)
            .ok_or_else(|| Error::at(off, format!("value name of {name_len} bytes runs past its cell")))?;
        // VALUE_COMP_NAME: Latin-1 name.
        let name = if flags & 1 != 0 { latin1(raw_name) } else { utf16z(raw_name) };
        if want.is_some_and(|w| !same_name(&name, w)) {
            return Ok(None);
        }
        let data = if raw_size & 0x8000_0000 != 0 {
            // Small data lives in the offset field itself.
            let len = (raw_size & 0x7fff_ffff) as usize;
            vk.get(8..8 + len.min(4)).unwrap_or_default().to_vec()
        } else {
            self.data(data_off, raw_size as usize)?
        };
        Ok(Some(Value { name, kind, data }))
    }

    /// `len` bytes of value data at `off`: one cell, or big data segments (hive 1.4 and later).
    fn data(&self, off: u32, len: usize) -> Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        if len > MAX_VALUE {
            return Err(Error::at(off, format!("value data of {len} bytes is over the {MAX_VALUE}-byte limit")));
        }
        let cell = self.cell(off)?;
        if len > BIG_DATA_SEGMENT && self.minor >= 4 && cell.starts_with(b"db") {
            let count = usize::from(u16_at(cell, 2).unwrap_or(0));
            let list = u32_at(cell, 4).unwrap_or(NONE);
            let segs = self.cell(list)?;
            let segs = count
                .checked_mul(4)
                .and_then(|n| segs.get(..n))
                .ok_or_else(|| Error::at(list, format!("big data list of {count} segments runs past its cell")))?;
            let mut out = Vec::new();
            for s in segs.chunks_exact(4) {
                if out.len() >= len {
                    break;
                }
                let seg = self.cell(u32_at(s, 0).unwrap_or(NONE))?;
                let take = (len - out.len()).min(BIG_DATA_SEGMENT).min(seg.len());
                out.extend_from_slice(seg.get(..take).unwrap_or_default());
            }
            if out.len() < len {
                return Err(Error::at(off, format!("big data holds {} of its {len} bytes", out.len())));
            }
            return Ok(out);
        }
        cell.get(..len)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| Error::at(off, format!("value data of {len} bytes runs past its cell")))
    }

    /// Visits every key depth-first (an explicit stack: input never drives recursion) and returns
    /// how many were visited. For checking a whole hive (tests, fuzzing); scans read only paths.
    pub fn walk(&self, visit: &mut dyn FnMut(&Key<'a>)) -> Result<usize> {
        let mut stack = vec![self.root()?];
        let mut n = 0usize;
        while let Some(k) = stack.pop() {
            visit(&k);
            n += 1;
            let mut kids = self.subkeys(&k)?;
            kids.reverse();
            stack.extend(kids);
        }
        Ok(n)
    }
}

/// Whether two registry names are the same name: Windows compares them case-insensitively.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b.to_lowercase())
}

#[cfg(test)]
pub(crate) mod build {
    //! A tiny hive writer for tests: enough regf to exercise every structure the reader knows,
    //! including the ones hivex does not write (`ri`, `li`, big data) and broken ones.

    use super::*;

    /// Cells appended to one growing hbin area; offsets count from the start of the bins.
    pub struct Builder {
        pub bins: Vec<u8>,
    }

    impl Builder {
        pub fn new() -> Self {
            let mut bins = b"hbin".to_vec();
            bins.resize(32, 0);
            Self { bins }
        }

        /// Appends an allocated cell holding `body`; returns its offset.
        pub fn cell(&mut self, body: &[u8]) -> u32 {
            let off = self.bins.len() as u32;
            let len = (body.len() + 4).div_ceil(8) * 8;
            self.bins.extend_from_slice(&(-(len as i32)).to_le_bytes());
            self.bins.extend_from_slice(body);
            self.bins.resize(off as usize + len, 0);
            off
        }

        /// A key node named `name` with the given subkey list and value list.
        pub fn nk(&mut self, name: &str, subkeys: (u32, u32), values: (u32, u32)) -> u32 {
            let mut b = vec![0u8; 76];
            b[..2].copy_from_slice(b"nk");
            b[2..4].copy_from_slice(&0x20u16.to_le_bytes());
            b[20..24].copy_from_slice(&subkeys.0.to_le_bytes());
            b[28..32].copy_from_slice(&subkeys.1.to_le_bytes());
            b[32..36].copy_from_slice(&NONE.to_le_bytes());
            b[36..40].copy_from_slice(&values.0.to_le_bytes());
            b[40..44].copy_from_slice(&values.1.to_le_bytes());
            b[72..74].copy_from_slice(&(name.len() as u16).to_le_bytes());
            b.extend_from_slice(name.as_bytes());
            self.cell(&b)
        }

        /// Rewrites the subkey count and list of the key node at `nk`.
        pub fn set_subkeys(&mut self, nk: u32, count: u32, list: u32) {
            let o = nk as usize + 4;
            self.bins[o + 20..o + 24].copy_from_slice(&count.to_le_bytes());
            self.bins[o + 28..o + 32].copy_from_slice(&list.to_le_bytes());
        }

        /// A subkey list of signature `sig` (`lf`, `lh`, `li`, `ri`).
        pub fn list(&mut self, sig: &[u8; 2], offsets: &[u32]) -> u32 {
            let mut b = sig.to_vec();
            b.extend_from_slice(&(offsets.len() as u16).to_le_bytes());
            for o in offsets {
                b.extend_from_slice(&o.to_le_bytes());
                if sig == b"lf" || sig == b"lh" {
                    b.extend_from_slice(&0u32.to_le_bytes());
                }
            }
            self.cell(&b)
        }

        /// A value key with its data (inline when at most 4 bytes, else in its own cell).
        pub fn vk(&mut self, name: &str, kind: u32, data: &[u8]) -> u32 {
            let (size, off) = if data.len() <= 4 {
                let mut inline = [0u8; 4];
                inline[..data.len()].copy_from_slice(data);
                (data.len() as u32 | 0x8000_0000, u32::from_le_bytes(inline))
            } else {
                (data.len() as u32, self.cell(data))
            };
            self.vk_raw(name, kind, size, off)
        }

        pub fn vk_raw(&mut self, name: &str, kind: u32, size: u32, off: u32) -> u32 {
            let mut b = vec![0u8; 20];
            b[..2].copy_from_slice(b"vk");
            b[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
            b[4..8].copy_from_slice(&size.to_le_bytes());
            b[8..12].copy_from_slice(&off.to_le_bytes());
            b[12..16].copy_from_slice(&kind.to_le_bytes());
            b[16..18].copy_from_slice(&1u16.to_le_bytes());
            b.extend_from_slice(name.as_bytes());
            self.cell(&b)
        }

        /// A value list cell.
        pub fn values(&mut self, offsets: &[u32]) -> u32 {
            let b: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
            self.cell(&b)
        }

        /// The whole file: base block (minor version `minor`) and the bins padded to 4 KiB.
        pub fn finish(mut self, root: u32, minor: u32) -> Vec<u8> {
            let size = self.bins.len().div_ceil(4096) * 4096;
            let free = size - self.bins.len();
            if free > 0 {
                let at = self.bins.len();
                self.bins.resize(size, 0);
                self.bins[at..at + 4].copy_from_slice(&(free as i32).to_le_bytes());
            }
            self.bins[8..12].copy_from_slice(&(size as u32).to_le_bytes());
            let mut base = vec![0u8; BASE_BLOCK];
            base[..4].copy_from_slice(b"regf");
            for (off, v) in [(4, 1u32), (8, 1), (20, 1), (24, minor), (28, 0), (32, 1), (36, root), (40, size as u32)] {
                base[off..off + 4].copy_from_slice(&v.to_le_bytes());
            }
            let sum = checksum(&base);
            base[508..512].copy_from_slice(&sum.to_le_bytes());
            base.extend(self.bins);
            base
        }
    }

    /// A small hive: root → Software → Vendor (two values), plus an `li` list and an `ri` index.
    pub fn sample() -> Vec<u8> {
        let mut b = Builder::new();
        let name = b.vk("DisplayName", REG_SZ, &utf16("Example Agent"));
        let dword = b.vk("Type", REG_DWORD, &16u32.to_le_bytes());
        let vals = b.values(&[name, dword]);
        let vendor = b.nk("Vendor", (0, NONE), (2, vals));
        let other = b.nk("Other", (0, NONE), (0, NONE));
        let leaf1 = b.list(b"lh", &[vendor]);
        let leaf2 = b.list(b"li", &[other]);
        let ri = b.list(b"ri", &[leaf1, leaf2]);
        let software = b.nk("Software", (2, ri), (0, NONE));
        let top = b.list(b"lf", &[software]);
        let root = b.nk("ROOT", (1, top), (0, NONE));
        b.finish(root, 5)
    }

    pub fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::build::{Builder, sample, utf16};
    use super::*;

    #[test]
    fn keys_values_and_every_list_kind() {
        let data = sample();
        let h = Hive::parse(&data).expect("hive");
        assert!(!h.dirty);
        let root = h.root().expect("root");
        assert_eq!(root.name, "ROOT");
        let vendor = h.open(&root, "software\\VENDOR").expect("read").expect("present");
        assert_eq!(vendor.depth(), 2);
        let names: Vec<String> = h
            .subkeys(&h.open(&root, "Software").expect("r").expect("p"))
            .expect("r")
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, ["Vendor", "Other"]);
        let v = h.value_named(&vendor, "displayname").expect("read").expect("present");
        assert_eq!(v.string().as_deref(), Some("Example Agent"));
        assert_eq!(h.value_named(&vendor, "Type").expect("r").and_then(|v| v.dword()), Some(16));
        assert_eq!(h.open(&root, "Software\\Missing").expect("read"), None);
        assert_eq!(h.walk(&mut |_| {}).expect("walk"), 4);
    }

    #[test]
    fn big_data_is_assembled_from_segments() {
        let mut b = Builder::new();
        let blob: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let segs: Vec<u32> = blob.chunks(BIG_DATA_SEGMENT).map(|c| b.cell(c)).collect();
        let list = b.values(&segs);
        let mut db = b"db".to_vec();
        db.extend_from_slice(&(segs.len() as u16).to_le_bytes());
        db.extend_from_slice(&list.to_le_bytes());
        let db = b.cell(&db);
        let vk = b.vk_raw("Blob", REG_BINARY, blob.len() as u32, db);
        let vals = b.values(&[vk]);
        let root = b.nk("R", (0, NONE), (1, vals));
        let data = b.finish(root, 5);
        let h = Hive::parse(&data).expect("hive");
        let v = h.value_named(&h.root().expect("root"), "Blob").expect("read").expect("present");
        assert_eq!(v.data, blob);
    }

    #[test]
    fn cycles_are_errors_not_hangs() {
        // A child whose subkey list points back at the root.
        let mut b = Builder::new();
        let child = b.nk("Child", (0, NONE), (0, NONE));
        let top = b.list(b"lf", &[child]);
        let root = b.nk("R", (1, top), (0, NONE));
        b.set_subkeys(child, 1, top);
        let data = b.finish(root, 5);
        let h = Hive::parse(&data).expect("hive");
        let err = h.walk(&mut |_| {}).expect_err("cycle");
        assert!(err.what.contains("cycle"), "{err}");
        // A key listing itself.
        let mut b = Builder::new();
        let list_at = b.bins.len() as u32 + 88; // the list cell lands right after the 88-byte nk cell
        let root = b.nk("R", (1, list_at), (0, NONE));
        assert_eq!(b.list(b"lf", &[root]), list_at);
        let data = b.finish(root, 5);
        assert!(Hive::parse(&data).expect("hive").walk(&mut |_| {}).is_err());
        // An index root inside an index root.
        let mut b = Builder::new();
        let leaf = b.list(b"li", &[]);
        let inner = b.list(b"ri", &[leaf]);
        let outer = b.list(b"ri", &[inner]);
        let root = b.nk("R", (1, outer), (0, NONE));
        let data = b.finish(root, 5);
        assert!(Hive::parse(&data).expect("hive").walk(&mut |_| {}).is_err());
    }

    #[test]
    fn a_shared_list_fanning_out_ends_on_the_budget() {
        // Every level's list holds the next level's key twice: 2^depth paths without a cycle.
        let mut b = Builder::new();
        let mut below = b.nk("Leaf", (0, NONE), (0, NONE));
        for _ in 0..60 {
            let l = b.list(b"li", &[below, below]);
            below = b.nk("K", (2, l), (0, NONE));
        }
        let data = b.finish(below, 5);
        let h = Hive::parse(&data).expect("hive");
        let err = h.walk(&mut |_| {}).expect_err("budget");
        assert!(err.what.contains("budget"), "{err}");
    }

    #[test]
    fn truncated_and_bit_flipped_hives_are_errors_without_panics() {
        let data = sample();
        for n in [0, 4, 100, BASE_BLOCK, BASE_BLOCK + 100, data.len() - 1] {
            assert!(Hive::parse(&data[..n]).is_err(), "truncated to {n}");
        }
        // Flip every bit of the used part of the bins, one at a time: never a panic, and every
        // result is either a read or an error.
        let used = BASE_BLOCK + 32 + 600;
        for i in BASE_BLOCK..used.min(data.len()) {
            for bit in 0..8 {
                let mut d = data.clone();
                d[i] ^= 1 << bit;
                if let Ok(h) = Hive::parse(&d) {
                    let _ = h.walk(&mut |k| {
                        let _ = h.values(k);
                    });
                }
            }
        }
        // A flipped header byte breaks the checksum.
        let mut d = data.clone();
        d[40] ^= 1;
        assert!(Hive::parse(&d).expect_err("checksum").what.contains("checksum"));
    }

    #[test]
    fn logs_and_other_files_are_refused() {
        let mut d = sample();
        d[28] = 1; // a transaction log's file type
        let sum = checksum(&d[..BASE_BLOCK]);
        d[508..512].copy_from_slice(&sum.to_le_bytes());
        assert!(Hive::parse(&d).expect_err("log").what.contains("transaction log"));
        assert!(Hive::parse(b"MZ not a hive at all").is_err());
        let mut big = vec![0u8; BASE_BLOCK];
        big[..4].copy_from_slice(b"regf");
        assert!(Hive::parse(&big).is_err());
    }

    #[test]
    fn oversized_and_broken_values_are_errors() {
        let mut b = Builder::new();
        let huge = b.vk_raw("Huge", REG_BINARY, (MAX_VALUE + 1) as u32, 32);
        let free = b.vk_raw("Free", REG_BINARY, 100, 8); // not a cell boundary
        let ok = b.vk("S", REG_SZ, &utf16("x"));
        let vals = b.values(&[ok]);
        let bad_vals = b.values(&[huge, free, ok]);
        let good = b.nk("Good", (0, NONE), (1, vals));
        let bad = b.nk("Bad", (0, NONE), (3, bad_vals));
        let l = b.list(b"lf", &[good, bad]);
        let root = b.nk("R", (2, l), (0, NONE));
        let data = b.finish(root, 5);
        let h = Hive::parse(&data).expect("hive");
        let root = h.root().expect("root");
        assert!(h.values(&h.open(&root, "Good").expect("r").expect("p")).is_ok());
        let bad = h.open(&root, "Bad").expect("r").expect("p");
        assert!(h.values(&bad).is_err());
        assert!(h.value_named(&bad, "Huge").is_err());
        // Only the named value's data is read: the broken ones do not hide a good one.
        assert_eq!(h.value_named(&bad, "s").expect("read").map(|v| v.name).as_deref(), Some("S"));
    }

    #[test]
    fn names_compare_case_insensitively() {
        assert!(same_name("WOW6432Node", "wow6432node"));
        assert!(same_name("Ärger", "äRGER"));
        assert!(!same_name("Uninstall", "Uninstal"));
        assert_eq!(utf16z(&[b'a', 0, b'b', 0, 0, 0, b'c', 0]), "ab");
    }
}
