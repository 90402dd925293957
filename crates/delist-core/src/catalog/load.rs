//! Catalog files → [`Catalog`], with every problem reported at once.
//!
//! Raw TOML structs keep byte spans, so each diagnostic names the file and the line of the entry
//! at fault. Layering: files are taken in order; a vendor or list whose id was already seen
//! extends the earlier one (names, identifiers, covers, deadlines and sources are appended), so a
//! user's `--catalog DIR` can add an identifier to a built-in vendor without copying it.

use super::{
    CATEGORIES, Catalog, Cover, Deadline, ECOSYSTEMS, IdKind, Identifier, List, ListKind, ListStatus, Origin, Scope,
    Vendor, oui,
};
use crate::lines::Lines;
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use toml::Spanned;

/// One catalog file handed to the loader.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Shown in messages: `catalog/vendors/kaspersky.toml`, or `(built-in)/vendors/…`.
    pub name: String,
    /// Path relative to the catalog root (`vendors/kaspersky.toml`), which says what the file is.
    pub rel: String,
    pub text: String,
}

/// The built-in catalog, embedded at build time.
pub fn builtin_files() -> Vec<SourceFile> {
    mod embedded {
        include!(concat!(env!("OUT_DIR"), "/builtin_catalog.rs"));
    }
    embedded::FILES
        .iter()
        .map(|(rel, text)| SourceFile {
            name: format!("(built-in)/{rel}"),
            rel: rel.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// A problem in a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

#[derive(Deserialize, Default)]
struct RawVendorFile {
    vendor: Option<Spanned<RawVendor>>,
    #[serde(default)]
    identifier: Vec<Spanned<RawIdentifier>>,
}

#[derive(Deserialize, Default)]
struct RawVendor {
    id: Option<String>,
    name: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    makes: Vec<String>,
    #[serde(default)]
    equipment: Vec<String>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawIdentifier {
    kind: Option<String>,
    value: Option<String>,
    ecosystem: Option<String>,
    platform: Option<String>,
    product: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    note: String,
    since: Option<toml::Value>,
    until: Option<toml::Value>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawListFile {
    list: Option<Spanned<RawList>>,
    #[serde(default)]
    deadline: Vec<Spanned<RawDeadline>>,
    #[serde(default)]
    covers: Vec<Spanned<RawCover>>,
}

#[derive(Deserialize, Default)]
struct RawList {
    id: Option<String>,
    title: Option<String>,
    authority: Option<String>,
    #[serde(default)]
    jurisdiction: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    instrument: String,
    binding: Option<bool>,
    default: Option<bool>,
    kind: Option<String>,
    status: Option<String>,
    published: Option<toml::Value>,
    effective: Option<toml::Value>,
    #[serde(default)]
    applies_to: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawDeadline {
    date: Option<toml::Value>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default)]
struct RawCover {
    vendor: Option<String>,
    scope: Option<String>,
    #[serde(default)]
    products: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    foreign_to: Option<String>,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    qualifier: String,
    since: Option<toml::Value>,
    until: Option<toml::Value>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawMeta {
    version: Option<String>,
}

/// Collects diagnostics for one file; turns byte offsets into lines and columns.
struct Ctx<'a> {
    file: &'a SourceFile,
    lines: Lines,
    out: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = self.lines.position(&self.file.text, offset);
        self.out.push(Diagnostic { file: self.file.name.clone(), line, column, message: message.into() });
    }

    fn origin(&self, offset: usize) -> Origin {
        Origin { file: self.file.name.clone(), line: self.lines.line(offset.min(self.file.text.len())) }
    }
}

fn is_kebab_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn check_sources(cx: &mut Ctx<'_>, at: usize, what: &str, sources: &[String], required: bool) {
    if required && sources.iter().all(|s| s.trim().is_empty()) {
        cx.at(at, format!("{what} has no `sources`: every fact in the catalog needs a public source"));
    }
    for s in sources {
        let s = s.trim();
        if s.contains("://") && !(s.starts_with("https://") || s.starts_with("http://")) {
            cx.at(at, format!("{what}: source {s:?} is not an http(s) URL"));
        }
        if s.to_ascii_uppercase().contains("UNVERIFIED") {
            cx.at(at, format!("{what}: source {s:?} is marked UNVERIFIED; unverified facts stay out of the catalog"));
        }
    }
}

fn check_categories(cx: &mut Ctx<'_>, at: usize, what: &str, cats: &[String]) {
    for c in cats {
        if !CATEGORIES.contains(&c.as_str()) {
            cx.at(at, format!("{what}: unknown category {c:?} (known: {})", CATEGORIES.join(", ")));
        }
    }
}

fn check_country(cx: &mut Ctx<'_>, at: usize, what: &str, c: &str) {
    let ok = c == "EU" || (c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
    if !ok {
        cx.at(at, format!("{what}: country {c:?} is not an ISO 3166-1 alpha-2 code such as \"US\""));
    }
}

fn date(cx: &mut Ctx<'_>, at: usize, what: &str, v: Option<&toml::Value>) -> Option<Date> {
    let v = v?;
    let parsed = match v {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            dt.date.and_then(|d| Date::new(d.year as i16, d.month as i8, d.day as i8).ok())
        }
        _ => None,
    };
    if parsed.is_none() {
        cx.at(at, format!("{what}: expected a date such as 2017-09-13 (unquoted), found {v}"));
    }
    parsed
}

/// Checks an identifier's value against the form its kind requires.
fn value_problem(kind: IdKind, value: &str, ecosystem: Option<&str>) -> Option<String> {
    let v = value;
    if v.trim() != v || v.is_empty() {
        return Some("value is empty or has leading/trailing spaces".into());
    }
    if v.chars().any(char::is_control) {
        return Some("value holds a control character".into());
    }
    let reverse_dns = |s: &str| {
        let parts: Vec<&str> = s.split('.').collect();
        parts.len() >= 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    };
    let hex4 = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match kind {
        IdKind::TeamId if !(v.len() == 10 && v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())) => {
            Some("an Apple Team ID is 10 upper-case letters or digits".into())
        }
        IdKind::AppId | IdKind::BundleId if !reverse_dns(v) => {
            Some("an app or bundle id is a reverse-DNS name such as com.example.app".into())
        }
        IdKind::Usb | IdKind::Pci if !hex4(v) => Some("a USB or PCI vendor id is 4 hexadecimal digits".into()),
        IdKind::ExtensionId if !(v.len() == 32 && v.bytes().all(|b| (b'a'..=b'p').contains(&b))) => {
            Some("a Chromium extension id is 32 letters a-p".into())
        }
        IdKind::GtinPrefix if !((6..=12).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit())) => {
            Some("a GS1 company prefix is 6 to 12 digits".into())
        }
        IdKind::Domain
            if !(reverse_dns(v)
                && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')) =>
        {
            Some("a domain is a lower-case DNS name such as example.com".into())
        }
        IdKind::HttpPath | IdKind::InstallPath if !v.starts_with('/') => Some("a path starts with '/'".into()),
        IdKind::CpuVendor if !(v.len() == 12 && v.bytes().all(|b| b.is_ascii_graphic())) => {
            Some("a CPUID manufacturer string is 12 printable ASCII characters such as GenuineIntel".into())
        }
        IdKind::ModelPrefix if !(v.len() >= 2 && v.bytes().all(|b| b.is_ascii_graphic())) => {
            Some("a model prefix is at least 2 printable ASCII characters without spaces".into())
        }
        IdKind::Package => match ecosystem {
            None => Some(format!("a package needs `ecosystem` (one of {})", ECOSYSTEMS.join(", "))),
            Some(e) if !ECOSYSTEMS.contains(&e) => {
                Some(format!("unknown ecosystem {e:?} (known: {})", ECOSYSTEMS.join(", ")))
            }
            _ if v.contains(char::is_whitespace) => Some("a package name has no spaces".into()),
            _ => None,
        },
        _ => None,
    }
}

/// Checks a Firefox extension identifier (`platform = "firefox"`): an addons.mozilla.org slug
/// (`kaspersky-protection-2020`) or an add-on id (`name@example.com`, `{GUID}`).
fn firefox_extension_problem(v: &str) -> Option<String> {
    let slug =
        !v.is_empty() && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    let email = v.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
    let guid = v.starts_with('{') && v.ends_with('}');
    let clean = v.len() <= 255 && v.bytes().all(|b| b.is_ascii_graphic());
    (!(clean && (slug || email || guid))).then(|| {
        "a Firefox extension id is an addons.mozilla.org slug (lower-case letters, digits, '-') or an add-on id \
         (name@example.com, {GUID})"
            .into()
    })
}

fn parse_vendor_file(cx: &mut Ctx<'_>, stem: &str) -> Option<Vendor> {
    let raw: RawVendorFile = match toml::from_str(&cx.file.text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            cx.at(at, format!("not a vendor file: {}", e.message()));
            return None;
        }
    };
    let Some(sv) = raw.vendor else {
        cx.at(0, "a vendor file needs a [vendor] table");
        return None;
    };
    let at = sv.span().start;
    let v = sv.into_inner();
    let id = v.id.unwrap_or_default();
    if !is_kebab_id(&id) {
        cx.at(at, format!("vendor id {id:?} must be lower-case kebab-case"));
    } else if id != stem {
        cx.at(at, format!("vendor id {id:?} differs from its file name {stem:?}.toml"));
    }
    let name = v.name.unwrap_or_default();
    if name.trim().is_empty() {
        cx.at(at, format!("vendor {id:?} has no `name`"));
    }
    if !v.country.is_empty() {
        check_country(cx, at, &format!("vendor {id:?}"), &v.country);
    }
    check_categories(cx, at, &format!("vendor {id:?} makes"), &v.makes);
    check_categories(cx, at, &format!("vendor {id:?} equipment"), &v.equipment);
    check_sources(cx, at, &format!("vendor {id:?}"), &v.sources, true);
    let mut identifiers = Vec::new();
    for si in raw.identifier {
        let at = si.span().start;
        let r = si.into_inner();
        let kind_str = r.kind.unwrap_or_default();
        let Some(kind) = IdKind::parse(&kind_str) else {
            let known: Vec<&str> = IdKind::ALL.iter().map(|k| k.as_str()).collect();
            cx.at(at, format!("identifier kind {kind_str:?} is unknown (known: {})", known.join(", ")));
            continue;
        };
        let value = r.value.unwrap_or_default();
        let what = format!("identifier {kind_str} {value:?}");
        let firefox = kind == IdKind::ExtensionId && r.platform.as_deref() == Some("firefox");
        let problem = if firefox {
            firefox_extension_problem(&value)
        } else {
            value_problem(kind, &value, r.ecosystem.as_deref())
        };
        if let Some(p) = problem {
            cx.at(at, format!("{what}: {p}"));
        }
        if r.ecosystem.is_some() && kind != IdKind::Package {
            cx.at(at, format!("{what}: `ecosystem` is only for kind = \"package\""));
        }
        check_categories(cx, at, &what, &r.categories);
        check_sources(cx, at, &what, &r.sources, true);
        let since = date(cx, at, &format!("{what} since"), r.since.as_ref());
        let until = date(cx, at, &format!("{what} until"), r.until.as_ref());
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            cx.at(at, format!("{what}: `since` {s} is not before `until` {u}"));
        }
        identifiers.push(Identifier {
            kind,
            value,
            ecosystem: r.ecosystem,
            platform: r.platform,
            product: r.product.filter(|p| !p.trim().is_empty()),
            categories: r.categories,
            note: r.note,
            since,
            until,
            sources: r.sources,
        });
    }
    Some(Vendor {
        origin: cx.origin(at),
        id,
        name,
        aliases: v.aliases,
        parent: v.parent,
        country: v.country,
        makes: v.makes,
        equipment: v.equipment,
        sources: v.sources,
        identifiers,
    })
}

fn parse_list_file(cx: &mut Ctx<'_>, stem: &str) -> Option<List> {
    let raw: RawListFile = match toml::from_str(&cx.file.text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            cx.at(at, format!("not a list file: {}", e.message()));
            return None;
        }
    };
    let Some(sl) = raw.list else {
        cx.at(0, "a list file needs a [list] table");
        return None;
    };
    let at = sl.span().start;
    let l = sl.into_inner();
    let id = l.id.unwrap_or_default();
    if !is_kebab_id(&id) {
        cx.at(at, format!("list id {id:?} must be lower-case kebab-case"));
    } else if id != stem {
        cx.at(at, format!("list id {id:?} differs from its file name {stem:?}.toml"));
    }
    let what = format!("list {id:?}");
    let title = l.title.unwrap_or_default();
    let authority = l.authority.unwrap_or_default();
    for (field, value) in [("title", &title), ("authority", &authority)] {
        if value.trim().is_empty() {
            cx.at(at, format!("{what} has no `{field}`"));
        }
    }
    if l.binding.is_none() {
        cx.at(at, format!("{what} must say `binding = true` or `false`"));
    }
    let kind = match l.kind.as_deref() {
        None | Some("ban") => ListKind::Ban,
        Some("allow") => ListKind::Allow,
        Some(k) => {
            cx.at(at, format!("{what}: kind {k:?} is neither \"ban\" nor \"allow\""));
            ListKind::Ban
        }
    };
    let status = match l.status.as_deref() {
        None | Some("in-force") => ListStatus::InForce,
        Some("archived") => ListStatus::Archived,
        Some("superseded") => ListStatus::Superseded,
        Some(s) => {
            cx.at(at, format!("{what}: status {s:?} is not in-force, archived or superseded"));
            ListStatus::InForce
        }
    };
    if !l.country.is_empty() {
        check_country(cx, at, &what, &l.country);
    }
    let published = date(cx, at, &format!("{what} published"), l.published.as_ref());
    let effective = date(cx, at, &format!("{what} effective"), l.effective.as_ref());
    check_sources(cx, at, &what, &l.sources, true);
    let mut deadlines = Vec::new();
    for sd in raw.deadline {
        let at = sd.span().start;
        let d = sd.into_inner();
        if d.date.is_none() {
            cx.at(at, format!("{what}: a [[deadline]] needs a `date`"));
        }
        if d.action.trim().is_empty() {
            cx.at(at, format!("{what}: a [[deadline]] needs an `action`"));
        }
        if let Some(date) = date(cx, at, &format!("{what} deadline"), d.date.as_ref()) {
            deadlines.push(Deadline { date, action: d.action, note: d.note });
        }
    }
    let mut covers = Vec::new();
    let file_name = cx.file.name.clone();
    for sc in raw.covers {
        let at = sc.span().start;
        let c = sc.into_inner();
        let vendor = c.vendor.unwrap_or_default();
        let cwhat = format!("{what} covers {vendor:?}");
        let scope = match c.scope.as_deref() {
            Some("all") => Scope::All,
            Some("products") => Scope::Products,
            Some("categories") => Scope::Categories,
            Some("origin") => Scope::Origin,
            other => {
                cx.at(at, format!("{cwhat}: scope {other:?} is not all, products, categories or origin"));
                continue;
            }
        };
        match scope {
            Scope::Products if c.products.is_empty() => {
                cx.at(at, format!("{cwhat}: scope = \"products\" needs `products`"));
            }
            Scope::Categories if c.categories.is_empty() => {
                cx.at(at, format!("{cwhat}: scope = \"categories\" needs `categories`"));
            }
            Scope::Origin if c.countries.is_empty() && c.foreign_to.is_none() => {
                cx.at(at, format!("{cwhat}: scope = \"origin\" needs `countries` or `foreign_to`"));
            }
            _ => {}
        }
        if scope != Scope::Origin && vendor.is_empty() {
            cx.at(at, format!("{what}: a [[covers]] entry needs a `vendor`"));
        }
        if scope == Scope::Origin && !vendor.is_empty() {
            cx.at(
                at,
                format!(
                    "{cwhat}: scope = \"origin\" covers by country, not by `vendor` (use `exceptions` to leave one out)"
                ),
            );
        }
        if scope != Scope::Origin && (!c.countries.is_empty() || c.foreign_to.is_some() || !c.exceptions.is_empty()) {
            cx.at(at, format!("{cwhat}: `countries`, `foreign_to` and `exceptions` are only for scope = \"origin\""));
        }
        check_categories(cx, at, &cwhat, &c.categories);
        for country in c.countries.iter().chain(c.foreign_to.iter()) {
            check_country(cx, at, &cwhat, country);
        }
        check_sources(cx, at, &cwhat, &c.sources, false);
        let since = date(cx, at, &format!("{cwhat} since"), c.since.as_ref());
        let until = date(cx, at, &format!("{cwhat} until"), c.until.as_ref());
        covers.push(Cover {
            file: file_name.clone(),
            line: cx.origin(at).line,
            vendor,
            scope,
            products: c.products,
            categories: c.categories,
            countries: c.countries,
            foreign_to: c.foreign_to,
            exceptions: c.exceptions,
            qualifier: c.qualifier,
            since,
            until,
            note: c.note,
            sources: c.sources,
        });
    }
    Some(List {
        origin: cx.origin(at),
        id,
        title,
        authority,
        jurisdiction: l.jurisdiction,
        country: l.country,
        instrument: l.instrument,
        binding: l.binding.unwrap_or(true),
        default: l.default.unwrap_or(l.binding.unwrap_or(true)),
        kind,
        status,
        published,
        effective,
        applies_to: l.applies_to,
        summary: l.summary,
        notes: l.notes,
        sources: l.sources,
        deadlines,
        covers,
    })
}

fn merge_vendor(into: &mut Vendor, more: Vendor) {
    for a in more.aliases {
        if !into.aliases.contains(&a) {
            into.aliases.push(a);
        }
    }
    into.identifiers.extend(more.identifiers);
    into.sources.extend(more.sources);
    for c in more.makes {
        if !into.makes.contains(&c) {
            into.makes.push(c);
        }
    }
    for c in more.equipment {
        if !into.equipment.contains(&c) {
            into.equipment.push(c);
        }
    }
}

fn merge_list(into: &mut List, more: List) {
    into.deadlines.extend(more.deadlines);
    into.covers.extend(more.covers);
    into.sources.extend(more.sources);
}

/// Loads catalog files in order (built-in first, then the user's), checking everything.
/// Returns the catalog, or every problem found.
pub fn load(files: &[SourceFile]) -> Result<Catalog, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut catalog = Catalog::default();
    let mut oui_files = Vec::new();
    for file in files {
        let mut cx = Ctx { file, lines: Lines::new(&file.text), out: &mut diags };
        let rel = file.rel.replace('\\', "/");
        let stem = rel.rsplit('/').next().unwrap_or(&rel).trim_end_matches(".toml").to_string();
        if rel.ends_with(".csv") {
            oui_files.push(file);
        } else if rel.starts_with("vendors/") || rel.contains("/vendors/") {
            if let Some(v) = parse_vendor_file(&mut cx, &stem) {
                match catalog.vendors.iter_mut().find(|e| e.id == v.id) {
                    Some(existing) if existing.origin.file == v.origin.file => {
                        cx.at(0, format!("vendor {:?} is defined twice", v.id));
                    }
                    Some(existing) => merge_vendor(existing, v),
                    None => catalog.vendors.push(v),
                }
            }
        } else if rel.starts_with("lists/") || rel.contains("/lists/") {
            if let Some(l) = parse_list_file(&mut cx, &stem) {
                match catalog.lists.iter_mut().find(|e| e.id == l.id) {
                    Some(existing) => merge_list(existing, l),
                    None => catalog.lists.push(l),
                }
            }
        } else if stem == "catalog" {
            match toml::from_str::<RawMeta>(&file.text) {
                Ok(m) => catalog.version = m.version.unwrap_or_default(),
                Err(e) => cx.at(e.span().map_or(0, |s| s.start), format!("not a catalog.toml: {}", e.message())),
            }
        } else if rel.ends_with(".toml") {
            cx.at(0, "a catalog file belongs under lists/ or vendors/ (or is catalog.toml)");
        }
    }
    // Cross-file checks: references to vendors, parents, cycles, duplicate identifiers.
    let known: HashSet<&str> = catalog.vendors.iter().map(|v| v.id.as_str()).collect();
    let mut cross = Vec::new();
    for l in &catalog.lists {
        for c in &l.covers {
            if !c.vendor.is_empty() && !known.contains(c.vendor.as_str()) {
                cross.push(Diagnostic {
                    file: c.file.clone(),
                    line: c.line,
                    column: 1,
                    message: format!("list {:?} covers unknown vendor {:?}", l.id, c.vendor),
                });
            }
            for e in c.exceptions.iter().filter(|e| !known.contains(e.as_str())) {
                cross.push(Diagnostic {
                    file: c.file.clone(),
                    line: c.line,
                    column: 1,
                    message: format!("list {:?}: origin exception names unknown vendor {e:?}", l.id),
                });
            }
        }
    }
    for v in &catalog.vendors {
        if !v.parent.is_empty() && !known.contains(v.parent.as_str()) {
            cross.push(Diagnostic {
                file: v.origin.file.clone(),
                line: v.origin.line,
                column: 1,
                message: format!("vendor {:?} has unknown parent {:?}", v.id, v.parent),
            });
        }
        let mut seen = HashSet::new();
        let mut cur = v;
        while !cur.parent.is_empty() {
            if !seen.insert(cur.id.as_str()) {
                cross.push(Diagnostic {
                    file: v.origin.file.clone(),
                    line: v.origin.line,
                    column: 1,
                    message: format!("vendor {:?} is its own owner through `parent`", v.id),
                });
                break;
            }
            match catalog.vendor(&cur.parent) {
                Some(p) => cur = p,
                None => break,
            }
        }
    }
    // The same identifier under two vendors would attribute one product to both.
    let mut owners: HashMap<(IdKind, Option<String>, String), &str> = HashMap::new();
    for v in &catalog.vendors {
        for i in &v.identifiers {
            if matches!(i.kind, IdKind::FileName | IdKind::HttpPath) {
                continue;
            }
            let key = (i.kind, i.ecosystem.clone(), i.value.to_lowercase());
            if let Some(other) = owners.insert(key, &v.id)
                && other != v.id
            {
                cross.push(Diagnostic {
                    file: v.origin.file.clone(),
                    line: v.origin.line,
                    column: 1,
                    message: format!("identifier {} belongs to both {other:?} and {:?}", i.label(), v.id),
                });
            }
        }
    }
    diags.extend(cross);
    let mut oui_table = oui::OuiTable::default();
    for f in oui_files {
        match oui::OuiTable::parse(&f.text) {
            Ok(t) => oui_table.extend(t),
            Err((line, msg)) => diags.push(Diagnostic { file: f.name.clone(), line, column: 1, message: msg }),
        }
    }
    for a in &oui_table.assignments {
        if !known.contains(a.vendor.as_str()) {
            diags.push(Diagnostic {
                file: "oui/ieee.csv".into(),
                line: 1,
                column: 1,
                message: format!("OUI {} names unknown vendor {:?}", a.prefix, a.vendor),
            });
        }
    }
    catalog.oui = oui_table;
    if diags.is_empty() { Ok(catalog) } else { Err(diags) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile { name: format!("t/{rel}"), rel: rel.into(), text: text.into() }
    }

    const VENDOR: &str = r#"
[vendor]
id = "acme"
name = "Acme Widgets Co., Ltd."
country = "XX"
makes = ["software"]
sources = ["https://example.org/acme"]

[[identifier]]
kind = "package"
ecosystem = "deb"
value = "acme-agent"
sources = ["https://example.org/pkg"]
"#;

    const LIST: &str = r#"
[list]
id = "test-ban"
title = "Test ban"
authority = "Test authority"
binding = true
published = 2020-01-02
sources = ["https://example.org/ban"]

[[deadline]]
date = 2020-02-01
action = "remove"

[[covers]]
vendor = "acme"
scope = "all"
"#;

    #[test]
    fn a_good_catalog_loads() {
        let c = load(&[file("vendors/acme.toml", VENDOR), file("lists/test-ban.toml", LIST)]).expect("valid");
        assert_eq!(c.vendors[0].identifiers[0].label(), "package.deb:acme-agent");
        assert_eq!(c.lists[0].final_deadline().map(|d| d.date.to_string()).as_deref(), Some("2020-02-01"));
    }

    #[test]
    fn every_problem_is_reported_with_file_and_line() {
        let bad_vendor = r#"[vendor]
id = "acme"
name = "Acme"
sources = []

[[identifier]]
kind = "team-id"
value = "abc"
sources = ["https://example.org"]

[[identifier]]
kind = "usb"
value = "12d1"

[[identifier]]
kind = "package"
value = "x"
sources = ["s"]
"#;
        let bad_list = r#"[list]
id = "test-ban"
title = "T"
authority = "A"
binding = true
published = "2017-13-01"
sources = ["ftp://x"]

[[covers]]
vendor = "nobody"
scope = "all"
"#;
        let diags =
            load(&[file("vendors/acme.toml", bad_vendor), file("lists/test-ban.toml", bad_list)]).expect_err("invalid");
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        let has = |needle: &str, line: usize| {
            assert!(
                diags.iter().any(|d| d.message.contains(needle) && d.line == line),
                "expected {needle:?} at line {line} in {text:#?}"
            )
        };
        has("vendor \"acme\" has no `sources`", 1);
        has("Apple Team ID is 10", 6);
        has("identifier usb \"12d1\" has no `sources`", 11);
        has("a package needs `ecosystem`", 15);
        has("expected a date", 1);
        has("not an http(s) URL", 1);
        has("covers unknown vendor \"nobody\"", 9);
        assert!(text.iter().all(|t| t.starts_with("t/")), "{text:?}");
    }

    #[test]
    fn toml_syntax_errors_have_a_position() {
        let diags = load(&[file("vendors/acme.toml", "[vendor\nid=")]).expect_err("invalid");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 1);
    }

    #[test]
    fn a_users_file_extends_a_known_vendor() {
        let extra = r#"[vendor]
id = "acme"
name = "Acme Widgets Co., Ltd."
aliases = ["Acme"]
sources = ["https://example.org/own"]

[[identifier]]
kind = "package"
ecosystem = "rpm"
value = "acme-agent"
sources = ["internal asset register"]
"#;
        let mut second = file("vendors/acme.toml", extra);
        second.name = "user/vendors/acme.toml".into();
        let c = load(&[file("vendors/acme.toml", VENDOR), second]).expect("valid");
        assert_eq!(c.vendors.len(), 1);
        assert_eq!(c.vendors[0].identifiers.len(), 2);
        assert_eq!(c.vendors[0].aliases, vec!["Acme".to_string()]);
    }

    #[test]
    fn identifier_forms() {
        assert!(value_problem(IdKind::TeamId, "2Y8XE5CQ94", None).is_none());
        assert!(value_problem(IdKind::TeamId, "2y8xe5cq94", None).is_some());
        assert!(value_problem(IdKind::AppId, "dji.pilot", None).is_none());
        assert!(value_problem(IdKind::AppId, "tiktok", None).is_some());
        assert!(value_problem(IdKind::Usb, "12D1", None).is_none());
        assert!(value_problem(IdKind::Usb, "12d", None).is_some());
        assert!(value_problem(IdKind::ExtensionId, "ahkjpbeeocnddjkakilopmfdlnjdpcdm", None).is_none());
        assert!(value_problem(IdKind::ExtensionId, "ahkjpbeeocnddjkakilopmfdlnjdpcdz", None).is_some());
        assert!(firefox_extension_problem("kaspersky-protection-2020").is_none());
        assert!(firefox_extension_problem("light_plugin_ACF0E80077C511E59DED005056C00008@kaspersky.com").is_none());
        assert!(firefox_extension_problem("{ec8030f7-c20a-464f-9b0e-13a3a9e97384}").is_none());
        assert!(firefox_extension_problem("Kaspersky Protection").is_some());
        assert!(value_problem(IdKind::Domain, "tiktokv.com", None).is_none());
        assert!(value_problem(IdKind::Domain, "TikTok.com", None).is_some());
        assert!(value_problem(IdKind::Package, "kesl", Some("deb")).is_none());
        assert!(value_problem(IdKind::Package, "kesl", Some("debian")).is_some());
        assert!(value_problem(IdKind::Signer, " AO Kaspersky Lab", None).is_some());
    }
}
