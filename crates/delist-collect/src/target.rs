//! Scan targets: what the user names on the command line, and how each kind is collected.
//!
//! A target is detected by content, never by file name alone; a scheme prefix (`rootfs:`, `dir:`)
//! forces the kind. Kinds that later collectors will serve are recognised here so the error
//! says what is missing rather than "no such file".
//!
//! A root (`rootfs:`, the live machine) runs the package-database collectors and then the file
//! walk ([`crate::walk`]) over the whole root; a `dir:` folder gets the walk alone.

use crate::walk::{WalkOptions, WalkStats};
use crate::{Context, Root, Sink, all};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// This machine, live.
    Live,
    /// An offline root filesystem.
    Rootfs,
    /// A plain folder of files.
    Dir,
    /// A CycloneDX or SPDX document.
    Sbom,
    /// An app inventory exported by an MDM, EDR, osquery or Fleet.
    Inventory,
    /// One file: an executable, package, installer or archive.
    File,
    /// nmap XML output (`nmap -oX`).
    Nmap,
    /// A DHCP lease file (ISC, dnsmasq, Kea) or a CSV of MAC addresses.
    Leases,
    /// A CSV of MAC addresses (`macs:` forces it; `leases:` also detects it).
    Macs,
    /// A packet capture (pcap, pcapng).
    Pcap,
    /// An active probe of a network range (`net:CIDR`).
    Net,
    /// A `docker save` archive.
    DockerArchive,
    /// A tar of an OCI image layout.
    OciArchive,
    /// An OCI image layout directory.
    OciLayout,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Rootfs => "rootfs",
            Self::Dir => "dir",
            Self::Sbom => "sbom",
            Self::Inventory => "inventory",
            Self::File => "file",
            Self::Nmap => "nmap",
            Self::Leases => "leases",
            Self::Macs => "macs",
            Self::Pcap => "pcap",
            Self::Net => "net",
            Self::DockerArchive => "docker-archive",
            Self::OciArchive => "oci-archive",
            Self::OciLayout => "oci",
        }
    }

    /// The image format of a container image target.
    fn image(self) -> Option<crate::container::Format> {
        use crate::container::Format;
        match self {
            Self::DockerArchive => Some(Format::DockerArchive),
            Self::OciArchive => Some(Format::OciArchive),
            Self::OciLayout => Some(Format::OciLayout),
            _ => None,
        }
    }

    /// Kinds that are one file of network evidence.
    fn is_network_file(self) -> bool {
        matches!(self, Self::Nmap | Self::Leases | Self::Macs | Self::Pcap)
    }
}

/// A target ready to collect.
#[derive(Debug, Clone)]
pub struct Target {
    /// As the user wrote it (`rootfs:/mnt/img`), or `live` for this machine.
    pub input: String,
    pub kind: TargetKind,
    pub path: PathBuf,
    /// `--map column=field` for inventories whose headers delist does not know.
    pub mapping: crate::inventory::Mapping,
    /// `--exclude`, `--one-file-system`, `--max-file-size`, `--threads` for the file walk of
    /// `dir:`, `rootfs:` and live targets.
    pub walk: WalkOptions,
    /// For `net:` targets: the range, and the probe's bounds (`--rate`, `--concurrency`,
    /// `--timeout`, ports, known paths) set by the CLI.
    pub net: Option<crate::network::probe::Cidr>,
    pub probe: crate::network::probe::ProbeOptions,
    /// Where the live machine's `/proc` and `/sys` are (tests point them at fixture trees).
    pub live: crate::live::Roots,
}

/// How many bytes of a file are read to tell what it is.
const SNIFF_BYTES: u64 = 64 * 1024;

fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(SNIFF_BYTES).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Why a target cannot be scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Schemes CONTRACT names whose collectors this build does not have yet.
const LATER: &[&str] = &[];

/// Top-level folders that make a directory an offline root filesystem.
const ROOT_MARKERS: &[&str] = &["etc", "usr", "var", "Windows", "Applications"];

fn looks_like_root(p: &Path) -> bool {
    ROOT_MARKERS.iter().any(|m| p.join(m).is_dir())
}

impl Target {
    /// This machine.
    pub fn live() -> Self {
        Self {
            input: "live".into(),
            kind: TargetKind::Live,
            path: PathBuf::from("/"),
            mapping: Default::default(),
            walk: WalkOptions::default(),
            net: None,
            probe: Default::default(),
            live: Default::default(),
        }
    }

    /// Parses a target argument.
    pub fn parse(arg: &str) -> Result<Self, TargetError> {
        let (scheme, rest) = match arg.split_once(':') {
            Some((s, r)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') => (Some(s), r),
            _ => (None, arg),
        };
        if scheme == Some("net") {
            let cidr = crate::network::probe::Cidr::parse(rest).map_err(|e| TargetError(format!("{arg}: {e}")))?;
            return Ok(Self {
                input: arg.into(),
                kind: TargetKind::Net,
                path: PathBuf::new(),
                mapping: Default::default(),
                walk: WalkOptions::default(),
                net: Some(cidr),
                probe: Default::default(),
                live: Default::default(),
            });
        }
        let kind = match scheme {
            Some("rootfs") => Some(TargetKind::Rootfs),
            Some("dir") => Some(TargetKind::Dir),
            Some("sbom") => Some(TargetKind::Sbom),
            Some("inventory") => Some(TargetKind::Inventory),
            Some("file") => Some(TargetKind::File),
            Some("nmap") => Some(TargetKind::Nmap),
            Some("leases") => Some(TargetKind::Leases),
            Some("macs") => Some(TargetKind::Macs),
            Some("pcap") => Some(TargetKind::Pcap),
            Some("docker-archive") => Some(TargetKind::DockerArchive),
            Some("oci-archive") => Some(TargetKind::OciArchive),
            Some("oci") => Some(TargetKind::OciLayout),
            Some(s) if LATER.contains(&s) => {
                return Err(TargetError(format!(
                    "{arg}: `{s}:` targets are not supported by this version of delist yet"
                )));
            }
            Some(s) => {
                return Err(TargetError(format!(
                    "{arg}: unknown target scheme `{s}:` (known: rootfs:, dir:, file:, sbom:, inventory:, nmap:, pcap:, leases:, macs:, net:, docker-archive:, oci-archive:, oci:{})",
                    LATER.iter().map(|l| format!("{l}:")).collect::<Vec<_>>().join(", ")
                )));
            }
            None => None,
        };
        let path = PathBuf::from(rest);
        let md = std::fs::metadata(&path).map_err(|e| TargetError(format!("{arg}: cannot read target: {e}")))?;
        let mapping = Default::default();
        if md.is_dir() {
            return match kind {
                Some(k)
                    if k == TargetKind::Sbom
                        || k == TargetKind::Inventory
                        || k.is_network_file()
                        || k == TargetKind::File
                        || k == TargetKind::DockerArchive
                        || k == TargetKind::OciArchive =>
                {
                    Err(TargetError(format!("{arg}: an {}: target is a file, not a directory", scheme.unwrap_or(""))))
                }
                Some(k) => Self::checked(Self {
                    input: arg.into(),
                    kind: k,
                    path,
                    mapping,
                    walk: WalkOptions::default(),
                    net: None,
                    probe: Default::default(),
                    live: Default::default(),
                }),
                None => {
                    let k = if crate::container::is_layout(&path) {
                        TargetKind::OciLayout
                    } else if looks_like_root(&path) {
                        TargetKind::Rootfs
                    } else {
                        TargetKind::Dir
                    };
                    Self::checked(Self {
                        input: arg.into(),
                        kind: k,
                        path,
                        mapping,
                        walk: WalkOptions::default(),
                        net: None,
                        probe: Default::default(),
                        live: Default::default(),
                    })
                }
            };
        }
        if !md.is_file() {
            return Err(TargetError(format!("{arg}: not a regular file or directory")));
        }
        let kind = match kind {
            Some(k)
                if k == TargetKind::Sbom
                    || k == TargetKind::Inventory
                    || k.is_network_file()
                    || k == TargetKind::File
                    || k == TargetKind::DockerArchive
                    || k == TargetKind::OciArchive =>
            {
                k
            }
            Some(k) => return Err(TargetError(format!("{arg}: a {}: target must be a directory", k.as_str()))),
            None => {
                let head = head(&path).map_err(|e| TargetError(format!("{arg}: cannot read target: {e}")))?;
                if crate::network::pcap::sniff(&head) {
                    TargetKind::Pcap
                } else if crate::sbom::sniff(&head) {
                    TargetKind::Sbom
                } else if crate::network::nmap::sniff(&head) {
                    TargetKind::Nmap
                } else if crate::inventory::sniff(&head) || crate::hardware::sniff(&head).is_some() {
                    TargetKind::Inventory
                } else if let Some(f) = crate::files::archive::is_tar_header(&head)
                    .then(|| crate::container::sniff_archive(&path))
                    .flatten()
                {
                    match f {
                        crate::container::Format::DockerArchive => TargetKind::DockerArchive,
                        _ => TargetKind::OciArchive,
                    }
                } else if crate::network::leases::detect(&head).is_some() {
                    TargetKind::Leases
                } else if crate::files::formats().iter().any(|f| f.sniff(&head)) {
                    TargetKind::File
                } else {
                    return Err(TargetError(format!(
                        "{arg}: cannot tell what this file is from its content; name its kind (file:, sbom:, inventory:, nmap:, pcap:, leases:, macs:, docker-archive:, oci-archive:)"
                    )));
                }
            }
        };
        Self::checked(Self {
            input: arg.into(),
            kind,
            path,
            mapping,
            walk: WalkOptions::default(),
            net: None,
            probe: Default::default(),
            live: Default::default(),
        })
    }

    /// A container image whose archive or manifests cannot be read is a target that cannot be
    /// scanned (exit 2), not an empty one.
    fn checked(self) -> Result<Self, TargetError> {
        if let Some(f) = self.kind.image() {
            crate::container::check(f, &self.path).map_err(|e| TargetError(format!("{}: {e}", self.input)))?;
        }
        Ok(self)
    }

    /// Runs every collector that applies to this target: the package databases of a root, then
    /// the file walk ([`crate::walk`]). `progress` is told each step and, during the walk, the
    /// number of files seen. Returns what the walk saw (zero when there was none).
    pub fn collect(&self, out: &mut dyn Sink, progress: &dyn Fn(&str)) -> WalkStats {
        let root = Root::new(&self.path);
        let label = match self.kind {
            TargetKind::Live => "live".to_string(),
            _ => self.input.clone(),
        };
        let cx = Context { target: &label, root: &root };
        let walk = |out: &mut dyn Sink| -> WalkStats {
            if !self.walk.enabled {
                return WalkStats::default();
            }
            progress("files");
            let tell = |n: u64| progress(&format!("files: {n}"));
            crate::walk::walk(&self.path, &label, self.kind, &self.walk, out, &tell)
        };
        match self.kind {
            TargetKind::Live => {
                for c in all() {
                    progress(c.id());
                    c.collect(&cx, out);
                }
                let exes = crate::live::collect(&self.live, &label, out, progress);
                // A running program's file is already reported as its process.
                walk(&mut SkipFiles { inner: out, paths: &exes })
            }
            TargetKind::Rootfs => {
                for c in all() {
                    progress(c.id());
                    c.collect(&cx, out);
                }
                if self.kind == TargetKind::Live {
                    progress("neighbours");
                    crate::network::neigh::collect(&cx, out);
                }
                walk(out)
            }
            // A plain folder holds files, not an installed system: only the walk applies.
            TargetKind::Dir => walk(out),
            TargetKind::Sbom => {
                progress("sbom");
                crate::sbom::collect_file(&self.path, &label, out);
                WalkStats::default()
            }
            TargetKind::File => {
                progress("file");
                crate::walk::walk_file(&self.path, &label, &self.walk, out)
            }
            TargetKind::Inventory => {
                progress("inventory");
                crate::inventory::collect_file(&self.path, &label, &self.mapping, out);
                WalkStats::default()
            }
            TargetKind::Nmap => {
                progress("nmap");
                crate::network::nmap::collect_file(&self.path, &label, out);
                WalkStats::default()
            }
            TargetKind::Net => {
                progress("probe");
                if let Some(cidr) = &self.net {
                    crate::network::probe::collect(cidr, &self.probe, &label, out);
                }
                WalkStats::default()
            }
            TargetKind::Pcap => {
                progress("pcap");
                crate::network::pcap::collect_file(&self.path, &label, out);
                WalkStats::default()
            }
            TargetKind::Leases | TargetKind::Macs => {
                progress("leases");
                crate::network::leases::collect_file(&self.path, &label, out);
                WalkStats::default()
            }
            TargetKind::DockerArchive | TargetKind::OciArchive | TargetKind::OciLayout => {
                let format = self.kind.image().unwrap_or(crate::container::Format::OciLayout);
                crate::container::collect(format, &self.path, &label, &self.walk, out, progress)
            }
        }
    }
}

/// A sink that drops the walk's artifacts for files already reported otherwise.
struct SkipFiles<'a> {
    inner: &'a mut dyn Sink,
    paths: &'a std::collections::BTreeSet<String>,
}

impl Sink for SkipFiles<'_> {
    fn push(&mut self, a: delist_core::Artifact) {
        if a.kind == delist_core::ArtifactKind::Executable && self.paths.contains(&a.path) {
            return;
        }
        self.inner.push(a);
    }

    fn push_error(&mut self, e: delist_core::ScanError) {
        self.inner.push_error(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_detection() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().display().to_string();
        assert_eq!(Target::parse(&p).expect("dir").kind, TargetKind::Dir);
        std::fs::create_dir(t.path().join("etc")).expect("mkdir");
        assert_eq!(Target::parse(&p).expect("root").kind, TargetKind::Rootfs);
        assert_eq!(Target::parse(&format!("dir:{p}")).expect("forced").kind, TargetKind::Dir);
        std::fs::write(t.path().join("x.pkg"), b"xar!\0\x1c\0\x01").expect("write");
        assert_eq!(Target::parse(&format!("{p}/x.pkg")).expect("sniffed").kind, TargetKind::File);
        assert!(Target::parse(&format!("file:{p}")).expect_err("a dir").0.contains("not a directory"));
        assert_eq!(Target::parse("net:10.0.0.0/24").expect("net").kind, TargetKind::Net);
        assert!(Target::parse("net:10.0.0.0/40").is_err());
        // Detected as an OCI layout by its marker file; with no index.json it cannot be scanned.
        std::fs::write(t.path().join("oci-layout"), r#"{"imageLayoutVersion": "1.0.0"}"#).expect("write");
        assert!(Target::parse(&p).expect_err("layout").0.contains("index.json"));
        assert!(Target::parse("bogus:x").expect_err("unknown").0.contains("unknown target scheme"));
        assert!(Target::parse("rootfs:/definitely/not/here").expect_err("missing").0.contains("cannot read"));
    }

    #[test]
    fn a_running_program_is_not_reported_twice() {
        use delist_core::{Artifact, ArtifactKind};
        let mut out = crate::Output::default();
        let paths: std::collections::BTreeSet<String> = ["/opt/x/bin/x".to_string()].into();
        let mut skip = SkipFiles { inner: &mut out, paths: &paths };
        skip.push(Artifact::new(ArtifactKind::Executable, "x", "/opt/x/bin/x", "live"));
        skip.push(Artifact::new(ArtifactKind::Executable, "y", "/opt/x/bin/y", "live"));
        skip.push(Artifact::new(ArtifactKind::Deb, "x", "/opt/x/bin/x", "live"));
        let names: Vec<&str> = out.artifacts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["y", "x"]);
    }
}
