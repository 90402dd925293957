//! Where an image's named files (manifests, configs, layer blobs) are: a tar archive read in
//! place (`docker save`, an oci-archive) or an OCI layout directory.
//!
//! Owns finding a name and handing back its byte [`Region`]; never extracts, never writes. An
//! archive is indexed once (headers only: members are skipped by position), and must be an
//! uncompressed tar — a compressed one has no random access, and unpacking it would mean
//! writing it somewhere.

use super::layers::{Region, normalize};
use crate::files::FileView;
use crate::files::archive::{Codec, TarKind, TarNext, TarSource, ViewReader, tar_entries};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Members an image archive may hold (each layer is one).
const MAX_MEMBERS: usize = 100_000;
/// Symlink hops between members (`docker save` links `ID/layer.tar` to `../DIGEST.tar`).
const MAX_HOPS: usize = 8;
/// The largest manifest, index or config read.
pub const MAX_JSON: u64 = 16 << 20;

#[derive(Debug, Clone)]
pub enum Member {
    File { data_at: u64, size: u64 },
    Symlink(String),
}

/// The files of an image, by name relative to the archive's or layout's top.
#[derive(Debug)]
pub enum Store {
    Tar { region: Region, members: HashMap<String, Member> },
    Dir(PathBuf),
}

impl Store {
    /// Indexes an uncompressed tar archive.
    pub fn tar(path: &Path) -> Result<Self, String> {
        let region = Region::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let head = region.read_at(0, 16).map_err(|e| format!("cannot read: {e}"))?;
        if let Some(c) = Codec::sniff(&head) {
            return Err(format!(
                "a {}-compressed archive: delist reads image archives in place and needs the plain tar \
                 (`{} -d` it first)",
                c.name(),
                match c {
                    Codec::Gzip => "gzip",
                    Codec::Xz => "xz",
                    Codec::Zstd => "zstd",
                }
            ));
        }
        let mut members = HashMap::new();
        let mut bad: Option<String> = None;
        let mut src = TarSource::View(ViewReader::new(&region, 0, region.len()));
        tar_entries(&mut src, MAX_MEMBERS, |e, _| {
            let name = match normalize(&e.raw_name) {
                Ok(Some(n)) => n,
                Ok(None) => return Ok(TarNext::Continue),
                Err(err) => {
                    bad.get_or_insert(err);
                    return Ok(TarNext::Continue);
                }
            };
            match &e.kind {
                TarKind::File => {
                    members.insert(name, Member::File { data_at: e.data_at, size: e.size });
                }
                TarKind::Symlink(t) | TarKind::Hardlink(t) => {
                    let t = if matches!(e.kind, TarKind::Hardlink(_)) { format!("/{t}") } else { t.clone() };
                    members.insert(name, Member::Symlink(t));
                }
                _ => {}
            }
            Ok(TarNext::Continue)
        })?;
        drop(src);
        if let Some(b) = bad {
            return Err(format!("archive entry refused: {b}"));
        }
        if members.is_empty() {
            return Err("not a tar archive, or an empty one".into());
        }
        Ok(Self::Tar { region, members })
    }

    /// The byte region of a named file. `name` is relative to the top (`manifest.json`,
    /// `blobs/sha256/…`); absolute names and `..` are refused.
    pub fn region(&self, name: &str) -> Result<Region, String> {
        let Some(mut key) = normalize(name)? else { return Err(format!("{name:?}: not a file name")) };
        match self {
            Self::Dir(dir) => Region::open(&dir.join(key.trim_start_matches('/'))).map_err(|e| format!("{name}: {e}")),
            Self::Tar { region, members } => {
                for _ in 0..=MAX_HOPS {
                    match members.get(&key) {
                        Some(Member::File { data_at, size }) => {
                            return region.sub(*data_at, *size).map_err(|e| format!("{name}: truncated archive: {e}"));
                        }
                        Some(Member::Symlink(t)) => {
                            let base = if t.starts_with('/') {
                                String::new()
                            } else {
                                key.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()
                            };
                            key = resolve_rel(&base, t)
                                .ok_or_else(|| format!("{name}: link {t:?} leaves the archive"))?;
                        }
                        None => return Err(format!("{name}: no such file in the archive")),
                    }
                }
                Err(format!("{name}: more than {MAX_HOPS} links (a loop?)"))
            }
        }
    }

    /// A whole named file of at most `cap` bytes.
    pub fn read(&self, name: &str, cap: u64) -> Result<Vec<u8>, String> {
        self.region(name)?.read_all(cap).map_err(|e| format!("{name}: {e}"))
    }
}

/// `target` relative to directory `base` (both inside the archive); `None` if it climbs out.
fn resolve_rel(base: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|c| !c.is_empty()).collect();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::resolve_rel;

    #[test]
    fn member_links_stay_inside() {
        assert_eq!(resolve_rel("/abc", "../x.tar").as_deref(), Some("/x.tar"));
        assert_eq!(resolve_rel("", "../x.tar"), None);
        assert_eq!(resolve_rel("", "/a/b").as_deref(), Some("/a/b"));
    }
}
