//! pkgfile: `.deb` and `.rpm` package files lying on disk (downloaded, cached, copied — not
//! installed), identified by what the package says about itself.
//!
//! A `.deb` is an ar archive: only its `control.tar{,.gz,.xz,.zst}` member is read, and in it only
//! the `control` file (Package, Version, Maintainer, Homepage, …), parsed with the dpkg status
//! parser. An `.rpm` is a lead, a signature header and the main header: only the main header is
//! read and decoded by [`crate::rpm::parse_header`] (Name, Version, Vendor, Packager, URL, …).
//! Neither the data archive nor the payload is ever read, unpacked or written anywhere.
//!
//! Each gives one [`ArtifactKind::PackageFile`] named after the package, whose package name is
//! an identifier (`pkg:deb/NAME`, `pkg:rpm/NAME`) and whose maintainer, vendor and packager are
//! publisher fields, so that a file holds the same evidence as the installed package would.

use super::archive::{Codec, TarNext, TarSource, ViewReader, read_capped, tar_members};
use super::{FileFormat, FileView, Place};
use crate::rpm::{MAX_DATA_BYTES, MAX_INDEX_ENTRIES, RpmPackage, parse_header};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use std::io::Read;

const AR_MAGIC: &[u8; 8] = b"!<arch>\n";
const AR_HEADER: u64 = 60;
/// Members of a .deb looked at before giving up on finding `control.tar*` (it is the second).
const MAX_AR_MEMBERS: usize = 16;
/// The largest `control.tar*` read (dpkg's own are a few KiB; packages with many conffiles or
/// maintainer scripts reach a few hundred).
const MAX_CONTROL_TAR: u64 = 16 << 20;
/// The largest `control.tar` once unpacked.
const MAX_CONTROL_UNPACKED: u64 = 64 << 20;
/// The largest `control` file read.
const MAX_CONTROL: u64 = 1 << 20;
/// Entries of `control.tar` looked at.
const MAX_CONTROL_ENTRIES: usize = 10_000;

const RPM_LEAD: &[u8; 4] = &[0xed, 0xab, 0xee, 0xdb];
const RPM_LEAD_LEN: u64 = 96;
const RPM_HEADER_MAGIC: &[u8; 4] = &[0x8e, 0xad, 0xe8, 0x01];
/// The largest rpm header read from a package file (index and data; a kernel's is a few MiB).
const MAX_RPM_HEADER: u64 = 64 << 20;

pub struct PkgFile;

fn is_deb(head: &[u8]) -> bool {
    head.starts_with(AR_MAGIC) && head.get(8..21) == Some(b"debian-binary")
}

fn is_rpm(head: &[u8]) -> bool {
    head.starts_with(RPM_LEAD)
}

impl FileFormat for PkgFile {
    fn id(&self) -> &'static str {
        "pkgfile"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        is_deb(head) || is_rpm(head)
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let head = file.read_at(0, 32).map_err(|e| format!("cannot read: {e}"))?;
        if is_deb(&head) {
            deb(file, place).map(|a| vec![a]).map_err(|e| format!("deb: {e}"))
        } else if is_rpm(&head) {
            rpm(file, place).map(|a| vec![a]).map_err(|e| format!("rpm: {e}"))
        } else {
            Err("not a .deb or .rpm package".into())
        }
    }
}

// ---------------------------------------------------------------------------------------- deb

fn ascii_field(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim_end_matches(' ').to_string()
}

/// The `control` file of a .deb, as text.
fn deb_control(file: &dyn FileView) -> Result<String, String> {
    let mut off = AR_MAGIC.len() as u64;
    for _ in 0..MAX_AR_MEMBERS {
        let hdr = file.read_at(off, AR_HEADER as usize).map_err(|e| format!("cannot read: {e}"))?;
        if hdr.is_empty() {
            break;
        }
        if (hdr.len() as u64) < AR_HEADER {
            return Err(format!("truncated: ar member header at byte {off}"));
        }
        if hdr.get(58..60) != Some(b"`\n") {
            return Err(format!("invalid ar member header at byte {off}"));
        }
        let name = ascii_field(hdr.get(..16).unwrap_or(&[]));
        let name = name.trim_end_matches('/');
        let size: u64 = ascii_field(hdr.get(48..58).unwrap_or(&[]))
            .parse()
            .map_err(|_| format!("invalid ar member size at byte {}", off + 48))?;
        let data = off + AR_HEADER;
        if data.checked_add(size).is_none_or(|end| end > file.len()) {
            return Err(format!("truncated: ar member {name:?} runs past the end of the file"));
        }
        if name.starts_with("control.tar") {
            if size > MAX_CONTROL_TAR {
                return Err(format!("{name} is {size} bytes, over the {MAX_CONTROL_TAR}-byte limit"));
            }
            return control_from_tar(file, data, size).map_err(|e| format!("{name}: {e}"));
        }
        off = data.checked_add(size).and_then(|e| e.checked_add(size & 1)).ok_or("ar member size overflows")?;
    }
    Err("no control.tar member".into())
}

fn control_from_tar(file: &dyn FileView, at: u64, size: u64) -> Result<String, String> {
    let head = file.read_at(at, 8).map_err(|e| format!("cannot read: {e}"))?;
    let raw = ViewReader::new(file, at, size);
    let mut src = match Codec::sniff(&head) {
        Some(c) => {
            let dec = c.decoder(raw).map_err(|e| format!("{}: {e}", c.name()))?;
            TarSource::Stream(Box::new(dec.take(MAX_CONTROL_UNPACKED)))
        }
        None => TarSource::View(raw),
    };
    let mut control = None;
    tar_members(&mut src, MAX_CONTROL_ENTRIES, |m, r| {
        if m.name != "control" {
            return Ok(TarNext::Continue);
        }
        let text = read_capped(r, MAX_CONTROL, "control").map_err(|e| e.to_string())?;
        if (text.len() as u64) < m.size {
            return Err("truncated: control cut short".into());
        }
        control = Some(String::from_utf8_lossy(&text).into_owned());
        Ok(TarNext::Stop)
    })?;
    control.ok_or_else(|| "no control file".into())
}

fn deb(file: &dyn FileView, place: Place<'_>) -> Result<Artifact, String> {
    let text = deb_control(file)?;
    let (stanzas, _) = crate::dpkg::parse(&text);
    let s = stanzas.first().ok_or("control file holds no fields")?;
    let name = s.get("Package").ok_or("control file has no Package field")?;
    let purl = format!("pkg:deb/{name}");
    let mut a = Artifact::new(ArtifactKind::PackageFile, name, place.path, place.target)
        .version(s.get("Version").unwrap_or(""))
        .field("deb.package", &purl, Role::Identifier(IdKind::Package))
        .id(purl);
    for (field, key, role) in [
        ("deb.maintainer", "Maintainer", Role::Publisher),
        ("deb.original-maintainer", "Original-Maintainer", Role::Publisher),
        ("deb.homepage", "Homepage", Role::Homepage),
        ("deb.source", "Source", Role::Other),
        ("deb.architecture", "Architecture", Role::Other),
    ] {
        if let Some(v) = s.get(key) {
            a = a.field(field, v, role);
        }
    }
    if let Some(d) = s.get("Description") {
        a = a.field("deb.description", d.lines().next().unwrap_or(""), Role::Text);
    }
    Ok(a)
}

// ---------------------------------------------------------------------------------------- rpm

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// The size of the header (intro, index, data) at `at`, checked against rpm's own limits.
fn header_len(file: &dyn FileView, at: u64, what: &str) -> Result<(u64, u64), String> {
    let intro = file.read_at(at, 16).map_err(|e| format!("cannot read: {e}"))?;
    if intro.len() < 16 {
        return Err(format!("truncated: {what} header at byte {at}"));
    }
    if intro.get(..4) != Some(RPM_HEADER_MAGIC) {
        return Err(format!("invalid {what} header magic at byte {at}"));
    }
    let il = be32(&intro, 8).unwrap_or(u32::MAX);
    let dl = be32(&intro, 12).unwrap_or(u32::MAX);
    if il > MAX_INDEX_ENTRIES || dl > MAX_DATA_BYTES {
        return Err(format!("{what} header at byte {at} declares {il} entries and {dl} data bytes, over rpm's limits"));
    }
    let body = 16 * u64::from(il) + u64::from(dl);
    if body > MAX_RPM_HEADER {
        return Err(format!("{what} header at byte {at} is {body} bytes, over the {MAX_RPM_HEADER}-byte limit"));
    }
    Ok((16 + body, body))
}

fn rpm(file: &dyn FileView, place: Place<'_>) -> Result<Artifact, String> {
    if file.len() < RPM_LEAD_LEN {
        return Err("truncated: shorter than the 96-byte lead".into());
    }
    let (sig_len, _) = header_len(file, RPM_LEAD_LEN, "signature")?;
    // The signature header is padded to a multiple of 8 bytes.
    let main_at = RPM_LEAD_LEN + sig_len + (8 - sig_len % 8) % 8;
    let (_, body) = header_len(file, main_at, "main")?;
    // parse_header takes the database form: il, dl, index, data (without magic and reserved).
    let blob_at = main_at + 8;
    let want = usize::try_from(8 + body).map_err(|_| "header too large")?;
    let blob = file.read_at(blob_at, want).map_err(|e| format!("cannot read: {e}"))?;
    if blob.len() < want {
        return Err(format!(
            "truncated: main header at byte {main_at} needs {want} bytes, the file has {}",
            blob.len()
        ));
    }
    let p = parse_header(&blob).map_err(|e| format!("main header at byte {main_at}: {e}"))?;
    Ok(rpm_artifact(&p, place))
}

fn rpm_artifact(p: &RpmPackage, place: Place<'_>) -> Artifact {
    let version = match p.epoch {
        Some(e) if e > 0 => format!("{e}:{}-{}", p.version, p.release),
        _ => format!("{}-{}", p.version, p.release),
    };
    let purl = format!("pkg:rpm/{}", p.name);
    let mut a = Artifact::new(ArtifactKind::PackageFile, &p.name, place.path, place.target)
        .version(version)
        .field("rpm.name", &purl, Role::Identifier(IdKind::Package))
        .id(purl);
    for (field, value, role) in [
        ("rpm.vendor", &p.vendor, Role::Publisher),
        ("rpm.packager", &p.packager, Role::Publisher),
        ("rpm.url", &p.url, Role::Homepage),
        ("rpm.distribution", &p.distribution, Role::Other),
        ("rpm.arch", &p.arch, Role::Other),
        ("rpm.license", &p.license, Role::Other),
        ("rpm.summary", &p.summary, Role::Text),
    ] {
        if let Some(v) = value {
            a = a.field(field, v, role);
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    fn place() -> Place<'static> {
        Place { path: "/x.deb", target: "dir:/t", depth: 0 }
    }

    #[test]
    fn sniffs_only_debs_and_rpms() {
        assert!(PkgFile.sniff(b"!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n"));
        assert!(!PkgFile.sniff(b"!<arch>\n/               0           0     0     0       4         `\n"));
        assert!(PkgFile.sniff(&[0xed, 0xab, 0xee, 0xdb, 3, 0]));
        assert!(!PkgFile.sniff(b"\x7fELF"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut deb = b"!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n".to_vec();
        assert!(PkgFile.inspect(&Bytes(&deb), place()).is_err());
        deb.extend_from_slice(b"control.tar.gz  1700000000  0     0     100644  99999999999`\n");
        assert!(PkgFile.inspect(&Bytes(&deb), place()).is_err());
        let mut rpm = vec![0u8; 200];
        rpm[..4].copy_from_slice(RPM_LEAD);
        assert!(PkgFile.inspect(&Bytes(&rpm), place()).is_err());
        rpm[96..100].copy_from_slice(RPM_HEADER_MAGIC);
        rpm[104..108].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(PkgFile.inspect(&Bytes(&rpm), place()).expect_err("caps").contains("limits"));
    }
}
