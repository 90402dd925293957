//! PE: Windows executables and DLLs (PE32 and PE32+), identified by their Authenticode
//! signatures first and their version resource second.
//!
//! Owns the PE headers ([`parse_headers`]), the reads a PE needs (headers, the resource tree and
//! version resources, the certificate table, and the signed byte ranges streamed through the
//! digest), and the artifact ([`artifact`]). The version resource lives in [`version`], the
//! signatures in [`authenticode`], the DER underneath in [`der`]; each is a pure function of
//! bytes.
//!
//! It must never read a whole file into memory (a 2 GB installer is hashed in
//! [`HASH_CHUNK`] pieces, and only the structures it needs are read, each under its own cap),
//! trust a header's offset or count without checking it against what was read, consult a trust
//! store, or call a file signed when its signature does not match its bytes: a signature whose
//! digest differs from the file is recorded with `digest_ok: false` and proves nothing, and a
//! file whose version information names a company without a usable signature carries
//! `pe.signed` so reports show the name is a claim.

pub mod authenticode;
pub mod der;
pub mod version;

use super::{FileFormat, FileView, Inspection, Place};
use authenticode::{DigestAlg, HashLayout, Signature};
use delist_core::{Artifact, ArtifactKind, Role, Signer};
use version::VersionInfo;

/// Bytes read first: the headers of every real PE fit (the section table ends within 4 KiB).
pub const FIRST_READ: usize = 64 << 10;
/// Most bytes read for the headers when `e_lfanew` or the section table lies further in.
pub const MAX_HEADERS: usize = 1 << 20;
/// Most sections read (the Windows loader refuses more).
pub const MAX_SECTIONS: usize = 96;
/// Bytes of the resource section read first to walk its directory tree (the tables come before
/// the data in what linkers write).
pub const RSRC_FIRST_READ: usize = 64 << 10;
/// Most bytes of the resource section read to walk its tree when the first read was not enough.
pub const MAX_RSRC_TREE: usize = 4 << 20;
/// Largest version resource read (`wLength` is 16 bits).
pub const MAX_VERSION_BYTES: usize = 64 << 10;
/// Largest certificate table read (real ones are 5–50 KiB; installers that stuff data after
/// the signature stay well under this).
pub const MAX_CERT_TABLE: u64 = 16 << 20;
/// Largest file whose image digest is computed; past it `digest_ok` is unknown.
pub const MAX_HASHED: u64 = 4 << 30;
/// Bytes hashed per read.
pub const HASH_CHUNK: usize = 1 << 20;

/// A little-endian `u16` at `off`, if it is inside `d`.
pub(crate) fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

/// A little-endian `u32` at `off`, if it is inside `d`.
pub(crate) fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Whether `head` starts a PE: `MZ`, and `PE\0\0` where `e_lfanew` points. DOS, NE and LE
/// programs (also `MZ`) are not.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"MZ")
        && u32_at(head, 0x3c)
            .and_then(|e| usize::try_from(e).ok())
            .and_then(|e| head.get(e..e.checked_add(4)?))
            .is_some_and(|sig| sig == b"PE\0\0")
}

/// One section header, as far as delist needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub virtual_address: u32,
    pub virtual_size: u32,
    pub raw_offset: u32,
    pub raw_size: u32,
}

/// The headers of a PE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// PE32+ (64-bit).
    pub pe64: bool,
    pub machine: u16,
    /// File offset of the optional header's CheckSum.
    pub checksum: usize,
    /// File offset of the certificate-table data-directory entry, if the directory has one.
    pub security_entry: Option<usize>,
    /// The certificate table (file offset, size), if present.
    pub security: Option<(u32, u32)>,
    /// The resource directory (RVA, size), if present.
    pub resources: Option<(u32, u32)>,
    pub size_of_headers: u32,
    pub sections: Vec<Section>,
}

/// How many bytes from the start of the file [`parse_headers`] needs, as far as `head` tells.
pub fn headers_len(head: &[u8]) -> Option<usize> {
    let coff = usize::try_from(u32_at(head, 0x3c)?).ok()?.checked_add(4)?;
    let sections = usize::from(u16_at(head, coff + 2)?).min(MAX_SECTIONS);
    let opt_size = usize::from(u16_at(head, coff + 16)?);
    coff.checked_add(20)?.checked_add(opt_size)?.checked_add(sections * 40)
}

/// Reads the DOS stub pointer, the COFF and optional headers, the data directories delist uses
/// and the section table. An error means this is not a PE delist can read.
pub fn parse_headers(data: &[u8]) -> Result<Headers, String> {
    if !sniff(data) {
        return Err("not a PE (no MZ header or no PE signature at e_lfanew)".into());
    }
    let e = u32_at(data, 0x3c).and_then(|e| usize::try_from(e).ok()).ok_or("bad e_lfanew")?;
    let coff = e.checked_add(4).ok_or("bad e_lfanew")?;
    let truncated = || "truncated PE headers".to_string();
    let machine = u16_at(data, coff).ok_or_else(truncated)?;
    let nsections = usize::from(u16_at(data, coff + 2).ok_or_else(truncated)?);
    let opt_size = usize::from(u16_at(data, coff + 16).ok_or_else(truncated)?);
    let opt = coff.checked_add(20).ok_or_else(truncated)?;
    let opt_end = opt.checked_add(opt_size).ok_or_else(truncated)?;
    let pe64 = match u16_at(data, opt).ok_or_else(truncated)? {
        0x10b => false,
        0x20b => true,
        m => return Err(format!("unknown optional header magic {m:#x}")),
    };
    // CheckSum at +64 and SizeOfHeaders at +60 are where both layouts keep them.
    if opt_size < 68 || opt_end > data.len() {
        return Err("optional header too short or truncated".into());
    }
    let size_of_headers = u32_at(data, opt + 60).ok_or_else(truncated)?;
    let checksum = opt + 64;
    let (count_at, dirs) = if pe64 { (opt + 108, opt + 112) } else { (opt + 92, opt + 96) };
    let count = if count_at + 4 <= opt_end { u32_at(data, count_at).unwrap_or(0) } else { 0 };
    let entry = |i: usize| -> Option<(usize, u32, u32)> {
        let at = dirs.checked_add(i * 8)?;
        if (i as u64) >= u64::from(count) || at.checked_add(8)? > opt_end {
            return None;
        }
        Some((at, u32_at(data, at)?, u32_at(data, at + 4)?))
    };
    let security_dir = entry(4);
    let security_entry = security_dir.map(|(at, _, _)| at);
    let security = security_dir.filter(|(_, off, size)| *off != 0 && *size != 0).map(|(_, o, s)| (o, s));
    let resources = entry(2).filter(|(_, rva, size)| *rva != 0 && *size != 0).map(|(_, r, s)| (r, s));
    let mut sections = Vec::new();
    for i in 0..nsections.min(MAX_SECTIONS) {
        let s = opt_end + i * 40;
        let (Some(vsize), Some(va), Some(raw_size), Some(raw_offset)) =
            (u32_at(data, s + 8), u32_at(data, s + 12), u32_at(data, s + 16), u32_at(data, s + 20))
        else {
            break;
        };
        sections.push(Section { virtual_address: va, virtual_size: vsize, raw_offset, raw_size });
    }
    Ok(Headers { pe64, machine, checksum, security_entry, security, resources, size_of_headers, sections })
}

impl Headers {
    /// The file offset of an RVA: inside the headers it is the same; inside a section, that
    /// section's raw data (an RVA in a section's zero-filled tail has no bytes on disk).
    pub fn rva_to_offset(&self, rva: u32) -> Option<u64> {
        if rva < self.size_of_headers {
            return Some(u64::from(rva));
        }
        self.sections.iter().find_map(|s| {
            let delta = rva.checked_sub(s.virtual_address)?;
            let span = s.virtual_size.max(s.raw_size);
            (delta < span && delta < s.raw_size).then(|| u64::from(s.raw_offset) + u64::from(delta))
        })
    }

    /// Where the image hash's skipped fields are, for a signed file.
    pub fn hash_layout(&self) -> Option<HashLayout> {
        let (off, size) = self.security?;
        Some(HashLayout {
            checksum: self.checksum as u64,
            security_entry: self.security_entry? as u64,
            table: (u64::from(off), u64::from(size)),
        })
    }

    pub fn machine_name(&self) -> String {
        match self.machine {
            0x014c => "x86".into(),
            0x8664 => "x86-64".into(),
            0xaa64 => "arm64".into(),
            0xa641 => "arm64ec".into(),
            0x01c0 | 0x01c4 => "arm".into(),
            0x0200 => "ia64".into(),
            m => format!("{m:#06x}"),
        }
    }
}

/// Image digests by algorithm.
type Digests = Vec<(DigestAlg, Vec<u8>)>;

/// Everything delist read from one PE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeInfo {
    pub machine: String,
    pub version: Option<VersionInfo>,
    /// Every signature, primary first, nested ones after the one they are nested in, with
    /// `digest_ok` decided against the file.
    pub signers: Vec<Signer>,
    /// Whether the file has a certificate table at all.
    pub has_certificate_table: bool,
    /// What could not be read (the file's other parts still count).
    pub errors: Vec<String>,
}

fn read_exact(file: &dyn FileView, offset: u64, len: usize) -> Result<Vec<u8>, String> {
    let b = file.read_at(offset, len).map_err(|e| format!("cannot read {len} bytes at {offset}: {e}"))?;
    if b.len() != len {
        return Err(format!("file ends before {len} bytes at {offset}"));
    }
    Ok(b)
}

/// Reads a PE through bounded, positioned reads.
pub fn read_pe(file: &dyn FileView) -> Result<PeInfo, String> {
    let len = file.len();
    let first = usize::try_from(len.min(FIRST_READ as u64)).unwrap_or(FIRST_READ);
    let mut head = file.read_at(0, first).map_err(|e| format!("cannot read: {e}"))?;
    if let Some(need) = headers_len(&head)
        && need > head.len()
        && need <= MAX_HEADERS
        && (need as u64) <= len
    {
        head = read_exact(file, 0, need)?;
    }
    let headers = parse_headers(&head)?;
    let mut info = PeInfo { machine: headers.machine_name(), ..PeInfo::default() };
    info.version = read_version(file, &headers, &mut info.errors);
    if let Some((off, size)) = headers.security {
        info.has_certificate_table = true;
        match read_signatures(file, &headers, off, size) {
            Ok((signers, errors)) => {
                info.signers = signers;
                info.errors.extend(errors);
            }
            Err(e) => info.errors.push(e),
        }
    }
    Ok(info)
}

/// The version resources, merged (`None` when the file has none).
fn read_version(file: &dyn FileView, h: &Headers, errors: &mut Vec<String>) -> Option<VersionInfo> {
    let (rva, size) = h.resources?;
    let Some(off) = h.rva_to_offset(rva) else {
        errors.push("resource directory is outside every section".into());
        return None;
    };
    let avail = file.len().saturating_sub(off);
    let want = |cap: usize| usize::try_from(avail.min(cap as u64).min(u64::from(size))).unwrap_or(cap);
    let tree = file.read_at(off, want(RSRC_FIRST_READ)).ok()?;
    let mut leaves = version::version_resources(&tree);
    if leaves.is_empty() && want(MAX_RSRC_TREE) > tree.len() {
        let tree = file.read_at(off, want(MAX_RSRC_TREE)).ok()?;
        leaves = version::version_resources(&tree);
    }
    let mut merged: Option<VersionInfo> = None;
    for leaf in leaves {
        let Some(at) = h.rva_to_offset(leaf.rva) else {
            errors.push(format!("version resource at RVA {:#x} is outside every section", leaf.rva));
            continue;
        };
        let n = usize::try_from(leaf.size).unwrap_or(MAX_VERSION_BYTES).min(MAX_VERSION_BYTES);
        let Ok(bytes) = file.read_at(at, n) else { continue };
        match version::parse_version_info(&bytes) {
            Some(v) => match &mut merged {
                Some(m) => m.merge(v),
                None => merged = Some(v),
            },
            None => errors.push(format!("version resource at RVA {:#x} is not a VS_VERSIONINFO", leaf.rva)),
        }
    }
    merged.filter(|v| !v.is_empty())
}

/// The signatures in the certificate table, each judged against the file's image digest.
fn read_signatures(
    file: &dyn FileView,
    h: &Headers,
    off: u32,
    size: u32,
) -> Result<(Vec<Signer>, Vec<String>), String> {
    if u64::from(size) > MAX_CERT_TABLE {
        return Err(format!("certificate table of {size} bytes is over the {MAX_CERT_TABLE}-byte limit"));
    }
    let (off64, size64) = (u64::from(off), u64::from(size));
    if off64.checked_add(size64).is_none_or(|end| end > file.len()) {
        return Err("certificate table runs past the end of the file".into());
    }
    let table = read_exact(file, off64, size as usize)?;
    let (sigs, mut errors) = authenticode::parse_table(&table);
    let mut algs: Vec<DigestAlg> = Vec::new();
    for alg in sigs.iter().filter_map(|s| s.digest.algorithm()) {
        if !algs.contains(&alg) {
            algs.push(alg);
        }
    }
    let digests = match h.hash_layout() {
        Some(layout) => image_digests(file, &layout, &algs),
        None => Err(HashFailure::Broken("no certificate-table entry".into())),
    };
    let broken = match &digests {
        Ok(_) => false,
        Err(HashFailure::Broken(e)) => {
            errors.push(e.clone());
            true
        }
        Err(HashFailure::Unavailable(e)) => {
            errors.push(e.clone());
            false
        }
    };
    let signers = sigs
        .iter()
        .map(|s: &Signature| {
            let actual = match (&digests, s.digest.algorithm()) {
                (Ok(d), Some(alg)) => d.iter().find(|(a, _)| *a == alg).map(|(_, v)| v.as_slice()),
                _ => None,
            };
            let mut signer = s.verdict(actual);
            // A layout no signer could have produced (the table overlapping the headers): the
            // signature cannot be this file's.
            if broken {
                signer.digest_ok = Some(false);
            }
            signer
        })
        .collect();
    Ok((signers, errors))
}

/// Why an image digest was not computed.
enum HashFailure {
    /// The layout is not one a signer could have hashed.
    Broken(String),
    /// The file could not be read, or is too large to hash: the verdict is unknown.
    Unavailable(String),
}

/// The image digest under each algorithm, streamed through the file in [`HASH_CHUNK`] reads.
fn image_digests(file: &dyn FileView, layout: &HashLayout, algs: &[DigestAlg]) -> Result<Digests, HashFailure> {
    if algs.is_empty() {
        return Ok(Vec::new());
    }
    let ranges = authenticode::hashed_ranges(layout, file.len()).map_err(|e| HashFailure::Broken(e.into()))?;
    if layout.table.0 > MAX_HASHED {
        return Err(HashFailure::Unavailable(format!("file too large to hash (over {MAX_HASHED} bytes)")));
    }
    let mut hashers: Vec<_> = algs.iter().map(|a| a.hasher()).collect();
    for (start, end) in ranges {
        let mut pos = start;
        while pos < end {
            let n = usize::try_from((end - pos).min(HASH_CHUNK as u64)).unwrap_or(HASH_CHUNK);
            let chunk = read_exact(file, pos, n).map_err(HashFailure::Unavailable)?;
            for h in &mut hashers {
                h.update(&chunk);
            }
            pos += n as u64;
        }
    }
    Ok(algs.iter().copied().zip(hashers.into_iter().map(|h| h.finish())).collect())
}

/// The artifact for a PE, or `None` when it says nothing about its maker (no version
/// information and no signature).
pub fn artifact(info: &PeInfo, place: Place<'_>) -> Option<Artifact> {
    let version = info.version.as_ref();
    if version.is_none() && info.signers.is_empty() {
        return None;
    }
    let name = place.path.rsplit('/').next().unwrap_or(place.path);
    let mut a = Artifact::new(ArtifactKind::Executable, name, place.path, place.target);
    if let Some(v) = version {
        let text = |k: &str| v.values(k).first().map(|s| version::normalize_version(s));
        let ver = text("ProductVersion")
            .or_else(|| text("FileVersion"))
            .or_else(|| v.product_version.clone())
            .or_else(|| v.file_version.clone());
        if let Some(ver) = ver {
            a = a.version(ver);
        }
        for (key, field, role) in [
            ("CompanyName", "pe.company_name", Role::Publisher),
            ("ProductName", "pe.product_name", Role::Other),
            ("FileDescription", "pe.file_description", Role::Text),
            ("OriginalFilename", "pe.original_filename", Role::Other),
            ("InternalName", "pe.internal_name", Role::Other),
            ("LegalCopyright", "pe.legal_copyright", Role::Text),
        ] {
            for value in v.values(key) {
                a = a.field(field, value, role);
            }
        }
        let file_version = v.values("FileVersion").first().map(|s| s.to_string()).or_else(|| v.file_version.clone());
        let product_version =
            v.values("ProductVersion").first().map(|s| s.to_string()).or_else(|| v.product_version.clone());
        a = a.field("pe.file_version", file_version.unwrap_or_default(), Role::Other);
        a = a.field("pe.product_version", product_version.unwrap_or_default(), Role::Other);
    }
    for s in &info.signers {
        a = a.signer(s.clone());
    }
    // No signature that counts: whatever the version information says is a claim.
    if !a.fields.iter().any(|f| f.role == Role::Signer) {
        let why = if !info.has_certificate_table {
            "no"
        } else if info.signers.iter().any(|s| s.digest_ok == Some(false)) {
            "digest-mismatch"
        } else {
            "unreadable"
        };
        a = a.field("pe.signed", why, Role::Other);
    }
    a = a.field("pe.machine", info.machine.clone(), Role::Other);
    for e in &info.errors {
        a = a.field("pe.error", e.clone(), Role::Other);
    }
    Some(a)
}

/// The PE format.
pub struct Pe;

impl FileFormat for Pe {
    fn id(&self) -> &'static str {
        "pe"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        sniff(head)
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        self.inspect_parts(file, place).map(|ins| ins.artifacts)
    }

    /// The artifact, and beside it under `errors` what could not be read of the file (a
    /// certificate table cut short, a version resource outside every section): the artifact
    /// keeps them as `pe.error` fields for the matcher, but the report shows artifacts only
    /// through findings, and a truncated or damaged signed file must not pass as merely
    /// "likely" without saying why.
    fn inspect_parts(&self, file: &dyn FileView, place: Place<'_>) -> Result<Inspection, String> {
        let info = read_pe(file)?;
        match artifact(&info, place) {
            Some(a) => Ok(Inspection {
                artifacts: vec![a],
                errors: info.errors.iter().map(|e| (place.path.to_string(), format!("pe: {e}"))).collect(),
            }),
            // A certificate table delist could not read, on a file with nothing else to say:
            // report it rather than pass over a signed file in silence.
            None if info.has_certificate_table && !info.errors.is_empty() => {
                Err(format!("unreadable signature: {}", info.errors.join("; ")))
            }
            None => Ok(Inspection::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    /// A minimal PE32+ header block: DOS header, PE signature, COFF, optional header with 16
    /// data directories, and one section.
    fn minimal(pe64: bool) -> Vec<u8> {
        let mut d = vec![0u8; 0x400];
        d[0..2].copy_from_slice(b"MZ");
        d[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        d[0x80..0x84].copy_from_slice(b"PE\0\0");
        let coff = 0x84;
        d[coff..coff + 2].copy_from_slice(&0x8664u16.to_le_bytes());
        d[coff + 2..coff + 4].copy_from_slice(&1u16.to_le_bytes());
        let opt_size: u16 = if pe64 { 240 } else { 224 };
        d[coff + 16..coff + 18].copy_from_slice(&opt_size.to_le_bytes());
        let opt = coff + 20;
        d[opt..opt + 2].copy_from_slice(&(if pe64 { 0x20bu16 } else { 0x10b }).to_le_bytes());
        d[opt + 60..opt + 64].copy_from_slice(&0x200u32.to_le_bytes());
        let count = if pe64 { opt + 108 } else { opt + 92 };
        d[count..count + 4].copy_from_slice(&16u32.to_le_bytes());
        let s = opt + usize::from(opt_size);
        d[s..s + 5].copy_from_slice(b".text");
        d[s + 8..s + 12].copy_from_slice(&0x100u32.to_le_bytes());
        d[s + 12..s + 16].copy_from_slice(&0x1000u32.to_le_bytes());
        d[s + 16..s + 20].copy_from_slice(&0x200u32.to_le_bytes());
        d[s + 20..s + 24].copy_from_slice(&0x200u32.to_le_bytes());
        d
    }

    #[test]
    fn sniff_wants_the_pe_signature() {
        assert!(sniff(&minimal(true)));
        assert!(!sniff(b"MZ"));
        let mut dos = minimal(true);
        dos[0x80] = b'N';
        assert!(!sniff(&dos));
        let mut far = minimal(true);
        far[0x3c..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(!sniff(&far));
    }

    #[test]
    fn headers_of_both_widths() {
        for pe64 in [true, false] {
            let h = parse_headers(&minimal(pe64)).expect("headers");
            assert_eq!(h.pe64, pe64);
            assert_eq!(h.checksum, 0x84 + 20 + 64);
            assert_eq!(h.security_entry, Some(0x84 + 20 + if pe64 { 112 } else { 96 } + 32));
            assert_eq!(h.security, None);
            assert_eq!(h.sections.len(), 1);
            assert_eq!(h.machine_name(), "x86-64");
            assert_eq!(h.rva_to_offset(0x1010), Some(0x210));
            assert_eq!(h.rva_to_offset(0x10), Some(0x10));
            // Past the section's raw data (and its virtual size): nowhere on disk.
            assert_eq!(h.rva_to_offset(0x1200), None);
        }
    }

    #[test]
    fn few_data_directories_mean_no_signature() {
        let mut d = minimal(true);
        let count = 0x84 + 20 + 108;
        d[count..count + 4].copy_from_slice(&4u32.to_le_bytes());
        let h = parse_headers(&d).expect("headers");
        assert_eq!(h.security_entry, None);
        assert_eq!(h.hash_layout(), None);
    }

    #[test]
    fn broken_headers_are_errors() {
        let good = minimal(true);
        let mut bad_magic = good.clone();
        bad_magic[0x84 + 20] = 0x07;
        assert!(parse_headers(&bad_magic).unwrap_err().contains("magic"));
        assert!(parse_headers(&good[..0x100]).is_err());
        let mut huge_count = good.clone();
        huge_count[0x86..0x88].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(parse_headers(&huge_count).expect("capped").sections.len() <= MAX_SECTIONS);
        assert!(headers_len(&huge_count).expect("len") <= FIRST_READ);
    }

    #[test]
    fn a_pe_that_says_nothing_is_no_artifact() {
        let d = minimal(true);
        let out = Pe.inspect(&Bytes(&d), Place { path: "/x.exe", target: "t", depth: 0 }).expect("ok");
        assert!(out.is_empty());
    }

    #[test]
    fn a_certificate_table_past_the_end_is_reported() {
        let mut d = minimal(true);
        let entry = 0x84 + 20 + 112 + 32;
        d[entry..entry + 4].copy_from_slice(&0x300u32.to_le_bytes());
        d[entry + 4..entry + 8].copy_from_slice(&0x1000u32.to_le_bytes());
        let err = Pe.inspect(&Bytes(&d), Place { path: "/x.exe", target: "t", depth: 0 }).unwrap_err();
        assert!(err.contains("past the end"), "{err}");
    }

    #[test]
    fn claims_without_a_signature_say_so() {
        let info = PeInfo {
            machine: "x86".into(),
            version: Some(VersionInfo {
                tables: vec![("040904b0".into(), vec![("CompanyName".into(), "AO Kaspersky Lab".into())])],
                ..VersionInfo::default()
            }),
            ..PeInfo::default()
        };
        let a = artifact(&info, Place { path: "/a/b/avp.exe", target: "dir:/x", depth: 0 }).expect("artifact");
        assert_eq!(a.name, "avp.exe");
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert!(a.fields.iter().any(|f| f.field == "pe.signed" && f.value == "no"));
        // Signed but tampered: the claim stays a claim.
        let tampered = PeInfo {
            signers: vec![Signer {
                organization: Some("AO Kaspersky Lab".into()),
                digest_ok: Some(false),
                ..Signer::default()
            }],
            has_certificate_table: true,
            ..info.clone()
        };
        let a = artifact(&tampered, Place { path: "/avp.exe", target: "t", depth: 0 }).expect("artifact");
        assert!(a.fields.iter().any(|f| f.field == "pe.signed" && f.value == "digest-mismatch"));
        assert!(!a.fields.iter().any(|f| f.role == Role::Signer));
        assert_eq!(a.signer.as_ref().and_then(|s| s.digest_ok), Some(false));
    }
}
