//! tar: ustar, GNU (long names) and pax headers, read forward from a file or a decompressing
//! stream.
//!
//! Owns the member walk only: each regular member is handed to a visitor with a reader bounded
//! to its data; what the visitor does not read is skipped (by seeking when the tar is a file on
//! disk, by reading when it is a compressed stream). Links, devices, FIFOs and directories are
//! passed over. It never writes anything and never follows a member's path anywhere.

use super::stream::{ViewReader, discard, fill, read_capped};
use std::io::{self, Read};

pub(crate) const BLOCK: usize = 512;
/// Longest GNU long name (`L`) read.
const MAX_LONG_NAME: u64 = 64 * 1024;
/// Largest pax extended header (`x`) read.
const MAX_PAX: u64 = 1 << 20;

/// Whether a 512-byte block is a ustar or GNU tar header with a valid checksum.
pub(crate) fn is_header(block: &[u8]) -> bool {
    let Some(b) = block.get(..BLOCK) else { return false };
    let magic = b.get(257..262) == Some(b"ustar");
    magic && checksum_ok(b)
}

/// Bytes of a header that [`may_be_header`] needs: up to the end of the checksum field.
pub(crate) const CHECKSUM_END: usize = 156;

/// Whether a block's first [`CHECKSUM_END`] bytes can start a header: its checksum field holds an
/// octal number that a real header's could be (never 0: the eight spaces alone add 256). Text
/// almost never does, so a gzipped man page is told apart after 156 decoded bytes, not 512.
pub(crate) fn may_be_header(prefix: &[u8]) -> bool {
    prefix.get(148..CHECKSUM_END).and_then(octal).is_some_and(|v| v >= 256)
}

fn checksum_ok(b: &[u8]) -> bool {
    let Some(stored) = b.get(148..156).and_then(octal) else { return false };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &x) in b.iter().enumerate().take(BLOCK) {
        let x = if (148..156).contains(&i) { b' ' } else { x };
        unsigned += u64::from(x);
        signed += i64::from(x as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// An octal field (NUL- or space-terminated, leading spaces allowed).
fn octal(field: &[u8]) -> Option<u64> {
    let s: Vec<u8> = field.iter().copied().skip_while(|c| *c == b' ').take_while(|c| *c != 0 && *c != b' ').collect();
    if s.is_empty() {
        return Some(0);
    }
    let mut v: u64 = 0;
    for c in s {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// A size field: octal, or GNU base-256 when the high bit of the first byte is set.
fn size_field(field: &[u8]) -> Option<u64> {
    match field.first() {
        Some(f) if f & 0x80 != 0 => {
            let mut v: u64 = u64::from(f & 0x7f);
            for &c in field.get(1..)? {
                v = v.checked_mul(256)?.checked_add(u64::from(c))?;
            }
            Some(v)
        }
        _ => octal(field),
    }
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or(&[])).into_owned()
}

/// One regular member.
#[derive(Debug)]
pub(crate) struct Member {
    /// The path as written in the archive, with any leading `./` or `/` dropped.
    pub name: String,
    pub size: u64,
}

/// Where a tar's bytes come from.
pub(crate) enum Source<'a> {
    /// A tar file read in place: members are skipped without being read.
    View(ViewReader<'a>),
    /// A decompressing stream: members are skipped by reading past them.
    Stream(Box<dyn Read + 'a>),
}

impl Source<'_> {
    fn reader(&mut self) -> &mut dyn Read {
        match self {
            Self::View(v) => v,
            Self::Stream(s) => s,
        }
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        match self {
            Self::View(v) => {
                if v.remaining() < n {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "member data cut short"));
                }
                v.skip(n);
                Ok(())
            }
            Self::Stream(s) => discard(s, n),
        }
    }
}

/// What a visitor wants next.
pub(crate) enum Next {
    Continue,
    Stop,
}

fn pad(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

/// What kind of entry a tar header describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    /// A symbolic link and its target, as written.
    Symlink(String),
    /// A hard link and the archive path of the file it names, as written.
    Hardlink(String),
    /// Devices, FIFOs, GNU volume and sparse headers: nothing to read.
    Other,
}

/// One entry of any kind, with the path exactly as written (for callers that must refuse
/// absolute paths and `..`, which [`Member::name`] has already trimmed), and where its data
/// starts in the (uncompressed) tar stream.
#[derive(Debug)]
pub(crate) struct Entry {
    pub raw_name: String,
    pub kind: Kind,
    pub size: u64,
    pub data_at: u64,
}

/// Walks the members of a tar, calling `visit` for each regular one with a reader bounded to
/// its data. At most `max_entries` headers are read: more is an error. An error from `visit`
/// (a broken stream, a refused bomb) ends the walk with that error.
pub(crate) fn for_each(
    src: &mut Source<'_>,
    max_entries: usize,
    mut visit: impl FnMut(&Member, &mut dyn Read) -> Result<Next, String>,
) -> Result<(), String> {
    for_each_entry(src, max_entries, |e, r| {
        if e.kind != Kind::File {
            return Ok(Next::Continue);
        }
        let name = e.raw_name.trim_start_matches("./").trim_start_matches('/').to_string();
        visit(&Member { name, size: e.size }, r)
    })
}

/// Walks every entry of a tar (files, directories, links), calling `visit` with a reader
/// bounded to the entry's data (empty for all but regular files). What `visit` does not read is
/// skipped. At most `max_entries` headers are read: more is an error.
pub(crate) fn for_each_entry(
    src: &mut Source<'_>,
    max_entries: usize,
    mut visit: impl FnMut(&Entry, &mut dyn Read) -> Result<Next, String>,
) -> Result<(), String> {
    let mut pos: u64 = 0;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut pax = Pax::default();
    let mut entries = 0usize;
    let io = |what: &str, at: u64, e: io::Error| format!("{what} at byte {at}: {e}");
    loop {
        let mut block = [0u8; BLOCK];
        let got = fill(src.reader(), &mut block).map_err(|e| io("tar header", pos, e))?;
        if got == 0 {
            // No end-of-archive blocks: tolerated, as GNU tar does.
            return Ok(());
        }
        if got < BLOCK {
            return Err(format!("truncated: tar header at byte {pos} has {got} of {BLOCK} bytes"));
        }
        if block.iter().all(|b| *b == 0) {
            return Ok(());
        }
        if !checksum_ok(&block) {
            return Err(format!("invalid tar header at byte {pos}: checksum does not match"));
        }
        entries += 1;
        if entries > max_entries {
            return Err(format!("more than {max_entries} entries: refused"));
        }
        let size = match pax.size.take() {
            Some(s) => s,
            None => size_field(block.get(124..136).unwrap_or(&[]))
                .ok_or_else(|| format!("invalid tar header at byte {pos}: size field is not a number"))?,
        };
        let data_at = pos + BLOCK as u64;
        let kind = block.get(156).copied().unwrap_or(0);
        let end = data_at.checked_add(size).and_then(|e| e.checked_add(pad(size)));
        let end = end.ok_or_else(|| format!("invalid tar header at byte {pos}: size {size} overflows"))?;
        match kind {
            b'L' | b'K' | b'x' => {
                let cap = if kind == b'x' { MAX_PAX } else { MAX_LONG_NAME };
                let mut r = src.reader().take(size);
                let data =
                    read_capped(&mut r, cap, "extended header").map_err(|e| io("tar extended header", data_at, e))?;
                if (data.len() as u64) < size {
                    return Err(format!("truncated: tar extended header at byte {data_at}"));
                }
                src.skip(pad(size)).map_err(|e| io("tar padding", data_at, e))?;
                match kind {
                    b'L' => long_name = Some(cstr(&data)),
                    b'K' => long_link = Some(cstr(&data)),
                    _ => {
                        let p = parse_pax(&data);
                        pax.path = p.path.or(pax.path);
                        pax.link = p.link.or(pax.link);
                        pax.size = p.size;
                    }
                }
            }
            // A pax global header applies to the archive, not to an entry.
            b'g' => {
                src.skip(size.saturating_add(pad(size))).map_err(|e| io("tar entry", data_at, e))?;
            }
            _ => {
                let raw = if block.get(257..263) == Some(b"ustar\0") {
                    let prefix = cstr(block.get(345..500).unwrap_or(&[]));
                    let name = cstr(block.get(..100).unwrap_or(&[]));
                    if prefix.is_empty() { name } else { format!("{prefix}/{name}") }
                } else {
                    cstr(block.get(..100).unwrap_or(&[]))
                };
                let raw_name = pax.path.take().or(long_name.take()).unwrap_or(raw);
                let link =
                    pax.link.take().or(long_link.take()).unwrap_or_else(|| cstr(block.get(157..257).unwrap_or(&[])));
                let kind = match kind {
                    b'0' | 0 | b'7' => Kind::File,
                    b'5' => Kind::Dir,
                    b'2' => Kind::Symlink(link),
                    b'1' => Kind::Hardlink(link),
                    _ => Kind::Other,
                };
                // Only a regular file's data is handed over; others' bytes (if any) are skipped.
                let readable = if kind == Kind::File { size } else { 0 };
                let entry = Entry { raw_name, kind, size, data_at };
                let mut r = src.reader().take(readable);
                let next = visit(&entry, &mut r)?;
                let left = r.limit() + (size - readable);
                if let Next::Stop = next {
                    return Ok(());
                }
                src.skip(left.saturating_add(pad(size))).map_err(|e| io("tar member", data_at, e))?;
            }
        }
        pos = end;
    }
}

/// The pax records delist reads.
#[derive(Debug, Default)]
struct Pax {
    path: Option<String>,
    link: Option<String>,
    size: Option<u64>,
}

/// `path`, `linkpath` and `size` from pax records (`LEN key=value\n`).
fn parse_pax(data: &[u8]) -> Pax {
    let mut path = None;
    let mut link = None;
    let mut size = None;
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|c| *c == b' ') else { break };
        let Some(len) = std::str::from_utf8(rest.get(..sp).unwrap_or(&[])).ok().and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        let Some(record) = rest.get(sp + 1..len) else { break };
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|c| *c == b'=') {
            let (k, v) = (record.get(..eq).unwrap_or(&[]), record.get(eq + 1..).unwrap_or(&[]));
            match k {
                b"path" => path = Some(String::from_utf8_lossy(v).into_owned()),
                b"linkpath" => link = Some(String::from_utf8_lossy(v).into_owned()),
                b"size" => size = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
                _ => {}
            }
        }
        rest = rest.get(len..).unwrap_or(&[]);
    }
    Pax { path, link, size }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::BLOCK;

    /// A minimal ustar header for a regular file.
    pub(crate) fn header(name: &str, size: u64) -> [u8; BLOCK] {
        let mut b = [0u8; BLOCK];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        b[156] = b'0';
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|x| u64::from(*x)).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::header;
    use super::*;
    use crate::files::Bytes;

    fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in members {
            out.extend_from_slice(&header(name, data.len() as u64));
            out.extend_from_slice(data);
            out.resize(out.len() + pad(data.len() as u64) as usize, 0);
        }
        out.resize(out.len() + 2 * BLOCK, 0);
        out
    }

    fn names(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let f = Bytes(data);
        let mut src = Source::View(ViewReader::new(&f, 0, f.0.len() as u64));
        let mut out = Vec::new();
        for_each(&mut src, 10, |m, r| {
            let mut d = Vec::new();
            r.read_to_end(&mut d).map_err(|e| e.to_string())?;
            out.push((m.name.clone(), d));
            Ok(Next::Continue)
        })?;
        Ok(out)
    }

    #[test]
    fn members_in_order() {
        let t = tar(&[("./a", b"hello"), ("b/c", &[7u8; 600])]);
        assert!(is_header(&t));
        let n = names(&t).expect("tar");
        assert_eq!(n.len(), 2);
        assert_eq!(n[0], ("a".to_string(), b"hello".to_vec()));
        assert_eq!(n[1].1.len(), 600);
    }

    #[test]
    fn broken_tars_are_errors_not_panics() {
        let t = tar(&[("a", b"hello"), ("b", &[1u8; 1000])]);
        for len in 0..t.len() {
            let _ = names(&t[..len]);
        }
        assert!(names(&t[..700]).is_err(), "a cut header");
        let mut bad = t.clone();
        bad[0] ^= 1;
        assert!(names(&bad).expect_err("checksum").contains("checksum"));
        let many: Vec<(&str, &[u8])> = (0..11).map(|_| ("x", &b""[..])).collect();
        assert!(names(&tar(&many)).expect_err("cap").contains("more than 10"));
    }

    #[test]
    fn pax_records() {
        let p = parse_pax(b"20 path=long/name/x\n11 size=42\n");
        assert_eq!(p.path.as_deref(), Some("long/name/x"));
        assert_eq!(p.size, Some(42));
        let _ = parse_pax(b"999999999999999999999 x=y\n");
        let _ = parse_pax(b"3 \n");
    }
}
