//! Attribution: artifacts in, findings out.
//!
//! The catalog is compiled once ([`Matcher::new`]) into hash indexes keyed by normalised names
//! and exact identifiers, plus one Aho-Corasick automaton over every vendor name for finding
//! mentions in free text. Evaluation is pure: the same artifacts, catalog, selection and date
//! give the same findings.
//!
//! What counts (CONTRACT "Confidence"):
//! - a publisher-role field whose normalised value *is* a vendor name, alias, brand or signer
//!   name is `likely`;
//! - a catalog package name of the artifact's own ecosystem is `possible` alone, and `confirmed`
//!   together with a publisher field naming the same vendor;
//! - a homepage on a vendor's domain is `possible`;
//! - a path at or under a catalog `install-path` (a launchd job's program, a service's binary)
//!   is `possible`, matched on whole path components;
//! - a browser extension id is `likely` alone (a second organisation can carry the same id) and
//!   `confirmed` together with a publisher field naming the same vendor or an extension name that
//!   is the identifier's product;
//! - free text (summaries, descriptions) is never evidence: a package that mentions a vendor is
//!   not the vendor's product.
//!
//! A finding exists only where a selected list covers the vendor (or an owner of it) for this
//! kind of product on the evaluation date.

use crate::catalog::{Catalog, Cover, IdKind, List, ListKind, ListStatus, Scope, Vendor};
use crate::mac::Mac;
use crate::model::{Artifact, ArtifactKind, Confidence, Evidence, Finding, ListRef, Role, finding_id};
use crate::normalize;
use crate::policy::AllowRule;
use crate::purl::Purl;
use aho_corasick::AhoCorasick;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Index into the catalog: (vendor, identifier) or (vendor, name) positions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdRef {
    pub(crate) vendor: usize,
    pub(crate) ident: Option<usize>,
}

/// Which lists a scan applies.
#[derive(Debug, Clone)]
pub struct Selection {
    lists: Vec<usize>,
}

impl Selection {
    /// Every binding ban list that is in force: the default of CONTRACT. A list that says
    /// `default = false` (an origin rule of another country) is applied only when chosen.
    pub fn default_for(catalog: &Catalog) -> Self {
        Self {
            lists: catalog
                .lists
                .iter()
                .enumerate()
                .filter(|(_, l)| l.default && l.status == ListStatus::InForce && l.kind == ListKind::Ban)
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The lists a selector names: a list id, or `country:US`, `authority:TEXT`,
    /// `jurisdiction:TEXT` (case-insensitive; TEXT is a part of the field).
    pub fn select<'c>(catalog: &'c Catalog, selector: &str) -> Vec<&'c List> {
        let contains = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
        catalog
            .lists
            .iter()
            .filter(|l| match selector.split_once(':') {
                Some(("country", c)) => l.country.eq_ignore_ascii_case(c),
                Some(("authority", t)) => contains(&l.authority, t),
                Some(("jurisdiction", t)) => contains(&l.jurisdiction, t),
                _ => l.id == selector,
            })
            .collect()
    }

    /// The lists the selectors name, in the catalog's order. Selectors that name nothing are
    /// returned as the error.
    pub fn of_ids(catalog: &Catalog, selectors: &[String]) -> Result<Self, Vec<String>> {
        let unknown: Vec<String> = selectors.iter().filter(|s| Self::select(catalog, s).is_empty()).cloned().collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let chosen: Vec<&str> =
            selectors.iter().flat_map(|s| Self::select(catalog, s)).map(|l| l.id.as_str()).collect();
        Ok(Self {
            lists: catalog
                .lists
                .iter()
                .enumerate()
                .filter(|(_, l)| chosen.contains(&l.id.as_str()))
                .map(|(i, _)| i)
                .collect(),
        })
    }

    pub fn ids<'a>(&self, catalog: &'a Catalog) -> Vec<&'a str> {
        self.lists.iter().map(|i| catalog.lists[*i].id.as_str()).collect()
    }
}

/// A catalog identifier with the selected lists that cover it.
#[derive(Debug, Clone)]
pub struct InForce<'c> {
    pub vendor: &'c Vendor,
    pub identifier: &'c crate::catalog::Identifier,
    pub lists: Vec<String>,
}

/// What one artifact came to: its findings, and whether any catalog vendor was named as its
/// maker (an approved-vendor policy counts the artifacts it could not judge).
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub attributed: bool,
}

/// Shared list references, by list index and qualifier.
type ListRefs = HashMap<(usize, Option<String>), Arc<ListRef>>;

/// The compiled catalog.
pub struct Matcher<'c> {
    catalog: &'c Catalog,
    /// Normalised vendor names, aliases, brands, signers and store-developer names.
    names: HashMap<String, Vec<IdRef>>,
    /// (ecosystem, package name) → identifiers.
    packages: HashMap<(String, String), Vec<IdRef>>,
    /// Domain → identifiers.
    domains: HashMap<String, Vec<IdRef>>,
    /// (kind, lower-cased value) → identifiers, for exact identifiers (app ids, Team IDs, …).
    exact: HashMap<(IdKind, String), Vec<IdRef>>,
    /// Purl namespace prefixes (few: a scan of them is cheaper than an index).
    purl_namespaces: Vec<(String, IdRef)>,
    /// Every vendor name as a padded key, for token-boundary mentions.
    mention_keys: Vec<(usize, String)>,
    mentions: Option<AhoCorasick>,
    /// The list references handed out so far, by list and qualifier: every finding under the
    /// same list shares one (a `Mutex`, as a server's threads share one matcher).
    list_refs: Mutex<ListRefs>,
}

/// What one artifact says about one vendor.
#[derive(Default)]
struct VendorEvidence {
    evidence: Vec<Evidence>,
    idents: Vec<usize>,
    by_publisher: bool,
    by_package: bool,
    by_signer: bool,
    /// A browser extension id of the catalog matched.
    by_extension: bool,
    /// A publisher-role field is the vendor's legal name itself (not an alias).
    by_legal_name: bool,
    /// A catalog root CA's name matched (a trust store's certificate subject).
    by_root_ca: bool,
}

impl<'c> Matcher<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        let mut names: HashMap<String, Vec<IdRef>> = HashMap::new();
        let mut packages: HashMap<(String, String), Vec<IdRef>> = HashMap::new();
        let mut domains: HashMap<String, Vec<IdRef>> = HashMap::new();
        let mut exact: HashMap<(IdKind, String), Vec<IdRef>> = HashMap::new();
        let mut purl_namespaces = Vec::new();
        let mut mention_keys = Vec::new();
        for (vi, v) in catalog.vendors.iter().enumerate() {
            for n in v.names() {
                let k = normalize::key(n);
                if !k.is_empty() {
                    names.entry(k.clone()).or_default().push(IdRef { vendor: vi, ident: None });
                    mention_keys.push((vi, normalize::padded(&k)));
                }
            }
            for (ii, id) in v.identifiers.iter().enumerate() {
                let r = IdRef { vendor: vi, ident: Some(ii) };
                match id.kind {
                    IdKind::Signer | IdKind::Brand | IdKind::StoreDeveloper => {
                        let k = normalize::key(&id.value);
                        if !k.is_empty() {
                            names.entry(k.clone()).or_default().push(r);
                            if id.kind == IdKind::Brand {
                                mention_keys.push((vi, normalize::padded(&k)));
                            }
                        }
                    }
                    IdKind::Package => {
                        if let Some(eco) = &id.ecosystem {
                            packages.entry((eco.clone(), id.value.to_lowercase())).or_default().push(r);
                        }
                    }
                    IdKind::Domain => domains.entry(id.value.to_lowercase()).or_default().push(r),
                    IdKind::PurlNamespace => purl_namespaces.push((id.value.clone(), r)),
                    _ => {}
                }
                exact.entry((id.kind, exact_key(id.kind, &id.value))).or_default().push(r);
            }
        }
        for refs in names.values_mut() {
            refs.dedup_by_key(|r| r.vendor);
        }
        let mentions = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(mention_keys.iter().map(|(_, k)| k.as_str()))
            .ok();
        Self {
            catalog,
            names,
            packages,
            domains,
            exact,
            purl_namespaces,
            mention_keys,
            mentions,
            list_refs: Mutex::default(),
        }
    }

    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
    }

    /// Vendors whose name occurs in `text` on token boundaries. For screening and for telling
    /// a mention apart from an attribution; never evidence on its own.
    pub fn mentions(&self, text: &str) -> Vec<&'c str> {
        let Some(ac) = &self.mentions else {
            return Vec::new();
        };
        let hay = normalize::padded(&normalize::key(text));
        let mut out: Vec<&str> = ac
            .find_overlapping_iter(&hay)
            .map(|m| self.catalog.vendors[self.mention_keys[m.pattern().as_usize()].0].id.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The vendors a publisher-like value names (equality of normalised names).
    pub fn vendors_named(&self, value: &str) -> Vec<&'c Vendor> {
        let k = normalize::key(value);
        self.names.get(&k).map_or_else(Vec::new, |refs| refs.iter().map(|r| &self.catalog.vendors[r.vendor]).collect())
    }

    fn domain_refs(&self, url: &str) -> Vec<IdRef> {
        let host = url.split("://").nth(1).unwrap_or(url);
        let host = host.split(['/', ':', '?', '#']).next().unwrap_or("").to_ascii_lowercase();
        let host = host.trim_end_matches('.');
        let mut out = Vec::new();
        let mut cur = host;
        loop {
            if let Some(r) = self.domains.get(cur) {
                out.extend(r.iter().copied());
            }
            match cur.split_once('.') {
                Some((_, rest)) if rest.contains('.') => cur = rest,
                _ => break,
            }
        }
        out
    }

    /// Install-path identifiers that `path` is, or lies under (whole components: `/opt/kaspersky`
    /// does not cover `/opt/kasperskyish`).
    fn install_path_refs(&self, path: &str) -> Vec<IdRef> {
        let mut out = Vec::new();
        let mut cur = path.trim();
        while cur.len() > 1 && cur.ends_with('/') {
            cur = &cur[..cur.len() - 1];
        }
        // `..` and `.` components make no ancestors: such a path is taken as written only.
        let plain = !cur.split('/').any(|c| c == ".." || c == ".");
        while cur.starts_with('/') && cur.len() > 1 {
            if let Some(r) = self.exact.get(&(IdKind::InstallPath, cur.to_string())) {
                out.extend(r.iter().copied());
            }
            if !plain {
                break;
            }
            match cur.rfind('/') {
                Some(i) if i > 0 => cur = &cur[..i],
                _ => break,
            }
        }
        out
    }

    /// Catalog banners a `Server`-like header carries: the whole value, or its product token
    /// with and without a version (`App-webs/2.1` carries `App-webs/` and `App-webs`). Exact and
    /// case-sensitive, as fingerprint tables match them; a substring never counts (`Hikvision`
    /// inside a third-party server's comment is not the camera's banner).
    fn banner_refs(&self, value: &str) -> Vec<IdRef> {
        let value = value.trim();
        let token = value.split([' ', '(']).next().unwrap_or("");
        let product = token.split('/').next().unwrap_or("");
        let mut keys = vec![value.to_string(), token.to_string()];
        if token.contains('/') {
            keys.push(format!("{product}/"));
            keys.push(product.to_string());
        }
        keys.dedup();
        let mut out: Vec<IdRef> = Vec::new();
        for k in keys.iter().filter(|k| !k.is_empty()) {
            for r in self.exact.get(&(IdKind::Banner, k.clone())).into_iter().flatten() {
                if !out.iter().any(|o| o.vendor == r.vendor && o.ident == r.ident) {
                    out.push(*r);
                }
            }
        }
        out
    }

    /// Model-prefix identifiers a model or part number starts with. A prefix ending in a letter
    /// must not run on into another letter (`CT` names `CT1000MX500SSD1`, not `CTRL-9`).
    fn model_prefix_refs(&self, model: &str) -> Vec<IdRef> {
        let model = model.trim();
        let mut out = Vec::new();
        for (vi, v) in self.catalog.vendors.iter().enumerate() {
            for (ii, id) in v.identifiers.iter().enumerate().filter(|(_, i)| i.kind == IdKind::ModelPrefix) {
                let Some(rest) = model.strip_prefix(id.value.as_str()) else { continue };
                let runs_on = id.value.ends_with(|c: char| c.is_ascii_alphabetic())
                    && rest.starts_with(|c: char| c.is_ascii_alphabetic());
                if !runs_on {
                    out.push(IdRef { vendor: vi, ident: Some(ii) });
                }
            }
        }
        out
    }

    /// The vendors (and identifiers) a normalised name key names.
    pub(crate) fn name_refs(&self, key: &str) -> &[IdRef] {
        self.names.get(key).map_or(&[], Vec::as_slice)
    }

    /// Whether the identifier behind a reference belongs to its vendor on `today` (names and
    /// aliases always do; a brand sold stops).
    pub(crate) fn live(&self, r: IdRef, today: Date) -> bool {
        r.ident.is_none_or(|i| self.catalog.vendors[r.vendor].identifiers[i].in_force(today))
    }

    pub(crate) fn ident_label(&self, r: IdRef, fallback_name: &str) -> String {
        match r.ident {
            Some(i) => self.catalog.vendors[r.vendor].identifiers[i].label(),
            None => format!("name:{fallback_name}"),
        }
    }

    /// What the artifact says about each vendor.
    fn gather(&self, a: &Artifact, today: Date) -> BTreeMap<usize, VendorEvidence> {
        let mut per: BTreeMap<usize, VendorEvidence> = BTreeMap::new();
        let eco = a.kind.ecosystem();
        for f in &a.fields {
            match f.role {
                Role::Publisher => {
                    let k = normalize::key(&f.value);
                    for r in self.names.get(&k).into_iter().flatten().filter(|r| self.live(**r, today)) {
                        let v = &self.catalog.vendors[r.vendor];
                        let alias = v.names().find(|n| normalize::key(n) == k).unwrap_or(&v.name).to_string();
                        let e = per.entry(r.vendor).or_default();
                        e.by_publisher = true;
                        e.by_legal_name |= normalize::key(&v.name) == k;
                        e.idents.extend(r.ident);
                        e.evidence.push(Evidence {
                            field: f.field.clone(),
                            value: f.value.clone(),
                            identifier: self.ident_label(*r, &alias),
                            strength: Confidence::Likely,
                            note: None,
                        });
                    }
                }
                Role::Name => {
                    let Some(eco) = eco else { continue };
                    let key = (eco.to_string(), f.value.to_lowercase());
                    for r in self.packages.get(&key).into_iter().flatten().filter(|r| self.live(**r, today)) {
                        let e = per.entry(r.vendor).or_default();
                        e.by_package = true;
                        e.idents.extend(r.ident);
                        e.evidence.push(Evidence {
                            field: f.field.clone(),
                            value: f.value.clone(),
                            identifier: self.ident_label(*r, &f.value),
                            strength: Confidence::Possible,
                            note: None,
                        });
                    }
                }
                Role::Homepage => {
                    for r in self.domain_refs(&f.value).into_iter().filter(|r| self.live(*r, today)) {
                        let e = per.entry(r.vendor).or_default();
                        e.idents.extend(r.ident);
                        e.evidence.push(Evidence {
                            field: f.field.clone(),
                            value: f.value.clone(),
                            identifier: self.ident_label(r, &f.value),
                            strength: Confidence::Possible,
                            note: None,
                        });
                    }
                }
                Role::Identifier(IdKind::Package) if f.value.starts_with("pkg:") => {
                    let Some(purl) = Purl::parse(&f.value) else {
                        continue;
                    };
                    let mut hits: Vec<(IdRef, Confidence, bool)> = Vec::new();
                    if let Some(eco) = purl.ecosystem() {
                        let key = (eco.to_string(), purl.package_name().to_lowercase());
                        hits.extend(
                            self.packages.get(&key).into_iter().flatten().map(|r| (*r, Confidence::Possible, true)),
                        );
                    }
                    for (prefix, r) in &self.purl_namespaces {
                        if purl.under(prefix) {
                            hits.push((*r, strength_of(IdKind::PurlNamespace), false));
                        }
                    }
                    for (r, strength, is_package) in hits.into_iter().filter(|h| self.live(h.0, today)) {
                        let e = per.entry(r.vendor).or_default();
                        e.by_package |= is_package;
                        e.idents.extend(r.ident);
                        e.evidence.push(Evidence {
                            field: f.field.clone(),
                            value: f.value.clone(),
                            identifier: self.ident_label(r, &f.value),
                            strength,
                            note: None,
                        });
                    }
                }
                Role::Mac => {
                    let Some(mac) = Mac::parse(&f.value) else { continue };
                    let Some(asg) = self.catalog.oui.lookup_mac(mac) else { continue };
                    let Some(vi) = self.catalog.vendors.iter().position(|v| v.id == asg.vendor) else { continue };
                    let v = &self.catalog.vendors[vi];
                    let ii = v.identifiers.iter().position(|i| i.kind == IdKind::OuiOrg && i.value == asg.organization);
                    let e = per.entry(vi).or_default();
                    e.idents.extend(ii);
                    e.evidence.push(Evidence {
                        field: f.field.clone(),
                        value: format!("{mac} (IEEE {} {})", asg.registry, asg.prefix),
                        identifier: format!("oui-org:{}", asg.organization),
                        strength: strength_of(IdKind::OuiOrg),
                        note: None,
                    });
                }
                Role::Identifier(kind) => {
                    let refs = match kind {
                        IdKind::Domain => self.domain_refs(&f.value),
                        IdKind::InstallPath => self.install_path_refs(&f.value),
                        IdKind::Banner => self.banner_refs(&f.value),
                        IdKind::ModelPrefix => self.model_prefix_refs(&f.value),
                        _ => self.exact.get(&(kind, exact_key(kind, &f.value))).cloned().unwrap_or_default(),
                    };
                    for r in refs.into_iter().filter(|r| self.live(*r, today)) {
                        let e = per.entry(r.vendor).or_default();
                        e.by_extension |= kind == IdKind::ExtensionId;
                        e.by_root_ca |= kind == IdKind::RootCa;
                        e.idents.extend(r.ident);
                        e.evidence.push(Evidence {
                            field: f.field.clone(),
                            value: f.value.clone(),
                            identifier: self.ident_label(r, &f.value),
                            strength: strength_of(kind),
                            note: None,
                        });
                    }
                }
                Role::Signer => {
                    let k = normalize::key(&f.value);
                    for r in self.names.get(&k).into_iter().flatten().filter(|r| self.live(**r, today)) {
                        let e = per.entry(r.vendor).or_default();
                        e.by_signer = true;
                        e.idents.extend(r.ident);
                        e.evidence.push(Evidence {
                            field: f.field.clone(),
                            value: f.value.clone(),
                            identifier: self.ident_label(*r, &f.value),
                            strength: Confidence::Confirmed,
                            note: None,
                        });
                    }
                }
                Role::Text | Role::Other => {}
            }
        }
        per
    }

    /// The categories the artifact falls in for this vendor: the matched identifiers' own, and
    /// for installed software the software-like categories the vendor makes.
    pub(crate) fn categories(&self, vendor: &Vendor, a: &Artifact, idents: &[usize]) -> HashSet<String> {
        let mut out: HashSet<String> = HashSet::new();
        for i in idents {
            out.extend(vendor.categories_of(&vendor.identifiers[*i]).iter().cloned());
        }
        out.extend(a.kind.own_categories().iter().map(|c| c.to_string()));
        if a.kind == ArtifactKind::NetworkDevice {
            // A device on the wire that is attributed to a vendor is that vendor's equipment.
            out.extend(vendor.equipment.iter().cloned());
        }
        if a.kind == ArtifactKind::Product {
            // A row of a retail feed says nothing of its category: it may be anything the
            // vendor sells.
            out.extend(vendor.makes.iter().chain(&vendor.equipment).cloned());
        } else if a.kind.is_software() {
            out.insert("software".into());
            out.extend(
                vendor.makes.iter().filter(|c| matches!(c.as_str(), "security-software" | "mobile-app")).cloned(),
            );
        }
        out
    }

    pub(crate) fn cover_applies(
        &self,
        cover: &Cover,
        vendor: &Vendor,
        product: Option<&str>,
        idents: &[usize],
        cats: &HashSet<String>,
        today: Date,
    ) -> bool {
        if cover.since.is_some_and(|d| d > today) || cover.until.is_some_and(|d| d <= today) {
            return false;
        }
        match cover.scope {
            Scope::All => true,
            Scope::Products => {
                let named = |p: &str| cover.products.iter().any(|c| c.eq_ignore_ascii_case(p));
                product.is_some_and(named)
                    || idents.iter().any(|i| {
                        let id = &vendor.identifiers[*i];
                        named(&id.value) || id.product.as_deref().is_some_and(named)
                    })
            }
            Scope::Categories => cover.categories.iter().any(|c| cats.contains(c)),
            Scope::Origin => false,
        }
    }

    /// Whether an origin entry covers a vendor (its `lineage`, nearest first) for an artifact
    /// in `cats` on `today`: the vendor's (or an owner's) country, the entry's categories if it
    /// names any, its dates and its exceptions.
    pub(crate) fn origin_applies(
        &self,
        cover: &Cover,
        lineage: &[&Vendor],
        cats: &HashSet<String>,
        today: Date,
    ) -> bool {
        if cover.since.is_some_and(|d| d > today) || cover.until.is_some_and(|d| d <= today) {
            return false;
        }
        (cover.categories.is_empty() || cover.categories.iter().any(|c| cats.contains(c)))
            && cover.covers_origin(lineage)
    }

    /// The shared reference to list `li` under `qualifier`.
    fn list_ref(&self, li: usize, qualifier: Option<String>) -> Arc<ListRef> {
        let make = |qualifier: Option<String>| {
            let list: &List = &self.catalog.lists[li];
            Arc::new(ListRef {
                id: list.id.clone(),
                title: list.title.clone(),
                authority: list.authority.clone(),
                deadline: list.final_deadline().map(|d| d.date.to_string()),
                binding: list.binding,
                qualifier,
            })
        };
        // A poisoned lock (a panic elsewhere while it was held) only loses the sharing.
        let Ok(mut refs) = self.list_refs.lock() else { return make(qualifier) };
        refs.entry((li, qualifier)).or_insert_with_key(|(_, q)| make(q.clone())).clone()
    }

    /// The selected lists that cover this vendor's artifact, with the qualifier of each.
    pub(crate) fn covering(
        &self,
        selection: &Selection,
        vendor_idx: usize,
        product: Option<&str>,
        idents: &[usize],
        cats: &HashSet<String>,
        today: Date,
    ) -> Vec<Arc<ListRef>> {
        self.covering_with(selection, vendor_idx, product, idents, cats, today, true)
    }

    /// [`Self::covering`], with origin entries considered only if `by_origin`.
    #[allow(clippy::too_many_arguments)]
    fn covering_with(
        &self,
        selection: &Selection,
        vendor_idx: usize,
        product: Option<&str>,
        idents: &[usize],
        cats: &HashSet<String>,
        today: Date,
        by_origin: bool,
    ) -> Vec<Arc<ListRef>> {
        let vendor = &self.catalog.vendors[vendor_idx];
        let owners = self.catalog.lineage(&vendor.id);
        let lineage: Vec<&str> = owners.iter().map(|v| v.id.as_str()).collect();
        let mut out = Vec::new();
        for li in &selection.lists {
            let list: &List = &self.catalog.lists[*li];
            // An approved-vendor list bans nothing: it is applied through the policy's
            // `allow_lists` ([`AllowRule`]).
            if list.kind == ListKind::Allow {
                continue;
            }
            let mut qualifiers = Vec::new();
            let mut covered = false;
            for c in list.covers.iter().filter(|c| c.scope == Scope::Origin || lineage.contains(&c.vendor.as_str())) {
                let applies = if c.scope == Scope::Origin {
                    by_origin && self.origin_applies(c, &owners, cats, today)
                } else {
                    self.cover_applies(c, vendor, product, idents, cats, today)
                };
                if applies {
                    covered = true;
                    if !c.qualifier.is_empty() && !qualifiers.contains(&c.qualifier) {
                        qualifiers.push(c.qualifier.clone());
                    }
                }
            }
            if covered {
                out.push(self.list_ref(*li, (!qualifiers.is_empty()).then(|| qualifiers.join("; "))));
            }
        }
        out
    }

    /// Every catalog identifier that a selected list covers on `today`, with those lists' ids:
    /// what an export may block. An identifier of a product-scoped list (TikTok) is in force
    /// only if it names that product; an equipment identifier only for lists that cover the
    /// vendor's equipment.
    pub fn identifiers_in_force(&self, selection: &Selection, today: Date) -> Vec<InForce<'c>> {
        let mut out = Vec::new();
        for (vi, v) in self.catalog.vendors.iter().enumerate() {
            for (ii, id) in v.identifiers.iter().enumerate().filter(|(_, id)| id.in_force(today)) {
                let mut cats: HashSet<String> = v.categories_of(id).iter().cloned().collect();
                if !id.kind.is_equipment() {
                    cats.insert("software".into());
                }
                let lists = self.covering(selection, vi, id.product.as_deref(), &[ii], &cats, today);
                if !lists.is_empty() {
                    out.push(InForce {
                        vendor: v,
                        identifier: id,
                        lists: lists.iter().map(|l| l.id.clone()).collect(),
                    });
                }
            }
        }
        out
    }

    /// Every finding for one artifact under the selected lists on `today`.
    pub fn evaluate(&self, a: &Artifact, selection: &Selection, today: Date) -> Vec<Finding> {
        self.evaluate_with(a, selection, &[], today).findings
    }

    /// The approved-vendor rules an artifact of this vendor breaks, as the lists of a finding:
    /// a rule judges the artifact when its category (if any) is the artifact's and it names
    /// vendors, or one of its allow-lists speaks to the artifact's categories; it is broken
    /// when neither a named vendor (or an owner) nor an entry of those lists admits the vendor.
    fn disallowed(
        &self,
        rules: &[AllowRule],
        vendor_idx: usize,
        product: Option<&str>,
        idents: &[usize],
        cats: &HashSet<String>,
        today: Date,
    ) -> Vec<Arc<ListRef>> {
        let vendor = &self.catalog.vendors[vendor_idx];
        let owners = self.catalog.lineage(&vendor.id);
        let mut out = Vec::new();
        for rule in rules {
            if rule.category.as_ref().is_some_and(|c| !cats.contains(c)) {
                continue;
            }
            let mut judges = !rule.vendors.is_empty();
            let mut allowed = owners.iter().any(|v| rule.vendors.contains(&v.id));
            for list in rule.lists.iter().filter_map(|id| self.catalog.list(id)) {
                for c in &list.covers {
                    if !(c.categories.is_empty() || c.categories.iter().any(|x| cats.contains(x))) {
                        continue;
                    }
                    judges = true;
                    allowed |= if c.scope == Scope::Origin {
                        self.origin_applies(c, &owners, cats, today)
                    } else {
                        owners.iter().any(|v| v.id == c.vendor)
                            && self.cover_applies(c, vendor, product, idents, cats, today)
                    };
                }
            }
            if judges && !allowed {
                out.push(Arc::new(ListRef {
                    id: rule.id(),
                    title: format!("Not an approved vendor ({})", rule.describe()),
                    authority: format!("policy {}", rule.source),
                    deadline: None,
                    binding: true,
                    qualifier: None,
                }));
            }
        }
        out
    }

    /// Every finding for one artifact under the selected lists and the policy's approved-vendor
    /// rules on `today`, and whether a catalog vendor was named as its maker at all.
    pub fn evaluate_with(&self, a: &Artifact, selection: &Selection, allow: &[AllowRule], today: Date) -> Evaluation {
        let mut out = Vec::new();
        let signed = a.fields.iter().any(|f| f.role == Role::Signer);
        let gathered = self.gather(a, today);
        let attributed = !gathered.is_empty();
        for (vi, mut ve) in gathered {
            let vendor = &self.catalog.vendors[vi];
            let mut confidence = ve.evidence.iter().map(|e| e.strength).max().unwrap_or(Confidence::Possible);
            if ve.by_package && ve.by_publisher {
                confidence = Confidence::Confirmed;
            }
            // An extension id is shared at times (CONTRACT's ESET caveat): it confirms only with
            // the vendor named as its author or the extension named as the catalog's product.
            if ve.by_extension {
                let product = self.extension_product_named(vendor, a, &ve.idents);
                if let Some(p) = &product {
                    ve.evidence.push(Evidence {
                        field: "name".into(),
                        value: a.name.clone(),
                        identifier: format!("product:{p}"),
                        strength: Confidence::Possible,
                        note: None,
                    });
                }
                if ve.by_publisher || product.is_some() {
                    confidence = Confidence::Confirmed;
                }
            }
            // A certificate whose subject CN is the vendor's catalogued root CA and whose subject
            // O is the vendor's legal name: the vendor's own root, not a look-alike name.
            if ve.by_root_ca && ve.by_legal_name {
                confidence = Confidence::Confirmed;
            }
            // A signature by another company contradicts what the file says about its maker.
            if signed && !ve.by_signer {
                match confidence.lowered() {
                    Some(c) => confidence = c,
                    None => continue,
                }
            }
            ve.idents.sort_unstable();
            ve.idents.dedup();
            let product = ve.idents.iter().find_map(|i| vendor.identifiers[*i].product.clone());
            let cats = self.categories(vendor, a, &ve.idents);
            // Every trust store holds the roots of foreign certificate authorities: such a
            // certificate is no product of its vendor installed, so origin rules and approved-vendor
            // policies judge a certificate only when it is a catalogued root a product installs.
            let incidental = a.kind == ArtifactKind::Certificate
                && !ve.idents.iter().any(|i| vendor.identifiers[*i].kind == IdKind::RootCa);
            let mut lists =
                self.covering_with(selection, vi, product.as_deref(), &ve.idents, &cats, today, !incidental);
            if !allow.is_empty() && !incidental {
                lists.extend(self.disallowed(allow, vi, product.as_deref(), &ve.idents, &cats, today));
            }
            if lists.is_empty() {
                continue;
            }
            let mut notes = Vec::new();
            let only_fingerprints = ve
                .evidence
                .iter()
                .all(|e| e.identifier.starts_with("banner:") || e.identifier.starts_with("http-path:"));
            if a.kind == ArtifactKind::NetworkDevice && only_fingerprints {
                notes.push(format!(
                    "found only by its web banner or paths: OEM equipment sold under other brands can carry {}'s \
                     firmware and banner; confirm by the device's MAC (IEEE OUI) or its label",
                    vendor.name
                ));
            }
            out.push(Finding {
                notes,
                id: finding_id(a, &vendor.id),
                vendor: vendor.id.clone(),
                vendor_name: vendor.name.clone(),
                product,
                confidence,
                lists,
                artifact: a.into(),
                evidence: ve.evidence,
                waiver: None,
                remediation: remediation(a),
            });
        }
        Evaluation { findings: out, attributed }
    }
}

impl Matcher<'_> {
    /// The product of a matched extension identifier that the artifact is named as, if any.
    fn extension_product_named(&self, vendor: &Vendor, a: &Artifact, idents: &[usize]) -> Option<String> {
        let name = normalize::key(&a.name);
        if name.is_empty() {
            return None;
        }
        idents.iter().find_map(|i| {
            let id = &vendor.identifiers[*i];
            let p = id.product.as_deref().filter(|p| id.kind == IdKind::ExtensionId && normalize::key(p) == name)?;
            Some(p.to_string())
        })
    }
}

/// How an identifier value is compared: case-insensitively where its owner's system ignores
/// case (Windows services, drivers and file names, hex ids, domains), exactly otherwise (Team IDs
/// and app ids are case-sensitive).
fn exact_key(kind: IdKind, value: &str) -> String {
    match kind {
        IdKind::Service
        | IdKind::Driver
        | IdKind::Process
        | IdKind::FileName
        | IdKind::Usb
        | IdKind::Pci
        | IdKind::Domain
        | IdKind::ExtensionId => value.trim().to_lowercase(),
        _ => value.trim().to_string(),
    }
}

/// What an exact identifier proves on its own (CONTRACT "Confidence"): identities that are not
/// said by accident confirm; fields that name a maker are likely; names alone are possible.
pub fn strength_of(kind: IdKind) -> Confidence {
    match kind {
        IdKind::Signer
        | IdKind::TeamId
        | IdKind::AppId
        | IdKind::BundleId
        | IdKind::Usb
        | IdKind::Pci
        | IdKind::OuiOrg
        | IdKind::GtinPrefix => Confidence::Confirmed,
        // A second organisation can carry the same extension id; a banner can be carried by
        // OEM equipment; a root CA or store account names the maker but proves no install; a
        // purl namespace is where the vendor publishes (a Maven group, an npm scope, a Go
        // module path): who wrote the code, like a supplier field.
        IdKind::ExtensionId
        | IdKind::Banner
        | IdKind::RootCa
        | IdKind::StoreDeveloper
        | IdKind::Brand
        | IdKind::PurlNamespace => Confidence::Likely,
        IdKind::Package
        | IdKind::Service
        | IdKind::Driver
        | IdKind::Process
        | IdKind::Domain
        | IdKind::HttpPath
        | IdKind::FileName
        | IdKind::InstallPath
        | IdKind::ModelPrefix => Confidence::Possible,
        // The processor itself answers CPUID; a hypervisor passes the host's string through.
        IdKind::CpuVendor => Confidence::Confirmed,
    }
}

/// The first value of a field the collector recorded.
fn field<'a>(a: &'a Artifact, name: &str) -> Option<&'a str> {
    a.fields.iter().find(|f| f.field == name).map(|f| f.value.as_str())
}

/// How to remove the artifact, where delist knows.
pub fn remediation(a: &Artifact) -> Option<String> {
    let n = &a.name;
    Some(match a.kind {
        ArtifactKind::Deb => format!("apt-get purge {n}"),
        ArtifactKind::Rpm => format!("dnf remove {n}"),
        ArtifactKind::Apk => format!("apk del {n}"),
        ArtifactKind::Pacman => format!("pacman -Rns {n}"),
        ArtifactKind::Snap => format!("snap remove --purge {n}"),
        ArtifactKind::Flatpak => format!("flatpak uninstall --delete-data {n}"),
        ArtifactKind::Brew => format!("brew uninstall {n}"),
        ArtifactKind::BrewCask => format!("brew uninstall --cask --zap {n}"),
        ArtifactKind::MdmApp => {
            format!("remove {n} with the device's management (an MDM uninstall or removal policy) and block reinstalls")
        }
        ArtifactKind::Executable
        | ArtifactKind::AppBundle
        | ArtifactKind::Installer
        | ArtifactKind::MobileApp
        | ArtifactKind::PackageFile => {
            format!("uninstall the product {n} belongs to, then delete {} if it remains", a.path)
        }
        ArtifactKind::SbomComponent | ArtifactKind::SbomService => {
            format!("replace the dependency {n} and rebuild; update the SBOM")
        }
        ArtifactKind::BrowserExtension => format!(
            "remove the extension {n} from the browser profile ({}) and block its id by browser policy \
             (ExtensionInstallBlocklist, Firefox ExtensionSettings)",
            a.path
        ),
        ArtifactKind::PkgReceipt => format!("uninstall the product package {n} installed, then pkgutil --forget {n}"),
        ArtifactKind::LaunchdJob => format!(
            "launchctl bootout the job {n} (system/ or gui/UID/), delete {}, and uninstall the product it starts",
            a.path
        ),
        ArtifactKind::KernelExtension | ArtifactKind::SystemExtension => format!(
            "uninstall the product {n} belongs to (systemextensionsctl uninstall for a system extension), then \
             delete {} if it remains",
            a.path
        ),
        ArtifactKind::Product => {
            format!("take listing {n} down from {} and hold its stock until it is cleared", a.path)
        }
        ArtifactKind::WindowsProgram => match field(a, "windows.uninstall.uninstall_string") {
            Some(u) => format!("uninstall {n}: run `{u}` (or Settings > Apps > Installed apps)"),
            None => format!("uninstall {n} from Settings > Apps > Installed apps"),
        },
        ArtifactKind::WindowsService => format!(
            "uninstall the product that installed the service {n}; if it remains: sc.exe stop {n} && sc.exe delete {n}"
        ),
        ArtifactKind::WindowsDriver => format!(
            "uninstall the product that installed the driver {n}; if it remains: sc.exe delete {n}, then reboot"
        ),
        ArtifactKind::Certificate => {
            let sha1 = a.signer.as_ref().and_then(|s| s.sha1.as_deref()).unwrap_or("");
            // Windows stores say where they are (`HKLM\SOFTWARE\…\ROOT\Certificates\…`).
            let mut steps: Vec<String> = Vec::new();
            for place in a.fields.iter().filter(|f| f.field == "certificate.store") {
                let p = place.value.to_ascii_lowercase();
                let step = if p.starts_with("hku\\") {
                    format!("certutil -user -delstore Root {sha1}")
                } else if p.contains("\\policies\\") {
                    "remove it from the Group Policy trusted root certification authorities".to_string()
                } else if p.contains("\\authroot\\") {
                    format!("certutil -delstore AuthRoot {sha1}")
                } else {
                    format!("certutil -delstore Root {sha1}")
                };
                if !steps.contains(&step) {
                    steps.push(step);
                }
            }
            if steps.is_empty() {
                format!(
                    "remove the certificate {n} from the trust store: delete {} (and every other path it is reached \
                     by) and rebuild the store (update-ca-certificates, update-ca-trust), or remove it with the \
                     system's certificate manager (security delete-certificate); then uninstall the product that put \
                     it there",
                    a.path
                )
            } else {
                format!(
                    "remove the certificate {n}: {}; then uninstall the product that installed it",
                    steps.join("; ")
                )
            }
        }
        ArtifactKind::NetworkDevice => {
            let at = a.device.ip.as_deref().filter(|ip| ip != n).map(|ip| format!(" (at {ip})")).unwrap_or_default();
            format!("locate the device {n}{at}, take it off the network and replace it")
        }
        ArtifactKind::SystemdUnit => {
            format!("systemctl disable --now {n}, then uninstall the product that installed {}", a.path)
        }
        ArtifactKind::KernelModule => {
            format!("modprobe -r {n}, then uninstall the product that ships the module and rebuild the initramfs")
        }
        ArtifactKind::Process => format!("stop {n} and uninstall the product its executable {} belongs to", a.path),
        ArtifactKind::UsbDevice => format!("disconnect the USB device {n} ({}) and replace it", a.path),
        ArtifactKind::PciDevice => format!("remove or replace the PCI device {n} ({})", a.path),
        ArtifactKind::Cpu => format!("replace the machine's processor {n} (or the machine)"),
        ArtifactKind::MemoryModule => format!("replace the memory module {n} ({})", a.path),
        ArtifactKind::StorageDevice => {
            format!("migrate the data off the storage device {n} ({}), then replace and securely dispose of it", a.path)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{SourceFile, load};
    use crate::model::Role;

    fn catalog() -> Catalog {
        let f = |rel: &str, text: &str| SourceFile { name: rel.into(), rel: rel.into(), text: text.into() };
        load(&[
            f(
                "vendors/acme.toml",
                r#"[vendor]
id = "acme"
name = "Acme Widgets Co., Ltd."
aliases = ["Acme", "Акме"]
country = "XX"
makes = ["security-software"]
equipment = ["video-surveillance-equipment"]
sources = ["https://example.org"]

[[identifier]]
kind = "package"
ecosystem = "deb"
value = "acme-agent"
product = "Acme Agent"
sources = ["https://example.org"]

[[identifier]]
kind = "package"
ecosystem = "rpm"
value = "acme-phone"
product = "Acme Phone"
sources = ["https://example.org"]

[[identifier]]
kind = "domain"
value = "acme.example"
sources = ["https://example.org"]

[[identifier]]
kind = "purl-namespace"
value = "pkg:maven/example.acme"
sources = ["https://example.org"]

[[identifier]]
kind = "root-ca"
value = "Acme Inspection Root"
sources = ["https://example.org"]
"#,
            ),
            f(
                "vendors/acme-sub.toml",
                r#"[vendor]
id = "acme-sub"
name = "Acme Subsidiary GmbH"
parent = "acme"
sources = ["https://example.org"]
"#,
            ),
            f(
                "vendors/zte.toml",
                r#"[vendor]
id = "zte"
name = "ZTE Corporation"
sources = ["https://example.org"]
"#,
            ),
            f(
                "lists/all-acme.toml",
                r#"[list]
id = "all-acme"
title = "All of Acme"
authority = "A"
binding = true
sources = ["https://example.org"]

[[covers]]
vendor = "acme"
scope = "all"
since = 2020-01-01
"#,
            ),
            f(
                "lists/phone-only.toml",
                r#"[list]
id = "phone-only"
title = "Acme Phone"
authority = "A"
binding = true
sources = ["https://example.org"]

[[covers]]
vendor = "acme"
scope = "products"
products = ["Acme Phone"]
qualifier = "on government devices"
"#,
            ),
            f(
                "lists/cameras.toml",
                r#"[list]
id = "cameras"
title = "Cameras"
authority = "A"
binding = true
sources = ["https://example.org"]

[[covers]]
vendor = "acme"
scope = "categories"
categories = ["video-surveillance-equipment"]
"#,
            ),
            f(
                "lists/advice.toml",
                r#"[list]
id = "advice"
title = "Advice"
authority = "A"
binding = false
sources = ["https://example.org"]

[[covers]]
vendor = "zte"
scope = "all"
until = 2021-01-01
"#,
            ),
        ])
        .expect("valid test catalog")
    }

    fn today() -> Date {
        Date::constant(2026, 11, 28)
    }

    fn deb(name: &str, maintainer: &str) -> Artifact {
        Artifact::new(ArtifactKind::Deb, name, "/var/lib/dpkg/status", "t")
            .field("deb.package", name, Role::Name)
            .field("deb.maintainer", maintainer, Role::Publisher)
    }

    fn eval(c: &Catalog, a: &Artifact) -> Vec<Finding> {
        Matcher::new(c).evaluate(a, &Selection::default_for(c), today())
    }

    #[test]
    fn package_name_and_maintainer_together_confirm() {
        let c = catalog();
        let f = eval(&c, &deb("acme-agent", "Acme Widgets Co., Ltd. <x@acme.example>"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].confidence, Confidence::Confirmed);
        assert_eq!(f[0].product.as_deref(), Some("Acme Agent"));
        assert_eq!(f[0].lists.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), vec!["all-acme"]);
    }

    #[test]
    fn findings_under_one_list_share_its_reference() {
        let c = catalog();
        let m = Matcher::new(&c);
        let sel = Selection::default_for(&c);
        let today = today();
        let a = m.evaluate(&deb("acme-agent", "Acme Widgets Co., Ltd."), &sel, today);
        let b = m.evaluate(&deb("other", "ACME"), &sel, today);
        assert!(Arc::ptr_eq(&a[0].lists[0], &b[0].lists[0]), "one copy of a list's title and authority");
        assert_eq!(a[0].lists[0].id, "all-acme");
    }

    #[test]
    fn a_maintainer_alias_in_any_script_is_likely() {
        let c = catalog();
        for m in ["ACME", "Акме", "acme widgets corp"] {
            let f = eval(&c, &deb("other", m));
            assert_eq!(f.len(), 1, "{m}");
            assert_eq!(f[0].confidence, Confidence::Likely, "{m}");
        }
    }

    #[test]
    fn a_package_name_alone_is_possible() {
        let c = catalog();
        let f = eval(&c, &deb("acme-agent", "Someone Else"));
        assert_eq!(f[0].confidence, Confidence::Possible);
        // The same name in another ecosystem is not the catalog's package.
        let rpm = Artifact::new(ArtifactKind::Rpm, "acme-agent", "/p", "t").field("rpm.name", "acme-agent", Role::Name);
        assert!(eval(&c, &rpm).is_empty());
    }

    #[test]
    fn text_and_look_alikes_are_never_evidence() {
        let c = catalog();
        let a = deb("camera-tool", "Jane Doe").field("deb.description", "Client for Acme and ZTE devices", Role::Text);
        assert!(eval(&c, &a).is_empty());
        assert!(eval(&c, &deb("x", "Acme Widgets Fan Club")).is_empty());
        assert!(eval(&c, &deb("x", "Aztech Systems")).is_empty());
    }

    #[test]
    fn homepage_on_a_vendor_domain_is_possible() {
        let c = catalog();
        let a = deb("x", "Jane").field("deb.homepage", "https://downloads.acme.example/agent", Role::Homepage);
        assert_eq!(eval(&c, &a)[0].confidence, Confidence::Possible);
        let b = deb("x", "Jane").field("deb.homepage", "https://notacme.example/", Role::Homepage);
        assert!(eval(&c, &b).is_empty());
    }

    #[test]
    fn scope_decides_which_lists_cover() {
        let c = catalog();
        let phone = Artifact::new(ArtifactKind::Rpm, "acme-phone", "/p", "t")
            .field("rpm.name", "acme-phone", Role::Name)
            .field("rpm.vendor", "Acme", Role::Publisher);
        let f = eval(&c, &phone);
        let ids: Vec<&str> = f[0].lists.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, vec!["all-acme", "phone-only"]);
        assert_eq!(f[0].lists[1].qualifier.as_deref(), Some("on government devices"));
        // Software is not video-surveillance equipment: the cameras list stays silent.
        assert!(!ids.contains(&"cameras"));
        let only_phone = Selection::of_ids(&c, &["phone-only".into()]).expect("known");
        let agent = deb("acme-agent", "Acme");
        assert!(Matcher::new(&c).evaluate(&agent, &only_phone, today()).is_empty());
    }

    #[test]
    fn dates_and_binding_decide_what_is_in_force() {
        let c = catalog();
        let before = Date::constant(2019, 6, 1);
        let a = deb("acme-agent", "Acme");
        assert!(Matcher::new(&c).evaluate(&a, &Selection::default_for(&c), before).is_empty());
        // `advice` is advisory (not selected by default) and its cover ended in 2021.
        let zte = deb("x", "ZTE Corporation");
        assert!(eval(&c, &zte).is_empty());
        let advice = Selection::of_ids(&c, &["advice".into()]).expect("known");
        assert!(Matcher::new(&c).evaluate(&zte, &advice, today()).is_empty());
        assert_eq!(Matcher::new(&c).evaluate(&zte, &advice, Date::constant(2020, 6, 1)).len(), 1);
    }

    #[test]
    fn lists_are_selected_by_id_country_authority_or_jurisdiction() {
        let c = catalog();
        let ids = |sel: &[&str]| {
            Selection::of_ids(&c, &sel.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map(|s| s.ids(&c).into_iter().map(String::from).collect::<Vec<_>>())
        };
        assert_eq!(ids(&["phone-only"]), Ok(vec!["phone-only".to_string()]));
        assert_eq!(ids(&["authority:a"]).map(|v| v.len()), Ok(4));
        assert_eq!(ids(&["nope", "country:ZZ"]), Err(vec!["nope".to_string(), "country:ZZ".to_string()]));
    }

    #[test]
    fn a_subsidiary_is_covered_by_its_owners_lists() {
        let c = catalog();
        let f = eval(&c, &deb("x", "Acme Subsidiary GmbH"));
        assert_eq!(f[0].vendor, "acme-sub");
        assert_eq!(f[0].lists[0].id, "all-acme");
    }

    #[test]
    fn exact_identifiers_carry_their_kinds_strength() {
        let c = catalog();
        let a = Artifact::new(ArtifactKind::Deb, "x", "/p", "t").field(
            "x.url",
            "HTTPS://Update.ACME.example/x",
            Role::Identifier(IdKind::Domain),
        );
        assert_eq!(eval(&c, &a)[0].confidence, Confidence::Possible);
        assert_eq!(strength_of(IdKind::TeamId), Confidence::Confirmed);
        assert_eq!(strength_of(IdKind::ExtensionId), Confidence::Likely);
        assert_eq!(exact_key(IdKind::Usb, " 12D1"), "12d1");
        assert_eq!(exact_key(IdKind::AppId, "com.Example"), "com.Example");
    }

    #[test]
    fn purls_name_packages_and_namespaces() {
        let c = catalog();
        let comp = |purl: &str| {
            Artifact::new(ArtifactKind::SbomComponent, "c", "/sbom.json", "t").field(
                "cyclonedx.purl",
                purl,
                Role::Identifier(IdKind::Package),
            )
        };
        let f = eval(&c, &comp("pkg:deb/debian/acme-agent@1.0"));
        assert_eq!(f[0].confidence, Confidence::Possible);
        let f = eval(&c, &comp("pkg:maven/example.acme/widget-lib@2.0"));
        assert_eq!(f[0].confidence, Confidence::Likely);
        assert!(eval(&c, &comp("pkg:maven/example.acmeish/widget-lib@2.0")).is_empty());
        assert!(eval(&c, &comp("pkg:npm/example.acme/widget-lib@2.0")).is_empty());
        assert!(eval(&c, &comp("not a purl")).is_empty());
    }

    #[test]
    fn signatures_confirm_and_contradict() {
        use crate::model::Signer;
        let c = catalog();
        let signed = |org: &str, ok: Option<bool>| {
            Artifact::new(ArtifactKind::Executable, "agent.exe", "/agent.exe", "t")
                .field("pe.company_name", "Acme Widgets Co., Ltd.", Role::Publisher)
                .signer(Signer { organization: Some(org.into()), digest_ok: ok, ..Signer::default() })
        };
        assert_eq!(eval(&c, &signed("Acme Widgets Co., Ltd.", Some(true)))[0].confidence, Confidence::Confirmed);
        // Signed by someone else: the CompanyName claim drops from likely to possible.
        assert_eq!(eval(&c, &signed("Example Corp", Some(true)))[0].confidence, Confidence::Possible);
        // A tampered file's signature proves nothing, and contradicts nothing.
        assert_eq!(eval(&c, &signed("Acme Widgets Co., Ltd.", Some(false)))[0].confidence, Confidence::Likely);
        // Unsigned, claiming only: likely.
        let unsigned = Artifact::new(ArtifactKind::Executable, "a.exe", "/a.exe", "t").field(
            "pe.company_name",
            "Acme",
            Role::Publisher,
        );
        assert_eq!(eval(&c, &unsigned)[0].confidence, Confidence::Likely);
        // Signed by another company, mentioning the vendor only in text: nothing.
        let decoy = Artifact::new(ArtifactKind::Executable, "viewer.exe", "/viewer.exe", "t")
            .field("pe.file_description", "Viewer for Acme cameras", Role::Text)
            .signer(Signer { organization: Some("Example Corp".into()), digest_ok: Some(true), ..Signer::default() });
        assert!(eval(&c, &decoy).is_empty());
    }

    #[test]
    fn identifiers_in_force_follow_list_scope() {
        let c = catalog();
        let m = Matcher::new(&c);
        let only_phone = Selection::of_ids(&c, &["phone-only".into()]).expect("known");
        let ids: Vec<String> =
            m.identifiers_in_force(&only_phone, today()).iter().map(|i| i.identifier.label()).collect();
        assert_eq!(ids, vec!["package.rpm:acme-phone"]);
        let all = m.identifiers_in_force(&Selection::default_for(&c), today());
        assert_eq!(all.len(), 5, "every acme identifier under all-acme");
        assert!(all.iter().all(|i| i.lists.contains(&"all-acme".to_string())));
    }

    #[test]
    fn install_paths_cover_what_lies_under_them_and_extension_ids_need_a_second_signal() {
        let f = |rel: &str, text: &str| SourceFile { name: rel.into(), rel: rel.into(), text: text.into() };
        let c = load(&[
            f(
                "vendors/acme.toml",
                r#"[vendor]
id = "acme"
name = "Acme Widgets Co., Ltd."
sources = ["https://example.org"]

[[identifier]]
kind = "install-path"
value = "/Library/Application Support/Acme"
sources = ["https://example.org"]

[[identifier]]
kind = "extension-id"
value = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
product = "Acme Guard"
sources = ["https://example.org"]
"#,
            ),
            f(
                "lists/all.toml",
                r#"[list]
id = "all"
title = "All"
authority = "A"
binding = true
sources = ["https://example.org"]

[[covers]]
vendor = "acme"
scope = "all"
"#,
            ),
        ])
        .expect("valid");
        let job = |program: &str| {
            Artifact::new(ArtifactKind::LaunchdJob, "job", "/Library/LaunchDaemons/x.plist", "t").field(
                "launchd.program",
                program,
                Role::Identifier(IdKind::InstallPath),
            )
        };
        let f = eval(&c, &job("/Library/Application Support/Acme/bin/daemon"));
        assert_eq!(f[0].confidence, Confidence::Possible);
        assert_eq!(f[0].evidence[0].identifier, "install-path:/Library/Application Support/Acme");
        assert_eq!(eval(&c, &job("/Library/Application Support/Acme")).len(), 1);
        assert!(eval(&c, &job("/Library/Application Support/AcmeOther/daemon")).is_empty());
        assert!(eval(&c, &job("/usr/bin/Acme")).is_empty());
        let ext = |name: &str, author: &str| {
            Artifact::new(ArtifactKind::BrowserExtension, name, "/p", "t")
                .field("extension.id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Role::Identifier(IdKind::ExtensionId))
                .field("extension.author", author, Role::Publisher)
        };
        assert_eq!(eval(&c, &ext("Helper", ""))[0].confidence, Confidence::Likely);
        assert_eq!(eval(&c, &ext("Helper", "Someone Else"))[0].confidence, Confidence::Likely);
        assert_eq!(eval(&c, &ext("Helper", "Acme Widgets Co., Ltd."))[0].confidence, Confidence::Confirmed);
        let named = eval(&c, &ext("ACME guard", ""));
        assert_eq!(named[0].confidence, Confidence::Confirmed);
        assert!(named[0].evidence.iter().any(|e| e.identifier == "product:Acme Guard"));
    }

    #[test]
    fn a_root_ca_confirms_only_with_the_legal_name_as_its_organisation() {
        let c = catalog();
        let cert = |o: &str, cn: &str| {
            Artifact::new(ArtifactKind::Certificate, cn, "/Windows/System32/config/SOFTWARE", "t")
                .field("certificate.organization", o, Role::Publisher)
                .field("certificate.common_name", cn, Role::Identifier(IdKind::RootCa))
        };
        let f = eval(&c, &cert("Acme Widgets Co., Ltd.", "Acme Inspection Root"));
        assert_eq!((f.len(), f[0].confidence), (1, Confidence::Confirmed));
        assert!(f[0].remediation.as_deref().is_some_and(|r| r.contains("from the trust store")));
        let mut windows = cert("Acme Widgets Co., Ltd.", "Acme Inspection Root");
        for place in
            ["HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\AB", "HKU\\alice\\Software\\x\\AB"]
        {
            windows = windows.field("certificate.store", place, Role::Other);
        }
        windows.signer = Some(Box::new(crate::model::Signer { sha1: Some("ab".into()), ..Default::default() }));
        assert_eq!(
            remediation(&windows).as_deref(),
            Some(
                "remove the certificate Acme Inspection Root: certutil -delstore Root ab; certutil -user -delstore Root \
                 ab; then uninstall the product that installed it"
            )
        );
        // An alias as the organisation, another organisation, or the organisation alone: likely.
        assert_eq!(eval(&c, &cert("Acme", "Acme Inspection Root"))[0].confidence, Confidence::Likely);
        assert_eq!(eval(&c, &cert("Example Corp", "Acme Inspection Root"))[0].confidence, Confidence::Likely);
        assert_eq!(eval(&c, &cert("Acme Widgets Co., Ltd.", "Acme Mail CA"))[0].confidence, Confidence::Likely);
        assert!(eval(&c, &cert("Example Corp", "Example Root")).is_empty());
    }

    #[test]
    fn windows_remediations_name_the_uninstaller_and_the_service() {
        let p = Artifact::new(ArtifactKind::WindowsProgram, "Acme Agent", "/Windows/System32/config/SOFTWARE", "t")
            .field("windows.uninstall.uninstall_string", "MsiExec.exe /X{1234}", Role::Other);
        assert_eq!(
            remediation(&p).as_deref(),
            Some("uninstall Acme Agent: run `MsiExec.exe /X{1234}` (or Settings > Apps > Installed apps)")
        );
        let s = Artifact::new(ArtifactKind::WindowsService, "AcmeSvc", "/Windows/System32/config/SYSTEM", "t");
        assert!(remediation(&s).is_some_and(|r| r.contains("sc.exe delete AcmeSvc")));
    }

    #[test]
    fn mentions_keep_to_token_boundaries() {
        let c = catalog();
        let m = Matcher::new(&c);
        assert_eq!(m.mentions("Router by ZTE, refurbished"), vec!["zte"]);
        assert!(m.mentions("Aztech router").is_empty());
        assert!(m.mentions("acmeish").is_empty());
        assert_eq!(m.mentions("mount for ACME cameras"), vec!["acme"]);
    }

    fn origin_catalog() -> Catalog {
        let f = |rel: &str, text: &str| SourceFile { name: rel.into(), rel: rel.into(), text: text.into() };
        let vendor = |id: &str, name: &str, extra: &str, pci: &str| {
            f(
                &format!("vendors/{id}.toml"),
                &format!(
                    "[vendor]\nid = \"{id}\"\nname = \"{name}\"\n{extra}\nsources = [\"https://example.org\"]\n\n\
                     [[identifier]]\nkind = \"pci\"\nvalue = \"{pci}\"\nsources = [\"https://example.org\"]\n"
                ),
            )
        };
        load(&[
            vendor("home-soft", "Home Soft JSC", "country = \"RU\"", "f001"),
            vendor("far-soft", "Far Software Corporation", "country = \"US\"", "f002"),
            vendor("far-chips", "Far Chips Incorporated", "country = \"US\"", "f003"),
            vendor("sub-abroad", "Home Soft Abroad Inc.", "country = \"US\"\nparent = \"home-soft\"", "f004"),
            vendor("stateless", "Stateless Software", "", "f005"),
            vendor("exempt-soft", "Exempt Soft Ltd", "country = \"DE\"", "f006"),
            f(
                "lists/foreign-software.toml",
                r#"[list]
id = "foreign-software"
title = "No foreign software"
authority = "A"
binding = true
default = false
sources = ["https://example.org"]

[[covers]]
scope = "origin"
foreign_to = "RU"
categories = ["software"]
exceptions = ["exempt-soft"]
since = 2022-03-31
"#,
            ),
            f(
                "lists/safe-chips.toml",
                r#"[list]
id = "safe-chips"
title = "Safe processors"
authority = "A"
binding = false
kind = "allow"
sources = ["https://example.org"]

[[covers]]
scope = "origin"
countries = ["RU"]
categories = ["processor"]
"#,
            ),
        ])
        .expect("valid origin catalog")
    }

    fn named(kind: ArtifactKind, name: &str, publisher: &str) -> Artifact {
        Artifact::new(kind, name, "/p", "t").field("x.vendor", publisher, Role::Publisher)
    }

    #[test]
    fn an_origin_list_covers_every_foreign_vendor_and_no_domestic_one() {
        let c = origin_catalog();
        let m = Matcher::new(&c);
        assert!(Selection::default_for(&c).ids(&c).is_empty(), "an origin list is opt-in");
        let sel = Selection::of_ids(&c, &["foreign-software".into()]).expect("known");
        let vendors_of = |publisher: &str, kind: ArtifactKind| -> Vec<String> {
            m.evaluate(&named(kind, "x", publisher), &sel, today()).into_iter().map(|f| f.vendor).collect()
        };
        assert_eq!(vendors_of("Far Software Corporation", ArtifactKind::Deb), vec!["far-soft"]);
        assert_eq!(vendors_of("Far Chips Incorporated", ArtifactKind::Executable), vec!["far-chips"]);
        // Domestic, a domestic vendor's subsidiary abroad, a vendor of unknown country and an
        // exception: nothing.
        for p in ["Home Soft JSC", "Home Soft Abroad Inc.", "Stateless Software", "Exempt Soft Ltd"] {
            assert!(vendors_of(p, ArtifactKind::Deb).is_empty(), "{p}");
        }
        // A foreign CA's root in a trust store is no foreign software installed.
        let root = Artifact::new(ArtifactKind::Certificate, "Far Root CA", "/etc/ssl/certs/far.pem", "t").field(
            "certificate.organization",
            "Far Software Corporation",
            Role::Publisher,
        );
        assert!(m.evaluate(&root, &sel, today()).is_empty());
        // `categories = ["software"]`: a foreign processor is not software.
        assert!(vendors_of("Far Chips Incorporated", ArtifactKind::Cpu).is_empty());
        // Before the list's date nothing is covered.
        let before =
            m.evaluate(&named(ArtifactKind::Deb, "x", "Far Software Corporation"), &sel, Date::constant(2022, 1, 1));
        assert!(before.is_empty());
        // Exports follow: every identifier of a foreign vendor is in force, no domestic one.
        let ids: Vec<&str> = m.identifiers_in_force(&sel, today()).iter().map(|i| i.vendor.id.as_str()).collect();
        assert_eq!(ids, Vec::<&str>::new(), "pci ids are equipment, not software: {ids:?}");
    }

    #[test]
    fn an_allow_policy_flags_unapproved_vendors_and_tells_unattributed_artifacts() {
        let c = origin_catalog();
        let m = Matcher::new(&c);
        let none = Selection::of_ids(&c, &[]).expect("empty");
        let policy = crate::policy::Policy::parse(
            "delist.toml",
            "allow_only = [\"home-soft\"]\n\n[allow.processor]\nallow_lists = [\"safe-chips\"]\n",
            &c,
        )
        .expect("valid policy");
        assert_eq!(policy.allow.len(), 2);
        let eval = |a: &Artifact| m.evaluate_with(a, &none, &policy.allow, today());
        let foreign = eval(&named(ArtifactKind::Deb, "far-tool", "Far Software Corporation"));
        assert!(foreign.attributed);
        assert_eq!(foreign.findings.len(), 1);
        let list = &foreign.findings[0].lists[0];
        assert_eq!((list.id.as_str(), list.authority.as_str()), ("policy:allow", "policy delist.toml"));
        assert_eq!(list.title, "Not an approved vendor (approved vendors home-soft)");
        assert_eq!(foreign.findings[0].confidence, Confidence::Likely);
        // The approved vendor and its subsidiary pass.
        for p in ["Home Soft JSC", "Home Soft Abroad Inc."] {
            let e = eval(&named(ArtifactKind::Deb, "x", p));
            assert!(e.attributed && e.findings.is_empty(), "{p}");
        }
        // No catalog vendor named: not passed, not accused: unattributed.
        let unknown = eval(&named(ArtifactKind::Deb, "x", "Debian X Strike Force"));
        assert!(!unknown.attributed && unknown.findings.is_empty());
        // A foreign processor breaks both rules; a domestic one neither.
        let cpu = eval(&named(ArtifactKind::Cpu, "Far X1", "Far Chips Incorporated"));
        let ids: Vec<&str> = cpu.findings[0].lists.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, vec!["policy:allow", "policy:allow.processor"]);
        assert!(eval(&named(ArtifactKind::Cpu, "Home H1", "Home Soft JSC")).findings.is_empty());
    }

    #[test]
    fn origin_and_allow_entries_are_checked() {
        let f = |rel: &str, text: &str| SourceFile { name: rel.into(), rel: rel.into(), text: text.into() };
        let diags = load(&[f(
            "lists/bad.toml",
            "[list]\nid = \"bad\"\ntitle = \"T\"\nauthority = \"A\"\nbinding = true\nsources = [\"https://example.org\"]\n\n\
             [[covers]]\nscope = \"origin\"\n\n[[covers]]\nscope = \"origin\"\nvendor = \"x\"\nforeign_to = \"Russia\"\n\
             exceptions = [\"ghost\"]\n\n[[covers]]\nvendor = \"y\"\nscope = \"all\"\ncountries = [\"RU\"]\n",
        )])
        .expect_err("invalid");
        let msgs: Vec<String> = diags.iter().map(|d| format!("{}: {}", d.line, d.message)).collect();
        for needle in [
            "8: list \"bad\" covers \"\": scope = \"origin\" needs `countries` or `foreign_to`",
            "11: list \"bad\" covers \"x\": scope = \"origin\" covers by country, not by `vendor`",
            "11: list \"bad\" covers \"x\": country \"Russia\" is not an ISO 3166-1 alpha-2 code",
            "17: list \"bad\" covers \"y\": `countries`, `foreign_to` and `exceptions` are only for scope = \"origin\"",
            "11: list \"bad\": origin exception names unknown vendor \"ghost\"",
        ] {
            assert!(msgs.iter().any(|m| m.starts_with(needle)), "{needle:?} not in {msgs:#?}");
        }
        let c = origin_catalog();
        let diags = crate::policy::Policy::parse(
            "p.toml",
            "allow_lists = [\"foreign-software\"]\n[allow.gadgets]\nallow_only = [\"ghost\"]\n[allow.database]\n",
            &c,
        )
        .expect_err("invalid");
        let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("is a ban list")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("[allow.gadgets]: unknown category")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("unknown vendor \"ghost\" in [allow.gadgets] `allow_only`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("[allow.database] needs")), "{msgs:?}");
    }
}
