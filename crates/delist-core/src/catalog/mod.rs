//! The catalog: covered vendors with their identifiers, and the lists that cover them.
//!
//! Owns the validated, typed form of the catalog files (see `catalog/README.md`). Loading goes
//! raw TOML → checked → [`Catalog`]; every problem in every file is reported at once with its file
//! and line ([`Diagnostic`]). This module is handed file contents; it never opens a file itself.

mod load;
pub mod oui;

pub use load::{Diagnostic, SourceFile, builtin_files, load};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Where an entry was written, for messages that send the user to the right line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// Whether a list bans vendors or names the only ones allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    Ban,
    Allow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListStatus {
    InForce,
    Archived,
    Superseded,
}

/// What part of a vendor's output a list entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Every product of the vendor.
    All,
    /// Only the named products (and identifiers).
    Products,
    /// Only products in the named categories.
    Categories,
    /// Every vendor from (or not from) the named countries.
    Origin,
}

/// The category vocabulary shared by list scopes and identifiers.
pub const CATEGORIES: &[&str] = &[
    "software",
    "mobile-app",
    "security-software",
    "telecommunications-equipment",
    "video-surveillance-equipment",
    "telecommunications-services",
    "uas",
    "hardware",
    // Kinds of product that allow-lists and origin rules name (China's "safe and reliable"
    // lists are by processor, operating system and database).
    "processor",
    "memory",
    "storage",
    "operating-system",
    "database",
];

#[derive(Debug, Clone, Serialize)]
pub struct Deadline {
    pub date: Date,
    pub action: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cover {
    /// Empty for `scope = "origin"` entries, which cover by country.
    pub vendor: String,
    pub scope: Scope,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_to: Option<String>,
    /// Vendor ids an origin entry leaves out (with their subsidiaries).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub qualifier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Where the entry was written (its list may have been extended from another file).
    #[serde(skip)]
    pub file: String,
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct List {
    pub id: String,
    pub title: String,
    pub authority: String,
    pub jurisdiction: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    pub instrument: String,
    pub binding: bool,
    /// Whether a scan applies the list when the user chose none (`default`, which defaults to
    /// `binding`): a binding list of another jurisdiction whose scope is a whole country's
    /// vendors (Russia's foreign-software rule) is opt-in, or it would flag every machine.
    pub default: bool,
    pub kind: ListKind,
    pub status: ListStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<Date>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub applies_to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// What is certain and what is only reported about the list (free text).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    pub sources: Vec<String>,
    pub deadlines: Vec<Deadline>,
    pub covers: Vec<Cover>,
    #[serde(skip)]
    pub origin: Origin,
}

impl List {
    /// The last deadline, which is the one a finding still present has missed or must meet.
    pub fn final_deadline(&self) -> Option<&Deadline> {
        self.deadlines.iter().max_by_key(|d| d.date)
    }
}

/// The kinds of identifier the catalog knows; see `catalog/README.md` for their value forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdKind {
    Signer,
    TeamId,
    AppId,
    BundleId,
    Package,
    Service,
    Driver,
    Process,
    RootCa,
    Domain,
    ExtensionId,
    OuiOrg,
    Usb,
    Pci,
    Brand,
    GtinPrefix,
    Banner,
    HttpPath,
    FileName,
    InstallPath,
    StoreDeveloper,
    PurlNamespace,
    /// The CPUID manufacturer string a processor reports (`GenuineIntel`).
    CpuVendor,
    /// The start of a hardware model or part number (`CT` of `CT1000MX500SSD1`).
    ModelPrefix,
}

impl IdKind {
    pub const ALL: &[IdKind] = &[
        Self::Signer,
        Self::TeamId,
        Self::AppId,
        Self::BundleId,
        Self::Package,
        Self::Service,
        Self::Driver,
        Self::Process,
        Self::RootCa,
        Self::Domain,
        Self::ExtensionId,
        Self::OuiOrg,
        Self::Usb,
        Self::Pci,
        Self::Brand,
        Self::GtinPrefix,
        Self::Banner,
        Self::HttpPath,
        Self::FileName,
        Self::InstallPath,
        Self::StoreDeveloper,
        Self::PurlNamespace,
        Self::CpuVendor,
        Self::ModelPrefix,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signer => "signer",
            Self::TeamId => "team-id",
            Self::AppId => "app-id",
            Self::BundleId => "bundle-id",
            Self::Package => "package",
            Self::Service => "service",
            Self::Driver => "driver",
            Self::Process => "process",
            Self::RootCa => "root-ca",
            Self::Domain => "domain",
            Self::ExtensionId => "extension-id",
            Self::OuiOrg => "oui-org",
            Self::Usb => "usb",
            Self::Pci => "pci",
            Self::Brand => "brand",
            Self::GtinPrefix => "gtin-prefix",
            Self::Banner => "banner",
            Self::HttpPath => "http-path",
            Self::FileName => "file-name",
            Self::InstallPath => "install-path",
            Self::StoreDeveloper => "store-developer",
            Self::PurlNamespace => "purl-namespace",
            Self::CpuVendor => "cpu-vendor",
            Self::ModelPrefix => "model-prefix",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Identifiers of hardware: their default categories are the vendor's `equipment`.
    pub fn is_equipment(self) -> bool {
        matches!(
            self,
            Self::OuiOrg | Self::Usb | Self::Pci | Self::Banner | Self::HttpPath | Self::CpuVendor | Self::ModelPrefix
        )
    }
}

/// Package ecosystems a `package` identifier may name.
pub const ECOSYSTEMS: &[&str] = &[
    "deb",
    "rpm",
    "apk",
    "pacman",
    "snap",
    "flatpak",
    "brew",
    "brew-cask",
    "npm",
    "pypi",
    "maven",
    "nuget",
    "go",
    "cargo",
    "gem",
    "composer",
    "chocolatey",
    "winget",
];

#[derive(Debug, Clone, Serialize)]
pub struct Identifier {
    pub kind: IdKind,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// When the identifier came to belong to the vendor (a brand bought), if it did not always.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// When it stopped belonging to the vendor (a brand sold): from that day it is no evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    pub sources: Vec<String>,
}

impl Identifier {
    /// Whether the identifier belongs to its vendor on `day` (`since` inclusive, `until`
    /// exclusive, like list entries).
    pub fn in_force(&self, day: Date) -> bool {
        !(self.since.is_some_and(|d| d > day) || self.until.is_some_and(|d| d <= day))
    }

    /// `kind:value` as shown in evidence, with the ecosystem for packages (`package.deb:kesl`).
    pub fn label(&self) -> String {
        match &self.ecosystem {
            Some(eco) => format!("{}.{}:{}", self.kind.as_str(), eco, self.value),
            None => format!("{}:{}", self.kind.as_str(), self.value),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parent: String,
    pub country: String,
    pub makes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub equipment: Vec<String>,
    pub sources: Vec<String>,
    pub identifiers: Vec<Identifier>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Vendor {
    /// The legal name followed by every alias.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// The categories an identifier of this vendor falls in.
    pub fn categories_of<'a>(&'a self, id: &'a Identifier) -> &'a [String] {
        if !id.categories.is_empty() {
            &id.categories
        } else if id.kind.is_equipment() {
            &self.equipment
        } else {
            &self.makes
        }
    }
}

impl Cover {
    /// Whether an origin entry covers a vendor whose lineage (the vendor, then its owners) is
    /// `lineage`: a vendor is *from* a country when it or any owner is from it (a subsidiary
    /// abroad is still its parent's); a vendor of unknown country is never covered by origin,
    /// since nothing says it is foreign.
    pub fn covers_origin(&self, lineage: &[&Vendor]) -> bool {
        if self.scope != Scope::Origin || lineage.iter().any(|v| self.exceptions.contains(&v.id)) {
            return false;
        }
        let countries: Vec<&str> = lineage.iter().map(|v| v.country.as_str()).filter(|c| !c.is_empty()).collect();
        if countries.is_empty() {
            return false;
        }
        let from = |c: &str| countries.iter().any(|x| x.eq_ignore_ascii_case(c));
        match &self.foreign_to {
            Some(home) => !from(home) && (self.countries.is_empty() || self.countries.iter().any(|c| from(c))),
            None => self.countries.iter().any(|c| from(c)),
        }
    }
}

/// The validated catalog.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalog {
    pub version: String,
    pub lists: Vec<List>,
    pub vendors: Vec<Vendor>,
    pub oui: oui::OuiTable,
}

impl Catalog {
    pub fn list(&self, id: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.id == id)
    }

    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }

    /// The vendor and its owners, nearest first. Cycles are refused by the loader; the bound
    /// here only keeps a hand-built catalog from looping.
    pub fn lineage<'a>(&'a self, id: &'a str) -> Vec<&'a Vendor> {
        let mut out = Vec::new();
        let mut cur = self.vendor(id);
        while let Some(v) = cur {
            if out.len() > self.vendors.len() || out.iter().any(|o: &&Vendor| o.id == v.id) {
                break;
            }
            out.push(v);
            cur = if v.parent.is_empty() { None } else { self.vendor(&v.parent) };
        }
        out
    }
}
