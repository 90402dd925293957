//! elf: ELF executables and shared objects (32- and 64-bit, either byte order), identified only
//! by what the file itself carries: the `.note.package` note of systemd's package-metadata spec
//! (owner `FDO`, type `0xcafe1a7e`, a JSON object naming the package: `type`, `name`,
//! `version`, `os`, …), which Fedora and others stamp into every binary they build.
//!
//! An ELF without that note gives no artifact: every binary on a disk is not an inventory entry,
//! and nothing is guessed from strings, symbols or file names. The note is found through the
//! section headers (note sections) or, when those are stripped, the program headers
//! (`PT_NOTE` segments); headers and notes are read with positioned reads, a bounded number of
//! each, a bounded number of bytes each. It never maps, loads or executes the file.

use super::{FileFormat, FileView, Place};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

/// Section or program headers looked at.
const MAX_HEADERS: u64 = 4096;
/// The largest section or program header entry accepted.
const MAX_HEADER_SIZE: u64 = 256;
/// Note sections or segments read.
const MAX_NOTE_AREAS: usize = 64;
/// The largest note section or segment read.
const MAX_NOTE_AREA: u64 = 64 * 1024;
/// Notes looked at in one area.
const MAX_NOTES: usize = 256;

const SHT_NOTE: u32 = 7;
const PT_NOTE: u32 = 4;
const NOTE_OWNER: &[u8] = b"FDO";
const NOTE_TYPE: u32 = 0xcafe_1a7e;

pub struct Elf;

/// How to read this ELF's integers.
#[derive(Clone, Copy)]
struct Layout {
    wide: bool,
    big: bool,
}

impl Layout {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let a: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big { u16::from_be_bytes(a) } else { u16::from_le_bytes(a) })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let a: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big { u32::from_be_bytes(a) } else { u32::from_le_bytes(a) })
    }

    fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        let a: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.big { u64::from_be_bytes(a) } else { u64::from_le_bytes(a) })
    }

    /// An address-sized field: 8 bytes in ELF64, 4 in ELF32.
    fn word(self, b: &[u8], at: usize) -> Option<u64> {
        if self.wide { self.u64(b, at) } else { self.u32(b, at).map(u64::from) }
    }
}

fn layout(head: &[u8]) -> Option<Layout> {
    if !head.starts_with(b"\x7fELF") {
        return None;
    }
    let wide = match head.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big = match head.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    Some(Layout { wide, big })
}

impl FileFormat for Elf {
    fn id(&self) -> &'static str {
        "elf"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        layout(head).is_some()
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let Some(json) = package_note(file)? else { return Ok(Vec::new()) };
        Ok(artifact(&json, place).into_iter().collect())
    }
}

/// A table of headers: where, how many, how large each.
struct Table {
    off: u64,
    count: u64,
    size: u64,
}

fn read(file: &dyn FileView, at: u64, len: u64, what: &str) -> Result<Vec<u8>, String> {
    let n = usize::try_from(len).map_err(|_| format!("{what} too large"))?;
    let b = file.read_at(at, n).map_err(|e| format!("cannot read {what}: {e}"))?;
    if b.len() < n {
        return Err(format!("truncated: {what} at byte {at} needs {len} bytes, the file ends first"));
    }
    Ok(b)
}

fn table(file: &dyn FileView, t: &Table, min_size: u64, what: &str) -> Result<Vec<u8>, String> {
    if t.count == 0 || t.off == 0 {
        return Ok(Vec::new());
    }
    // Real entries are 32 to 64 bytes; a larger size would only make the table read huge.
    if t.size < min_size || t.size > MAX_HEADER_SIZE {
        return Err(format!("{what} entries of {} bytes, expected {min_size} to {MAX_HEADER_SIZE}", t.size));
    }
    let count = t.count.min(MAX_HEADERS);
    read(file, t.off, count * t.size, what)
}

/// The JSON text of the `FDO` package note, if the file has one.
fn package_note(file: &dyn FileView) -> Result<Option<String>, String> {
    let ident = read(file, 0, 16, "ELF identification")?;
    let l = layout(&ident).ok_or("not an ELF file")?;
    let eh = read(file, 0, if l.wide { 64 } else { 52 }, "ELF header")?;
    let at = |wide: usize, narrow: usize| if l.wide { wide } else { narrow };
    let field = |o: usize| l.word(&eh, o).ok_or("truncated ELF header");
    let half = |o: usize| l.u16(&eh, o).map(u64::from).ok_or("truncated ELF header");
    let phdrs = Table { off: field(at(32, 28))?, count: half(at(56, 44))?, size: half(at(54, 42))? };
    let mut shdrs = Table { off: field(at(40, 32))?, count: half(at(60, 48))?, size: half(at(58, 46))? };

    // Note areas: (offset, size, alignment).
    let mut areas: Vec<(u64, u64, u64)> = Vec::new();
    let sh_min = if l.wide { 64 } else { 40 };
    if shdrs.off != 0 && shdrs.count == 0 {
        // More than 0xff00 sections: the count is in the first section header's size field.
        let first = read(file, shdrs.off, sh_min, "section header")?;
        shdrs.count = l.word(&first, at(32, 20)).unwrap_or(0);
    }
    let sh = table(file, &shdrs, sh_min, "section headers")?;
    let sh_size = usize::try_from(shdrs.size).map_err(|_| "section header size too large")?;
    for s in sh.chunks_exact(sh_size.max(1)).take(MAX_HEADERS as usize) {
        if l.u32(s, 4) == Some(SHT_NOTE) {
            let off = l.word(s, at(24, 16)).ok_or("truncated section header")?;
            let size = l.word(s, at(32, 20)).ok_or("truncated section header")?;
            let align = l.word(s, at(48, 32)).ok_or("truncated section header")?;
            areas.push((off, size, align));
        }
    }
    if areas.is_empty() {
        let ph_min = if l.wide { 56 } else { 32 };
        let ph = table(file, &phdrs, ph_min, "program headers")?;
        let ph_size = usize::try_from(phdrs.size).map_err(|_| "program header size too large")?;
        for p in ph.chunks_exact(ph_size.max(1)).take(MAX_HEADERS as usize) {
            if l.u32(p, 0) == Some(PT_NOTE) {
                let off = l.word(p, at(8, 4)).ok_or("truncated program header")?;
                let size = l.word(p, at(32, 16)).ok_or("truncated program header")?;
                let align = l.word(p, at(48, 28)).ok_or("truncated program header")?;
                areas.push((off, size, align));
            }
        }
    }
    for &(off, size, align) in areas.iter().take(MAX_NOTE_AREAS) {
        if size == 0 || size > MAX_NOTE_AREA {
            continue;
        }
        let data = read(file, off, size, "note")?;
        if let Some(json) = find_note(l, &data, if align == 8 { 8 } else { 4 }) {
            return Ok(Some(json));
        }
    }
    Ok(None)
}

fn align_up(n: usize, a: usize) -> Option<usize> {
    n.checked_add(a - 1).map(|x| x / a * a)
}

/// The descriptor of the `FDO`/`0xcafe1a7e` note in a note area, as text up to its NUL.
fn find_note(l: Layout, data: &[u8], align: usize) -> Option<String> {
    let mut at = 0usize;
    for _ in 0..MAX_NOTES {
        let namesz = usize::try_from(l.u32(data, at)?).ok()?;
        let descsz = usize::try_from(l.u32(data, at + 4)?).ok()?;
        let kind = l.u32(data, at + 8)?;
        let name_at = at + 12;
        let desc_at = align_up(name_at.checked_add(namesz)?, align)?;
        let next = align_up(desc_at.checked_add(descsz)?, align)?;
        let name = data.get(name_at..name_at + namesz)?;
        let name = name.strip_suffix(&[0]).unwrap_or(name);
        if kind == NOTE_TYPE && name == NOTE_OWNER {
            let desc = data.get(desc_at..desc_at + descsz)?;
            let end = desc.iter().position(|b| *b == 0).unwrap_or(desc.len());
            return Some(String::from_utf8_lossy(desc.get(..end)?).into_owned());
        }
        if next <= at || next >= data.len() {
            return None;
        }
        at = next;
    }
    None
}

/// The artifact a package note describes. `None` when the note is not a JSON object with a
/// package name.
fn artifact(json: &str, place: Place<'_>) -> Option<Artifact> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let obj = v.as_object()?;
    let s = |k: &str| obj.get(k).and_then(|x| x.as_str()).map(str::trim).filter(|x| !x.is_empty());
    let name = s("name")?;
    let file_name = place.path.rsplit(['/', '!']).next().filter(|n| !n.is_empty()).unwrap_or(name);
    let mut a = Artifact::new(ArtifactKind::Executable, file_name, place.path, place.target)
        .version(s("version").unwrap_or(""));
    match s("type") {
        Some(ty) if ty.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') => {
            let purl = format!("pkg:{}/{name}", ty.to_ascii_lowercase());
            a = a.field("elf.package", &purl, Role::Identifier(IdKind::Package)).id(purl);
        }
        _ => a = a.field("elf.package", name, Role::Other),
    }
    for (field, key) in [
        ("elf.package.type", "type"),
        ("elf.package.name", "name"),
        ("elf.package.os", "os"),
        ("elf.package.os_version", "osVersion"),
        ("elf.package.os_cpe", "osCpe"),
        ("elf.package.architecture", "architecture"),
        ("elf.package.debuginfo_url", "debugInfoUrl"),
    ] {
        if let Some(v) = s(key) {
            a = a.field(field, v, Role::Other);
        }
    }
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    fn place() -> Place<'static> {
        Place { path: "/usr/bin/tool", target: "dir:/t", depth: 0 }
    }

    /// A minimal ELF64 little-endian file with one note section holding `notes`.
    fn elf64(notes: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 64];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        let note_at = f.len() as u64;
        f.extend_from_slice(notes);
        while !f.len().is_multiple_of(8) {
            f.push(0);
        }
        let sh_at = f.len() as u64;
        f.extend_from_slice(&[0u8; 64]); // SHN_UNDEF
        let mut sh = [0u8; 64];
        sh[4..8].copy_from_slice(&SHT_NOTE.to_le_bytes());
        sh[24..32].copy_from_slice(&note_at.to_le_bytes());
        sh[32..40].copy_from_slice(&(notes.len() as u64).to_le_bytes());
        sh[48..56].copy_from_slice(&4u64.to_le_bytes());
        f.extend_from_slice(&sh);
        f[40..48].copy_from_slice(&sh_at.to_le_bytes());
        f[58..60].copy_from_slice(&64u16.to_le_bytes());
        f[60..62].copy_from_slice(&2u16.to_le_bytes());
        f
    }

    fn note(owner: &[u8], kind: u32, desc: &[u8]) -> Vec<u8> {
        let mut n = Vec::new();
        n.extend_from_slice(&((owner.len() + 1) as u32).to_le_bytes());
        n.extend_from_slice(&((desc.len() + 1) as u32).to_le_bytes());
        n.extend_from_slice(&kind.to_le_bytes());
        n.extend_from_slice(owner);
        n.push(0);
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n.extend_from_slice(desc);
        n.push(0);
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n
    }

    #[test]
    fn reads_the_package_note_after_other_notes() {
        let mut notes = note(b"GNU", 3, &[0xab; 20]);
        notes.extend(note(b"FDO", NOTE_TYPE, br#"{"type":"rpm","name":"kesl","version":"12.0-1","os":"fedora"}"#));
        let f = elf64(&notes);
        let a = Elf.inspect(&Bytes(&f), place()).expect("elf");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, ArtifactKind::Executable);
        assert_eq!(a[0].name, "tool");
        assert_eq!(a[0].version.as_deref(), Some("12.0-1"));
        assert!(a[0].fields.iter().any(|f| f.value == "pkg:rpm/kesl" && f.role == Role::Identifier(IdKind::Package)));
    }

    #[test]
    fn no_note_no_artifact() {
        let f = elf64(&note(b"GNU", 3, &[1; 20]));
        assert!(Elf.inspect(&Bytes(&f), place()).expect("elf").is_empty());
        let f = elf64(&note(b"FDO", NOTE_TYPE, b"not json"));
        assert!(Elf.inspect(&Bytes(&f), place()).expect("elf").is_empty());
    }

    #[test]
    fn broken_files_are_errors_not_panics() {
        let f = elf64(&note(b"FDO", NOTE_TYPE, br#"{"type":"deb","name":"x"}"#));
        for len in 0..f.len() {
            let _ = Elf.inspect(&Bytes(&f[..len]), place());
        }
        assert!(Elf.inspect(&Bytes(&f[..f.len() - 1]), place()).is_err());
        for i in 0..f.len() {
            for bit in [0x01, 0x80] {
                let mut b = f.clone();
                b[i] ^= bit;
                let _ = Elf.inspect(&Bytes(&b), place());
            }
        }
    }
}
