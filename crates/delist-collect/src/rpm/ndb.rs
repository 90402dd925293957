//! rpm's native package database, `Packages.db` (the "ndb" backend).
//!
//! Layout (all integers little-endian), as rpm's `lib/backend/ndb/rpmpkg.c`
//! writes it:
//!
//! ```text
//! offset 0   "RpmP"  version (0)  generation  slotnpages  nextpkgidx  (32 bytes)
//! offset 32  slots of 16 bytes up to slotnpages × 4096:
//!            "Slot"  pkgidx  blkoff  blkcnt        (blkoff 0 = free slot)
//! blobs, addressed in 16-byte blocks (blkoff · 16), blkcnt blocks long:
//!            "BlbS"  pkgidx  timestamp  bloblen   header blob (bloblen bytes)
//!            zero padding   adler32  bloblen  "BlbE"
//! ```
//!
//! The slot table is bounded by the file size before it is walked; each blob
//! is checked against its slot (pkgidx, length, block count, both magics)
//! before its header is decoded. Like rpm when it reads a package, the
//! adler32 is not verified: the header decoder checks the structure itself.

use super::{RpmError, RpmPackage, header, parse_header, read_u32_le, slice, truncated};

/// `"RpmP"`: the first four bytes of every NDB `Packages.db`.
pub(super) const NDB_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";

const FILE_HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: u64 = 16;
const PAGE_SIZE: u64 = 4096;
const BLOB_HEAD_SIZE: u64 = 16;
const BLOB_TAIL_SIZE: u64 = 12;
const SUPPORTED_VERSION: u32 = 0;

/// Reads every package of an NDB `Packages.db`.
///
/// A bad file header yields one error and no packages; a bad slot or blob
/// yields one error for that record while the others are still read.
#[must_use]
pub fn read_ndb(bytes: &[u8]) -> (Vec<RpmPackage>, Vec<RpmError>) {
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    let slot_area_end = match slot_area(bytes) {
        Ok(end) => end,
        Err(e) => return (packages, vec![e]),
    };
    let slot_table = bytes.get(FILE_HEADER_SIZE..slot_area_end).unwrap_or_default();
    // Blobs may only start after the slot pages.
    let min_blkoff = slot_area_end as u64 / BLK_SIZE;
    for (i, slot) in slot_table.chunks_exact(SLOT_SIZE).enumerate() {
        let at = FILE_HEADER_SIZE + i * SLOT_SIZE;
        match read_slot(bytes, slot, at, min_blkoff) {
            Ok(None) => {}
            Ok(Some(pkg)) => packages.push(pkg),
            Err(e) => errors.push(e),
        }
    }
    (packages, errors)
}

/// Checks the file header and returns where the slot pages end.
fn slot_area(bytes: &[u8]) -> Result<usize, RpmError> {
    let header = slice(bytes, 0, FILE_HEADER_SIZE, "NDB file header")?;
    if header.get(..4) != Some(NDB_MAGIC.as_slice()) {
        return Err(RpmError::Invalid {
            what: "NDB magic",
            offset: 0,
            expected: "\"RpmP\"",
            found: u64::from(read_u32_le(header, 0).unwrap_or(0)),
        });
    }
    let version = read_u32_le(header, 4).unwrap_or(u32::MAX);
    if version != SUPPORTED_VERSION {
        return Err(RpmError::Invalid {
            what: "NDB version",
            offset: 4,
            expected: "version 0",
            found: u64::from(version),
        });
    }
    let slotnpages = read_u32_le(header, 12).unwrap_or(0);
    if slotnpages == 0 {
        return Err(RpmError::Invalid {
            what: "NDB slot page count",
            offset: 12,
            expected: "at least one slot page",
            found: 0,
        });
    }
    let end = u64::from(slotnpages).checked_mul(PAGE_SIZE).filter(|&end| end <= bytes.len() as u64).ok_or(
        RpmError::TooLarge {
            what: "NDB slot page count × 4096",
            offset: 12,
            value: u64::from(slotnpages).saturating_mul(PAGE_SIZE),
            limit: bytes.len() as u64,
        },
    )?;
    usize::try_from(end).map_err(|_| truncated("NDB slot pages", 0, usize::MAX, bytes.len()))
}

/// One slot: `Ok(None)` for a free slot, the package for a used one.
fn read_slot(bytes: &[u8], slot: &[u8], at: usize, min_blkoff: u64) -> Result<Option<RpmPackage>, RpmError> {
    let field = |k: usize| read_u32_le(slot, k).unwrap_or(0);
    if slot.get(..4) != Some(SLOT_MAGIC.as_slice()) {
        return Err(RpmError::Invalid {
            what: "NDB slot magic",
            offset: at as u64,
            expected: "\"Slot\"",
            found: u64::from(field(0)),
        });
    }
    let (pkgidx, blkoff, blkcnt) = (field(4), field(8), field(12));
    if blkoff == 0 {
        return Ok(None);
    }
    let record =
        |offset: Option<u64>, e: RpmError| RpmError::Record { id: u64::from(pkgidx), offset, source: Box::new(e) };
    let slot_field = |what, k: usize, expected, found: u32| RpmError::Invalid {
        what,
        offset: (at + k) as u64,
        expected,
        found: u64::from(found),
    };
    if pkgidx == 0 {
        let e = slot_field("NDB slot package index", 4, "a non-zero package index", 0);
        return Err(record(None, e));
    }
    if u64::from(blkoff) < min_blkoff {
        let e = slot_field("NDB slot block offset", 8, "a block after the slot pages", blkoff);
        return Err(record(None, e));
    }
    let min_blocks = (BLOB_HEAD_SIZE + BLOB_TAIL_SIZE).div_ceil(BLK_SIZE);
    if u64::from(blkcnt) < min_blocks {
        let e = slot_field("NDB slot block count", 12, "room for a blob head and tail", blkcnt);
        return Err(record(None, e));
    }
    // Both are u32, so their products with 16 fit a u64; the range must lie in the file.
    let start = u64::from(blkoff) * BLK_SIZE;
    let len = u64::from(blkcnt) * BLK_SIZE;
    let area = usize::try_from(start)
        .ok()
        .zip(usize::try_from(len).ok())
        .and_then(|(s, l)| slice(bytes, s, l, "NDB blob").ok())
        .ok_or(RpmError::Truncated { what: "NDB blob", offset: start, needed: len, available: bytes.len() as u64 })
        .map_err(|e| record(Some(start), e))?;
    let blob = read_blob(area, pkgidx, start).map_err(|e| record(Some(start), e))?;
    let pkg = parse_header(blob).map_err(|e| record(Some(start + BLOB_HEAD_SIZE), e))?;
    Ok(Some(pkg))
}

/// Checks the head and tail of one blob area and returns the header blob in it.
fn read_blob(area: &[u8], pkgidx: u32, start: u64) -> Result<&[u8], RpmError> {
    let field = |k: usize| read_u32_le(area, k).unwrap_or(0);
    let invalid = |what, k: u64, expected, found: u32| RpmError::Invalid {
        what,
        offset: start + k,
        expected,
        found: u64::from(found),
    };
    if area.get(..4) != Some(BLOB_HEAD_MAGIC.as_slice()) {
        return Err(invalid("NDB blob head magic", 0, "\"BlbS\"", field(0)));
    }
    if field(4) != pkgidx {
        return Err(invalid("NDB blob package index", 4, "the slot's package index", field(4)));
    }
    let bloblen = field(12);
    if u64::from(bloblen) > header::MAX_BLOB_BYTES {
        return Err(RpmError::TooLarge {
            what: "NDB blob length",
            offset: start + 12,
            value: u64::from(bloblen),
            limit: header::MAX_BLOB_BYTES,
        });
    }
    let blocks = (BLOB_HEAD_SIZE + u64::from(bloblen) + BLOB_TAIL_SIZE).div_ceil(BLK_SIZE);
    if blocks != area.len() as u64 / BLK_SIZE {
        return Err(invalid("NDB blob length", 12, "a length that fills the slot's block count", bloblen));
    }
    let tail_at = area.len().saturating_sub(BLOB_TAIL_SIZE as usize);
    let tail = slice(area, tail_at, BLOB_TAIL_SIZE as usize, "NDB blob tail")?;
    let tail_field = |k: usize| read_u32_le(tail, k).unwrap_or(0);
    if tail_field(4) != bloblen {
        return Err(invalid("NDB blob tail length", tail_at as u64 + 4, "the length in the blob head", tail_field(4)));
    }
    if tail.get(8..12) != Some(BLOB_TAIL_MAGIC.as_slice()) {
        return Err(invalid("NDB blob tail magic", tail_at as u64 + 8, "\"BlbE\"", tail_field(8)));
    }
    let len = usize::try_from(bloblen).unwrap_or(usize::MAX);
    slice(area, BLOB_HEAD_SIZE as usize, len, "NDB header blob")
}

#[cfg(test)]
mod unit {
    /// A labelled change to a valid file.
    type Mutation<'a> = (&'a str, Box<dyn Fn(&mut Vec<u8>)>);

    use super::*;

    /// Builds an NDB file the way rpm lays it out: `slotnpages` slot pages,
    /// then the blobs back to back.
    pub(crate) fn build(slotnpages: u32, blobs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"RpmP");
        for v in [0u32, 1, slotnpages, 1] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.resize(32, 0);
        let slots_end = slotnpages as usize * 4096;
        while out.len() < slots_end {
            out.extend_from_slice(b"Slot");
            out.extend_from_slice(&[0; 12]);
        }
        let mut blkoff = slots_end / 16;
        for (n, (pkgidx, blob)) in blobs.iter().enumerate() {
            let blkcnt = (16 + blob.len() + 12).div_ceil(16);
            let slot_at = 32 + n * 16;
            out[slot_at + 4..slot_at + 8].copy_from_slice(&pkgidx.to_le_bytes());
            out[slot_at + 8..slot_at + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
            out[slot_at + 12..slot_at + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
            let start = out.len();
            out.extend_from_slice(b"BlbS");
            out.extend_from_slice(&pkgidx.to_le_bytes());
            out.extend_from_slice(&1_700_000_000u32.to_le_bytes());
            out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            out.extend_from_slice(blob);
            out.resize(start + blkcnt * 16 - 12, 0);
            out.extend_from_slice(&0u32.to_le_bytes()); // adler32: not checked on read, as in rpm
            out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            out.extend_from_slice(b"BlbE");
            blkoff += blkcnt;
        }
        out
    }

    fn two() -> Vec<u8> {
        let a = super::super::tests::sample_header("alpha");
        let b = super::super::tests::sample_header("beta");
        build(1, &[(1, &a), (2, &b)])
    }

    fn names(pkgs: &[RpmPackage]) -> Vec<&str> {
        pkgs.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn reads_synthetic_file() {
        let (pkgs, errs) = read_ndb(&two());
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(names(&pkgs), ["alpha", "beta"]);
    }

    #[test]
    fn empty_database_has_no_packages() {
        let (pkgs, errs) = read_ndb(&build(1, &[]));
        assert!(pkgs.is_empty() && errs.is_empty());
    }

    #[test]
    fn bad_file_headers_are_one_error() {
        let good = two();
        let mut cases: Vec<Vec<u8>> = vec![Vec::new(), good[..31].to_vec()];
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        cases.push(bad_magic);
        let mut bad_version = good.clone();
        bad_version[4] = 1;
        cases.push(bad_version);
        let mut zero_pages = good.clone();
        zero_pages[12..16].copy_from_slice(&0u32.to_le_bytes());
        cases.push(zero_pages);
        let mut huge_pages = good.clone();
        huge_pages[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        cases.push(huge_pages);
        for case in cases {
            let (pkgs, errs) = read_ndb(&case);
            assert!(pkgs.is_empty());
            assert_eq!(errs.len(), 1, "{errs:?}");
        }
    }

    #[test]
    fn one_bad_record_does_not_hide_the_other() {
        let good = two();
        let second_slot = 32 + 16;
        let second_blob = u32::from_le_bytes(good[second_slot + 8..second_slot + 12].try_into().unwrap()) as usize * 16;
        let mutations: Vec<Mutation<'_>> = vec![
            ("slot magic", Box::new(move |f: &mut Vec<u8>| f[second_slot] = b'x')),
            ("pkgidx 0", Box::new(move |f: &mut Vec<u8>| f[second_slot + 4..second_slot + 8].fill(0))),
            (
                "blkoff inside slot pages",
                Box::new(move |f: &mut Vec<u8>| {
                    f[second_slot + 8..second_slot + 12].copy_from_slice(&3u32.to_le_bytes())
                }),
            ),
            (
                "blkoff past end",
                Box::new(move |f: &mut Vec<u8>| {
                    f[second_slot + 8..second_slot + 12].copy_from_slice(&u32::MAX.to_le_bytes())
                }),
            ),
            (
                "blkcnt huge",
                Box::new(move |f: &mut Vec<u8>| {
                    f[second_slot + 12..second_slot + 16].copy_from_slice(&u32::MAX.to_le_bytes())
                }),
            ),
            (
                "blkcnt tiny",
                Box::new(move |f: &mut Vec<u8>| {
                    f[second_slot + 12..second_slot + 16].copy_from_slice(&1u32.to_le_bytes())
                }),
            ),
            ("blob head magic", Box::new(move |f: &mut Vec<u8>| f[second_blob] = b'x')),
            ("blob pkgidx", Box::new(move |f: &mut Vec<u8>| f[second_blob + 4] = 9)),
            (
                "bloblen huge",
                Box::new(move |f: &mut Vec<u8>| {
                    f[second_blob + 12..second_blob + 16].copy_from_slice(&u32::MAX.to_le_bytes())
                }),
            ),
            (
                "bloblen off by one",
                Box::new(move |f: &mut Vec<u8>| {
                    let v = u32::from_le_bytes(f[second_blob + 12..second_blob + 16].try_into().unwrap());
                    f[second_blob + 12..second_blob + 16].copy_from_slice(&(v + 1).to_le_bytes());
                }),
            ),
            (
                "tail magic",
                Box::new(move |f: &mut Vec<u8>| {
                    let n = f.len();
                    f[n - 1] = b'x';
                }),
            ),
            (
                "tail length",
                Box::new(move |f: &mut Vec<u8>| {
                    let n = f.len();
                    f[n - 8] ^= 1;
                }),
            ),
            ("header il", Box::new(move |f: &mut Vec<u8>| f[second_blob + 16] = 0xff)),
        ];
        for (label, mutate) in mutations {
            let mut file = good.clone();
            mutate(&mut file);
            let (pkgs, errs) = read_ndb(&file);
            assert_eq!(names(&pkgs), ["alpha"], "{label}");
            assert_eq!(errs.len(), 1, "{label}: {errs:?}");
            assert!(!errs[0].to_string().is_empty());
        }
    }

    #[test]
    fn truncation_at_every_length_never_panics() {
        let good = two();
        for n in 0..good.len() {
            let (pkgs, errs) = read_ndb(&good[..n]);
            // Everything before the end is a slot page or the first blob: something must fail.
            assert!(pkgs.len() < 2 && !errs.is_empty(), "length {n}");
        }
    }
}
