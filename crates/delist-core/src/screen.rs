//! Retail and marketplace screening: one product row of a feed in, its findings out.
//!
//! Owns the rules that say whose product a listing is (CONTRACT "Confidence", applied to
//! products):
//! - the **brand** and **manufacturer** fields decide: a value whose normalised name is a
//!   vendor's name, alias or `brand` identifier is `likely` (a white-label product made by a
//!   covered vendor is found by its manufacturer field whatever brand it is sold under);
//! - a **GTIN** whose GS1 company prefix the catalog gives as the vendor's (`gtin-prefix`) is
//!   `confirmed`: the prefix is licensed to the brand owner, not said by accident;
//! - a vendor named only in the **title**, with no brand field (absent, empty or a placeholder
//!   such as "Generic"), is `possible`; when a brand field names someone else, the brand
//!   decides and the title is no evidence;
//! - **accessory phrasing** ("mount for Hikvision", "compatible with Huawei", "replacement for",
//!   "fits") makes the row an accessory that merely names the vendor: a title-only mention of
//!   that kind is no finding, and a brand field claiming the vendor is capped at `possible`;
//! - names keep to token boundaries ([`crate::normalize`]): Aztech is not ZTE, HONOR is not
//!   Huawei; a brand identifier counts only while its vendor owns it (`since`/`until`), so a
//!   brand sold stops being evidence on the day of the sale.
//!
//! A finding exists only where a selected list covers the vendor (or its owner) on the date, as
//! for every other artifact ([`Matcher`]). Seller and description fields are never evidence:
//! a shop that sells a vendor's goods, or prose that names it, is not the vendor's product.
//!
//! [`Prefilter`] lets a feed reader skip rows that cannot match without parsing them; it is
//! sound by construction (see its docs) and tested against the full path.
//!
//! This module performs no I/O and must never decide how a feed is read.

use crate::catalog::IdKind;
use crate::matcher::{IdRef, Matcher, Selection, remediation};
use crate::model::{Artifact, ArtifactKind, Confidence, Evidence, Finding, Role, finding_id};
use crate::normalize;
use aho_corasick::AhoCorasick;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};

/// What one feed row says about its product, as written; empty strings are absent fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductRow<'a> {
    /// The row's id (id, sku, item id column), or its number when the feed has none.
    pub name: &'a str,
    pub brand: &'a str,
    pub manufacturer: &'a str,
    pub title: &'a str,
    pub gtin: &'a str,
    pub seller: &'a str,
}

/// Brand values that name nobody: a row with one of these has no brand field.
const PLACEHOLDER_BRANDS: &[&str] =
    &["generic", "unbranded", "no brand", "nobrand", "n a", "na", "none", "unknown", "oem", "various", "brand"];

/// Words that, shortly before a vendor's name in a title, make the product an accessory for the
/// vendor's goods rather than one of them ("mount for", "compatible with", "replacement for",
/// "fits", "works with", "suitable for").
const ACCESSORY_BEFORE: &[&str] = &["for", "fits", "fit", "compatible", "replacement", "replaces", "works", "suitable"];

/// Words that, right after a vendor's name, make the same point ("Hikvision-compatible").
const ACCESSORY_AFTER: &[&str] = &["compatible"];

/// Words of company names that say little about which company: a poor needle for the
/// prefilter (any token of a name is a sound needle; a rare one just hands on fewer rows).
const GENERIC_WORDS: &[&str] = &[
    "technology",
    "technologies",
    "communications",
    "international",
    "networks",
    "network",
    "operations",
    "holdings",
    "digital",
    "systems",
    "information",
    "electronics",
    "group",
    "software",
    "lab",
    "labs",
    "global",
    "mobile",
    "telecom",
    "services",
    "china",
    "usa",
    "america",
    "americas",
];

/// How many tokens before a mention accessory phrasing may stand ("wall mount bracket for
/// Hikvision": 1; "case compatible with Huawei": 2).
const ACCESSORY_WINDOW: usize = 3;

/// The compiled screening rules for one catalog, selection and date.
pub struct Screener<'m, 'c> {
    matcher: &'m Matcher<'c>,
    selection: &'m Selection,
    today: Date,
    path: String,
    target: String,
    /// Padded name keys (names, aliases, brand identifiers) for title mentions.
    mention_refs: Vec<IdRef>,
    mentions: Option<AhoCorasick>,
    /// GS1 company prefix → identifiers, and the prefix lengths present.
    gtin: HashMap<String, Vec<IdRef>>,
    gtin_lens: Vec<usize>,
    /// ASCII needles for [`Prefilter`]: one token of every name key.
    needles: Vec<String>,
}

/// What one row says about one vendor.
#[derive(Default)]
struct Said {
    evidence: Vec<Evidence>,
    idents: Vec<usize>,
    strength: Option<Confidence>,
    by_brand: bool,
    by_gtin: bool,
    /// Accessory phrasing before a mention of this vendor in the title.
    accessory: Option<String>,
    /// A plain (non-accessory) mention in the title.
    mentioned: bool,
}

impl Said {
    fn add(&mut self, e: Evidence, ident: Option<usize>) {
        self.strength = self.strength.max(Some(e.strength));
        self.idents.extend(ident);
        self.evidence.push(e);
    }
}

impl<'m, 'c> Screener<'m, 'c> {
    /// `path` and `target` go into every finding's artifact (the feed as the user named it).
    pub fn new(
        matcher: &'m Matcher<'c>,
        selection: &'m Selection,
        today: Date,
        path: impl Into<String>,
        target: impl Into<String>,
    ) -> Self {
        let catalog = matcher.catalog();
        let mut keys: Vec<(String, IdRef)> = Vec::new();
        let mut gtin: HashMap<String, Vec<IdRef>> = HashMap::new();
        for (vi, v) in catalog.vendors.iter().enumerate() {
            for n in v.names() {
                keys.push((normalize::key(n), IdRef { vendor: vi, ident: None }));
            }
            for (ii, id) in v.identifiers.iter().enumerate() {
                let r = IdRef { vendor: vi, ident: Some(ii) };
                match id.kind {
                    IdKind::Brand => keys.push((normalize::key(&id.value), r)),
                    IdKind::GtinPrefix => gtin.entry(id.value.clone()).or_default().push(r),
                    _ => {}
                }
            }
        }
        keys.retain(|(k, _)| !k.is_empty());
        let mut needles: Vec<String> = keys
            .iter()
            .filter_map(|(k, _)| {
                // The longest ASCII token: every text whose tokens include the key's contains
                // it (lower-cased). Keys with no ASCII token are found through the prefilter's
                // rule for non-ASCII rows.
                let ascii: Vec<&str> = k.split(' ').filter(|t| t.is_ascii()).collect();
                let telling = ascii.iter().filter(|t| !GENERIC_WORDS.contains(t)).max_by_key(|t| t.len());
                telling.or_else(|| ascii.iter().max_by_key(|t| t.len())).map(|t| t.to_string())
            })
            .collect();
        needles.sort();
        needles.dedup();
        let mentions = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(keys.iter().map(|(k, _)| normalize::padded(k)))
            .ok();
        let mut gtin_lens: Vec<usize> = gtin.keys().map(String::len).collect();
        gtin_lens.sort_unstable();
        gtin_lens.dedup();
        Self {
            matcher,
            selection,
            today,
            path: path.into(),
            target: target.into(),
            mention_refs: keys.into_iter().map(|(_, r)| r).collect(),
            mentions,
            gtin,
            gtin_lens,
            needles,
        }
    }

    /// A prefilter for this screener's names (see [`Prefilter`]).
    pub fn prefilter(&self) -> Prefilter {
        let ac = if self.needles.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(aho_corasick::MatchKind::LeftmostFirst).build(&self.needles).ok()
        };
        let longest = self.needles.iter().map(String::len).max().unwrap_or(0);
        Prefilter { every_row: !self.gtin.is_empty() || (ac.is_none() && !self.needles.is_empty()), ac, longest }
    }

    /// The findings for one product row: at most one per vendor.
    pub fn screen(&self, row: &ProductRow<'_>) -> Vec<Finding> {
        let catalog = self.matcher.catalog();
        let mut said: BTreeMap<usize, Said> = BTreeMap::new();
        let brand_key = normalize::key(row.brand);
        let has_brand = !brand_key.is_empty() && !PLACEHOLDER_BRANDS.contains(&brand_key.as_str());
        let by_field = |field: &str, value: &str, key: &str, said: &mut BTreeMap<usize, Said>| {
            for r in self.matcher.name_refs(key).iter().filter(|r| self.matcher.live(**r, self.today)) {
                let fallback = catalog.vendors[r.vendor]
                    .names()
                    .find(|n| normalize::key(n) == key)
                    .unwrap_or(&catalog.vendors[r.vendor].name)
                    .to_string();
                let s = said.entry(r.vendor).or_default();
                s.by_brand = true;
                s.add(
                    Evidence {
                        field: field.into(),
                        value: value.trim().into(),
                        identifier: self.matcher.ident_label(*r, &fallback),
                        strength: Confidence::Likely,
                        note: None,
                    },
                    r.ident,
                );
            }
        };
        if has_brand {
            by_field("brand", row.brand, &brand_key, &mut said);
        }
        let maker_key = normalize::key(row.manufacturer);
        if !maker_key.is_empty() && !PLACEHOLDER_BRANDS.contains(&maker_key.as_str()) {
            by_field("manufacturer", row.manufacturer, &maker_key, &mut said);
        }
        if !self.gtin.is_empty()
            && let Some(g13) = gtin13(row.gtin)
        {
            for len in &self.gtin_lens {
                let Some(prefix) = g13.get(..*len) else { continue };
                for r in self.gtin.get(prefix).into_iter().flatten().filter(|r| self.matcher.live(**r, self.today)) {
                    let s = said.entry(r.vendor).or_default();
                    s.by_gtin = true;
                    s.add(
                        Evidence {
                            field: "gtin".into(),
                            value: row.gtin.trim().into(),
                            identifier: self.matcher.ident_label(*r, prefix),
                            strength: Confidence::Confirmed,
                            note: None,
                        },
                        r.ident,
                    );
                }
            }
        }
        self.title_mentions(row.title, has_brand, &mut said);

        let mut out = Vec::new();
        for (vi, mut s) in said {
            let Some(mut confidence) = s.strength else { continue };
            if let Some(phrase) = &s.accessory
                && !s.by_gtin
            {
                if !s.by_brand && !s.mentioned {
                    // Only named as what an accessory fits: not the vendor's product.
                    continue;
                }
                if !s.mentioned {
                    confidence = confidence.min(Confidence::Possible);
                    s.evidence.push(Evidence {
                        field: "title".into(),
                        value: row.title.trim().into(),
                        identifier: format!("accessory:{phrase}"),
                        strength: Confidence::Possible,
                        note: Some("accessory phrasing: the listing names the vendor as what it fits".into()),
                    });
                }
            }
            let vendor = &catalog.vendors[vi];
            let artifact = self.artifact(row);
            s.idents.sort_unstable();
            s.idents.dedup();
            let cats = self.matcher.categories(vendor, &artifact, &s.idents);
            let lists = self.matcher.covering(self.selection, vi, None, &s.idents, &cats, self.today);
            if lists.is_empty() {
                continue;
            }
            if has_brand && !s.evidence.iter().any(|e| e.field == "brand") {
                s.evidence.push(Evidence {
                    field: "brand".into(),
                    value: row.brand.trim().into(),
                    identifier: String::new(),
                    strength: Confidence::Possible,
                    note: Some("context: the brand the product is sold under".into()),
                });
            }
            out.push(Finding {
                id: finding_id(&artifact, &vendor.id),
                vendor: vendor.id.clone(),
                vendor_name: vendor.name.clone(),
                product: (!row.title.trim().is_empty()).then(|| row.title.trim().to_string()),
                confidence,
                lists,
                remediation: remediation(&artifact),
                artifact: (&artifact).into(),
                evidence: s.evidence,
                waiver: None,
                notes: Vec::new(),
            });
        }
        out
    }

    /// Vendors named in the title: evidence when the row has no brand field, and accessory
    /// phrasing in any case.
    fn title_mentions(&self, title: &str, has_brand: bool, said: &mut BTreeMap<usize, Said>) {
        let Some(ac) = &self.mentions else { return };
        if title.trim().is_empty() {
            return;
        }
        let hay = normalize::padded(&normalize::key(title));
        for m in ac.find_overlapping_iter(&hay) {
            let r = self.mention_refs[m.pattern().as_usize()];
            if !self.matcher.live(r, self.today) {
                continue;
            }
            let before: Vec<&str> = hay[..m.start()].split_whitespace().collect();
            let after = hay[m.end()..].split_whitespace().next();
            let window = &before[before.len().saturating_sub(ACCESSORY_WINDOW)..];
            let phrase = window
                .iter()
                .position(|t| ACCESSORY_BEFORE.contains(t))
                .map(|i| window[i..].join(" "))
                .or_else(|| after.filter(|t| ACCESSORY_AFTER.contains(t)).map(str::to_string));
            if has_brand && !said.contains_key(&r.vendor) {
                // The brand field names someone else: the title is what the product fits or
                // mentions, never who made it. An accessory mention still caps nothing here.
                continue;
            }
            let vendor = &self.matcher.catalog().vendors[r.vendor];
            let s = said.entry(r.vendor).or_default();
            match phrase {
                Some(p) => {
                    s.accessory.get_or_insert(p);
                }
                None => {
                    s.mentioned = true;
                    let fallback = vendor.names().find(|n| hay.contains(&normalize::padded(&normalize::key(n))));
                    s.add(
                        Evidence {
                            field: "title".into(),
                            value: title.trim().into(),
                            identifier: self.matcher.ident_label(r, fallback.unwrap_or(&vendor.name)),
                            strength: Confidence::Possible,
                            note: None,
                        },
                        r.ident,
                    );
                }
            }
        }
        if has_brand {
            // With a brand field, a title mention only corroborates what the fields said; a
            // plain mention does not cancel accessory phrasing elsewhere in the title.
            for s in said.values_mut() {
                s.mentioned = false;
            }
        }
    }

    fn artifact(&self, row: &ProductRow<'_>) -> Artifact {
        Artifact::new(ArtifactKind::Product, row.name, self.path.as_str(), self.target.as_str())
            .field("brand", row.brand, Role::Publisher)
            .field("manufacturer", row.manufacturer, Role::Publisher)
            .field("title", row.title, Role::Text)
            .field("gtin", row.gtin, Role::Identifier(IdKind::GtinPrefix))
            .field("seller", row.seller, Role::Other)
    }
}

/// A GTIN-12, -13 or -14 with a valid check digit, as the 13 digits whose head is the GS1
/// company prefix (GTIN-12 gains a leading 0; GTIN-14 loses its packaging indicator). GTIN-8s
/// carry no company prefix and give `None`, as does anything that is not a GTIN.
pub fn gtin13(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 12..=14) {
        return None;
    }
    let b = digits.as_bytes();
    // The GS1 check digit: weights 3 and 1 alternating from the right, excluding the check digit.
    let sum: u32 = b[..b.len() - 1]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    if (10 - sum % 10) % 10 != u32::from(b[b.len() - 1] - b'0') {
        return None;
    }
    Some(match digits.len() {
        12 => format!("0{digits}"),
        13 => digits,
        _ => digits[1..].to_string(),
    })
}

/// A fast, sound filter for rows that cannot produce a finding, so a reader can skip parsing
/// them. It works on raw bytes of whole rows: a row may match only if, lower-cased, it holds one
/// needle (the longest ASCII token of a vendor name, alias or brand), or a byte outside ASCII
/// (NFKC can fold those into ASCII letters, and non-Latin names have no ASCII needle), or a
/// needle split by apostrophes (normalisation drops them). When the catalog has GS1 prefixes
/// every row must be looked at ([`Prefilter::every_row`]).
pub struct Prefilter {
    ac: Option<AhoCorasick>,
    longest: usize,
    every_row: bool,
}

impl Prefilter {
    /// Whether every row must be parsed and screened (GTIN prefixes are matched on the value).
    pub fn every_row(&self) -> bool {
        self.every_row
    }

    /// Offsets in `block` at which a row may match, ascending (not necessarily one per row).
    /// `scratch` is reused between calls.
    pub fn candidates(&self, block: &[u8], scratch: &mut Vec<u8>, out: &mut Vec<usize>) {
        out.clear();
        let mut extra = Vec::new();
        lower_and_find_non_ascii(block, scratch, &mut extra);
        if let Some(ac) = &self.ac {
            out.extend(ac.find_iter(&scratch[..]).map(|m| m.start()));
        }
        let mut window = Vec::new();
        for p in memchr::memchr_iter(b'\'', scratch) {
            if self.split_needle(scratch, p, &mut window) {
                extra.push(p);
            }
        }
        if !extra.is_empty() {
            out.extend(extra);
            out.sort_unstable();
        }
    }

    /// Whether a needle appears around an apostrophe at `p` once apostrophes are dropped.
    fn split_needle(&self, lowered: &[u8], p: usize, window: &mut Vec<u8>) -> bool {
        let Some(ac) = &self.ac else { return false };
        let start = p.saturating_sub(self.longest * 2);
        let end = (p + self.longest * 2).min(lowered.len());
        window.clear();
        window.extend(lowered[start..end].iter().copied().filter(|b| *b != b'\''));
        ac.is_match(&window[..])
    }
}

/// Lower-cases ASCII letters of `block` into `out` (other bytes unchanged) and pushes the offset
/// of the first byte of every run of non-ASCII bytes to `high`. Both loops are written so that
/// the compiler turns them into SIMD: a branch-free lowering, then a per-4 KiB OR of the bytes
/// that only looks closer where a byte has its high bit set.
fn lower_and_find_non_ascii(block: &[u8], out: &mut Vec<u8>, high: &mut Vec<usize>) {
    // No clear(): resizing to the same length again costs nothing.
    out.resize(block.len(), 0);
    for (d, &c) in out.iter_mut().zip(block) {
        *d = c | (u8::from(c.wrapping_sub(b'A') < 26) << 5);
    }
    let mut prev_high = false;
    for (k, chunk) in block.chunks(4096).enumerate() {
        if chunk.iter().fold(0u8, |acc, b| acc | b) < 0x80 {
            prev_high = false;
            continue;
        }
        for (j, &c) in chunk.iter().enumerate() {
            let h = c >= 0x80;
            if h && !prev_high {
                high.push(k * 4096 + j);
            }
            prev_high = h;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, SourceFile, load};

    fn catalog() -> Catalog {
        let f = |rel: &str, text: &str| SourceFile { name: rel.into(), rel: rel.into(), text: text.into() };
        load(&[
            f(
                "vendors/camco.toml",
                r#"[vendor]
id = "camco"
name = "Camco Vision Technology Co., Ltd."
aliases = ["Camco"]
makes = ["video-surveillance-equipment"]
sources = ["https://example.org"]

[[identifier]]
kind = "brand"
value = "Lookout"
sources = ["https://example.org"]

[[identifier]]
kind = "brand"
value = "Oldbrand"
until = 2020-11-17
sources = ["https://example.org"]

[[identifier]]
kind = "gtin-prefix"
value = "0694567"
sources = ["https://example.org"]
"#,
            ),
            f(
                "vendors/zte.toml",
                r#"[vendor]
id = "zte"
name = "ZTE Corporation"
makes = ["telecommunications-equipment"]
sources = ["https://example.org"]
"#,
            ),
            f(
                "lists/ban.toml",
                r#"[list]
id = "ban"
title = "Ban"
authority = "A"
binding = true
sources = ["https://example.org"]

[[covers]]
vendor = "camco"
scope = "all"

[[covers]]
vendor = "zte"
scope = "categories"
categories = ["telecommunications-equipment"]
"#,
            ),
        ])
        .expect("valid test catalog")
    }

    fn screen(c: &Catalog, row: ProductRow<'_>) -> Vec<(String, Confidence)> {
        screen_on(c, row, Date::constant(2026, 11, 28))
    }

    fn screen_on(c: &Catalog, row: ProductRow<'_>, day: Date) -> Vec<(String, Confidence)> {
        let m = Matcher::new(c);
        let sel = Selection::default_for(c);
        let s = Screener::new(&m, &sel, day, "feed.csv", "feed.csv");
        s.screen(&row).into_iter().map(|f| (f.vendor, f.confidence)).collect()
    }

    fn row<'a>(brand: &'a str, title: &'a str) -> ProductRow<'a> {
        ProductRow { name: "sku-1", brand, title, ..ProductRow::default() }
    }

    #[test]
    fn brand_and_manufacturer_fields_decide() {
        let c = catalog();
        let likely = vec![("camco".to_string(), Confidence::Likely)];
        assert_eq!(screen(&c, row("Camco", "4MP dome camera")), likely);
        assert_eq!(screen(&c, row("LOOKOUT", "Doorbell")), likely, "a brand identifier");
        // White label: sold under another brand, made by the vendor.
        let wl = ProductRow { manufacturer: "Camco Vision Technology Co.,Ltd.", ..row("Acme Home", "Camera") };
        assert_eq!(screen(&c, wl), likely);
        assert_eq!(screen(&c, row("ZTE", "Router")), vec![("zte".to_string(), Confidence::Likely)]);
    }

    #[test]
    fn a_title_alone_is_possible_and_a_brand_field_overrules_it() {
        let c = catalog();
        assert_eq!(screen(&c, row("", "Camco 4MP dome camera")), vec![("camco".to_string(), Confidence::Possible)]);
        assert_eq!(screen(&c, row("Generic", "Camco 4MP dome")), vec![("camco".to_string(), Confidence::Possible)]);
        assert!(screen(&c, row("Acme", "Camco style dome camera")).is_empty());
        // The title agrees with the brand: still likely, with both as evidence.
        let m = Matcher::new(&c);
        let sel = Selection::default_for(&c);
        let s = Screener::new(&m, &sel, Date::constant(2026, 11, 28), "f", "f");
        let f = s.screen(&row("Camco", "Camco dome"));
        assert_eq!(f[0].confidence, Confidence::Likely);
        let fields: Vec<&str> = f[0].evidence.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["brand", "title"]);
        assert_eq!(f[0].artifact.kind, ArtifactKind::Product);
        assert_eq!(f[0].product.as_deref(), Some("Camco dome"));
    }

    #[test]
    fn accessories_are_at_most_possible() {
        let c = catalog();
        for t in [
            "Camera mount for Camco",
            "Wall Mount Bracket for Camco Dome Camera",
            "Power supply compatible with Camco NVR",
            "Replacement lens fits Camco",
            "Camco-compatible junction box",
        ] {
            assert!(screen(&c, row("", t)).is_empty(), "{t}");
            assert!(screen(&c, row("Acme", t)).is_empty(), "{t}");
            // A marketplace seller who put the fitted brand in the brand field.
            assert_eq!(screen(&c, row("Camco", t)), vec![("camco".to_string(), Confidence::Possible)], "{t}");
        }
        // Every vendor an accessory fits is only what it fits.
        assert!(screen(&c, row("", "Mount for Camco and ZTE cameras")).is_empty());
        // "for" after the name is not accessory phrasing.
        assert_eq!(
            screen(&c, row("Camco", "Camco Total Security for Windows")),
            vec![("camco".to_string(), Confidence::Likely)]
        );
        assert_eq!(screen(&c, row("", "Camco NVR for 8 cameras")), vec![("camco".to_string(), Confidence::Possible)]);
    }

    #[test]
    fn look_alikes_and_sold_brands_are_not_the_vendor() {
        let c = catalog();
        assert!(screen(&c, row("Aztech", "Aztech DSL modem")).is_empty());
        assert!(screen(&c, row("", "Aztech DSL modem")).is_empty());
        assert!(screen(&c, row("Camcorder Co", "Camcorder bag")).is_empty());
        // Oldbrand left the vendor on 2020-11-17.
        assert!(screen(&c, row("Oldbrand", "Phone")).is_empty());
        assert!(screen(&c, row("", "Oldbrand phone")).is_empty());
        let before = Date::constant(2020, 1, 1);
        assert_eq!(screen_on(&c, row("Oldbrand", "Phone"), before), vec![("camco".to_string(), Confidence::Likely)]);
    }

    #[test]
    fn gtin_prefix_confirms_and_check_digits_count() {
        let c = catalog();
        // 0694567 + 00001 + check digit, as a UPC-A (leading 0 dropped) and as an EAN-13.
        let ean = format!("069456700001{}", check("069456700001"));
        let upc = &ean[1..];
        for g in [ean.as_str(), upc] {
            let r = ProductRow { gtin: g, ..row("Acme", "Mount for Camco") };
            assert_eq!(screen(&c, r), vec![("camco".to_string(), Confidence::Confirmed)], "{g}");
        }
        let bad = format!("069456700001{}", (check("069456700001") + 1) % 10);
        assert!(screen(&c, ProductRow { gtin: &bad, ..row("Acme", "Dome") }).is_empty());
        assert_eq!(gtin13("4006381333931").as_deref(), Some("4006381333931"));
        assert_eq!(gtin13("04006381333931").as_deref(), Some("4006381333931"));
        assert!(gtin13("96385074").is_none(), "GTIN-8 has no company prefix");
        assert!(gtin13("abc").is_none());
    }

    fn check(d: &str) -> u32 {
        let sum: u32 =
            d.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
        (10 - sum % 10) % 10
    }

    #[test]
    fn lowering_by_words_matches_to_ascii_lowercase() {
        let text = "ABCXYZ@[`{ azÀÉ 漢字 Hikvision-HUAWEI_ZTE 123 ÿ€ end";
        for cut in 0..text.len() {
            let b = &text.as_bytes()[cut..];
            let (mut out, mut high) = (Vec::new(), Vec::new());
            lower_and_find_non_ascii(b, &mut out, &mut high);
            assert_eq!(out, b.to_ascii_lowercase());
            let want: Vec<usize> = (0..b.len()).filter(|&i| b[i] >= 0x80 && (i == 0 || b[i - 1] < 0x80)).collect();
            assert_eq!(high, want);
        }
    }

    #[test]
    fn the_prefilter_never_drops_a_row_the_full_path_flags() {
        let c = catalog();
        let m = Matcher::new(&c);
        let sel = Selection::default_for(&c);
        let s = Screener::new(&m, &sel, Date::constant(2026, 11, 28), "f", "f");
        let p = s.prefilter();
        assert!(p.every_row(), "gtin prefixes need every row");
        let mut scratch = Vec::new();
        let mut out = Vec::new();
        for (text, expect) in [
            ("sku,Acme,Lamp\n", false),
            ("sku,CAMCO,Dome\n", true),
            ("sku,Ｃａｍｃｏ,Dome\n", true),
            ("sku,Cam'co,Dome\n", true),
            ("sku,Men's,Shirt\n", false),
            ("sku,zte,x\n", true),
        ] {
            p.candidates(text.as_bytes(), &mut scratch, &mut out);
            assert_eq!(!out.is_empty(), expect, "{text}");
        }
        // The full path agrees on the tricky ones.
        assert_eq!(s.screen(&row("Ｃａｍｃｏ", "Dome")).len(), 1);
        assert_eq!(s.screen(&row("Cam'co", "Dome")).len(), 1);
    }
}
