//! macOS flat installer packages (`.pkg`, the xar archive format): the table of contents, its
//! signatures' certificates (`<signature>` RSA and `<x-signature>` CMS, each with its X.509
//! chain in base64), and the package identifiers of `Distribution` and `PackageInfo`.
//!
//! Owns the xar container: header, zlib-compressed TOC XML, heap. It reads the header, the TOC
//! (at most [`MAX_TOC`] bytes, compressed or not), the TOC checksum and CMS signature from the
//! heap, and `Distribution`/`PackageInfo` (at most [`MAX_MEMBER`] bytes each) — never the
//! payload. It must never trust a length from the header or TOC to size an allocation, never
//! extract or execute anything, and never call a package signed because it says so: the
//! certificates are reported as written, and `digest_ok` says only whether the TOC checksum and
//! the CMS message digest match the bytes (the payload's own checksums are not recomputed; the
//! RSA signature value is not verified).

use super::macho::cms;
use super::{FileFormat, FileView, Place};
use crate::files::plist::base64_decode;
use delist_core::{Artifact, ArtifactKind, IdKind, Role, Signer};
use quick_xml::events::Event;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use std::io::Read;

/// Largest table of contents read, compressed or expanded (real ones are a few KiB to a few
/// MiB for packages of many files).
pub const MAX_TOC: u64 = 32 << 20;
/// Largest `Distribution`/`PackageInfo` read.
pub const MAX_MEMBER: u64 = 4 << 20;
/// Most certificates read from the TOC's signature elements.
pub const MAX_CERTS: usize = 16;
/// Deepest element nesting in the TOC.
pub const MAX_XML_DEPTH: usize = 512;
/// Most `PackageInfo` members read.
pub const MAX_PACKAGES: usize = 32;

const MAGIC: &[u8; 4] = b"xar!";

/// The xar format.
pub struct Xar;

impl FileFormat for Xar {
    fn id(&self) -> &'static str {
        "xar"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        head.starts_with(MAGIC)
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let pkg = read(file)?;
        let name = place.path.rsplit('/').next().unwrap_or(place.path);
        Ok(vec![artifact(&pkg, name, place.path, place.target)])
    }
}

/// A heap reference from the TOC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeapRef {
    pub offset: u64,
    pub size: u64,
}

/// A signature element of the TOC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureElem {
    /// `signature` or `x-signature`.
    pub element: String,
    /// `RSA`, `CMS`.
    pub style: String,
    pub heap: HeapRef,
    /// DER certificates, in the order written (the signer's first).
    pub certs: Vec<Vec<u8>>,
}

/// A member file's data as the TOC describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    /// Path inside the archive (`Distribution`, `app.pkg/PackageInfo`).
    pub path: String,
    /// Where the archived bytes are (`<offset>`, and `<length>`: the archived length).
    pub heap: HeapRef,
    /// Extracted size (`<size>`).
    pub extracted: u64,
    /// `application/octet-stream`, `application/x-gzip` (zlib), `application/x-bzip2`, …
    pub encoding: String,
}

/// What the table of contents says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toc {
    pub checksum_style: String,
    pub checksum: Option<HeapRef>,
    pub signatures: Vec<SignatureElem>,
    /// `Distribution` and `PackageInfo` members (root or one directory deep).
    pub members: Vec<Member>,
    pub files: usize,
    /// Where the last heap range the TOC names ends (files, checksum, signatures).
    pub heap_end: u64,
}

/// A `PackageInfo`'s `<pkg-info>` or a `Distribution`'s product and package references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageIds {
    pub title: Option<String>,
    /// `product id` of a Distribution.
    pub product: Option<String>,
    pub version: Option<String>,
    /// `pkg-info identifier` / `pkg-ref id`.
    pub identifiers: Vec<String>,
}

/// A read package.
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub toc: Toc,
    pub ids: PackageIds,
    /// The signatures' leaf certificates as signers (CMS first).
    pub signers: Vec<Signer>,
    /// Problems that did not stop the read (an unreadable member, a bad certificate).
    pub notes: Vec<String>,
}

fn be(b: &[u8], at: usize, n: usize) -> Result<u64, String> {
    let s = b.get(at..at + n).ok_or("xar header truncated")?;
    Ok(s.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
}

/// Reads a xar package: header, TOC, signatures and identifiers.
pub fn read(file: &dyn FileView) -> Result<Package, String> {
    let hdr = file.read_at(0, 28).map_err(|e| format!("cannot read header: {e}"))?;
    if !hdr.starts_with(MAGIC) {
        return Err("not a xar archive".into());
    }
    if hdr.len() < 28 {
        return Err("xar header truncated".into());
    }
    let header_size = be(&hdr, 4, 2)?;
    let toc_compressed = be(&hdr, 8, 8)?;
    let toc_length = be(&hdr, 16, 8)?;
    if header_size < 28 {
        return Err(format!("xar header size {header_size}"));
    }
    if toc_compressed > MAX_TOC || toc_length > MAX_TOC {
        return Err(format!("TOC of {toc_compressed} bytes ({toc_length} expanded), over the {MAX_TOC}-byte limit"));
    }
    let heap_start = header_size + toc_compressed; // both bounded above: no overflow
    if heap_start > file.len() {
        return Err(format!("TOC [{header_size}, {heap_start}) runs past the {}-byte file", file.len()));
    }
    let ztoc = file.read_at(header_size, toc_compressed as usize).map_err(|e| format!("cannot read TOC: {e}"))?;
    if ztoc.len() as u64 != toc_compressed {
        return Err("TOC truncated".into());
    }
    let xml = inflate(&ztoc, MAX_TOC).map_err(|e| format!("TOC: {e}"))?;
    if xml.len() as u64 != toc_length {
        return Err(format!("TOC expands to {} bytes, header says {toc_length}", xml.len()));
    }
    let toc = parse_toc(&xml)?;
    let file_end = heap_start.checked_add(toc.heap_end).ok_or("heap size overflows")?;
    if file_end > file.len() {
        return Err(format!(
            "TOC names heap data up to byte {file_end}, past the {}-byte file (truncated)",
            file.len()
        ));
    }

    let mut pkg = Package { toc, ..Package::default() };
    let heap = |r: &HeapRef, cap: u64| -> Result<Vec<u8>, String> {
        if r.size > cap {
            return Err(format!("{} bytes, over the {cap}-byte limit", r.size));
        }
        let at = heap_start.checked_add(r.offset).ok_or("heap offset overflows")?;
        let b = file.read_at(at, r.size as usize).map_err(|e| e.to_string())?;
        if b.len() as u64 != r.size {
            return Err(format!("heap range [{}, +{}) runs past the file", r.offset, r.size));
        }
        Ok(b)
    };

    // The TOC checksum, and whether it matches the compressed TOC.
    let checksum = match &pkg.toc.checksum {
        Some(r) => Some(heap(r, 64).map_err(|e| format!("TOC checksum: {e}"))?),
        None => None,
    };
    let toc_ok = checksum.as_ref().and_then(|c| {
        let got = match pkg.toc.checksum_style.to_ascii_lowercase().as_str() {
            "sha1" => Sha1::digest(&ztoc).to_vec(),
            "sha256" => Sha256::digest(&ztoc).to_vec(),
            "sha512" => Sha512::digest(&ztoc).to_vec(),
            _ => return None,
        };
        Some(got == *c)
    });

    // Signers: the CMS signature's (it carries the chain and signed attributes), else the
    // certificates listed in each signature element.
    let mut sigs = pkg.toc.signatures.clone();
    sigs.sort_by_key(|s| s.style != "CMS");
    for s in &sigs {
        let mut signer = None;
        let mut cms_ok = None;
        if s.style == "CMS" {
            match heap(&s.heap, cms::MAX_CMS as u64).and_then(|b| cms::parse_signed_data(&b)) {
                Ok(si) => {
                    cms_ok = checksum.as_deref().and_then(|c| si.digest_matches(c));
                    signer = si.signer().map(|sg| (sg, si.leaf_cert().and_then(|c| c.org_unit.clone())));
                }
                Err(e) => pkg.notes.push(format!("{} signature: {e}", s.element)),
            }
        }
        if signer.is_none() {
            let mut infos = Vec::new();
            for der in &s.certs {
                match cms::parse_certificate(der) {
                    Ok(c) => infos.push(c),
                    Err(e) => pkg.notes.push(format!("{} certificate: {e}", s.element)),
                }
            }
            signer = cms::leaf_of(&infos).and_then(|i| infos.get(i)).map(|leaf| {
                let mut sg = cms::cert_signer(leaf);
                sg.issuer_tbs_sha256 = infos
                    .iter()
                    .find(|c| c.subject == leaf.issuer && c.sha256 != leaf.sha256)
                    .map(|c| c.tbs_sha256.clone());
                (sg, leaf.org_unit.clone())
            });
        }
        let Some((mut sg, ou)) = signer else { continue };
        sg.team_id = ou.filter(|ou| cms::is_team_id(ou));
        sg.digest_ok = match (toc_ok, cms_ok) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), _) => Some(true),
            _ => None,
        };
        if !pkg.signers.iter().any(|x| x.sha256 == sg.sha256) {
            pkg.signers.push(sg);
        }
    }

    // Identifiers from Distribution and PackageInfo.
    for m in pkg.toc.members.clone() {
        let data = match heap(&m.heap, MAX_MEMBER).and_then(|raw| decode_member(&m, raw)) {
            Ok(d) => d,
            Err(e) => {
                pkg.notes.push(format!("{}: {e}", m.path));
                continue;
            }
        };
        let is_dist = m.path == "Distribution";
        match parse_ids(&data, is_dist) {
            Ok(ids) => {
                if is_dist {
                    pkg.ids.title = ids.title.or(pkg.ids.title.take());
                    pkg.ids.product = ids.product.or(pkg.ids.product.take());
                    pkg.ids.version = ids.version.or(pkg.ids.version.take());
                } else if pkg.ids.version.is_none() {
                    pkg.ids.version = ids.version;
                }
                for id in ids.identifiers {
                    if !pkg.ids.identifiers.contains(&id) {
                        pkg.ids.identifiers.push(id);
                    }
                }
            }
            Err(e) => pkg.notes.push(format!("{}: {e}", m.path)),
        }
    }
    Ok(pkg)
}

fn inflate(data: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data).take(cap + 1).read_to_end(&mut out).map_err(|e| format!("zlib: {e}"))?;
    if out.len() as u64 > cap {
        return Err(format!("expands past {cap} bytes"));
    }
    Ok(out)
}

fn decode_member(m: &Member, raw: Vec<u8>) -> Result<Vec<u8>, String> {
    let out = match m.encoding.as_str() {
        "" | "application/octet-stream" => raw,
        "application/x-gzip" => inflate(&raw, MAX_MEMBER)?,
        other => return Err(format!("encoding {other} not read")),
    };
    if out.len() as u64 != m.extracted {
        return Err(format!("expands to {} bytes, TOC says {}", out.len(), m.extracted));
    }
    Ok(out)
}

#[derive(Default)]
struct FileFrame {
    name: String,
    data: Option<Member>,
}

/// Parses the TOC XML.
pub fn parse_toc(xml: &[u8]) -> Result<Toc, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;
    let mut toc = Toc::default();
    let mut path: Vec<String> = Vec::new();
    let mut files: Vec<FileFrame> = Vec::new();
    let mut sig: Option<SignatureElem> = None;
    let mut text = String::new();
    let mut saw_toc = false;
    loop {
        let ev = reader.read_event().map_err(|e| format!("TOC XML at byte {}: {e}", reader.error_position()))?;
        match ev {
            Event::Start(e) => {
                let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.len() >= MAX_XML_DEPTH {
                    return Err(format!("TOC nested deeper than {MAX_XML_DEPTH}"));
                }
                let style = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"style")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
                let parent = path.last().map(String::as_str);
                match (parent, tag.as_str()) {
                    (Some("xar"), "toc") => saw_toc = true,
                    (Some("toc"), "checksum") => {
                        toc.checksum_style = style;
                        toc.checksum = Some(HeapRef::default());
                    }
                    (Some("toc"), "signature" | "x-signature") => {
                        sig = Some(SignatureElem { element: tag.clone(), style, ..SignatureElem::default() });
                    }
                    (Some("toc" | "file"), "file") => {
                        toc.files += 1;
                        files.push(FileFrame::default());
                    }
                    (Some("data"), "encoding") => {
                        if let Some(m) = files.last_mut().and_then(|f| f.data.as_mut()) {
                            m.encoding = style;
                        }
                    }
                    (Some("file"), "data") => {
                        if let Some(f) = files.last_mut() {
                            f.data = Some(Member::default());
                        }
                    }
                    _ => {}
                }
                path.push(tag);
                text.clear();
            }
            // Text past 1 MiB in one element is dropped (no TOC value is that long).
            Event::Text(t) if text.len() < 1 << 20 => {
                text.push_str(&t.unescape().map_err(|e| format!("TOC XML text: {e}"))?);
            }
            Event::End(_) => {
                let tag = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or_default();
                let grand = path.len().checked_sub(2).and_then(|i| path.get(i)).map(String::as_str).unwrap_or_default();
                let value = text.trim();
                let num = || value.parse::<u64>().map_err(|_| format!("<{tag}> {value:?} is not a number"));
                match (grand, parent, tag.as_str()) {
                    ("toc", "checksum", "offset") => toc.checksum.get_or_insert_default().offset = num()?,
                    ("toc", "checksum", "size") => toc.checksum.get_or_insert_default().size = num()?,
                    ("toc", "signature" | "x-signature", "offset") => {
                        if let Some(s) = sig.as_mut() {
                            s.heap.offset = num()?;
                        }
                    }
                    ("toc", "signature" | "x-signature", "size") => {
                        if let Some(s) = sig.as_mut() {
                            s.heap.size = num()?;
                        }
                    }
                    (_, "X509Data", "X509Certificate") => {
                        if let Some(s) = sig.as_mut()
                            && s.certs.len() < MAX_CERTS
                        {
                            s.certs.push(base64_decode(value).ok_or("bad base64 in <X509Certificate>")?);
                        }
                    }
                    (_, "toc", "signature" | "x-signature") => {
                        if let Some(s) = sig.take() {
                            toc.heap_end = toc.heap_end.max(s.heap.offset.saturating_add(s.heap.size));
                            toc.signatures.push(s);
                        }
                    }
                    (_, "toc", "checksum") => {
                        if let Some(c) = &toc.checksum {
                            toc.heap_end = toc.heap_end.max(c.offset.saturating_add(c.size));
                        }
                    }
                    (_, "file", "data") => {
                        if let Some(m) = files.last().and_then(|f| f.data.as_ref()) {
                            toc.heap_end = toc.heap_end.max(m.heap.offset.saturating_add(m.heap.size));
                        }
                    }
                    ("file", "data", "offset" | "size" | "length") => {
                        if let Some(m) = files.last_mut().and_then(|f| f.data.as_mut()) {
                            let v = num()?;
                            // xar: `length` is the archived length, `size` the extracted one.
                            match tag.as_str() {
                                "offset" => m.heap.offset = v,
                                "length" => m.heap.size = v,
                                _ => m.extracted = v,
                            }
                        }
                    }
                    (_, "file", "name") => {
                        if let Some(f) = files.last_mut() {
                            f.name = value.to_string();
                        }
                    }
                    (_, _, "file") => {
                        let depth = files.len();
                        if let Some(f) = files.pop() {
                            let parents: Vec<&str> = files.iter().map(|p| p.name.as_str()).collect();
                            let full = if parents.is_empty() {
                                f.name.clone()
                            } else {
                                format!("{}/{}", parents.join("/"), f.name)
                            };
                            let wanted = (depth == 1 && (f.name == "Distribution" || f.name == "PackageInfo"))
                                || (depth == 2 && f.name == "PackageInfo");
                            let room = toc.members.len() < MAX_PACKAGES + 1;
                            if let (true, true, Some(mut m)) = (wanted, room, f.data) {
                                m.path = full;
                                toc.members.push(m);
                            }
                        }
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_toc {
        return Err("TOC has no <xar><toc>".into());
    }
    Ok(toc)
}

/// Reads a `Distribution` (`is_dist`) or `PackageInfo` XML for its identifiers.
pub fn parse_ids(xml: &[u8], is_dist: bool) -> Result<PackageIds, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;
    let mut ids = PackageIds::default();
    let mut in_title = false;
    let mut depth = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| format!("XML at byte {}: {e}", reader.error_position()))?;
        match ev {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(format!("nested deeper than {MAX_XML_DEPTH}"));
                }
                let attr = |name: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == name)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.trim().to_string()))
                        .filter(|v| !v.is_empty())
                };
                let mut add = |id: Option<String>| {
                    if let Some(id) = id
                        && !ids.identifiers.contains(&id)
                        && ids.identifiers.len() < MAX_PACKAGES
                    {
                        ids.identifiers.push(id);
                    }
                };
                match (is_dist, e.local_name().as_ref()) {
                    (false, b"pkg-info") => {
                        add(attr(b"identifier"));
                        ids.version = attr(b"version");
                    }
                    (true, b"product") => {
                        ids.product = attr(b"id");
                        ids.version = attr(b"version");
                    }
                    (true, b"pkg-ref") => add(attr(b"id")),
                    (true, b"title") if depth == 2 => in_title = true,
                    _ => {}
                }
            }
            Event::Text(t) if in_title => {
                let t = t.unescape().map_err(|e| format!("XML text: {e}"))?;
                let t = t.trim();
                if !t.is_empty() {
                    ids.title = Some(t.chars().take(512).collect());
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_title = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(ids)
}

/// The artifact of a package: named by its Distribution title (unless it is a localisation
/// key), else its product or first package identifier, else its file name.
pub fn artifact(pkg: &Package, file_name: &str, path: &str, target: &str) -> Artifact {
    let title = pkg.ids.title.clone().filter(|t| !is_localisation_key(t));
    let name = title
        .clone()
        .or_else(|| pkg.ids.product.clone())
        .or_else(|| pkg.ids.identifiers.first().cloned())
        .unwrap_or_else(|| file_name.to_string());
    let mut a = Artifact::new(ArtifactKind::Installer, name, path, target)
        .version(pkg.ids.version.clone().unwrap_or_default())
        .field("pkg.file", file_name, Role::Other);
    if let Some(t) = &pkg.ids.title {
        a = a.field("pkg.title", t.clone(), Role::Text);
    }
    // Package identifiers are reverse-DNS names the maker chose; like a Mach-O signing id they
    // identify only when a certificate with a Team ID signed the package.
    let signed_with_team = pkg.signers.iter().any(|s| s.team_id.is_some() && s.digest_ok != Some(false));
    let role = if signed_with_team { Role::Identifier(IdKind::BundleId) } else { Role::Other };
    for id in pkg.ids.product.iter().chain(&pkg.ids.identifiers) {
        a = a.field("pkg.identifier", id.clone(), role).id(id.clone());
    }
    for n in &pkg.notes {
        a = a.field("pkg.error", n.clone(), Role::Other);
    }
    for s in &pkg.signers {
        a = a.signer(s.clone());
    }
    a
}

/// `SU_TITLE`-style keys that Distribution titles use for localised strings.
fn is_localisation_key(t: &str) -> bool {
    !t.contains(' ') && t.contains('_') && t.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    /// A xar with a SHA-1 TOC checksum and the given members (name, bytes) at the root.
    fn xar(members: &[(&str, &[u8])], extra_toc: &str) -> Vec<u8> {
        let mut heap = vec![0u8; 20];
        let mut files = String::new();
        for (i, (name, data)) in members.iter().enumerate() {
            let off = heap.len();
            heap.extend_from_slice(data);
            files.push_str(&format!(
                "<file id=\"{}\"><name>{name}</name><type>file</type><data><offset>{off}</offset><length>{}</length>\
                 <size>{}</size><encoding style=\"application/octet-stream\"/></data></file>",
                i + 1,
                data.len(),
                data.len()
            ));
        }
        let toc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xar><toc><checksum style=\"sha1\"><offset>0</offset>\
             <size>20</size></checksum>{extra_toc}{files}</toc></xar>"
        );
        let z = zlib(toc.as_bytes());
        heap[..20].copy_from_slice(&Sha1::digest(&z));
        let mut out = b"xar!".to_vec();
        out.extend_from_slice(&28u16.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&(z.len() as u64).to_be_bytes());
        out.extend_from_slice(&(toc.len() as u64).to_be_bytes());
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&z);
        out.extend_from_slice(&heap);
        out
    }

    #[test]
    fn reads_package_info_and_distribution() {
        let pi =
            br#"<?xml version="1.0"?><pkg-info identifier="com.example.tool.pkg" version="1.2" install-location="/"/>"#;
        let dist = br#"<installer-gui-script minSpecVersion="2"><title>Example Tool</title>
            <product id="com.example.tool" version="1.2.3"/><pkg-ref id="com.example.tool.pkg"/></installer-gui-script>"#;
        let x = xar(&[("PackageInfo", pi), ("Distribution", dist)], "");
        let pkg = read(&Bytes(&x)).expect("read");
        assert_eq!(pkg.ids.title.as_deref(), Some("Example Tool"));
        assert_eq!(pkg.ids.product.as_deref(), Some("com.example.tool"));
        assert_eq!(pkg.ids.version.as_deref(), Some("1.2.3"));
        assert_eq!(pkg.ids.identifiers, vec!["com.example.tool.pkg".to_string()]);
        assert!(pkg.signers.is_empty());
        let a = artifact(&pkg, "tool.pkg", "/dl/tool.pkg", "dir:/dl");
        assert_eq!(a.name, "Example Tool");
        assert_eq!(a.kind, ArtifactKind::Installer);
        assert!(a.fields.iter().all(|f| !matches!(f.role, Role::Identifier(_))), "unsigned: claims only");
    }

    #[test]
    fn broken_archives_are_errors_never_panics() {
        let x = xar(&[("PackageInfo", b"<pkg-info identifier=\"a\"/>")], "");
        for n in 0..x.len() {
            let _ = read(&Bytes(&x[..n]));
        }
        assert!(read(&Bytes(&x[..40])).is_err());
        let mut bad = x.clone();
        bad[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(read(&Bytes(&bad)).is_err());
        let mut bad = x.clone();
        bad[16..24].copy_from_slice(&5u64.to_be_bytes());
        assert!(read(&Bytes(&bad)).is_err());
        let mut bad = x.clone();
        bad[4..6].copy_from_slice(&3u16.to_be_bytes());
        assert!(read(&Bytes(&bad)).is_err());
        // A member past the end of the file: the archive was cut.
        let toc = "<file id=\"9\"><name>Distribution</name><data><offset>99999</offset><length>10</length>\
                   <size>10</size></data></file>";
        assert!(read(&Bytes(&xar(&[], toc))).expect_err("cut").contains("truncated"));
        // A member that does not expand to its size becomes a note.
        let toc = "<file id=\"9\"><name>Distribution</name><data><offset>0</offset><length>20</length>\
                   <size>10</size></data></file>";
        let pkg = read(&Bytes(&xar(&[], toc))).expect("read");
        assert_eq!(pkg.notes.len(), 1, "{:?}", pkg.notes);
        // Bad numbers and base64 are errors.
        assert!(parse_toc(b"<xar><toc><checksum><offset>x</offset></checksum></toc></xar>").is_err());
        assert!(
            parse_toc(b"<xar><toc><signature style=\"RSA\"><KeyInfo><X509Data><X509Certificate>*</X509Certificate></X509Data></KeyInfo></signature></toc></xar>")
                .is_err()
        );
        assert!(parse_toc(b"<nope/>").is_err());
    }

    #[test]
    fn localisation_keys() {
        assert!(is_localisation_key("SU_TITLE"));
        assert!(!is_localisation_key("Kaspersky Internet Security"));
    }
}
