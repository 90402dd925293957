//! archive: zip (and .jar, .nupkg, .crx, which are zip inside), tar, and tar compressed with
//! gzip, xz or zstd — looked into recursively.
//!
//! Owns opening archives and handing each regular member to the format that claims it (by the
//! member's magic bytes, through [`crate::files::formats`]), as [`Bytes`] held in memory, with
//! `archive-path!member-path` as its path. Only a member's first bytes are unpacked to sniff it
//! (see [`SHORT_HEAD`]); the rest only if a format claims it.
//!
//! Hostile archives are bounded: nesting stops at [`MAX_DEPTH`]; each archive may hold at most
//! [`MAX_ENTRIES`] entries; a member is read whole only up to [`MAX_MEMBER`] bytes; everything
//! unpacked from one file on disk, nested archives included, counts against [`MAX_EXPANDED`]
//! bytes and [`MAX_RATIO`] times that file's size. A zip bomb (members that overlap, sizes that
//! pass those bounds) is refused with an error, never followed.
//!
//! It must never write anything to disk, follow a member's path, or execute anything.

pub mod peek;
pub(crate) mod stream;
mod tar;
mod zip;

pub(crate) use stream::{Codec, ViewReader, discard, inflate_head, read_capped, read_capped_into};
pub(crate) use tar::{
    Kind as TarKind, Next as TarNext, Source as TarSource, for_each as tar_members, for_each_entry as tar_entries,
    is_header as is_tar_header,
};

use super::{Bytes, FileFormat, FileView, HEAD, Inspection, Place};
use delist_core::Artifact;
use stream::{Meter, Pool, fill, is_refusal};

/// How deep archives are opened inside archives: a file on disk is depth 0, its members 1.
pub const MAX_DEPTH: usize = 4;
/// Entries (members, directories, links) one archive may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// The largest member read whole into memory to be inspected (one per nesting level at most).
pub const MAX_MEMBER: u64 = 128 << 20;
/// Bytes unpacked from one file on disk, nested archives included.
pub const MAX_EXPANDED: u64 = 4 << 30;
/// How many times its own size one file may expand to, once past [`RATIO_FLOOR`].
pub const MAX_RATIO: u64 = 100;
/// Below this many unpacked bytes the ratio is not checked (a small file of zeros is no bomb).
pub const RATIO_FLOOR: u64 = 64 << 20;
/// How much of a zip member is unpacked to sniff it first: every format's magic fits, except
/// those [`wants_more`] sees the start of, which are unpacked to [`HEAD`]. A jar of 50,000 classes
/// costs 50,000 small inflates, not 50,000 × [`HEAD`] bytes.
const SHORT_HEAD: usize = 128;

/// How much of a zip member is unpacked first: enough to tell a Java class file, which most
/// members of most jars are (152,135 of 174,927 in this machine's /usr).
const CLASS_HEAD: usize = 8;

/// How many members of one zip with one extension must prove by their bytes to be of one kind
/// (class files, or text no format reads) before its later members with that extension are
/// trusted by name and skipped unread.
///
/// Decoding a member's first bytes costs a dynamic Huffman header (some 2 µs); a jar holds
/// thousands of class files (`ct.sym` holds them as `.sig`), a source zip thousands of `.java`
/// files, and on `/usr` sniffing them was a third of the whole scan. A name is never trusted
/// alone: the archive's own first [`NAME_SAMPLE`] members with the extension must all have been
/// the same kind, and one that is not (a PE or a jar named `.class`) revokes the trust for that
/// extension in the whole archive. Members without an extension are never trusted (a zipped tree
/// holds scripts and executables side by side). What an archive can still hide this way is a file
/// of another format named like its class files or sources and placed after 32 honest ones: a
/// product hiding from inventory, which is not what delist hunts.
const NAME_SAMPLE: usize = 32;

/// What a member's first bytes showed, for [`NameTrust`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Class,
    Text,
    /// Anything else: a format's magic, binary data, or an unreadable head.
    Other,
}

/// What one zip's members have shown of their names, per extension (see [`NAME_SAMPLE`]).
#[derive(Default)]
struct NameTrust(Vec<(String, Option<(Seen, usize)>)>);

impl NameTrust {
    /// The extension of a member's name (`""` for none), the part the trust is keyed on.
    fn ext(name: &str) -> &str {
        let base = name.rsplit('/').next().unwrap_or(name);
        base.rsplit_once('.').map_or("", |(_, e)| e)
    }

    fn state(&self, ext: &str) -> Option<(Seen, usize)> {
        self.0.iter().find(|(e, _)| e == ext).and_then(|(_, s)| *s)
    }

    /// Whether members with this extension are proven class files or text: skipped unread.
    fn trusted(&self, ext: &str) -> bool {
        !ext.is_empty() && self.state(ext).is_some_and(|(_, n)| n >= NAME_SAMPLE)
    }

    /// Whether members with this extension are likely class files, worth a first 8-byte look.
    fn expects_class(&self, ext: &str) -> bool {
        ext == "class" || self.state(ext).is_some_and(|(k, _)| k == Seen::Class)
    }

    fn record(&mut self, ext: &str, seen: Seen) {
        if let Some((_, s)) = self.0.iter_mut().find(|(e, _)| e == ext) {
            *s = s.filter(|(k, _)| *k == seen).map(|(k, n)| (k, n + 1));
        } else if self.0.len() < 256 {
            // The first member of an extension decides the kind it must keep to; a few dozen
            // extensions live in one archive, so a list beats a map.
            self.0.push((ext.to_string(), (seen != Seen::Other).then_some((seen, 1))));
        }
    }
}

/// Whether a member's head is text: no NUL, and UTF-8 (a character cut at the end allowed).
fn is_text(head: &[u8]) -> bool {
    !head.contains(&0) && std::str::from_utf8(head).map_or_else(|e| e.error_len().is_none(), |_| true)
}

/// Whether the first bytes are a Java class file's, which no format here reads: its magic is
/// also the Mach-O universal header's, but where that header counts its architectures (at most
/// [`super::macho::MAX_FAT_ARCHS`]) a class file has its version (45 and up).
fn is_class_file(head: &[u8]) -> bool {
    head.len() >= 8
        && head.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
        && u32::from_be_bytes([head[4], head[5], head[6], head[7]]) > super::macho::MAX_FAT_ARCHS
}

/// Whether a member's first [`SHORT_HEAD`] bytes may belong to a format that sniffs further: a
/// PE (its header sits where the DOS header says), a zip (whose first names tell an APK), a
/// compressed tar (told by the block its first compressed bytes decode to), or a tar (its magic
/// is at byte 257; its mode field, octal, at byte 100).
fn wants_more(head: &[u8]) -> bool {
    super::needs_full_head(head)
        || (head.first().is_some_and(|b| *b != 0)
            && head.get(100..107).is_some_and(|m| m.iter().all(|c| matches!(c, b'0'..=b'7' | b' ' | 0))))
}

pub struct Archive;

/// What kind of archive the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    Tar,
    CompressedTar(Codec),
}

fn kind(head: &[u8]) -> Option<Kind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"Cr24") {
        return Some(Kind::Zip);
    }
    if tar::is_header(head) {
        return Some(Kind::Tar);
    }
    let codec = Codec::sniff(head)?;
    if !codec.header_ok(head) {
        return None;
    }
    match codec {
        // Deflate streams from their first bytes: only gzipped tars are claimed.
        // Most gzip files are not tars (man pages, changelogs): a first look at the checksum
        // field rules them out after a third of the block.
        Codec::Gzip => (tar::may_be_header(&inflate_head(codec, head, tar::CHECKSUM_END))
            && tar::is_header(&inflate_head(codec, head, tar::BLOCK)))
        .then_some(Kind::CompressedTar(codec)),
        // An xz or zstd block can be far larger than the head: decided when opened.
        Codec::Xz | Codec::Zstd => Some(Kind::CompressedTar(codec)),
    }
}

/// The members named in `names` (exact paths inside the zip) of at most `cap` bytes each, for
/// collectors that need a few known files from a zip (a Firefox `.xpi`'s `manifest.json`):
/// `(name, bytes)` in the order found. A zip whose directory is broken, or a named member that
/// is encrypted, compressed with another method, too large or corrupt, is an error.
pub fn zip_members(file: &dyn FileView, names: &[&str], cap: u64) -> Result<Vec<(String, Vec<u8>)>, String> {
    let dir = zip::directory(file, MAX_ENTRIES)?;
    let mut out = Vec::new();
    for e in dir.entries.iter().filter(|e| e.regular() && names.contains(&e.name.as_str())) {
        if e.encrypted() || !e.supported() {
            return Err(format!("{}: encrypted or compressed with an unsupported method", e.name));
        }
        let data = zip::read(file, e, cap).map_err(|err| format!("{}: {err}", e.name))?;
        out.push((e.name.clone(), data));
    }
    Ok(out)
}

/// Unpacking allowed for one file on disk and everything nested in it.
fn budget_for(len: u64) -> Pool {
    Pool::new(MAX_EXPANDED.min(RATIO_FLOOR.max(MAX_RATIO.saturating_mul(len))))
}

fn charge(budget: &Pool, n: u64) -> Result<(), String> {
    budget.take(n).map_err(|e| e.to_string())
}

impl FileFormat for Archive {
    fn id(&self) -> &'static str {
        "archive"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        kind(head).is_some()
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let ins = self.inspect_parts(file, place)?;
        match ins.errors.first() {
            Some((path, e)) if ins.artifacts.is_empty() => Err(format!("{path}: {e}")),
            _ => Ok(ins.artifacts),
        }
    }

    fn inspect_parts(&self, file: &dyn FileView, place: Place<'_>) -> Result<Inspection, String> {
        let formats = super::formats();
        let budget = budget_for(file.len());
        let mut out = Inspection::default();
        open(&formats, file, place, &budget, &mut out)?;
        Ok(out)
    }
}

/// Opens one archive (on disk or a member held in memory) and inspects its members into `out`.
fn open(
    formats: &[Box<dyn FileFormat>],
    file: &dyn FileView,
    place: Place<'_>,
    budget: &Pool,
    out: &mut Inspection,
) -> Result<(), String> {
    if place.depth >= MAX_DEPTH {
        return Err(format!("archive nested {} deep: not opened (the limit is {MAX_DEPTH})", place.depth));
    }
    let head = file.read_at(0, HEAD).map_err(|e| format!("cannot read: {e}"))?;
    match kind(&head) {
        Some(Kind::Zip) => open_zip(formats, file, place, budget, out),
        Some(Kind::Tar) => {
            let mut src = TarSource::View(ViewReader::new(file, 0, file.len()));
            open_tar(formats, &mut src, place, budget, out)
        }
        Some(Kind::CompressedTar(codec)) => {
            if codec != Codec::Gzip {
                let dec = codec
                    .decoder(ViewReader::new(file, 0, file.len()))
                    .map_err(|e| format!("{}: {e}", codec.name()))?;
                let mut first = [0u8; tar::BLOCK];
                let got = fill(&mut Meter::pooled(dec, budget.clone()), &mut first)
                    .map_err(|e| format!("{}: cannot decompress: {e}", codec.name()))?;
                if got < tar::BLOCK || !tar::is_header(&first) {
                    // Compressed, but not a tar: nothing inside to look at.
                    return Ok(());
                }
            }
            let raw = ViewReader::new(file, 0, file.len());
            let dec = codec.decoder(raw).map_err(|e| format!("{}: {e}", codec.name()))?;
            let mut src = TarSource::Stream(Box::new(Meter::pooled(dec, budget.clone())));
            let r = open_tar(formats, &mut src, place, budget, out);
            r.map_err(|e| if e.contains(stream::REFUSED) { e } else { format!("{}: {e}", codec.name()) })
        }
        None => Err("not a zip or tar archive".into()),
    }
}

fn member_path(place: Place<'_>, name: &str) -> String {
    format!("{}!{}", place.path, name)
}

/// Hands one member, read whole, to the format that claimed it.
fn inspect_member(
    formats: &[Box<dyn FileFormat>],
    format: &dyn FileFormat,
    data: &[u8],
    path: &str,
    place: Place<'_>,
    budget: &Pool,
    out: &mut Inspection,
) {
    let inner = Place { path, target: place.target, depth: place.depth + 1 };
    let file = Bytes(data);
    if format.id() == "archive" {
        let mut nested = Inspection::default();
        match open(formats, &file, inner, budget, &mut nested) {
            Ok(()) => {}
            Err(e) => nested.errors.push((path.to_string(), e)),
        }
        out.artifacts.append(&mut nested.artifacts);
        out.errors.append(&mut nested.errors);
        return;
    }
    match format.inspect_parts(&file, inner) {
        Ok(mut ins) => {
            out.artifacts.append(&mut ins.artifacts);
            out.errors.append(&mut ins.errors);
        }
        Err(e) => out.errors.push((path.to_string(), format!("{}: {e}", format.id()))),
    }
}

fn claim<'f>(formats: &'f [Box<dyn FileFormat>], head: &[u8]) -> Option<&'f dyn FileFormat> {
    formats.iter().find(|f| f.sniff(head)).map(|f| f.as_ref())
}

fn open_zip(
    formats: &[Box<dyn FileFormat>],
    file: &dyn FileView,
    place: Place<'_>,
    budget: &Pool,
    out: &mut Inspection,
) -> Result<(), String> {
    let dir = zip::directory(file, MAX_ENTRIES)?;
    if dir.declared > RATIO_FLOOR && dir.declared / file.len().max(1) > MAX_RATIO {
        return Err(format!(
            "members declare {} bytes unpacked from a {}-byte file (over {MAX_RATIO} times): a zip bomb, refused",
            dir.declared,
            file.len()
        ));
    }
    let (mut encrypted, mut unsupported) = (0usize, 0usize);
    let mut names = NameTrust::default();
    for e in dir.entries.iter().filter(|e| e.regular() && e.size > 0) {
        if e.encrypted() {
            encrypted += 1;
            continue;
        }
        if !e.supported() {
            unsupported += 1;
            continue;
        }
        let ext = NameTrust::ext(&e.name);
        if names.trusted(ext) {
            continue;
        }
        // A member named like a class file is first decoded to its eighth byte, which tells; any
        // other is decoded to what every format's magic needs in one go.
        let first = if names.expects_class(ext) { CLASS_HEAD } else { SHORT_HEAD };
        let mut head = zip::short_head(file, e, first);
        if head.as_ref().is_ok_and(|h| is_class_file(h)) {
            names.record(ext, Seen::Class);
            continue;
        }
        if first < SHORT_HEAD
            && let Ok(h) = &head
            && e.size > h.len() as u64
        {
            head = zip::short_head(file, e, SHORT_HEAD);
        }
        if let Ok(h) = &head
            && wants_more(h)
            && e.size > h.len() as u64
        {
            head = zip::head(file, e, HEAD);
        }
        let head = match head {
            Ok(h) => h,
            Err(err) => {
                names.record(ext, Seen::Other);
                out.errors.push((member_path(place, &e.name), err));
                continue;
            }
        };
        charge(budget, head.len() as u64)?;
        let Some(format) = claim(formats, &head) else {
            names.record(ext, if is_text(&head) { Seen::Text } else { Seen::Other });
            continue;
        };
        names.record(ext, Seen::Other);
        charge(budget, e.size.saturating_sub(head.len() as u64))?;
        let path = member_path(place, &e.name);
        match zip::read(file, e, MAX_MEMBER) {
            Ok(data) => inspect_member(formats, format, &data, &path, place, budget, out),
            Err(err) => out.errors.push((path, err)),
        }
    }
    if encrypted + unsupported > 0 {
        out.errors.push((
            place.path.to_string(),
            format!(
                "{encrypted} encrypted member(s) and {unsupported} with an unsupported compression method not read"
            ),
        ));
    }
    Ok(())
}

fn open_tar(
    formats: &[Box<dyn FileFormat>],
    src: &mut TarSource<'_>,
    place: Place<'_>,
    budget: &Pool,
    out: &mut Inspection,
) -> Result<(), String> {
    tar_members(src, MAX_ENTRIES, |m, r| {
        if m.size == 0 {
            return Ok(TarNext::Continue);
        }
        let path = member_path(place, &m.name);
        let mut head = vec![0u8; usize::try_from(m.size).unwrap_or(usize::MAX).min(HEAD)];
        let got = fill(r, &mut head).map_err(|e| refusal_or(e, &path))?;
        if got < head.len() {
            return Err(format!("{path}: truncated: member data cut short"));
        }
        let Some(format) = claim(formats, &head) else { return Ok(TarNext::Continue) };
        if m.size > MAX_MEMBER {
            out.errors.push((
                path,
                format!("member is {} bytes, over the {MAX_MEMBER}-byte limit for files inside archives", m.size),
            ));
            return Ok(TarNext::Continue);
        }
        // Declared size within the member limit: reserved once, filled by what the stream gives.
        let mut data = Vec::with_capacity(usize::try_from(m.size).unwrap_or(0));
        data.extend_from_slice(&head);
        let data = read_capped_into(r, MAX_MEMBER, "member", data).map_err(|e| refusal_or(e, &path))?;
        if (data.len() as u64) < m.size {
            return Err(format!("{path}: truncated: member data cut short"));
        }
        inspect_member(formats, format, &data, &path, place, budget, out);
        Ok(TarNext::Continue)
    })
}

fn refusal_or(e: std::io::Error, path: &str) -> String {
    if is_refusal(&e) { e.to_string() } else { format!("{path}: {e}") }
}

#[cfg(test)]
mod tests;
