//! SBOMs: CycloneDX 1.2–1.6 (JSON and XML) and SPDX 2.2/2.3 (JSON and tag-value).
//!
//! Owns turning one SBOM document into artifacts: every component (nested ones too, and the
//! component the BOM describes) becomes an `sbom-component`, every CycloneDX service an
//! `sbom-service`, each with the fields that say who made it (supplier, manufacturer,
//! publisher, author, originator, service provider, CPE vendor: publisher role), its purl
//! (package identifier, also in `ids`) and what is cheap to keep (licences, hashes; description
//! as free text, which is never evidence).
//!
//! The format is told from the content, never the file name ([`detect`]). Documents are
//! streamed: each record is pushed to the sink as soon as it is complete, so memory does not grow
//! with the number of components, only with nesting depth (capped at [`MAX_DEPTH`]) and field
//! sizes (capped at [`MAX_VALUE`]). A malformed or truncated document becomes one error naming
//! what was expected and where; what was read before it stays reported.
//!
//! This module must never attribute anything (that is the matcher's job), never read a file
//! other than the one it is handed, and never hold a whole document in memory.

mod cyclonedx_json;
mod cyclonedx_xml;
mod json;
mod spdx_json;
mod spdx_tv;

use crate::Sink;
use delist_core::catalog::IdKind;
use delist_core::purl::Purl;
use delist_core::{Artifact, ArtifactKind, Role};
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

/// The largest SBOM read. Streaming keeps memory flat, but a file this size is no SBOM anyone
/// wrote on purpose.
pub const MAX_FILE: u64 = 4 << 30;
/// The longest field value kept, in bytes; longer values (descriptions) are cut at a character
/// boundary.
pub const MAX_VALUE: usize = 4096;
/// The most fields kept for one record; a component with a million licences keeps the first.
pub const MAX_FIELDS: usize = 256;
/// The deepest nesting of components (or services) read; deeper ones are skipped with an error.
pub const MAX_DEPTH: usize = 32;
/// The most entries of one list (hashes, licences, URLs) kept per record.
pub const MAX_LIST: usize = 64;
/// The most problems reported for one document; a broken generator can otherwise fill the
/// report with the same complaint.
pub const MAX_PROBLEMS: usize = 100;
/// How many bytes are looked at to tell the format.
const SNIFF_BYTES: u64 = 64 * 1024;

/// The SBOM formats this module tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
    /// SPDX 3 (JSON-LD): recognised so the error says so, not read.
    Spdx3JsonLd,
    /// SPDX RDF/XML: recognised so the error says so, not read.
    SpdxRdf,
}

impl Format {
    /// Every format, for tests and fuzzing.
    pub const ALL: [Format; 6] = [
        Format::CycloneDxJson,
        Format::CycloneDxXml,
        Format::SpdxJson,
        Format::SpdxTagValue,
        Format::Spdx3JsonLd,
        Format::SpdxRdf,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CycloneDxJson => "CycloneDX JSON",
            Self::CycloneDxXml => "CycloneDX XML",
            Self::SpdxJson => "SPDX JSON",
            Self::SpdxTagValue => "SPDX tag-value",
            Self::Spdx3JsonLd => "SPDX 3 JSON-LD",
            Self::SpdxRdf => "SPDX RDF/XML",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the first bytes of a file look like an SBOM this module knows.
pub fn sniff(head: &[u8]) -> bool {
    detect(head).is_some()
}

/// The format of a document from its first bytes (up to 64 KiB), or `None`.
pub fn detect(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = &head[start..];
    match body[0] {
        b'{' => {
            if json_member_is(body, b"bomFormat", b"CycloneDX") {
                Some(Format::CycloneDxJson)
            } else if find(body, b"\"spdxVersion\"").is_some() {
                Some(Format::SpdxJson)
            } else if find(body, b"\"@context\"").is_some() && find(body, b"spdx.org/rdf/3").is_some() {
                Some(Format::Spdx3JsonLd)
            } else {
                None
            }
        }
        b'<' => {
            let root = xml_root(body)?;
            let local = root.rsplit(|b| *b == b':').next().unwrap_or(root);
            if local == b"bom" && find(body, b"cyclonedx.org/schema/bom").is_some() {
                Some(Format::CycloneDxXml)
            } else if local == b"RDF" && find(body, b"spdx.org/rdf").is_some() {
                Some(Format::SpdxRdf)
            } else {
                None
            }
        }
        _ => tag_value_head(body).then_some(Format::SpdxTagValue),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `"key"` is followed (after `:` and whitespace) by the string `"value"`.
fn json_member_is(body: &[u8], key: &[u8], value: &[u8]) -> bool {
    let mut quoted_key = Vec::with_capacity(key.len() + 2);
    quoted_key.push(b'"');
    quoted_key.extend_from_slice(key);
    quoted_key.push(b'"');
    let mut rest = body;
    while let Some(i) = find(rest, &quoted_key) {
        let after = &rest[i + quoted_key.len()..];
        let after = trim_ws(after);
        if let Some(after) = after.strip_prefix(b":") {
            let after = trim_ws(after);
            if let Some(v) = after.strip_prefix(b"\"")
                && v.starts_with(value)
                && v.get(value.len()) == Some(&b'"')
            {
                return true;
            }
        }
        rest = &rest[i + 1..];
    }
    false
}

fn trim_ws(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// The name of the root element: the first tag that is not a declaration, comment, processing
/// instruction or DOCTYPE.
fn xml_root(body: &[u8]) -> Option<&[u8]> {
    let mut rest = body;
    loop {
        let lt = rest.iter().position(|b| *b == b'<')?;
        rest = &rest[lt..];
        if rest.starts_with(b"<?") {
            rest = &rest[find(rest, b"?>")? + 2..];
        } else if rest.starts_with(b"<!--") {
            rest = &rest[find(rest, b"-->")? + 3..];
        } else if rest.starts_with(b"<!") {
            rest = &rest[find(rest, b">")? + 1..];
        } else {
            let name = &rest[1..];
            let end = name.iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')?;
            return Some(&name[..end]);
        }
    }
}

/// Whether the text starts like an SPDX tag-value document: its first meaningful line is a
/// `Tag: value` line and an `SPDXVersion:` line is there.
fn tag_value_head(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = lines.next() else {
        return false;
    };
    let is_tag =
        |l: &str| l.split_once(':').is_some_and(|(t, _)| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()));
    is_tag(first) && std::iter::once(first).chain(lines).any(|l| l.starts_with("SPDXVersion:"))
}

/// Reads one SBOM file into the sink. Artifacts' `path` is `/` and the file's name; so is the
/// `path` of any error.
pub fn collect_file(path: &Path, target: &str, out: &mut dyn Sink) {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "sbom".into());
    let apath = format!("/{name}");
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return out.error(&apath, format!("cannot read SBOM: {e}")),
    };
    match file.metadata() {
        Ok(md) if !md.is_file() => return out.error(&apath, "cannot read SBOM: not a regular file"),
        Ok(md) if md.len() > MAX_FILE => {
            return out.error(&apath, format!("SBOM is {} bytes; files over 4 GiB are refused", md.len()));
        }
        Ok(_) => {}
        Err(e) => return out.error(&apath, format!("cannot read SBOM: {e}")),
    }
    // `take` keeps the cap even if the file grows while it is read.
    read(file.take(MAX_FILE), &apath, target, out);
}

/// Reads an SBOM from any reader, telling its format from its first bytes. `path` is what
/// artifacts and errors name as their path. Pure: no file is opened.
pub fn read(reader: impl Read, path: &str, target: &str, out: &mut dyn Sink) {
    let mut reader = reader;
    let mut head = Vec::new();
    if let Err(e) = (&mut reader).take(SNIFF_BYTES).read_to_end(&mut head) {
        return out.error(path, format!("cannot read SBOM: {e}"));
    }
    let Some(format) = detect(&head) else {
        return out.error(
            path,
            "not an SBOM delist reads: expected CycloneDX (JSON with \"bomFormat\": \"CycloneDX\", or XML with a \
             <bom> root in the CycloneDX namespace) or SPDX 2.x (JSON with \"spdxVersion\", or tag-value starting \
             with SPDXVersion:)",
        );
    };
    // A UTF-8 byte-order mark says nothing, and serde_json would take it for a syntax error.
    let mut head = std::io::Cursor::new(head);
    if head.get_ref().starts_with(b"\xEF\xBB\xBF") {
        head.set_position(3);
    }
    read_as(format, head.chain(reader), path, target, out);
}

/// Reads a document in a known format. Pure: no file is opened.
pub fn read_as(format: Format, reader: impl Read, path: &str, target: &str, out: &mut dyn Sink) {
    let mut cx = Ctx { out, path, target, ordinal: 0, problems: 0 };
    // 256 KiB: large enough that the byte-at-a-time JSON reader and the XML reader rarely reach
    // the file, small enough not to matter.
    let buffered = BufReader::with_capacity(256 * 1024, reader);
    match format {
        Format::CycloneDxJson => cyclonedx_json::read(buffered, &mut cx),
        Format::CycloneDxXml => cyclonedx_xml::read(buffered, &mut cx),
        Format::SpdxJson => spdx_json::read(buffered, &mut cx),
        Format::SpdxTagValue => spdx_tv::read(buffered, &mut cx),
        Format::Spdx3JsonLd | Format::SpdxRdf => cx.problem(format!(
            "{format} is not supported by this version of delist; convert it to SPDX 2.3 JSON or CycloneDX"
        )),
    }
}

/// Where a record or problem is in its document, as the parser can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    /// The n-th record of the document (JSON: serde does not give positions inside a value).
    Ordinal(u64),
    Byte(u64),
    Line(u64),
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ordinal(n) => write!(f, "record #{n}"),
            Self::Byte(n) => write!(f, "byte {n}"),
            Self::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// What every parser writes to: the sink, the names artifacts carry, and a count of problems.
pub(crate) struct Ctx<'a> {
    out: &'a mut dyn Sink,
    path: &'a str,
    target: &'a str,
    /// Records begun so far, for [`Pos::Ordinal`].
    ordinal: u64,
    problems: usize,
}

impl Ctx<'_> {
    pub(crate) fn next_ordinal(&mut self) -> Pos {
        self.ordinal += 1;
        Pos::Ordinal(self.ordinal)
    }

    /// Reports a problem with the document; after [`MAX_PROBLEMS`] only a last note that more
    /// were left out.
    pub(crate) fn problem(&mut self, msg: impl fmt::Display) {
        self.problems += 1;
        if self.problems <= MAX_PROBLEMS {
            self.out.error(self.path, msg);
        } else if self.problems == MAX_PROBLEMS + 1 {
            self.out.error(self.path, format!("more than {MAX_PROBLEMS} problems; the rest are not listed"));
        }
    }

    /// Turns a finished record into an artifact and hands it on.
    pub(crate) fn push(&mut self, rec: Record) {
        if rec.dropped > 0 {
            self.problem(format!("{}: more than {MAX_FIELDS} fields; {} were not kept", rec.pos, rec.dropped));
        }
        let pos = rec.pos;
        let a = rec.into_artifact(self.path, self.target);
        if a.name.is_empty() {
            self.problem(format!("{pos}: a {} without a name, purl or bom-ref", a.kind));
        }
        self.out.push(a);
    }
}

/// The fields a record can carry, in the order artifacts list them: who made it first (the
/// first publisher-role field becomes `artifact.publisher`), then identifiers, then the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum F {
    CdxType,
    CdxGroup,
    CdxName,
    CdxSupplier,
    CdxSupplierUrl,
    CdxManufacturer,
    CdxManufacturerUrl,
    CdxMetaSupplier,
    CdxMetaSupplierUrl,
    CdxMetaManufacture,
    CdxAuthor,
    CdxAuthors,
    CdxPublisher,
    CdxProvider,
    CdxProviderUrl,
    CdxPurl,
    CdxCpe,
    CdxCpeVendor,
    CdxScope,
    CdxLicense,
    CdxHash,
    CdxEndpoint,
    CdxCopyright,
    CdxDescription,
    SpdxId,
    SpdxName,
    SpdxSupplier,
    SpdxOriginator,
    SpdxPurl,
    SpdxCpe,
    SpdxCpeVendor,
    SpdxHomepage,
    SpdxDownload,
    SpdxFileName,
    SpdxPurpose,
    SpdxLicenseConcluded,
    SpdxLicenseDeclared,
    SpdxChecksum,
    SpdxCopyright,
    SpdxSummary,
    SpdxDescription,
    SpdxComment,
}

impl F {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CdxType => "cyclonedx.type",
            Self::CdxGroup => "cyclonedx.group",
            Self::CdxName => "cyclonedx.name",
            Self::CdxSupplier => "cyclonedx.supplier",
            Self::CdxSupplierUrl => "cyclonedx.supplier.url",
            Self::CdxManufacturer => "cyclonedx.manufacturer",
            Self::CdxManufacturerUrl => "cyclonedx.manufacturer.url",
            Self::CdxMetaSupplier => "cyclonedx.metadata.supplier",
            Self::CdxMetaSupplierUrl => "cyclonedx.metadata.supplier.url",
            Self::CdxMetaManufacture => "cyclonedx.metadata.manufacture",
            Self::CdxAuthor => "cyclonedx.author",
            Self::CdxAuthors => "cyclonedx.authors",
            Self::CdxPublisher => "cyclonedx.publisher",
            Self::CdxProvider => "cyclonedx.provider",
            Self::CdxProviderUrl => "cyclonedx.provider.url",
            Self::CdxPurl => "cyclonedx.purl",
            Self::CdxCpe => "cyclonedx.cpe",
            Self::CdxCpeVendor => "cyclonedx.cpe.vendor",
            Self::CdxScope => "cyclonedx.scope",
            Self::CdxLicense => "cyclonedx.license",
            Self::CdxHash => "cyclonedx.hash",
            Self::CdxEndpoint => "cyclonedx.endpoint",
            Self::CdxCopyright => "cyclonedx.copyright",
            Self::CdxDescription => "cyclonedx.description",
            Self::SpdxId => "spdx.spdxid",
            Self::SpdxName => "spdx.name",
            Self::SpdxSupplier => "spdx.supplier",
            Self::SpdxOriginator => "spdx.originator",
            Self::SpdxPurl => "spdx.purl",
            Self::SpdxCpe => "spdx.cpe",
            Self::SpdxCpeVendor => "spdx.cpe.vendor",
            Self::SpdxHomepage => "spdx.homepage",
            Self::SpdxDownload => "spdx.download-location",
            Self::SpdxFileName => "spdx.package-file-name",
            Self::SpdxPurpose => "spdx.primary-package-purpose",
            Self::SpdxLicenseConcluded => "spdx.license-concluded",
            Self::SpdxLicenseDeclared => "spdx.license-declared",
            Self::SpdxChecksum => "spdx.checksum",
            Self::SpdxCopyright => "spdx.copyright",
            Self::SpdxSummary => "spdx.summary",
            Self::SpdxDescription => "spdx.description",
            Self::SpdxComment => "spdx.comment",
        }
    }

    pub(crate) fn role(self) -> Role {
        match self {
            Self::CdxSupplier
            | Self::CdxManufacturer
            | Self::CdxMetaSupplier
            | Self::CdxMetaManufacture
            | Self::CdxAuthor
            | Self::CdxAuthors
            | Self::CdxPublisher
            | Self::CdxProvider
            | Self::CdxCpeVendor
            | Self::SpdxSupplier
            | Self::SpdxOriginator
            | Self::SpdxCpeVendor => Role::Publisher,
            Self::CdxSupplierUrl
            | Self::CdxManufacturerUrl
            | Self::CdxMetaSupplierUrl
            | Self::CdxProviderUrl
            | Self::SpdxHomepage => Role::Homepage,
            Self::CdxPurl | Self::SpdxPurl => Role::Identifier(IdKind::Package),
            Self::CdxName | Self::SpdxName => Role::Name,
            Self::CdxCopyright
            | Self::CdxDescription
            | Self::SpdxCopyright
            | Self::SpdxSummary
            | Self::SpdxDescription
            | Self::SpdxComment => Role::Text,
            _ => Role::Other,
        }
    }

    fn is_purl(self) -> bool {
        matches!(self, Self::CdxPurl | Self::SpdxPurl)
    }
}

/// One component, service or package while it is read. Parsers fill it in whatever order the
/// document has; [`Record::into_artifact`] lists the fields in [`F`]'s order, so the JSON and
/// XML (or tag-value) encodings of the same document give the same artifacts.
#[derive(Debug)]
pub(crate) struct Record {
    kind: ArtifactKind,
    pub(crate) pos: Pos,
    group: Option<String>,
    name: Option<String>,
    version: Option<String>,
    bom_ref: Option<String>,
    fields: Vec<(F, String)>,
    dropped: usize,
}

impl Record {
    pub(crate) fn new(kind: ArtifactKind, pos: Pos) -> Self {
        Self { kind, pos, group: None, name: None, version: None, bom_ref: None, fields: Vec::new(), dropped: 0 }
    }

    pub(crate) fn set_group(&mut self, v: String) {
        self.add(F::CdxGroup, v.clone());
        self.group = Some(cap(v));
    }

    pub(crate) fn set_name(&mut self, field: F, v: String) {
        self.add(field, v.clone());
        self.name = Some(cap(v));
    }

    pub(crate) fn set_version(&mut self, v: String) {
        self.version = Some(cap(v));
    }

    pub(crate) fn set_bom_ref(&mut self, v: String) {
        self.bom_ref = Some(cap(v));
    }

    /// Records a field value as written (trimmed, capped). Empty values are dropped.
    pub(crate) fn add(&mut self, field: F, value: String) {
        let value = cap(value);
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if self.fields.len() >= MAX_FIELDS {
            self.dropped += 1;
            return;
        }
        self.fields.push((field, value.to_string()));
    }

    /// A CPE, and its vendor part as a publisher-role field when it names one.
    pub(crate) fn add_cpe(&mut self, cpe_field: F, vendor_field: F, cpe: String) {
        if let Some(v) = cpe_vendor(&cpe) {
            self.add(vendor_field, v);
        }
        self.add(cpe_field, cpe);
    }

    /// An SPDX actor (`Organization: name (email)`, `Person: …`): the prefix goes, `NOASSERTION`
    /// is nothing.
    pub(crate) fn add_actor(&mut self, field: F, value: &str) {
        if let Some(a) = spdx_actor(value) {
            self.add(field, a.to_string());
        }
    }

    /// An SPDX field value: `NOASSERTION` and `NONE` say nothing and are dropped.
    pub(crate) fn add_spdx(&mut self, field: F, value: String) {
        if !is_noassertion(&value) {
            self.add(field, value);
        }
    }

    /// An SPDX external reference: purls are package identifiers, CPEs give their vendor; other
    /// types (maven-central, npm, swh…) repeat what the purl says or say nothing about a maker.
    pub(crate) fn add_spdx_ref(&mut self, ty: &str, locator: String) {
        match ty.trim() {
            "purl" => self.add(F::SpdxPurl, locator),
            t if t.eq_ignore_ascii_case("cpe22Type") || t.eq_ignore_ascii_case("cpe23Type") => {
                self.add_cpe(F::SpdxCpe, F::SpdxCpeVendor, locator)
            }
            _ => {}
        }
    }

    pub(crate) fn into_artifact(mut self, path: &str, target: &str) -> Artifact {
        // Stable: several values of one field keep the document's order.
        self.fields.sort_by_key(|(f, _)| *f);
        let purl = self.fields.iter().find(|(f, _)| f.is_purl()).and_then(|(_, v)| Purl::parse(v));
        let name = match (self.group.as_deref().map(str::trim), self.name.as_deref().map(str::trim)) {
            (Some(g), Some(n)) if !g.is_empty() && !n.is_empty() => {
                // Maven writes group:artifact; npm scopes and Go/Composer paths use a slash.
                let sep = match purl.as_ref().map(|p| p.ty.as_str()) {
                    Some("npm" | "golang" | "composer" | "github" | "swift") => "/",
                    _ => ":",
                };
                format!("{g}{sep}{n}")
            }
            (_, Some(n)) if !n.is_empty() => n.to_string(),
            _ => match (&purl, &self.bom_ref) {
                (Some(p), _) => p.package_name(),
                (None, Some(r)) => r.trim().to_string(),
                (None, None) => String::new(),
            },
        };
        let mut a = Artifact::new(self.kind, name, path, target).version(self.version.unwrap_or_default().trim());
        for (f, v) in self.fields {
            if f.is_purl() {
                a = a.id(v.clone());
            }
            a = a.field(f.name(), v, f.role());
        }
        a
    }
}

/// A hash as one value: `SHA-256:ab12…`.
pub(crate) fn hash_value(alg: Option<&str>, content: &str) -> String {
    match alg.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => format!("{a}:{}", content.trim()),
        None => content.trim().to_string(),
    }
}

/// Cuts a value to [`MAX_VALUE`] bytes at a character boundary.
pub(crate) fn cap(mut s: String) -> String {
    if s.len() > MAX_VALUE {
        let mut end = MAX_VALUE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Appends to a buffer without letting it pass [`MAX_VALUE`] bytes.
pub(crate) fn push_capped(buf: &mut String, s: &str) {
    let room = MAX_VALUE.saturating_sub(buf.len());
    if room == 0 {
        return;
    }
    if s.len() <= room {
        buf.push_str(s);
    } else {
        let mut end = room;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        buf.push_str(&s[..end]);
    }
}

/// The vendor part of a CPE 2.2 (`cpe:/a:vendor:product:…`, URI binding) or 2.3
/// (`cpe:2.3:a:vendor:product:…`, formatted string) name, decoded; `None` for ANY (`*`), NA
/// (`-`), empty or anything that is not a CPE.
pub fn cpe_vendor(cpe: &str) -> Option<String> {
    let cpe = cpe.trim();
    let lower = cpe.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let vendor = if lower.starts_with("cpe:2.3:") {
        // Split on ':' not preceded by a backslash (the formatted string's escape).
        let mut parts = Vec::with_capacity(5);
        let mut cur = String::new();
        let mut chars = cpe.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                ':' => {
                    parts.push(std::mem::take(&mut cur));
                    if parts.len() > 4 {
                        break;
                    }
                }
                _ => cur.push(c),
            }
        }
        parts.push(cur);
        parts.get(3).cloned()?
    } else if lower.starts_with("cpe:/") {
        let raw = cpe.split(':').nth(2)?;
        percent_decode(raw)
    } else {
        return None;
    };
    let vendor = vendor.trim();
    if vendor.is_empty() || vendor == "*" || vendor == "-" {
        return None;
    }
    Some(vendor.to_string())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SPDX actor without its `Organization:`/`Person:`/`Tool:` prefix; `None` for
/// `NOASSERTION`, `NONE` or nothing.
pub fn spdx_actor(value: &str) -> Option<&str> {
    let v = value.trim();
    let v = ["Organization:", "Person:", "Tool:"].iter().find_map(|p| v.strip_prefix(p)).map_or(v, str::trim);
    (!v.is_empty() && !is_noassertion(v)).then_some(v)
}

/// SPDX's "the author made no assertion" and "there is none": neither says anything.
pub(crate) fn is_noassertion(v: &str) -> bool {
    let v = v.trim();
    v.eq_ignore_ascii_case("NOASSERTION") || v.eq_ignore_ascii_case("NONE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Output;

    #[test]
    fn detects_formats_by_content() {
        let cdx = br#"{ "bomFormat" : "CycloneDX", "specVersion": "1.6" }"#;
        assert_eq!(detect(cdx), Some(Format::CycloneDxJson));
        assert_eq!(
            detect(b"\xEF\xBB\xBF\n {\"$schema\":\"x\",\"bomFormat\":\"CycloneDX\"}"),
            Some(Format::CycloneDxJson)
        );
        assert_eq!(detect(br#"{"bomFormat": "Other"}"#), None);
        assert_eq!(detect(br#"{"spdxVersion": "SPDX-2.3", "packages": []}"#), Some(Format::SpdxJson));
        assert_eq!(
            detect(br#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}"#),
            Some(Format::Spdx3JsonLd)
        );
        let xml = br#"<?xml version="1.0"?><!-- made by hand --><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>"#;
        assert_eq!(detect(xml), Some(Format::CycloneDxXml));
        assert_eq!(
            detect(br#"<cdx:bom xmlns:cdx="http://cyclonedx.org/schema/bom/1.2"/>"#),
            Some(Format::CycloneDxXml)
        );
        assert_eq!(detect(br#"<rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#"/>"#), Some(Format::SpdxRdf));
        assert_eq!(detect(br#"<html><body>cyclonedx.org/schema/bom</body></html>"#), None);
        assert_eq!(detect(b"# comment\nSPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\n"), Some(Format::SpdxTagValue));
        assert_eq!(detect(b"Package: kesl\nVersion: 1\n"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"   \n"), None);
        assert_eq!(detect(b"{\"name\": \"a package.json\"}"), None);
    }

    #[test]
    fn cpe_vendor_parts() {
        assert_eq!(cpe_vendor("cpe:2.3:a:kaspersky:anti-virus:21.3:*:*:*:*:*:*:*").as_deref(), Some("kaspersky"));
        assert_eq!(cpe_vendor("cpe:2.3:a:kaspersky_lab:x:*").as_deref(), Some("kaspersky_lab"));
        assert_eq!(cpe_vendor(r"cpe:2.3:a:at\&t:x:1").as_deref(), Some("at&t"));
        assert_eq!(cpe_vendor(r"cpe:2.3:a:a\:b:x:1").as_deref(), Some("a:b"));
        assert_eq!(cpe_vendor("cpe:/a:kaspersky:anti-virus:21.3").as_deref(), Some("kaspersky"));
        assert_eq!(cpe_vendor("cpe:/a:at%26t:x").as_deref(), Some("at&t"));
        assert_eq!(cpe_vendor("cpe:2.3:a:*:widget:1.0:*:*:*:*:*:*:*"), None);
        assert_eq!(cpe_vendor("cpe:2.3:a:-:widget:1.0"), None);
        assert_eq!(cpe_vendor("cpe:/a::widget"), None);
        assert_eq!(cpe_vendor("cpe:/a"), None);
        assert_eq!(cpe_vendor("cpe:2.3:a"), None);
        assert_eq!(cpe_vendor("kaspersky"), None);
        assert_eq!(cpe_vendor("cpe:2.3é"), None);
        assert_eq!(cpe_vendor(""), None);
    }

    #[test]
    fn spdx_actors() {
        assert_eq!(
            spdx_actor("Organization: AO Kaspersky Lab (info@kaspersky.com)"),
            Some("AO Kaspersky Lab (info@kaspersky.com)")
        );
        assert_eq!(spdx_actor("Person: Jane Doe"), Some("Jane Doe"));
        assert_eq!(spdx_actor("NOASSERTION"), None);
        assert_eq!(spdx_actor("Organization: NOASSERTION"), None);
        assert_eq!(spdx_actor("  "), None);
        assert_eq!(spdx_actor("Example Corp"), Some("Example Corp"));
    }

    #[test]
    fn values_are_capped_at_char_boundaries() {
        let long = "é".repeat(MAX_VALUE);
        let c = cap(long);
        assert!(c.len() <= MAX_VALUE && c.is_char_boundary(c.len()));
        let mut buf = String::new();
        for _ in 0..10_000 {
            push_capped(&mut buf, "ж");
        }
        assert!(buf.len() <= MAX_VALUE);
    }

    #[test]
    fn records_list_fields_in_a_fixed_order_and_name_groups() {
        let mut r = Record::new(ArtifactKind::SbomComponent, Pos::Ordinal(1));
        r.add(F::CdxDescription, "text".into());
        r.add(F::CdxPurl, "pkg:npm/%40kaspersky/components@6.39.0".into());
        r.set_name(F::CdxName, "components".into());
        r.set_group("@kaspersky".into());
        r.add(F::CdxSupplier, "AO Kaspersky Lab".into());
        let a = r.into_artifact("/x.json", "sbom:x.json");
        assert_eq!(a.name, "@kaspersky/components");
        let names: Vec<&str> = a.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            ["cyclonedx.group", "cyclonedx.name", "cyclonedx.supplier", "cyclonedx.purl", "cyclonedx.description"]
        );
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(a.ids, ["pkg:npm/%40kaspersky/components@6.39.0"]);

        let mut m = Record::new(ArtifactKind::SbomComponent, Pos::Ordinal(2));
        m.set_group("com.kaspersky.android-components".into());
        m.set_name(F::CdxName, "kaspresso".into());
        assert_eq!(m.into_artifact("/x", "t").name, "com.kaspersky.android-components:kaspresso");

        let mut p = Record::new(ArtifactKind::SbomComponent, Pos::Ordinal(3));
        p.add(F::CdxPurl, "pkg:golang/github.com/bytedance/sonic@v1.11.6".into());
        assert_eq!(p.into_artifact("/x", "t").name, "github.com/bytedance/sonic");
    }

    #[test]
    fn too_many_fields_are_dropped_and_said() {
        let mut r = Record::new(ArtifactKind::SbomComponent, Pos::Ordinal(1));
        r.set_name(F::CdxName, "x".into());
        for i in 0..MAX_FIELDS + 10 {
            r.add(F::CdxLicense, format!("L{i}"));
        }
        let mut out = Output::default();
        let mut cx = Ctx { out: &mut out, path: "/x", target: "t", ordinal: 0, problems: 0 };
        cx.push(r);
        assert_eq!(out.artifacts[0].fields.len(), MAX_FIELDS);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].error.contains("11 were not kept"), "{:?}", out.errors);
    }

    #[test]
    fn problems_are_capped() {
        let mut out = Output::default();
        let mut cx = Ctx { out: &mut out, path: "/x", target: "t", ordinal: 0, problems: 0 };
        for i in 0..MAX_PROBLEMS * 3 {
            cx.problem(i);
        }
        assert_eq!(out.errors.len(), MAX_PROBLEMS + 1);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let mut out = Output::default();
        read(&b"\xEF\xBB\xBF{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\"}]}"[..], "/x", "t", &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.artifacts.len(), 1);
        let mut out = Output::default();
        read(&b"\xEF\xBB\xBFSPDXVersion: SPDX-2.3\nPackageName: a\n"[..], "/x", "t", &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.artifacts.len(), 1);
    }

    #[test]
    fn unknown_content_is_one_error() {
        let mut out = Output::default();
        read(&b"hello"[..], "/x.txt", "sbom:x.txt", &mut out);
        assert!(out.artifacts.is_empty());
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].error.contains("not an SBOM"));
        let mut out = Output::default();
        read(&br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#[..], "/x", "t", &mut out);
        assert!(out.errors[0].error.contains("not supported"), "{:?}", out.errors);
    }
}
