//! The nouns every part of delist speaks: artifacts (what a collector read), evidence, findings.
//!
//! Owns the shapes of `delist.inventory/1` and `delist.report/1` (see CONTRACT.md). It must never
//! read files or know where an artifact came from beyond the strings a collector put in it.

use crate::catalog::IdKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// How sure delist is that an artifact is a covered vendor's product. Ordered: a higher level is
/// stronger, so `max` combines independent evidence and comparisons implement `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Names alone: a product or file name from the catalog.
    Possible,
    /// A vendor/publisher/maintainer/supplier field that names the vendor.
    Likely,
    /// An identifier that belongs to the vendor and is not said by accident.
    Confirmed,
}

impl Confidence {
    /// One level weaker, or nothing below `possible`.
    pub fn lowered(self) -> Option<Self> {
        match self {
            Self::Confirmed => Some(Self::Likely),
            Self::Likely => Some(Self::Possible),
            Self::Possible => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Possible => "possible",
            Self::Likely => "likely",
            Self::Confirmed => "confirmed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "possible" => Some(Self::Possible),
            "likely" => Some(Self::Likely),
            "confirmed" => Some(Self::Confirmed),
            _ => None,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an artifact is. Serialized as CONTRACT's `artifact.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    Deb,
    Rpm,
    Apk,
    Pacman,
    Snap,
    Flatpak,
    Brew,
    BrewCask,
    /// A component of a CycloneDX or SPDX SBOM.
    SbomComponent,
    /// A service of a CycloneDX SBOM.
    SbomService,
    /// An app record from an MDM/EDR/osquery app inventory.
    MdmApp,
    /// An executable file (PE, ELF, Mach-O) found on disk.
    Executable,
    /// A macOS/iOS application bundle (`.app`).
    AppBundle,
    /// An installer (MSI, macOS .pkg).
    Installer,
    /// A mobile app package (Android APK, iOS IPA).
    MobileApp,
    /// A .deb or .rpm package file lying on disk (not installed).
    PackageFile,
    /// A certificate in a trust store (a root CA the system or a browser trusts). One
    /// certificate reached by several paths is one artifact.
    Certificate,
    /// A browser extension installed in a Chromium-family or Firefox profile.
    BrowserExtension,
    /// A macOS installer package receipt (`/var/db/receipts`, `/Library/Receipts`).
    PkgReceipt,
    /// A macOS launchd job (LaunchDaemons and LaunchAgents plists).
    LaunchdJob,
    /// A macOS kernel extension (`.kext`).
    KernelExtension,
    /// A macOS system extension (`.systemextension`).
    SystemExtension,
    /// A product row of a retail or marketplace feed (`delist screen`).
    Product,
    /// A program registered for uninstall in a Windows registry hive (an `Uninstall` key).
    WindowsProgram,
    /// A Windows service (a user-mode `Services` entry of the SYSTEM hive).
    WindowsService,
    /// A Windows driver (a kernel or file-system driver `Services` entry of the SYSTEM hive).
    WindowsDriver,
    /// A device seen on a network (nmap, a capture, DHCP leases, the neighbour table, a probe).
    /// Its name is its MAC in lower-case colon form, or its IP where no MAC is known.
    NetworkDevice,
    /// A systemd unit file.
    SystemdUnit,
    /// A Linux kernel module: an out-of-tree `.ko` file, or a module loaded on the live machine.
    KernelModule,
    /// A running process (live machine), by its executable.
    Process,
    /// A USB device attached to the live machine.
    UsbDevice,
    /// A PCI device of the live machine.
    PciDevice,
    /// A processor (`/proc/cpuinfo`, SMBIOS, lshw), by its model name.
    Cpu,
    /// A memory module (SMBIOS type 17, lshw), by its part number.
    MemoryModule,
    /// A storage device (disk, SSD, NVMe) by its model.
    StorageDevice,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deb => "deb",
            Self::Rpm => "rpm",
            Self::Apk => "apk",
            Self::Pacman => "pacman",
            Self::Snap => "snap",
            Self::Flatpak => "flatpak",
            Self::Brew => "brew",
            Self::BrewCask => "brew-cask",
            Self::SbomComponent => "sbom-component",
            Self::SbomService => "sbom-service",
            Self::MdmApp => "mdm-app",
            Self::Executable => "executable",
            Self::AppBundle => "app-bundle",
            Self::Installer => "installer",
            Self::MobileApp => "mobile-app",
            Self::PackageFile => "package-file",
            Self::Certificate => "certificate",
            Self::BrowserExtension => "browser-extension",
            Self::PkgReceipt => "pkg-receipt",
            Self::LaunchdJob => "launchd-job",
            Self::KernelExtension => "kernel-extension",
            Self::SystemExtension => "system-extension",
            Self::Product => "product",
            Self::WindowsProgram => "windows-program",
            Self::WindowsService => "windows-service",
            Self::WindowsDriver => "windows-driver",
            Self::NetworkDevice => "network-device",
            Self::SystemdUnit => "systemd-unit",
            Self::KernelModule => "kernel-module",
            Self::Process => "process",
            Self::UsbDevice => "usb-device",
            Self::PciDevice => "pci-device",
            Self::Cpu => "cpu",
            Self::MemoryModule => "memory-module",
            Self::StorageDevice => "storage-device",
        }
    }

    /// The catalog package ecosystem whose names identify artifacts of this kind, if any.
    /// SBOM components say their ecosystem in their purl instead.
    pub fn ecosystem(self) -> Option<&'static str> {
        match self {
            Self::SbomComponent
            | Self::SbomService
            | Self::MdmApp
            | Self::Executable
            | Self::AppBundle
            | Self::Installer
            | Self::MobileApp
            | Self::PackageFile
            | Self::Certificate
            | Self::BrowserExtension
            | Self::PkgReceipt
            | Self::LaunchdJob
            | Self::KernelExtension
            | Self::SystemExtension
            | Self::Product
            | Self::WindowsProgram
            | Self::WindowsService
            | Self::WindowsDriver
            | Self::NetworkDevice
            | Self::SystemdUnit
            | Self::KernelModule
            | Self::Process
            | Self::UsbDevice
            | Self::PciDevice
            | Self::Cpu
            | Self::MemoryModule
            | Self::StorageDevice => None,
            _ => Some(self.as_str()),
        }
    }

    /// Whether artifacts of this kind are installed or shipped software (rather than hardware).
    /// A product on a shelf may be either: its categories are the vendor's.
    pub fn is_software(self) -> bool {
        !matches!(
            self,
            Self::Product
                | Self::NetworkDevice
                | Self::UsbDevice
                | Self::PciDevice
                | Self::Cpu
                | Self::MemoryModule
                | Self::StorageDevice
        )
    }

    /// The categories an artifact of this kind is in whoever made it: a CPU is a processor.
    pub fn own_categories(self) -> &'static [&'static str] {
        match self {
            Self::Cpu => &["hardware", "processor"],
            Self::MemoryModule => &["hardware", "memory"],
            Self::StorageDevice => &["hardware", "storage"],
            Self::UsbDevice | Self::PciDevice => &["hardware"],
            _ => &[],
        }
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a field says about an artifact, which decides what it can prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Who made or ships it: vendor, maintainer, packager, publisher, supplier, CompanyName.
    Publisher,
    /// A name or identifier of the artifact itself (package name, app id).
    Name,
    /// A web address the artifact gives as its home.
    Homepage,
    /// Free text (summary, description). Never evidence: text that mentions a vendor is not the
    /// vendor's product.
    Text,
    /// The organisation (or, lacking one, the common name) of a code-signing certificate that
    /// signed the artifact. `confirmed` when it names a vendor and the signature's digest matches
    /// the file; a signature by someone else contradicts publisher claims.
    Signer,
    /// Anything else kept for the inventory (licence, architecture, source package).
    Other,
    /// A MAC address the device itself sent (an Ethernet source, a DHCP client hardware address,
    /// a neighbour-table entry). The matcher looks its prefix up in the IEEE registry table:
    /// `confirmed` for a globally administered address; locally administered and multicast
    /// addresses never match.
    Mac,
    /// An identifier of a catalog kind read from where that kind lives (an Android manifest's
    /// package is an `app-id`, a code signature's Team ID a `team-id`, a sysfs vendor file a
    /// `usb` or `pci` id). Matched exactly; its strength depends on the kind
    /// ([`crate::matcher::strength_of`]).
    Identifier(IdKind),
}

/// One attribute a collector read, as written, with the field it came from (`deb.maintainer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub field: String,
    pub value: String,
    pub role: Role,
}

/// One thing found in a target. Built by collectors, read by the matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub kind: ArtifactKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where the artifact lives inside its target, `/`-rooted.
    pub path: String,
    /// The target as the user gave it (`rootfs:/mnt/img`).
    pub target: String,
    /// The device or host the artifact was reported on, where the source names one (MDM
    /// inventories, fleet uploads).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    /// The maker as written (vendor/maintainer/CompanyName), the first publisher-role field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Package names, app and bundle ids, purls.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ids: Vec<String>,
    /// Every attribute read.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fields: Vec<Field>,
    /// The first code signature of a signed file (CONTRACT's inventory `signer`). Boxed: most
    /// artifacts have none, and inline it was 288 of an artifact's 736 bytes (a scan may hold
    /// a million artifacts, and every finding copies this one).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signer: Option<Box<Signer>>,
    /// Further signatures (dual-signed and nested Authenticode signatures).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub other_signers: Vec<Signer>,
    /// SHA-256 of the file, lower-case hex, for files read whole (exports pin it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// What a network device is known by (CONTRACT's inventory `mac` and `banners`); empty
    /// (and absent from JSON) for every other kind of artifact.
    #[serde(flatten, default)]
    pub device: Device,
    /// In a container image: the digest (`sha256:…`) of the layer that introduced the artifact.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<String>,
}

/// What delist knows of a device on a network, merged from every input of a scan that saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Lower-case colon form (`44:47:cc:01:02:03`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mac: Option<String>,
    /// The address it was last seen at; `ips` holds every one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ips: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hostname: Option<String>,
    /// HTTP `Server` headers, SSDP `SERVER` lines, nmap service banners, as the device sent them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub banners: Vec<String>,
    /// Open ports (`80/tcp`), from nmap or a probe.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ports: Vec<String>,
    /// Every input that saw it (`pcap:cap.pcapng`, `leases:/var/lib/dhcp/dhcpd.leases`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub seen_in: Vec<String>,
}

/// One code-signing identity read from a file's signature, without consulting a trust store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The full subject distinguished name, RFC 4514 order as written in the certificate.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub common_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub issuer: Option<String>,
    /// Serial number, upper-case hex.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<String>,
    /// Certificate thumbprints, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// The issuing intermediate's TBS hash (what WDAC publisher rules pin), lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub issuer_tbs_sha256: Option<String>,
    /// Signing time from the signature's authenticated attributes, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signing_time: Option<String>,
    /// Apple code signatures.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub team_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signing_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cdhash: Option<String>,
    /// Whether the digest the signature signs matches the file's bytes (`false` = tampered);
    /// `None` where it could not be computed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest_ok: Option<bool>,
}

impl Artifact {
    pub fn new(
        kind: ArtifactKind,
        name: impl Into<String>,
        path: impl Into<String>,
        target: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            name: name.into(),
            version: None,
            path: path.into(),
            target: target.into(),
            host: None,
            publisher: None,
            ids: Vec::new(),
            fields: Vec::new(),
            signer: None,
            other_signers: Vec::new(),
            sha256: None,
            device: Device::default(),
            layer: None,
        }
    }

    pub fn version(mut self, version: impl Into<String>) -> Self {
        let v = version.into();
        if !v.is_empty() {
            self.version = Some(v);
        }
        self
    }

    /// Records a field; empty values are dropped, and the first publisher-role value becomes
    /// `publisher`.
    pub fn field(mut self, field: &str, value: impl Into<String>, role: Role) -> Self {
        let value = value.into();
        let value = value.trim();
        if value.is_empty() {
            return self;
        }
        if role == Role::Publisher && self.publisher.is_none() {
            self.publisher = Some(value.to_string());
        }
        self.fields.push(Field { field: field.to_string(), value: value.to_string(), role });
        self
    }

    /// Records a signature: its organisation (or common name) becomes a `signer.organization`
    /// field of role [`Role::Signer`] unless the digest is known not to match, and its Team ID a
    /// `team-id` identifier.
    pub fn signer(mut self, s: Signer) -> Self {
        if s.digest_ok != Some(false) {
            if let Some(org) = s.organization.clone().or_else(|| s.common_name.clone()) {
                self = self.field("signer.organization", org, Role::Signer);
            }
            if let Some(team) = s.team_id.clone() {
                self = self.field("signer.team_id", team, Role::Identifier(IdKind::TeamId));
            }
        }
        if self.signer.is_none() {
            self.signer = Some(Box::new(s));
        } else {
            self.other_signers.push(s);
        }
        self
    }

    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.ids.push(id.into());
        self
    }
}

/// An unreadable file or a broken record inside a target. Never fatal to a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    pub path: String,
    pub error: String,
}

/// One piece of evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub field: String,
    pub value: String,
    /// The catalog identifier it matched, `kind:value` (`package.deb:kesl`, `name:AO Kaspersky Lab`).
    pub identifier: String,
    pub strength: Confidence,
    /// Why this entry is here when it is not plain evidence: a field shown for context (the
    /// brand of a white-label product) or what capped the confidence (accessory phrasing).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// A list that covers a finding, as shown in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRef {
    pub id: String,
    pub title: String,
    pub authority: String,
    /// The list's last deadline, if it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    pub binding: bool,
    /// The condition under which the list covers this vendor (e.g. the FCC's public-safety use).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
}

/// A waiver applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRef {
    pub reason: String,
    pub owner: String,
    pub approver: String,
    pub expires: String,
}

/// An artifact attributed to a covered vendor, with its evidence and the lists that cover it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub vendor: String,
    pub vendor_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    pub confidence: Confidence,
    /// Shared with every other finding under the same list and qualifier (the matcher hands out
    /// one copy of each): a list's title and authority are a few hundred bytes, and 400,000
    /// findings under four lists each held 1.6 million copies.
    pub lists: Vec<Arc<ListRef>>,
    pub artifact: ArtifactRef,
    pub evidence: Vec<Evidence>,
    pub waiver: Option<WaiverRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// What the reader should know about this finding's evidence (a banner that OEM equipment
    /// can carry too).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
}

/// The artifact part of a finding (CONTRACT's `artifact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    pub kind: ArtifactKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub path: String,
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    /// The file's signer and hash, where read: `delist export --from` pins them. Boxed, as in
    /// [`Artifact`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signer: Option<Box<Signer>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// A network device's MAC, IPs, hostname and banners, beside its name.
    #[serde(flatten, default)]
    pub device: Device,
    /// In a container image: the digest of the layer that introduced the artifact.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<String>,
}

impl From<&Artifact> for ArtifactRef {
    fn from(a: &Artifact) -> Self {
        Self {
            kind: a.kind,
            name: a.name.clone(),
            version: a.version.clone(),
            path: a.path.clone(),
            target: a.target.clone(),
            host: a.host.clone(),
            signer: a.signer.clone(),
            sha256: a.sha256.clone(),
            device: a.device.clone(),
            layer: a.layer.clone(),
        }
    }
}

/// The stable id of a finding: the same artifact and vendor give the same id on every run and
/// every machine. The version is left out so that an upgraded product is still the same finding
/// when `delist diff` compares reports; the target is left out because it names the machine.
///
/// A network device is named by its MAC (or IP) alone: which inputs of a scan saw it (and so
/// its `path`) changes from run to run, the device does not.
pub fn finding_id(artifact: &Artifact, vendor: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let path = if artifact.kind == ArtifactKind::NetworkDevice { "" } else { artifact.path.as_str() };
    for part in [artifact.kind.as_str(), &artifact.name, path, vendor] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scan may hold a million artifacts and as many findings (an MDM export), each finding
    /// with a copy of its artifact's reference: what most have none of (a signer) stays boxed.
    #[test]
    fn artifacts_and_findings_stay_small() {
        assert!(std::mem::size_of::<Artifact>() <= 480, "{}", std::mem::size_of::<Artifact>());
        assert!(std::mem::size_of::<ArtifactRef>() <= 384, "{}", std::mem::size_of::<ArtifactRef>());
        assert!(std::mem::size_of::<Finding>() <= 680, "{}", std::mem::size_of::<Finding>());
    }

    #[test]
    fn confidence_orders_from_weak_to_strong() {
        assert!(Confidence::Possible < Confidence::Likely);
        assert!(Confidence::Likely < Confidence::Confirmed);
        assert_eq!(Confidence::Confirmed.lowered(), Some(Confidence::Likely));
        assert_eq!(Confidence::Possible.lowered(), None);
    }

    #[test]
    fn finding_id_is_stable_and_ignores_version_and_target() {
        let a = Artifact::new(ArtifactKind::Deb, "kesl", "/var/lib/dpkg/status", "rootfs:/a").version("12");
        let b = Artifact::new(ArtifactKind::Deb, "kesl", "/var/lib/dpkg/status", "rootfs:/b").version("11");
        assert_eq!(finding_id(&a, "kaspersky"), finding_id(&b, "kaspersky"));
        assert_eq!(finding_id(&a, "kaspersky").len(), 16);
        assert_ne!(finding_id(&a, "kaspersky"), finding_id(&a, "huawei"));
        // Pinned: a change here breaks every user's `delist diff` across versions.
        assert_eq!(finding_id(&a, "kaspersky"), "8db90285484d05c0");
    }

    #[test]
    fn empty_fields_are_dropped_and_first_publisher_kept() {
        let a = Artifact::new(ArtifactKind::Rpm, "x", "/p", "t")
            .field("rpm.vendor", "  ", Role::Publisher)
            .field("rpm.vendor", "Example Corp", Role::Publisher)
            .field("rpm.packager", "Other", Role::Publisher);
        assert_eq!(a.publisher.as_deref(), Some("Example Corp"));
        assert_eq!(a.fields.len(), 2);
    }
}
