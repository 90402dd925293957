//! Mach-O executables, thin and universal (fat, 32- and 64-bit headers), attributed by their
//! code signature: the CodeDirectory's signing identifier and Team ID, the CDHash, and the CMS
//! signer's certificate chain; plus `.app` bundles ([`bundle::inspect_bundle`]).
//!
//! Owns the Mach-O container layout (fat header, mach header, load commands) and turning a
//! signature into an [`Artifact`]. The signature blobs live in [`codesign`], the CMS and X.509
//! reading in [`cms`]. It reads only the header, load commands and signature of each slice — and
//! the code pages, to check their hashes ([`codesign::verify_pages`], up to
//! [`codesign::MAX_VERIFY`] bytes a slice) — through bounded [`FileView`] reads; it must never
//! trust a count, offset or size from the file, never execute or map the code, and never call a
//! file signed because it says so: an ad-hoc signature (no certificate) yields no signer
//! identity.
//!
//! What becomes evidence: the signer's organisation (`signer.organization`, role signer), the
//! Team ID (`signer.team_id`, a `team-id` identifier) and, only when signed with a Team ID, the
//! signing identifier (`macho.signing_id`, a `bundle-id` identifier — signing ids are bundle ids
//! by convention, and a Team ID keeps a stranger from claiming one). An unsigned or ad-hoc signed
//! Mach-O without a Team ID yields no artifact: most files on a Mac are, and they say nothing
//! about their maker.

pub mod bundle;
pub mod cms;
pub mod codesign;

pub use bundle::inspect_bundle;

use super::{FileFormat, FileView, Place};
use codesign::EmbeddedSignature;
use delist_core::{Artifact, ArtifactKind, IdKind, Role, Signer};

/// Most architectures read from a universal binary (real ones have 2–4; Java class files share
/// the fat magic and read as 45 or more, so a small cap also tells them apart).
pub const MAX_FAT_ARCHS: u32 = 16;
/// Most load commands read from one slice.
pub const MAX_LOAD_COMMANDS: u32 = 8192;
/// Largest load-command area read (real ones are a few KiB).
pub const MAX_CMDS_SIZE: u32 = 4 << 20;
/// Largest code signature read (a 1 GiB binary's two CodeDirectories are about 13 MiB).
pub const MAX_SIGNATURE: u32 = 32 << 20;

const MH_MAGIC: u32 = 0xfeed_face;
const MH_MAGIC_64: u32 = 0xfeed_facf;
const FAT_MAGIC: u32 = 0xcafe_babe;
const FAT_MAGIC_64: u32 = 0xcafe_babf;
const LC_SEGMENT: u32 = 0x1;
const LC_SEGMENT_64: u32 = 0x19;
const LC_CODE_SIGNATURE: u32 = 0x1d;

/// The Mach-O format.
pub struct MachO;

impl FileFormat for MachO {
    fn id(&self) -> &'static str {
        "macho"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        sniff(head)
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let slices = read(file, true)?;
        let name = place.path.rsplit('/').next().unwrap_or(place.path);
        Ok(artifact(&slices, name, place.path, place.target).into_iter().collect())
    }
}

/// Whether the first bytes are a Mach-O header or a universal header with a plausible count.
pub fn sniff(head: &[u8]) -> bool {
    let Some(m) = head.get(..4) else { return false };
    let be = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
    let le = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
    if [MH_MAGIC, MH_MAGIC_64].contains(&be) || [MH_MAGIC, MH_MAGIC_64].contains(&le) {
        return true;
    }
    if be == FAT_MAGIC || be == FAT_MAGIC_64 {
        let n = head.get(4..8).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        return (1..=MAX_FAT_ARCHS).contains(&n);
    }
    false
}

/// One architecture of a Mach-O file.
#[derive(Debug, Clone)]
pub struct Slice {
    /// Where the slice starts in the file and how long it is.
    pub offset: u64,
    pub size: u64,
    pub cputype: u32,
    pub cpusubtype: u32,
    pub filetype: u32,
    pub signature: Option<Signature>,
}

/// A slice's code signature as read.
#[derive(Debug, Clone)]
pub struct Signature {
    pub embedded: EmbeddedSignature,
    /// The CMS signature, if the blob wrapper holds one: read, or why it could not be.
    pub cms: Option<Result<cms::SignedInfo, String>>,
    /// Whether every CodeDirectory's code-page hashes match the slice (`None`: not checked).
    pub pages_ok: Option<bool>,
}

impl Signature {
    /// Whether a certificate signed this (a CMS signature with a signer certificate) rather
    /// than an ad-hoc signature.
    pub fn has_certificate(&self) -> bool {
        matches!(&self.cms, Some(Ok(si)) if si.leaf.is_some())
            && !self.embedded.best().is_some_and(codesign::CodeDirectory::is_adhoc)
    }

    /// The Team ID a certificate vouches for: the best CodeDirectory's, else the leaf
    /// certificate's OU when it has a Team ID's shape. `None` for ad-hoc signatures.
    pub fn team_id(&self) -> Option<String> {
        if !self.has_certificate() {
            return None;
        }
        self.embedded.best().and_then(|cd| cd.team_id.clone()).or_else(|| match &self.cms {
            Some(Ok(si)) => si.leaf_cert().and_then(|c| c.org_unit.clone()).filter(|ou| cms::is_team_id(ou)),
            _ => None,
        })
    }

    /// Whether the signed digests match the bytes: every CodeDirectory's code pages, the blobs
    /// its special slots cover inside the signature, and the CMS message digest over the first
    /// CodeDirectory. `Some(false)` on any mismatch; `Some(true)` only when the pages were
    /// checked and everything matched; `None` otherwise.
    pub fn digest_ok(&self) -> Option<bool> {
        let cms_ok = match (&self.cms, self.embedded.primary()) {
            (Some(Ok(si)), Some(cd)) => si.digest_matches(&cd.raw),
            _ => None,
        };
        if self.pages_ok == Some(false) || !self.embedded.internal_slots_ok() || cms_ok == Some(false) {
            return Some(false);
        }
        self.pages_ok
    }

    /// The signer as the inventory shows it (CONTRACT's `signer`).
    pub fn signer(&self) -> Signer {
        let mut s = match &self.cms {
            Some(Ok(si)) if self.has_certificate() => si.signer().unwrap_or_default(),
            _ => Signer::default(),
        };
        if let Some(cd) = self.embedded.best() {
            s.signing_id = Some(cd.identifier.clone()).filter(|i| !i.is_empty());
            s.cdhash = Some(cms::hex(&cd.cdhash));
        }
        s.team_id = self.team_id();
        s.digest_ok = self.digest_ok();
        s
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

fn read_exact(file: &dyn FileView, offset: u64, len: usize, what: &str) -> Result<Vec<u8>, String> {
    let b = file.read_at(offset, len).map_err(|e| format!("cannot read {what}: {e}"))?;
    if b.len() != len {
        return Err(format!("{what} truncated: {} of {len} bytes at {offset}", b.len()));
    }
    Ok(b)
}

/// Reads every slice of a Mach-O file (one for a thin file). `verify` checks code-page hashes,
/// which reads the code; without it only headers and signatures are read.
pub fn read(file: &dyn FileView, verify: bool) -> Result<Vec<Slice>, String> {
    let head = read_exact(file, 0, 8.min(usize::try_from(file.len()).unwrap_or(8)), "header")?;
    let magic = be32(&head, 0)?;
    if magic != FAT_MAGIC && magic != FAT_MAGIC_64 {
        return Ok(vec![read_thin(file, 0, file.len(), verify)?]);
    }
    let n = be32(&head, 4)?;
    if n == 0 || n > MAX_FAT_ARCHS {
        return Err(format!("universal binary claims {n} architectures (1 to {MAX_FAT_ARCHS} read)"));
    }
    let wide = magic == FAT_MAGIC_64;
    let entry = if wide { 32 } else { 20 };
    let table = read_exact(file, 8, entry * n as usize, "universal header")?;
    let mut slices = Vec::new();
    for i in 0..n as usize {
        let at = i * entry;
        let (offset, size) = if wide {
            (be64(&table, at + 8)?, be64(&table, at + 16)?)
        } else {
            (u64::from(be32(&table, at + 8)?), u64::from(be32(&table, at + 12)?))
        };
        let end = offset.checked_add(size).ok_or("architecture size overflows")?;
        if end > file.len() || offset < 8 {
            return Err(format!("architecture {i} at [{offset}, {end}) lies outside the {}-byte file", file.len()));
        }
        if slices.iter().any(|s: &Slice| s.offset == offset) {
            return Err(format!("architecture {i} repeats the slice at {offset}"));
        }
        slices.push(read_thin(file, offset, size, verify).map_err(|e| format!("architecture {i}: {e}"))?);
    }
    Ok(slices)
}

/// Reads one thin Mach-O at `[base, base + size)`.
fn read_thin(file: &dyn FileView, base: u64, size: u64, verify: bool) -> Result<Slice, String> {
    let hdr = file.read_at(base, 32).map_err(|e| format!("cannot read header: {e}"))?;
    let m = hdr.get(..4).ok_or("file too short for a Mach-O header")?;
    let raw = [m[0], m[1], m[2], m[3]];
    let (le, wide) = match (u32::from_le_bytes(raw), u32::from_be_bytes(raw)) {
        (MH_MAGIC, _) => (true, false),
        (MH_MAGIC_64, _) => (true, true),
        (_, MH_MAGIC) => (false, false),
        (_, MH_MAGIC_64) => (false, true),
        _ => return Err(format!("not a Mach-O header at {base}")),
    };
    let u32_at = |b: &[u8], at: usize| -> Result<u32, String> {
        let s = b.get(at..at.checked_add(4).ok_or("offset overflows")?).ok_or_else(|| format!("truncated at {at}"))?;
        let a: [u8; 4] = s.try_into().map_err(|_| "u32")?;
        Ok(if le { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    };
    let header_len: u64 = if wide { 32 } else { 28 };
    if (hdr.len() as u64) < header_len || size < header_len {
        return Err("Mach-O header truncated".into());
    }
    let cputype = u32_at(&hdr, 4)?;
    let cpusubtype = u32_at(&hdr, 8)?;
    let filetype = u32_at(&hdr, 12)?;
    let ncmds = u32_at(&hdr, 16)?;
    let sizeofcmds = u32_at(&hdr, 20)?;
    if ncmds > MAX_LOAD_COMMANDS || sizeofcmds > MAX_CMDS_SIZE {
        return Err(format!(
            "{ncmds} load commands in {sizeofcmds} bytes (limits {MAX_LOAD_COMMANDS}, {MAX_CMDS_SIZE})"
        ));
    }
    if header_len + u64::from(sizeofcmds) > size {
        return Err(format!("load commands ({sizeofcmds} bytes) run past the {size}-byte image"));
    }
    let cmds = read_exact(file, base + header_len, sizeofcmds as usize, "load commands")?;
    let mut pos = 0usize;
    let mut sig_cmd: Option<(u32, u32)> = None;
    // Where the last segment's file bytes end: a file shorter than that was cut.
    let mut segments_end = 0u64;
    for i in 0..ncmds {
        let cmd = u32_at(&cmds, pos).map_err(|_| format!("load command {i} runs past the load-command area"))?;
        let cmdsize =
            u32_at(&cmds, pos + 4).map_err(|_| format!("load command {i} runs past the load-command area"))?;
        let cmdsize = cmdsize as usize;
        if cmdsize < 8 || pos.checked_add(cmdsize).is_none_or(|e| e > cmds.len()) {
            return Err(format!("load command {i} has size {cmdsize} at {pos} of {}", cmds.len()));
        }
        if cmd == LC_CODE_SIGNATURE {
            if cmdsize < 16 {
                return Err("LC_CODE_SIGNATURE too short".into());
            }
            if sig_cmd.is_some() {
                return Err("two LC_CODE_SIGNATURE commands".into());
            }
            sig_cmd = Some((u32_at(&cmds, pos + 8)?, u32_at(&cmds, pos + 12)?));
        } else if cmd == LC_SEGMENT_64 && cmdsize >= 72 {
            let u64_at = |at: usize| -> Result<u64, String> {
                let (lo, hi) = (u64::from(u32_at(&cmds, at)?), u64::from(u32_at(&cmds, at + 4)?));
                Ok(if le { lo | hi << 32 } else { hi | lo << 32 })
            };
            let end = u64_at(pos + 40)?.saturating_add(u64_at(pos + 48)?);
            segments_end = segments_end.max(end);
        } else if cmd == LC_SEGMENT && cmdsize >= 56 {
            let end = u64::from(u32_at(&cmds, pos + 32)?) + u64::from(u32_at(&cmds, pos + 36)?);
            segments_end = segments_end.max(end);
        }
        pos += cmdsize;
    }
    if segments_end > size {
        return Err(format!("segments end at {segments_end}, past the {size}-byte image (truncated)"));
    }
    let signature = match sig_cmd {
        None => None,
        Some((dataoff, datasize)) => {
            if datasize > MAX_SIGNATURE {
                return Err(format!("code signature of {datasize} bytes (at most {MAX_SIGNATURE} read)"));
            }
            let end = u64::from(dataoff) + u64::from(datasize);
            if end > size {
                return Err(format!("code signature [{dataoff}, {end}) runs past the {size}-byte image"));
            }
            let blob = read_exact(file, base + u64::from(dataoff), datasize as usize, "code signature")?;
            let embedded = codesign::parse_superblob(&blob).map_err(|e| format!("code signature: {e}"))?;
            let cms = embedded.cms.as_deref().map(cms::parse_signed_data);
            let pages_ok = if verify {
                embedded
                    .directories
                    .iter()
                    .try_fold(Some(true), |acc, cd| {
                        Ok::<_, String>(match codesign::verify_pages(cd, file, base, size) {
                            Some(false) => return Err(String::new()),
                            Some(true) => acc,
                            None => None,
                        })
                    })
                    .unwrap_or(Some(false))
            } else {
                None
            };
            Some(Signature { embedded, cms, pages_ok })
        }
    };
    Ok(Slice { offset: base, size, cputype, cpusubtype, filetype, signature })
}

/// The architecture's usual name (`x86_64`, `arm64`, …), or the numbers.
pub fn arch_name(cputype: u32, cpusubtype: u32) -> String {
    match (cputype, cpusubtype & 0x00ff_ffff) {
        (7, _) => "i386".into(),
        (0x0100_0007, 8) => "x86_64h".into(),
        (0x0100_0007, _) => "x86_64".into(),
        (0x0100_000c, 2) => "arm64e".into(),
        (0x0100_000c, _) => "arm64".into(),
        (0x0200_000c, _) => "arm64_32".into(),
        (12, _) => "arm".into(),
        (18, _) => "ppc".into(),
        (0x0100_0012, _) => "ppc64".into(),
        (t, s) => format!("cpu{t:#x}/{s:#x}"),
    }
}

fn filetype_name(t: u32) -> String {
    match t {
        1 => "object".into(),
        2 => "execute".into(),
        6 => "dylib".into(),
        7 => "dylinker".into(),
        8 => "bundle".into(),
        9 => "dylib-stub".into(),
        10 => "dsym".into(),
        11 => "kext".into(),
        t => format!("{t:#x}"),
    }
}

/// Adds the signatures of `slices` to `a`: each signed slice's signer, the signing identifiers
/// and the architectures. Returns `None` when no slice carries a certificate or a Team ID.
pub fn add_signatures(mut a: Artifact, slices: &[Slice]) -> Option<Artifact> {
    let signed: Vec<&Signature> = slices.iter().filter_map(|s| s.signature.as_ref()).collect();
    let claims_team = |s: &Signature| s.embedded.best().is_some_and(|cd| cd.team_id.is_some());
    if !signed.iter().any(|s| s.has_certificate() || claims_team(s)) {
        return None;
    }
    for s in &slices.iter().collect::<Vec<_>>() {
        a = a.field("macho.arch", arch_name(s.cputype, s.cpusubtype), Role::Other);
        a = a.field("macho.filetype", filetype_name(s.filetype), Role::Other);
    }
    for sig in &signed {
        let signer = sig.signer();
        let id = signer.signing_id.clone().unwrap_or_default();
        // Like the Team ID itself, the signing id is evidence only while the signature holds.
        let vouched = signer.team_id.is_some() && signer.digest_ok != Some(false);
        let role = if vouched { Role::Identifier(IdKind::BundleId) } else { Role::Other };
        a = a.field("macho.signing_id", id, role);
        if signer.team_id.is_none()
            && let Some(claimed) = sig.embedded.best().and_then(|cd| cd.team_id.clone())
        {
            // A Team ID in an ad-hoc signature: claimed, not signed.
            a = a.field("macho.unsigned_team_id", claimed, Role::Other);
        }
        if let Some(Err(e)) = &sig.cms {
            a = a.field("macho.signature_error", e.clone(), Role::Other);
        }
        let dup = a.signer.as_deref() == Some(&signer) || a.other_signers.contains(&signer);
        if !dup {
            a = a.signer(signer);
        }
    }
    // A universal binary repeats most fields per slice; keep each (field, value, role) once.
    let mut seen = Vec::new();
    a.fields.retain(|f| {
        let key = (f.field.clone(), f.value.clone(), f.role);
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    Some(a)
}

/// The artifact of a Mach-O file, or `None` when nothing in it names a maker.
pub fn artifact(slices: &[Slice], name: &str, path: &str, target: &str) -> Option<Artifact> {
    add_signatures(Artifact::new(ArtifactKind::Executable, name, path, target), slices)
}

#[cfg(test)]
mod tests {
    use super::codesign::tests::{code_directory, superblob};
    use super::*;
    use crate::files::Bytes;

    /// A 64-bit little-endian arm64 Mach-O executable of one page, ad-hoc signed over it when
    /// `sign` (a SHA-256 CodeDirectory, optionally with a Team ID).
    fn thin(team: Option<&str>, sign: bool) -> Vec<u8> {
        let mut f = vec![0u8; 0x1000];
        f[0..4].copy_from_slice(&MH_MAGIC_64.to_le_bytes());
        f[4..8].copy_from_slice(&0x0100_000cu32.to_le_bytes());
        f[12..16].copy_from_slice(&2u32.to_le_bytes());
        if !sign {
            return f;
        }
        f[16..20].copy_from_slice(&1u32.to_le_bytes());
        f[20..24].copy_from_slice(&16u32.to_le_bytes());
        f[32..36].copy_from_slice(&LC_CODE_SIGNATURE.to_le_bytes());
        f[36..40].copy_from_slice(&16u32.to_le_bytes());
        f[40..44].copy_from_slice(&0x1000u32.to_le_bytes());
        // The directory's size does not depend on the code's bytes: size it, then hash the
        // final page (which holds the signature's size).
        let probe = superblob(&[(0, code_directory(&f, "com.example.tool", team, false, &[]))]);
        f[44..48].copy_from_slice(&(probe.len() as u32).to_le_bytes());
        let sb = superblob(&[(0, code_directory(&f, "com.example.tool", team, false, &[]))]);
        assert_eq!(sb.len(), probe.len());
        f.extend_from_slice(&sb);
        f
    }

    #[test]
    fn sniffs_thin_and_fat_but_not_java() {
        assert!(sniff(&[0xcf, 0xfa, 0xed, 0xfe, 0, 0, 0, 0]));
        assert!(sniff(&[0xfe, 0xed, 0xfa, 0xce]));
        assert!(sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]));
        assert!(!sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34]), "a Java class file");
        assert!(!sniff(&[0xca, 0xfe]));
    }

    #[test]
    fn adhoc_signature_with_team_is_claimed_not_signed() {
        let f = thin(Some("2Y8XE5CQ94"), true);
        let slices = read(&Bytes(&f), true).expect("read");
        let sig = slices[0].signature.as_ref().expect("signature");
        assert_eq!(sig.pages_ok, Some(true));
        assert_eq!(sig.digest_ok(), Some(true));
        assert_eq!(sig.team_id(), None, "no certificate vouches for it");
        let a = artifact(&slices, "tool", "/tool", "t").expect("artifact");
        assert!(a.fields.iter().any(|f| f.field == "macho.unsigned_team_id" && f.role == Role::Other));
        assert!(a.fields.iter().any(|f| f.field == "macho.signing_id" && f.role == Role::Other));
        assert!(!a.fields.iter().any(|f| matches!(f.role, Role::Identifier(_))));
        let s = a.signer.expect("signer");
        assert_eq!(s.signing_id.as_deref(), Some("com.example.tool"));
        assert_eq!(s.team_id, None);

        // Ad-hoc without a Team ID, and unsigned: no artifact.
        let f = thin(None, true);
        assert!(artifact(&read(&Bytes(&f), true).expect("read"), "t", "/t", "t").is_none());
        let f = thin(None, false);
        let slices = read(&Bytes(&f), true).expect("read");
        assert!(slices[0].signature.is_none());
        assert!(artifact(&slices, "t", "/t", "t").is_none());
    }

    #[test]
    fn broken_headers_are_errors_never_panics() {
        let f = thin(Some("ABCDE12345"), true);
        for n in 0..f.len() {
            let _ = read(&Bytes(&f[..n]), true);
        }
        assert!(read(&Bytes(&f[..f.len() - 1]), true).is_err());
        let mut bad = f.clone();
        bad[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&Bytes(&bad), true).is_err());
        let mut bad = f.clone();
        bad[36..40].copy_from_slice(&4u32.to_le_bytes()); // cmdsize < 8
        assert!(read(&Bytes(&bad), true).is_err());
        let mut bad = f.clone();
        bad[40..44].copy_from_slice(&u32::MAX.to_le_bytes()); // dataoff
        assert!(read(&Bytes(&bad), true).is_err());
        // Tampered code: the page hash no longer matches.
        let mut bad = f.clone();
        bad[0x800] ^= 0xff;
        let slices = read(&Bytes(&bad), true).expect("read");
        assert_eq!(slices[0].signature.as_ref().and_then(Signature::digest_ok), Some(false));
        // A fat header whose slice lies outside the file, or repeats.
        let mut fat = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2];
        for _ in 0..2 {
            for v in [0x0100_000cu32, 0, 0x1000, f.len() as u32, 12] {
                fat.extend_from_slice(&v.to_be_bytes());
            }
        }
        fat.resize(0x1000, 0);
        fat.extend_from_slice(&f);
        assert!(read(&Bytes(&fat), true).expect_err("repeat").contains("repeats"));
        fat[7] = 1;
        let slices = read(&Bytes(&fat), true).expect("one slice");
        assert_eq!(slices.len(), 1);
        assert_eq!(slices[0].signature.as_ref().and_then(Signature::digest_ok), Some(true));
        assert_eq!(arch_name(slices[0].cputype, slices[0].cpusubtype), "arm64");
        fat[20..24].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(read(&Bytes(&fat), true).is_err());
    }
}
