//! Per-file formats: each identifies a file's maker from its own bytes (signature first, then
//! embedded version information, then names).
//!
//! The walk (`crate::walk`) reads a file's first [`HEAD`] bytes, asks every [`FileFormat`] in
//! [`formats`] whether the magic is theirs, and hands the file to the first that says yes. A
//! format reads only the bytes it needs through [`FileView`] (bounded, positioned reads), turns
//! them into artifacts with a pure parser (fuzzed under `fuzz/`), and never executes, writes or
//! follows anything out of the file.
//!
//! Where a new format goes: a module here, one line in [`formats`].

pub mod android;
pub mod archive;
pub mod elf;
pub mod macho;
pub mod msi;
pub mod pe;
pub mod pkgfile;
pub mod plist;
pub mod xar;

use delist_core::Artifact;
use std::io;

/// How many bytes of every file are read to sniff its format.
pub const HEAD: usize = 4096;

/// How many bytes the walk reads first: every magic but a few fits (a tar header is 512 bytes);
/// those few are read again to [`HEAD`] (see [`needs_full_head`]). Most files are no format at
/// all, and copying 4 KiB of each out of the page cache was a tenth of a walk's time.
pub const FIRST: usize = 1024;

/// Whether a file whose first [`FIRST`] bytes these are must be sniffed from [`HEAD`] bytes:
/// a PE's header sits where its DOS header says, an APK is told by the names of its first zip
/// entries, and a compressed tar by the first block its first compressed bytes decode to.
pub fn needs_full_head(first: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 6] =
        [b"MZ", b"PK", b"Cr24", &[0x1f, 0x8b], &[0xfd, b'7', b'z', b'X', b'Z', 0], &[0x28, 0xb5, 0x2f, 0xfd]];
    PREFIXES.iter().any(|p| first.starts_with(p))
}

/// Bounded, positioned access to one regular file.
pub trait FileView {
    /// The file's length when it was opened.
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Up to `len` bytes from `offset` (fewer at the end of the file).
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// The whole file, or an error if it is longer than `cap`.
    fn read_all(&self, cap: u64) -> io::Result<Vec<u8>> {
        if self.len() > cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("file is {} bytes, over the {cap}-byte limit for its format", self.len()),
            ));
        }
        let len = usize::try_from(self.len()).map_err(|_| io::Error::other("file too large for memory"))?;
        self.read_at(0, len)
    }
}

/// A byte slice as a file: for tests, fuzzing and files inside archives.
pub struct Bytes<'a>(pub &'a [u8]);

impl FileView for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.0.len());
        let end = start.saturating_add(len).min(self.0.len());
        Ok(self.0[start..end].to_vec())
    }
}

/// Where the file is: its path inside the target (`/`-rooted) and the target as given.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub path: &'a str,
    pub target: &'a str,
    /// How deep inside archives this file is (0 = on disk); formats that open archives pass
    /// `depth + 1` to what they find inside and stop at [`archive::MAX_DEPTH`].
    pub depth: usize,
}

/// One file format.
pub trait FileFormat: Send + Sync {
    /// Stable name (`pe`), shown in errors and progress.
    fn id(&self) -> &'static str;
    /// Whether the first bytes (at most [`HEAD`]) are this format's magic.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Reads the file into artifacts. An error names what was expected; it is reported under
    /// `errors` and never stops the walk.
    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String>;
    /// Like [`FileFormat::inspect`], keeping problems with parts of the file (an archive's
    /// members) beside what the rest gave. Formats whose files hold other files override it.
    fn inspect_parts(&self, file: &dyn FileView, place: Place<'_>) -> Result<Inspection, String> {
        self.inspect(file, place).map(|artifacts| Inspection { artifacts, errors: Vec::new() })
    }
}

/// What one file gave: its artifacts, and the parts of it (members of an archive, by
/// `archive!member` path) that could not be read, each with its error.
#[derive(Debug, Default)]
pub struct Inspection {
    pub artifacts: Vec<Artifact>,
    pub errors: Vec<(String, String)>,
}

/// Every per-file format, in the order they are asked (the first that sniffs yes reads the file).
pub fn formats() -> Vec<Box<dyn FileFormat>> {
    vec![
        Box::new(pe::Pe),
        Box::new(elf::Elf),
        Box::new(macho::MachO),
        Box::new(xar::Xar),
        Box::new(msi::Msi),
        Box::new(pkgfile::PkgFile),
        Box::new(android::Android),
        Box::new(archive::Archive),
    ]
}

/// Sniffs and inspects one file with the first format that claims it. `None` when no format
/// claims it (most files).
pub fn inspect(
    formats: &[Box<dyn FileFormat>],
    file: &dyn FileView,
    place: Place<'_>,
) -> Option<Result<Vec<Artifact>, String>> {
    let head = match file.read_at(0, HEAD) {
        Ok(h) => h,
        Err(e) => return Some(Err(format!("cannot read: {e}"))),
    };
    let f = formats.iter().find(|f| f.sniff(&head))?;
    Some(f.inspect(file, place).map_err(|e| format!("{}: {e}", f.id())))
}

/// Like [`inspect`], with the problems of parts of the file (see [`FileFormat::inspect_parts`]):
/// what the walk calls.
pub fn inspect_parts(
    formats: &[Box<dyn FileFormat>],
    file: &dyn FileView,
    place: Place<'_>,
) -> Option<Result<Inspection, String>> {
    let head = match file.read_at(0, HEAD) {
        Ok(h) => h,
        Err(e) => return Some(Err(format!("cannot read: {e}"))),
    };
    let f = formats.iter().find(|f| f.sniff(&head))?;
    Some(f.inspect_parts(file, place).map_err(|e| format!("{}: {e}", f.id())))
}
