//! Apple's embedded code signature (`cs_blobs.h`): the SuperBlob an `LC_CODE_SIGNATURE` points
//! at, its CodeDirectories (identifier = signing ID, Team ID, hashes of code pages and of the
//! special slots), the CDHash, and the raw CMS blob wrapper (read by [`super::cms`]).
//!
//! Owns the layout of the signature blobs and the hash checks a CodeDirectory makes possible
//! without a trust store. Everything here is big-endian and hostile: every index entry, offset,
//! length and slot count is checked against the blob before use; it must never index past a
//! buffer, trust a count to size an allocation, or read the file beyond what a caller allows.

use super::super::FileView;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};

pub const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
pub const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
pub const CSMAGIC_BLOBWRAPPER: u32 = 0xfade_0b01;
pub const CSSLOT_CODEDIRECTORY: u32 = 0;
pub const CSSLOT_INFOSLOT: u32 = 1;
pub const CSSLOT_REQUIREMENTS: u32 = 2;
pub const CSSLOT_RESOURCEDIR: u32 = 3;
pub const CSSLOT_ENTITLEMENTS: u32 = 5;
pub const CSSLOT_DER_ENTITLEMENTS: u32 = 7;
pub const CSSLOT_ALTERNATE_CODEDIRECTORIES: u32 = 0x1000;
pub const CSSLOT_ALTERNATE_CODEDIRECTORY_MAX: u32 = 5;
pub const CSSLOT_SIGNATURESLOT: u32 = 0x10000;
/// `CS_ADHOC`: signed without a certificate.
pub const CS_ADHOC: u32 = 0x0002;

/// Most index entries read from one SuperBlob (real ones have 3–8).
pub const MAX_BLOBS: usize = 64;
/// Most special slots a CodeDirectory may declare (Apple defines 7 today).
pub const MAX_SPECIAL_SLOTS: u32 = 64;
/// Largest code-page size accepted (2^20); Apple uses 4 KiB and 16 KiB.
pub const MAX_PAGE_SHIFT: u8 = 20;
/// Longest identifier or Team ID read.
const MAX_ID: usize = 1024;

/// A CodeDirectory hash type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashType {
    Sha1,
    Sha256,
    /// SHA-256 truncated to 20 bytes.
    Sha256Truncated,
    Sha384,
}

impl HashType {
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::Sha1,
            2 => Self::Sha256,
            3 => Self::Sha256Truncated,
            4 => Self::Sha384,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha256Truncated => "sha256-truncated",
            Self::Sha384 => "sha384",
        }
    }

    /// The order in which Apple's Security framework prefers CodeDirectories (higher wins).
    pub fn priority(self) -> u8 {
        match self {
            Self::Sha384 => 4,
            Self::Sha256 => 3,
            Self::Sha256Truncated => 2,
            Self::Sha1 => 1,
        }
    }

    /// The full digest of `data` with this algorithm.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha256 | Self::Sha256Truncated => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
        }
    }
}

/// One CodeDirectory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDirectory {
    /// The SuperBlob slot it was in (0, or 0x1000.. for alternates).
    pub slot: u32,
    pub version: u32,
    pub flags: u32,
    pub hash_type: HashType,
    pub hash_size: usize,
    /// log2 of the page size; 0 = one page covering everything.
    pub page_shift: u8,
    pub code_limit: u64,
    /// The signing identifier (a bundle id by convention).
    pub identifier: String,
    pub team_id: Option<String>,
    /// CDHash: the directory's digest truncated to 20 bytes.
    pub cdhash: Vec<u8>,
    /// The directory's full digest (what a CMS signature over it signs).
    pub digest: Vec<u8>,
    /// The blob itself (what a CMS signature over the first directory signs).
    pub raw: Vec<u8>,
    /// Code-page hashes, `hash_size` each.
    pub code_hashes: Vec<u8>,
    /// Special-slot hashes: `special[i]` is slot `i + 1`.
    pub special: Vec<Vec<u8>>,
}

impl CodeDirectory {
    pub fn is_adhoc(&self) -> bool {
        self.flags & CS_ADHOC != 0
    }

    /// The hash of special slot `slot` (1 = Info.plist, 2 = requirements, 3 = resources, …),
    /// `None` when the directory has no such slot or it is all zeros (unused).
    pub fn special_hash(&self, slot: u32) -> Option<&[u8]> {
        let i = usize::try_from(slot).ok()?.checked_sub(1)?;
        self.special.get(i).map(Vec::as_slice).filter(|h| h.iter().any(|b| *b != 0))
    }

    /// Whether `data` hashes to special slot `slot`: `None` when the slot is unused.
    pub fn special_matches(&self, slot: u32, data: &[u8]) -> Option<bool> {
        let want = self.special_hash(slot)?;
        let got = self.hash_type.digest(data);
        Some(got.get(..want.len()) == Some(want))
    }
}

/// An embedded signature (SuperBlob).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddedSignature {
    /// Every CodeDirectory, slot 0 first.
    pub directories: Vec<CodeDirectory>,
    /// The CMS blob wrapper's payload (a BER ContentInfo), absent or empty for ad-hoc signatures.
    pub cms: Option<Vec<u8>>,
    /// Other blobs by slot (requirements, entitlements), whole (header included), for the
    /// special-slot hash check.
    pub others: Vec<(u32, Vec<u8>)>,
}

impl EmbeddedSignature {
    /// The directory Apple's tools use: the strongest hash type (SHA-384, SHA-256, truncated
    /// SHA-256, SHA-1), the first of equals.
    pub fn best(&self) -> Option<&CodeDirectory> {
        self.directories.iter().fold(None, |best: Option<&CodeDirectory>, cd| match best {
            Some(b) if b.hash_type.priority() >= cd.hash_type.priority() => Some(b),
            _ => Some(cd),
        })
    }

    /// The directory in slot 0 (the one a CMS signature signs).
    pub fn primary(&self) -> Option<&CodeDirectory> {
        self.directories.iter().find(|cd| cd.slot == CSSLOT_CODEDIRECTORY)
    }

    /// Whether the blobs inside the signature (requirements, entitlements) match every
    /// directory's special slots. `false` when a slot names a blob that is missing or differs.
    pub fn internal_slots_ok(&self) -> bool {
        self.directories.iter().all(|cd| {
            [CSSLOT_REQUIREMENTS, CSSLOT_ENTITLEMENTS, CSSLOT_DER_ENTITLEMENTS].iter().all(|slot| {
                match (cd.special_hash(*slot), self.others.iter().find(|(s, _)| s == slot)) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(_), Some((_, blob))) => cd.special_matches(*slot, blob) == Some(true),
                }
            })
        })
    }
}

fn be32(b: &[u8], at: usize) -> Result<u32, String> {
    let s = b.get(at..at.checked_add(4).ok_or("offset overflows")?).ok_or_else(|| format!("truncated at {at}"))?;
    Ok(u32::from_be_bytes(s.try_into().map_err(|_| "u32")?))
}

fn be64(b: &[u8], at: usize) -> Result<u64, String> {
    let s = b.get(at..at.checked_add(8).ok_or("offset overflows")?).ok_or_else(|| format!("truncated at {at}"))?;
    Ok(u64::from_be_bytes(s.try_into().map_err(|_| "u64")?))
}

fn cstr(b: &[u8], at: usize) -> Result<String, String> {
    let rest = b.get(at..).ok_or_else(|| format!("string offset {at} outside the directory"))?;
    let rest = rest.get(..rest.len().min(MAX_ID)).unwrap_or_default();
    let end = rest.iter().position(|c| *c == 0).ok_or("unterminated string")?;
    Ok(String::from_utf8_lossy(rest.get(..end).unwrap_or_default()).into_owned())
}

/// Parses a SuperBlob (`CSMAGIC_EMBEDDED_SIGNATURE`). Unknown blobs are skipped; a broken index
/// entry or CodeDirectory is an error.
pub fn parse_superblob(data: &[u8]) -> Result<EmbeddedSignature, String> {
    let magic = be32(data, 0)?;
    if magic != CSMAGIC_EMBEDDED_SIGNATURE {
        return Err(format!("code signature magic {magic:#010x}, not an embedded signature"));
    }
    let length = usize::try_from(be32(data, 4)?).map_err(|_| "length")?;
    if length < 12 || length > data.len() {
        return Err(format!("SuperBlob length {length} outside the {} bytes given", data.len()));
    }
    let data = data.get(..length).ok_or("SuperBlob length")?;
    let count = usize::try_from(be32(data, 8)?).map_err(|_| "count")?;
    if count > MAX_BLOBS {
        return Err(format!("SuperBlob claims {count} blobs (at most {MAX_BLOBS} read)"));
    }
    let mut sig = EmbeddedSignature::default();
    for i in 0..count {
        let at = 12 + i * 8;
        let slot = be32(data, at)?;
        let offset = usize::try_from(be32(data, at + 4)?).map_err(|_| "offset")?;
        let header_end = 12 + count * 8;
        if offset < header_end {
            return Err(format!("blob {i} at offset {offset} overlaps the SuperBlob index"));
        }
        let bmagic = be32(data, offset)?;
        let blen = usize::try_from(be32(data, offset + 4)?).map_err(|_| "length")?;
        let end = offset.checked_add(blen).ok_or("blob length overflows")?;
        if blen < 8 || end > data.len() {
            return Err(format!("blob {i} (slot {slot:#x}) of {blen} bytes at {offset} runs past the SuperBlob"));
        }
        let blob = data.get(offset..end).ok_or("blob")?;
        let is_cd_slot = slot == CSSLOT_CODEDIRECTORY
            || (CSSLOT_ALTERNATE_CODEDIRECTORIES
                ..CSSLOT_ALTERNATE_CODEDIRECTORIES + CSSLOT_ALTERNATE_CODEDIRECTORY_MAX)
                .contains(&slot);
        if is_cd_slot {
            if bmagic != CSMAGIC_CODEDIRECTORY {
                return Err(format!("slot {slot:#x} holds magic {bmagic:#010x}, not a CodeDirectory"));
            }
            if sig.directories.iter().any(|cd| cd.slot == slot) {
                return Err(format!("two CodeDirectories in slot {slot:#x}"));
            }
            sig.directories.push(parse_code_directory(blob, slot)?);
        } else if slot == CSSLOT_SIGNATURESLOT {
            if bmagic != CSMAGIC_BLOBWRAPPER {
                return Err(format!("signature slot holds magic {bmagic:#010x}, not a blob wrapper"));
            }
            let payload = blob.get(8..).unwrap_or_default();
            if !payload.is_empty() {
                sig.cms = Some(payload.to_vec());
            }
        } else if [CSSLOT_REQUIREMENTS, CSSLOT_ENTITLEMENTS, CSSLOT_DER_ENTITLEMENTS].contains(&slot) {
            sig.others.push((slot, blob.to_vec()));
        }
    }
    if sig.directories.is_empty() {
        return Err("code signature has no CodeDirectory".into());
    }
    sig.directories.sort_by_key(|cd| cd.slot);
    Ok(sig)
}

/// Parses one CodeDirectory blob (header included).
pub fn parse_code_directory(blob: &[u8], slot: u32) -> Result<CodeDirectory, String> {
    if be32(blob, 0)? != CSMAGIC_CODEDIRECTORY {
        return Err("not a CodeDirectory".into());
    }
    let version = be32(blob, 8)?;
    let flags = be32(blob, 12)?;
    let hash_offset = usize::try_from(be32(blob, 16)?).map_err(|_| "offset")?;
    let ident_offset = usize::try_from(be32(blob, 20)?).map_err(|_| "offset")?;
    let n_special = be32(blob, 24)?;
    let n_code = usize::try_from(be32(blob, 28)?).map_err(|_| "count")?;
    let code_limit32 = be32(blob, 32)?;
    let hash_size = usize::from(*blob.get(36).ok_or("truncated CodeDirectory")?);
    let hash_code = *blob.get(37).ok_or("truncated CodeDirectory")?;
    let page_shift = *blob.get(39).ok_or("truncated CodeDirectory")?;
    let hash_type =
        HashType::from_code(hash_code).ok_or_else(|| format!("unknown CodeDirectory hash type {hash_code}"))?;
    let full = hash_type.digest(&[]).len();
    if hash_size == 0 || hash_size > full {
        return Err(format!("hash size {hash_size} for {}", hash_type.name()));
    }
    if page_shift > MAX_PAGE_SHIFT {
        return Err(format!("page size 2^{page_shift}"));
    }
    if n_special > MAX_SPECIAL_SLOTS {
        return Err(format!("{n_special} special slots"));
    }
    let n_special = usize::try_from(n_special).map_err(|_| "count")?;
    // The hash array: n_special slots before hash_offset, n_code from it, all inside the blob.
    let special_len = n_special.checked_mul(hash_size).ok_or("overflow")?;
    let code_len = n_code.checked_mul(hash_size).ok_or("overflow")?;
    let special_start = hash_offset.checked_sub(special_len).ok_or("special slots start before the directory")?;
    let code_end = hash_offset.checked_add(code_len).ok_or("overflow")?;
    if special_start < 44 || code_end > blob.len() {
        return Err(format!("hash slots [{special_start}, {code_end}) outside the {}-byte directory", blob.len()));
    }
    let identifier = cstr(blob, ident_offset)?;
    let team_id = if version >= 0x20200 {
        match be32(blob, 48)? {
            0 => None,
            off => Some(cstr(blob, usize::try_from(off).map_err(|_| "offset")?)?).filter(|t| !t.is_empty()),
        }
    } else {
        None
    };
    let code_limit = if version >= 0x20300 && code_limit32 == 0 { be64(blob, 56)? } else { u64::from(code_limit32) };
    // Slot i (1-based) sits i hashes before hash_offset.
    let special = (1..=n_special)
        .map(|i| {
            let start = hash_offset - i * hash_size; // >= special_start, checked above
            blob.get(start..start + hash_size).map(<[u8]>::to_vec).ok_or_else(|| "special slot".to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let digest = hash_type.digest(blob);
    Ok(CodeDirectory {
        slot,
        version,
        flags,
        hash_type,
        hash_size,
        page_shift,
        code_limit,
        identifier,
        team_id,
        cdhash: digest.get(..20).unwrap_or_default().to_vec(),
        digest,
        raw: blob.to_vec(),
        code_hashes: blob.get(hash_offset..code_end).ok_or("code slots")?.to_vec(),
        special,
    })
}

/// Reads at most this much of a file to check code-page hashes; larger code is not checked.
pub const MAX_VERIFY: u64 = 512 << 20;
/// Bytes read at a time while checking pages.
const VERIFY_CHUNK: usize = 1 << 20;

/// Whether the code pages of `cd` match the bytes of the Mach-O at `[slice_offset,
/// slice_offset + slice_len)` of `file`. `None` when the code is larger than [`MAX_VERIFY`] or
/// the file cannot be read; `Some(false)` on any mismatch, including a slot count that does not
/// fit the code limit or a code limit past the slice.
pub fn verify_pages(cd: &CodeDirectory, file: &dyn FileView, slice_offset: u64, slice_len: u64) -> Option<bool> {
    if cd.code_limit > slice_len {
        return Some(false);
    }
    if cd.code_limit > MAX_VERIFY {
        return None;
    }
    let limit = usize::try_from(cd.code_limit).ok()?;
    let page = if cd.page_shift == 0 { limit.max(1) } else { 1usize << cd.page_shift };
    let expected = limit.div_ceil(page);
    if cd.code_hashes.len() != expected.checked_mul(cd.hash_size)? {
        return Some(false);
    }
    let chunk = (VERIFY_CHUNK / page).max(1).checked_mul(page)?;
    let mut pos = 0usize;
    let mut slot = 0usize;
    while pos < limit {
        let want = chunk.min(limit - pos);
        let bytes = file.read_at(slice_offset.checked_add(pos as u64)?, want).ok()?;
        if bytes.len() != want {
            return Some(false);
        }
        for p in bytes.chunks(page) {
            let h = cd.hash_type.digest(p);
            let start = slot.checked_mul(cd.hash_size)?;
            let stored = cd.code_hashes.get(start..start.checked_add(cd.hash_size)?)?;
            if h.get(..cd.hash_size) != Some(stored) {
                return Some(false);
            }
            slot += 1;
        }
        pos += want;
    }
    Some(true)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::files::Bytes;

    /// A CodeDirectory (version 0x20400) over `code`, SHA-256 or SHA-1, 4 KiB pages, with
    /// `specials` hashes for slots 1.. and a Team ID.
    pub(crate) fn code_directory(
        code: &[u8],
        ident: &str,
        team: Option<&str>,
        sha1: bool,
        specials: &[&[u8]],
    ) -> Vec<u8> {
        let (ht, hs): (HashType, usize) = if sha1 { (HashType::Sha1, 20) } else { (HashType::Sha256, 32) };
        let header = 88usize;
        let ident_off = header;
        let team_off = ident_off + ident.len() + 1;
        let after_team = team_off + team.map_or(0, |t| t.len() + 1);
        let n_special = specials.len();
        let hash_off = after_team + n_special * hs;
        let pages: Vec<&[u8]> = code.chunks(4096).collect();
        let total = hash_off + pages.len() * hs;
        let mut b = vec![0u8; total];
        let put = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        put(&mut b, 0, CSMAGIC_CODEDIRECTORY);
        put(&mut b, 4, total as u32);
        put(&mut b, 8, 0x20400);
        put(&mut b, 12, 0);
        put(&mut b, 16, hash_off as u32);
        put(&mut b, 20, ident_off as u32);
        put(&mut b, 24, n_special as u32);
        put(&mut b, 28, pages.len() as u32);
        put(&mut b, 32, code.len() as u32);
        b[36] = hs as u8;
        b[37] = if sha1 { 1 } else { 2 };
        b[39] = 12;
        put(&mut b, 48, if team.is_some() { team_off as u32 } else { 0 });
        b[ident_off..ident_off + ident.len()].copy_from_slice(ident.as_bytes());
        if let Some(t) = team {
            b[team_off..team_off + t.len()].copy_from_slice(t.as_bytes());
        }
        for (i, s) in specials.iter().enumerate() {
            let at = hash_off - (i + 1) * hs;
            if !s.is_empty() {
                b[at..at + hs].copy_from_slice(&ht.digest(s)[..hs]);
            }
        }
        for (i, p) in pages.iter().enumerate() {
            let at = hash_off + i * hs;
            b[at..at + hs].copy_from_slice(&ht.digest(p)[..hs]);
        }
        b
    }

    pub(crate) fn superblob(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let header = 12 + blobs.len() * 8;
        let total = header + blobs.iter().map(|(_, b)| b.len()).sum::<usize>();
        let mut out = Vec::new();
        out.extend_from_slice(&CSMAGIC_EMBEDDED_SIGNATURE.to_be_bytes());
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&(blobs.len() as u32).to_be_bytes());
        let mut off = header;
        for (slot, b) in blobs {
            out.extend_from_slice(&slot.to_be_bytes());
            out.extend_from_slice(&(off as u32).to_be_bytes());
            off += b.len();
        }
        for (_, b) in blobs {
            out.extend_from_slice(b);
        }
        out
    }

    fn wrapper(magic: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = magic.to_be_bytes().to_vec();
        b.extend_from_slice(&((payload.len() + 8) as u32).to_be_bytes());
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn superblob_directories_cdhash_and_best_choice() {
        let code = vec![0xabu8; 10_000];
        let req = wrapper(0xfade0c01, &[0, 0, 0, 0]);
        let cd1 = code_directory(&code, "com.example.tool", Some("ABCDE12345"), true, &[b"", &req]);
        let cd256 = code_directory(&code, "com.example.tool", Some("ABCDE12345"), false, &[b"", &req]);
        let sb = superblob(&[
            (CSSLOT_CODEDIRECTORY, cd1.clone()),
            (CSSLOT_REQUIREMENTS, req.clone()),
            (CSSLOT_ALTERNATE_CODEDIRECTORIES, cd256.clone()),
            (CSSLOT_SIGNATURESLOT, wrapper(CSMAGIC_BLOBWRAPPER, &[])),
        ]);
        let sig = parse_superblob(&sb).expect("parse");
        assert_eq!(sig.directories.len(), 2);
        let best = sig.best().expect("best");
        assert_eq!(best.hash_type, HashType::Sha256);
        assert_eq!(best.identifier, "com.example.tool");
        assert_eq!(best.team_id.as_deref(), Some("ABCDE12345"));
        assert_eq!(best.cdhash, Sha256::digest(&cd256)[..20].to_vec());
        assert_eq!(sig.primary().expect("primary").cdhash, Sha1::digest(&cd1).to_vec());
        assert_eq!(sig.cms, None, "an empty wrapper is an ad-hoc signature");
        assert!(sig.internal_slots_ok());
        assert_eq!(verify_pages(best, &Bytes(&code), 0, code.len() as u64), Some(true));
        assert_eq!(verify_pages(sig.primary().expect("cd"), &Bytes(&code), 0, code.len() as u64), Some(true));
        let mut tampered = code.clone();
        tampered[9000] ^= 1;
        assert_eq!(verify_pages(best, &Bytes(&tampered), 0, code.len() as u64), Some(false));
        assert_eq!(verify_pages(best, &Bytes(&code[..5000]), 0, code.len() as u64), Some(false));
        assert_eq!(verify_pages(best, &Bytes(&code), 0, 100), Some(false));

        // A requirements blob that differs from its slot hash.
        let other_req = wrapper(0xfade0c01, &[0, 0, 0, 1]);
        let sb = superblob(&[(CSSLOT_CODEDIRECTORY, cd256), (CSSLOT_REQUIREMENTS, other_req)]);
        assert!(!parse_superblob(&sb).expect("parse").internal_slots_ok());
    }

    #[test]
    fn superblob_bad_offsets_and_counts_are_errors() {
        let cd = code_directory(b"x", "id", None, false, &[]);
        let good = superblob(&[(CSSLOT_CODEDIRECTORY, cd.clone())]);
        assert!(parse_superblob(&good).is_ok());
        // Offset past the end, into the index, and a huge count.
        let mut b = good.clone();
        b[16..20].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
        let mut b = good.clone();
        b[16..20].copy_from_slice(&4u32.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
        let mut b = good.clone();
        b[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
        // Length larger than the data, smaller than the header.
        let mut b = good.clone();
        b[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
        let mut b = good.clone();
        b[4..8].copy_from_slice(&4u32.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
        // A blob whose own length overruns.
        let mut b = good.clone();
        b[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_superblob(&b).is_err());
        // No CodeDirectory; wrong magic in the directory slot.
        assert!(parse_superblob(&superblob(&[])).is_err());
        assert!(parse_superblob(&superblob(&[(0, wrapper(CSMAGIC_BLOBWRAPPER, b"x"))])).is_err());
        // Truncations of every length never panic.
        for n in 0..good.len() {
            let _ = parse_superblob(&good[..n]);
        }
    }

    #[test]
    fn code_directory_bad_fields_are_errors() {
        let cd = code_directory(&[1u8; 9000], "id", Some("TEAM123456"), false, &[b"a"]);
        assert!(parse_code_directory(&cd, 0).is_ok());
        let set = |at: usize, v: u32| {
            let mut b = cd.clone();
            b[at..at + 4].copy_from_slice(&v.to_be_bytes());
            b
        };
        for bad in [
            set(16, u32::MAX),        // hash offset
            set(20, u32::MAX),        // identifier offset
            set(24, 1000),            // special slots
            set(24, 40),              // special slots before the header
            set(28, u32::MAX),        // code slots
            set(48, cd.len() as u32), // team offset at the end: unterminated
        ] {
            assert!(parse_code_directory(&bad, 0).is_err());
        }
        let mut b = cd.clone();
        b[37] = 9; // hash type
        assert!(parse_code_directory(&b, 0).is_err());
        let mut b = cd.clone();
        b[36] = 64; // hash size
        assert!(parse_code_directory(&b, 0).is_err());
        let mut b = cd.clone();
        b[39] = 40; // page shift
        assert!(parse_code_directory(&b, 0).is_err());
        let parsed = parse_code_directory(&cd, 0).expect("cd");
        assert_eq!(parsed.special_matches(CSSLOT_INFOSLOT, b"a"), Some(true));
        assert_eq!(parsed.special_matches(CSSLOT_INFOSLOT, b"b"), Some(false));
        assert_eq!(parsed.special_matches(CSSLOT_RESOURCEDIR, b"a"), None);
    }
}
