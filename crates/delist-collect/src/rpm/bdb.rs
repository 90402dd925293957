//! The Berkeley DB hash database `Packages` that rpm used up to 4.15.
//!
//! Only the parts rpm's own read-only reader (`lib/backend/bdb_ro.c`) relies
//! on are read. Integers are in the byte order of the machine that wrote the
//! file, recognised from the magic; header blobs inside are big-endian as
//! always.
//!
//! ```text
//! page 0 (metadata):  @12 magic 0x00061561   @16 version (8..=10)
//!                     @20 page size          @24 encryption algorithm (0)
//!                     @25 page type (8)      @26 meta flags (bit 0: checksums)
//!                     @32 last page number
//! every page:         @8  page number        @16 next page number
//!                     @20 entry count (u16)  @22 free-area offset / overflow length (u16)
//!                     @25 page type          @26 entry offsets (u16 each)
//! hash page (type 2 or 13): entries are key/value item pairs; an item is
//!                     1 (KEYDATA) + bytes, or 3 (OFFPAGE) + 3 pad + first page u32 + length u32
//! overflow page (7):  @22 bytes used on this page, data from @26, chained by @16
//! ```
//!
//! Every page is visited once, in file order, and every hash page's pairs
//! are read (like `go-rpmdb`; rpm's reader follows the bucket chains, which
//! reaches the same pages). A key is the package's instance number as a
//! 4-byte integer; key 0 is rpm's "next instance" counter, not a package.
//! A value too large for its page is a chain of overflow pages: the chain is
//! bounded by the page count and no overflow page may be used twice in the
//! whole file, so cycles and shared chains are errors and the total work is
//! linear in the file size.

use super::{RpmError, RpmPackage, array2, array4, header, parse_header, slice, truncated};
use std::borrow::Cow;

const HASH_MAGIC: u32 = 0x0006_1561;
const META_SIZE: usize = 512;
const PAGE_HEADER: usize = 26;

const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH_UNSORTED: u8 = 2;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
const OFFPAGE_ITEM_SIZE: usize = 12;

const META_CHKSUM: u8 = 0x01;

/// Whether `bytes` carries the Berkeley DB hash magic at offset 12, in
/// either byte order.
pub(super) fn has_hash_magic(bytes: &[u8]) -> bool {
    array4(bytes, 12).is_some_and(|m| u32::from_le_bytes(m) == HASH_MAGIC || u32::from_be_bytes(m) == HASH_MAGIC)
}

/// Reads every package of a Berkeley DB hash `Packages` file.
///
/// A bad metadata page yields one error and no packages; a bad hash page or
/// record yields one error for it while the rest of the file is still read.
#[must_use]
pub fn read_bdb(bytes: &[u8]) -> (Vec<RpmPackage>, Vec<RpmError>) {
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    let db = match Db::open(bytes, &mut errors) {
        Ok(db) => db,
        Err(e) => return (packages, vec![e]),
    };
    // One bit per page: overflow pages already consumed by some chain.
    let mut used = vec![0u64; (db.npages as usize).div_ceil(64)];
    for pgno in 1..db.npages {
        if let Err(e) = db.read_hash_page(pgno, &mut used, &mut packages, &mut errors) {
            errors.push(e);
        }
    }
    (packages, errors)
}

struct Db<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    pagesize: usize,
    /// Pages present in the file and announced by the metadata page.
    npages: u32,
}

impl<'a> Db<'a> {
    fn open(bytes: &'a [u8], errors: &mut Vec<RpmError>) -> Result<Self, RpmError> {
        let meta = slice(bytes, 0, META_SIZE, "Berkeley DB metadata page")?;
        let magic = array4(meta, 12).unwrap_or_default();
        let big_endian = if u32::from_le_bytes(magic) == HASH_MAGIC {
            false
        } else if u32::from_be_bytes(magic) == HASH_MAGIC {
            true
        } else {
            return Err(RpmError::Invalid {
                what: "Berkeley DB magic",
                offset: 12,
                expected: "the hash database magic 0x00061561",
                found: u64::from(u32::from_le_bytes(magic)),
            });
        };
        let mut db = Db { bytes, big_endian, pagesize: 0, npages: 0 };
        let invalid = |what, offset, expected, found: u64| RpmError::Invalid { what, offset, expected, found };
        let version = db.u32_at(meta, 16);
        if !(8..=10).contains(&version) {
            return Err(invalid("Berkeley DB hash version", 16, "8, 9 or 10", version.into()));
        }
        let pagesize = db.u32_at(meta, 20);
        if !(512..=65536).contains(&pagesize) || !pagesize.is_power_of_two() {
            return Err(invalid("Berkeley DB page size", 20, "a power of two from 512 to 65536", pagesize.into()));
        }
        let encryption = meta.get(24).copied().unwrap_or(0);
        if encryption != 0 {
            return Err(invalid("Berkeley DB encryption", 24, "no encryption", encryption.into()));
        }
        let page_type = meta.get(25).copied().unwrap_or(0);
        if page_type != P_HASHMETA {
            return Err(invalid("Berkeley DB metadata page type", 25, "8 (hash metadata)", page_type.into()));
        }
        let flags = meta.get(26).copied().unwrap_or(0);
        if flags & META_CHKSUM != 0 {
            return Err(invalid("Berkeley DB metadata flags", 26, "no page checksums", flags.into()));
        }
        db.pagesize = pagesize as usize;
        let last_pgno = db.u32_at(meta, 32);
        let announced = u64::from(last_pgno) + 1;
        let present = bytes.len() as u64 / u64::from(pagesize);
        if present < announced {
            errors.push(RpmError::Truncated {
                what: "Berkeley DB pages",
                offset: present * u64::from(pagesize),
                needed: announced * u64::from(pagesize),
                available: bytes.len() as u64,
            });
        }
        // present ≤ len / 512, so it fits a u32 for any slice below 2 TiB.
        db.npages = u32::try_from(announced.min(present)).unwrap_or(u32::MAX);
        Ok(db)
    }

    fn u16_at(&self, bytes: &[u8], offset: usize) -> u16 {
        let raw = array2(bytes, offset).unwrap_or_default();
        if self.big_endian { u16::from_be_bytes(raw) } else { u16::from_le_bytes(raw) }
    }

    fn u32_at(&self, bytes: &[u8], offset: usize) -> u32 {
        let raw = array4(bytes, offset).unwrap_or_default();
        if self.big_endian { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) }
    }

    fn page_offset(&self, pgno: u32) -> u64 {
        u64::from(pgno) * self.pagesize as u64
    }

    /// Page `pgno`, which must exist and carry its own number.
    fn page(&self, pgno: u32, what: &'static str) -> Result<&'a [u8], RpmError> {
        let offset = self.page_offset(pgno);
        if pgno == 0 || pgno >= self.npages {
            return Err(RpmError::Invalid {
                what,
                offset,
                expected: "a page number inside the file",
                found: pgno.into(),
            });
        }
        let start =
            usize::try_from(offset).map_err(|_| truncated(what, usize::MAX, self.pagesize, self.bytes.len()))?;
        let page = slice(self.bytes, start, self.pagesize, what)?;
        let stored = self.u32_at(page, 8);
        if stored != pgno {
            return Err(RpmError::Invalid {
                what: "Berkeley DB page number",
                offset: offset + 8,
                expected: "the page's own number",
                found: stored.into(),
            });
        }
        Ok(page)
    }

    fn read_hash_page(
        &self,
        pgno: u32,
        used: &mut [u64],
        packages: &mut Vec<RpmPackage>,
        errors: &mut Vec<RpmError>,
    ) -> Result<(), RpmError> {
        let base = self.page_offset(pgno);
        let start = usize::try_from(base)
            .map_err(|_| truncated("Berkeley DB page", usize::MAX, self.pagesize, self.bytes.len()))?;
        let raw = slice(self.bytes, start, self.pagesize, "Berkeley DB page")?;
        if !matches!(raw.get(25).copied(), Some(P_HASH | P_HASH_UNSORTED)) {
            return Ok(()); // metadata, overflow, free or never-used page
        }
        let page = self.page(pgno, "Berkeley DB hash page")?;
        let entries = usize::from(self.u16_at(page, 20));
        let max_entries = (self.pagesize - PAGE_HEADER) / 2;
        if entries > max_entries || !entries.is_multiple_of(2) {
            return Err(RpmError::Invalid {
                what: "Berkeley DB hash page entry count",
                offset: base + 20,
                expected: "an even count that fits the page",
                found: entries as u64,
            });
        }
        let index_at = |i: usize| usize::from(self.u16_at(page, PAGE_HEADER + 2 * i));
        for pair in 0..entries / 2 {
            let k = 2 * pair;
            let key_end = if k == 0 { self.pagesize } else { index_at(k - 1) };
            let key_off = index_at(k);
            let value_off = index_at(k + 1);
            match self.read_pair(page, base, key_off, key_end, value_off, used) {
                Ok(Some(pkg)) => packages.push(pkg),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        Ok(())
    }

    /// One key/value pair of a hash page. Items sit back to back, growing
    /// down from the end of the page: an item ends where the previous one starts.
    /// `Ok(None)` for rpm's key-0 counter record.
    fn read_pair(
        &self,
        page: &[u8],
        base: u64,
        key_off: usize,
        key_end: usize,
        value_off: usize,
        used: &mut [u64],
    ) -> Result<Option<RpmPackage>, RpmError> {
        let key = item(page, base, key_off, key_end, "Berkeley DB key item")?;
        let value = item(page, base, value_off, key_off, "Berkeley DB value item")?;
        let key_at = base + key_off as u64;
        let id = match key {
            [H_KEYDATA, rest @ ..] if rest.len() == 4 => u64::from(self.u32_at(rest, 0)),
            _ => {
                return Err(RpmError::Invalid {
                    what: "Berkeley DB key item",
                    offset: key_at,
                    expected: "a 4-byte on-page key (the instance number)",
                    found: key.first().copied().unwrap_or(0).into(),
                });
            }
        };
        if id == 0 {
            return Ok(None); // rpm's counter of instance numbers
        }
        let value_at = base + value_off as u64;
        let record = |offset, e| RpmError::Record { id, offset, source: Box::new(e) };
        let blob: Cow<'_, [u8]> = match value {
            [H_KEYDATA, rest @ ..] => Cow::Borrowed(rest),
            [H_OFFPAGE, ..] if value.len() == OFFPAGE_ITEM_SIZE => {
                let first = self.u32_at(value, 4);
                let total = self.u32_at(value, 8);
                Cow::Owned(self.read_overflow(first, total, value_at, used).map_err(|e| record(Some(value_at), e))?)
            }
            _ => {
                return Err(record(
                    Some(value_at),
                    RpmError::Invalid {
                        what: "Berkeley DB value item",
                        offset: value_at,
                        expected: "an on-page (1) or overflow (3) item",
                        found: value.first().copied().unwrap_or(0).into(),
                    },
                ));
            }
        };
        let offset = matches!(blob, Cow::Borrowed(_)).then_some(value_at + 1);
        parse_header(&blob).map(Some).map_err(|e| record(offset, e))
    }

    /// Follows an overflow chain from page `first`, collecting `total` bytes.
    fn read_overflow(&self, first: u32, total: u32, item_at: u64, used: &mut [u64]) -> Result<Vec<u8>, RpmError> {
        if total == 0 {
            return Err(RpmError::Invalid {
                what: "Berkeley DB overflow length",
                offset: item_at + 8,
                expected: "a non-zero length",
                found: 0,
            });
        }
        // A chain holds at most pagesize - 26 bytes per page of the file.
        let file_limit = u64::from(self.npages) * (self.pagesize - PAGE_HEADER) as u64;
        let limit = header::MAX_BLOB_BYTES.min(file_limit);
        if u64::from(total) > limit {
            return Err(RpmError::TooLarge {
                what: "Berkeley DB overflow length",
                offset: item_at + 8,
                value: total.into(),
                limit,
            });
        }
        let mut out = Vec::new();
        let mut remaining = total as usize;
        let mut pgno = first;
        while remaining > 0 {
            let at = self.page_offset(pgno);
            if pgno == 0 || pgno >= self.npages {
                return Err(RpmError::Truncated {
                    what: "Berkeley DB overflow chain",
                    offset: at,
                    needed: remaining as u64,
                    available: 0,
                });
            }
            let word = used.get_mut(pgno as usize / 64).ok_or(RpmError::Cycle {
                what: "Berkeley DB overflow chain",
                offset: at,
                page: pgno.into(),
            })?;
            let bit = 1u64 << (pgno % 64);
            if *word & bit != 0 {
                return Err(RpmError::Cycle { what: "Berkeley DB overflow chain", offset: at, page: pgno.into() });
            }
            *word |= bit;
            let page = self.page(pgno, "Berkeley DB overflow page")?;
            let kind = page.get(25).copied().unwrap_or(0);
            if kind != P_OVERFLOW {
                return Err(RpmError::Invalid {
                    what: "Berkeley DB overflow page type",
                    offset: at + 25,
                    expected: "7 (overflow)",
                    found: kind.into(),
                });
            }
            let len = usize::from(self.u16_at(page, 22));
            if len == 0 || len > remaining || len > self.pagesize - PAGE_HEADER {
                return Err(RpmError::Invalid {
                    what: "Berkeley DB overflow page length",
                    offset: at + 22,
                    expected: "1 byte up to what the page and the item hold",
                    found: len as u64,
                });
            }
            out.extend_from_slice(slice(page, PAGE_HEADER, len, "Berkeley DB overflow data")?);
            remaining -= len;
            pgno = self.u32_at(page, 16);
        }
        Ok(out)
    }
}

/// The bytes of the item at `start..end` of a page, checked.
fn item<'p>(page: &'p [u8], base: u64, start: usize, end: usize, what: &'static str) -> Result<&'p [u8], RpmError> {
    if start < PAGE_HEADER || start >= end || end > page.len() {
        return Err(RpmError::Invalid {
            what,
            offset: base + start as u64,
            expected: "an item between the entry table and the end of the page or previous item",
            found: start as u64,
        });
    }
    page.get(start..end).ok_or(RpmError::Invalid {
        what,
        offset: base + start as u64,
        expected: "an item inside the page",
        found: start as u64,
    })
}

#[cfg(test)]
pub(super) mod build {
    //! A writer for tiny hash databases, laid out as Berkeley DB 5.3 does,
    //! for the malformed-input tests.

    /// What one value becomes on disk.
    pub enum Value<'a> {
        OnPage(&'a [u8]),
        /// Stored in an overflow chain of pages holding `per_page` bytes each.
        Overflow(&'a [u8], usize),
    }

    pub struct Built {
        pub bytes: Vec<u8>,
        pub pagesize: usize,
        /// Page number of the first overflow page of each overflow value.
        pub chains: Vec<u32>,
    }

    /// One hash page (page 1) holding `records`; overflow pages follow it.
    pub fn hash_db(pagesize: usize, big_endian: bool, records: &[(u32, Value<'_>)]) -> Built {
        let put16 = |buf: &mut [u8], at: usize, v: u16| {
            let b = if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
            buf[at..at + 2].copy_from_slice(&b);
        };
        let put32 = |buf: &mut [u8], at: usize, v: u32| {
            let b = if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
            buf[at..at + 4].copy_from_slice(&b);
        };
        let mut pages: Vec<Vec<u8>> = vec![vec![0; pagesize], vec![0; pagesize]];
        let mut chains = Vec::new();
        // Items for page 1, written downwards from the end.
        let mut items: Vec<Vec<u8>> = Vec::new();
        for (key, value) in records {
            let mut k = vec![1u8];
            let kb = if big_endian { key.to_be_bytes() } else { key.to_le_bytes() };
            k.extend_from_slice(&kb);
            items.push(k);
            match value {
                Value::OnPage(data) => {
                    let mut v = vec![1u8];
                    v.extend_from_slice(data);
                    items.push(v);
                }
                Value::Overflow(data, per_page) => {
                    let first = pages.len() as u32;
                    chains.push(first);
                    let chunks: Vec<&[u8]> = data.chunks(*per_page).collect();
                    for (i, chunk) in chunks.iter().enumerate() {
                        let pgno = pages.len() as u32;
                        let mut p = vec![0u8; pagesize];
                        put32(&mut p, 8, pgno);
                        put32(&mut p, 12, if i == 0 { 0 } else { pgno - 1 });
                        put32(&mut p, 16, if i + 1 == chunks.len() { 0 } else { pgno + 1 });
                        put16(&mut p, 20, 1);
                        put16(&mut p, 22, chunk.len() as u16);
                        p[25] = 7;
                        p[26..26 + chunk.len()].copy_from_slice(chunk);
                        pages.push(p);
                    }
                    let mut v = vec![3u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                    put32(&mut v, 4, first);
                    put32(&mut v, 8, data.len() as u32);
                    items.push(v);
                }
            }
        }
        {
            let p = &mut pages[1];
            put32(p, 8, 1);
            put16(p, 20, items.len() as u16);
            p[25] = 13;
            let mut end = pagesize;
            for (i, it) in items.iter().enumerate() {
                let start = end - it.len();
                p[start..end].copy_from_slice(it);
                put16(p, 26 + 2 * i, start as u16);
                end = start;
            }
            put16(p, 22, end as u16);
        }
        {
            let last = pages.len() as u32 - 1;
            let m = &mut pages[0];
            put32(m, 12, 0x0006_1561);
            put32(m, 16, 9);
            put32(m, 20, pagesize as u32);
            m[25] = 8;
            put32(m, 32, last);
            put32(m, 72, 0); // max_bucket
        }
        Built { bytes: pages.concat(), pagesize, chains }
    }
}

#[cfg(test)]
mod unit {
    /// A labelled change to a valid file.
    type Mutation<'a> = (&'a str, Box<dyn Fn(&mut Vec<u8>)>);

    use super::build::{Value, hash_db};
    use super::*;

    fn names(pkgs: &[RpmPackage]) -> Vec<&str> {
        pkgs.iter().map(|p| p.name.as_str()).collect()
    }

    fn u32_le(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    fn set_u32_le(bytes: &mut [u8], at: usize, v: u32) {
        bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn set_u16_le(bytes: &mut [u8], at: usize, v: u16) {
        bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn reads_on_page_and_overflow_values_in_both_byte_orders() {
        let a = super::super::tests::sample_header("alpha");
        let b = super::super::tests::sample_header("beta");
        for big_endian in [false, true] {
            let db = hash_db(
                1024,
                big_endian,
                &[(0, Value::OnPage(&7u32.to_le_bytes())), (1, Value::OnPage(&a)), (2, Value::Overflow(&b, 100))],
            );
            assert!(sniff_is_bdb(&db.bytes));
            let (pkgs, errs) = read_bdb(&db.bytes);
            assert!(errs.is_empty(), "{errs:?}");
            assert_eq!(names(&pkgs), ["alpha", "beta"]);
        }
    }

    fn sniff_is_bdb(bytes: &[u8]) -> bool {
        super::super::sniff(bytes) == Some(super::super::DbFormat::BerkeleyDb)
    }

    fn two_overflow() -> build::Built {
        let a = super::super::tests::sample_header("alpha");
        let b = super::super::tests::sample_header("beta");
        hash_db(512, false, &[(1, Value::Overflow(&a, 200)), (2, Value::Overflow(&b, 200))])
    }

    #[test]
    fn overflow_cycle_is_an_error_not_a_hang() {
        let db = two_overflow();
        let mut bytes = db.bytes.clone();
        let second = db.chains[1] as usize;
        // Point the second chain's first page back at itself.
        set_u32_le(&mut bytes, second * db.pagesize + 16, second as u32);
        let (pkgs, errs) = read_bdb(&bytes);
        assert_eq!(names(&pkgs), ["alpha"]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(matches!(&errs[0], RpmError::Record { source, .. } if matches!(**source, RpmError::Cycle { .. })));
        // A chain that runs into another record's pages is refused the same way.
        let mut bytes = db.bytes.clone();
        let first = db.chains[0] as usize;
        set_u32_le(&mut bytes, first * db.pagesize + 16, db.chains[1]);
        let (pkgs, errs) = read_bdb(&bytes);
        assert!(pkgs.len() < 2 && !errs.is_empty());
    }

    #[test]
    fn broken_records_are_errors_and_the_rest_still_reads() {
        let db = two_overflow();
        let ps = db.pagesize;
        let p1 = ps; // page 1: the hash page
        let first = db.chains[0] as usize * ps;
        // The first pair's value item is the second entry: its offset is at p1 + 28.
        let value_item = p1 + u16::from_le_bytes(db.bytes[p1 + 28..p1 + 30].try_into().unwrap()) as usize;
        let mutations: Vec<Mutation<'_>> = vec![
            ("huge overflow length", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, value_item + 8, u32::MAX))),
            ("zero overflow length", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, value_item + 8, 0))),
            ("overflow page past the end", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, value_item + 4, 1 << 30))),
            ("overflow page 0", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, value_item + 4, 0))),
            ("overflow into the hash page", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, value_item + 4, 1))),
            ("wrong overflow page type", Box::new(move |f: &mut Vec<u8>| f[first + 25] = 5)),
            ("wrong overflow page number", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, first + 8, 99))),
            ("zero-length overflow page", Box::new(move |f: &mut Vec<u8>| set_u16_le(f, first + 22, 0))),
            ("overlong overflow page", Box::new(move |f: &mut Vec<u8>| set_u16_le(f, first + 22, 0xffff))),
            ("chain ends early", Box::new(move |f: &mut Vec<u8>| set_u32_le(f, first + 16, 0))),
            ("unknown value item", Box::new(move |f: &mut Vec<u8>| f[value_item] = 4)),
            ("header inside is bad", Box::new(move |f: &mut Vec<u8>| f[first + 26] = 0xff)),
        ];
        for (label, mutate) in mutations {
            let mut bytes = db.bytes.clone();
            mutate(&mut bytes);
            let (pkgs, errs) = read_bdb(&bytes);
            assert_eq!(names(&pkgs), ["beta"], "{label}: {errs:?}");
            assert_eq!(errs.len(), 1, "{label}: {errs:?}");
            assert!(!errs[0].to_string().is_empty());
        }
    }

    #[test]
    fn bad_hash_pages_and_metadata() {
        let db = two_overflow();
        let ps = db.pagesize;
        // Entry count larger than the page can hold.
        let mut bytes = db.bytes.clone();
        set_u16_le(&mut bytes, ps + 20, 0xffff);
        let (pkgs, errs) = read_bdb(&bytes);
        assert!(pkgs.is_empty() && errs.len() == 1, "{errs:?}");
        // Item offsets pointing into the page header or past each other.
        for bad in [0u16, 10, 0xffff] {
            let mut bytes = db.bytes.clone();
            set_u16_le(&mut bytes, ps + 26, bad);
            let (pkgs, errs) = read_bdb(&bytes);
            assert!(pkgs.len() <= 1 && !errs.is_empty(), "{bad}");
        }
        // A hash page that does not carry its own number.
        let mut bytes = db.bytes.clone();
        set_u32_le(&mut bytes, ps + 8, 7);
        let (pkgs, errs) = read_bdb(&bytes);
        assert!(pkgs.is_empty() && errs.len() == 1);
        // Metadata: each one is fatal and reported once.
        let meta_cases: Vec<(usize, u32)> = vec![(12, 0x1234), (16, 7), (20, 100), (20, 3000), (20, 1 << 20)];
        for (at, v) in meta_cases {
            let mut bytes = db.bytes.clone();
            set_u32_le(&mut bytes, at, v);
            let (pkgs, errs) = read_bdb(&bytes);
            assert!(pkgs.is_empty() && errs.len() == 1, "meta @{at}={v}: {errs:?}");
        }
        for (at, v) in [(24usize, 1u8), (25, 9), (26, 1)] {
            let mut bytes = db.bytes.clone();
            bytes[at] = v;
            let (pkgs, errs) = read_bdb(&bytes);
            assert!(pkgs.is_empty() && errs.len() == 1, "meta byte @{at}={v}");
        }
        // last_pgno beyond the file: reported, and what is present is still read.
        let mut bytes = db.bytes.clone();
        let last = u32_le(&bytes, 32);
        set_u32_le(&mut bytes, 32, last + 1000);
        let (pkgs, errs) = read_bdb(&bytes);
        assert_eq!(names(&pkgs), ["alpha", "beta"]);
        assert_eq!(errs.len(), 1);
        // Huge last_pgno on a tiny file.
        set_u32_le(&mut bytes, 32, u32::MAX);
        let (_, errs) = read_bdb(&bytes);
        assert!(!errs.is_empty());
    }

    #[test]
    fn truncation_at_every_length_never_panics() {
        let db = two_overflow();
        for n in 0..db.bytes.len() {
            let (pkgs, errs) = read_bdb(&db.bytes[..n]);
            assert!(pkgs.len() < 2 && !errs.is_empty(), "length {n}");
        }
    }
}
