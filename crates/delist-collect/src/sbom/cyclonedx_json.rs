//! CycloneDX JSON (1.2–1.6), streamed with serde.
//!
//! Owns walking a CycloneDX JSON document one component at a time: `metadata.component` (the
//! component the BOM describes, with `metadata.supplier` and the legacy `metadata.manufacture`),
//! `components` and their nested `components`, `services` and their nested `services`. Each is
//! pushed when its object closes (so nested records come before their parent), and everything
//! else (dependencies, vulnerabilities, pedigree, tools, formulation…) is skipped with
//! `IgnoredAny` without being built. `metadata.manufacturer` and `metadata.authors` name who
//! made the BOM, not the component, and are not read.
//!
//! It must never hold more than the records on the current nesting path.

use super::json::{Entity, Fields, KeySeed, License, List, Scalar, describe};
use super::{Ctx, F, MAX_DEPTH, Record, hash_value};
use delist_core::ArtifactKind;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::Read;

/// Reads a whole document into the context's sink.
pub(super) fn read<R: Read>(r: R, cx: &mut Ctx<'_>) {
    let mut de = serde_json::Deserializer::from_reader(r);
    let result = Doc { cx: &mut *cx }.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = result {
        cx.problem(describe("CycloneDX JSON", &e));
    }
}

struct Doc<'c, 'a> {
    cx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for Doc<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Doc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CycloneDX BOM object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        const KEYS: &[&str] = &["bomFormat", "specVersion", "metadata", "components", "services"];
        while let Some(k) = map.next_key_seed(KeySeed(KEYS))? {
            match k {
                Some(0) => {
                    let v = map.next_value_seed(Scalar)?;
                    if v.as_deref() != Some("CycloneDX") {
                        self.cx.problem(format!("bomFormat is {v:?}, expected \"CycloneDX\"; read as CycloneDX"));
                    }
                }
                Some(1) => {
                    if let Some(v) = map.next_value_seed(Scalar)?
                        && !v.starts_with("1.")
                    {
                        self.cx.problem(format!("specVersion {v:?} is not CycloneDX 1.x; read as 1.6"));
                    }
                }
                Some(2) => map.next_value_seed(Metadata { cx: &mut *self.cx })?,
                Some(3) => {
                    map.next_value_seed(Records { cx: &mut *self.cx, kind: ArtifactKind::SbomComponent, depth: 1 })?
                }
                Some(4) => {
                    map.next_value_seed(Records { cx: &mut *self.cx, kind: ArtifactKind::SbomService, depth: 1 })?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `metadata`: the component the BOM describes, and who supplied and manufactured it.
struct Metadata<'c, 'a> {
    cx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for Metadata<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Metadata<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metadata object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        const KEYS: &[&str] = &["component", "supplier", "manufacture"];
        // The component is held until metadata closes: its supplier may come after it.
        let mut held = None;
        let mut supplier = None;
        let mut manufacture = None;
        while let Some(k) = map.next_key_seed(KeySeed(KEYS))? {
            match k {
                Some(0) => {
                    held = map.next_value_seed(RecordSeed {
                        cx: &mut *self.cx,
                        kind: ArtifactKind::SbomComponent,
                        depth: 1,
                        hold: true,
                    })?
                }
                Some(1) => supplier = Some(map.next_value_seed(Entity)?),
                Some(2) => manufacture = Some(map.next_value_seed(Entity)?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(mut rec) = held {
            if let Some(s) = supplier {
                if let Some(n) = s.name {
                    rec.add(F::CdxMetaSupplier, n);
                }
                for u in s.urls {
                    rec.add(F::CdxMetaSupplierUrl, u);
                }
            }
            if let Some(n) = manufacture.and_then(|m| m.name) {
                rec.add(F::CdxMetaManufacture, n);
            }
            self.cx.push(rec);
        }
        Ok(())
    }
}

/// An array of components or services at some nesting depth.
struct Records<'c, 'a> {
    cx: &'c mut Ctx<'a>,
    kind: ArtifactKind,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ArtifactKind::SbomService => f.write_str("an array of services"),
            _ => f.write_str("an array of components"),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.depth > MAX_DEPTH {
            let mut n = 0usize;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            self.cx.problem(format!(
                "{n} {} nested deeper than {MAX_DEPTH} levels (after record #{}) are not read",
                if self.kind == ArtifactKind::SbomService { "services" } else { "components" },
                self.cx.ordinal
            ));
            return Ok(());
        }
        while seq
            .next_element_seed(RecordSeed { cx: &mut *self.cx, kind: self.kind, depth: self.depth, hold: false })?
            .is_some()
        {}
        Ok(())
    }
}

/// One component or service object. Pushed when it closes, or handed back when `hold`.
struct RecordSeed<'c, 'a> {
    cx: &'c mut Ctx<'a>,
    kind: ArtifactKind,
    depth: usize,
    hold: bool,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = Option<Record>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

const TYPE: usize = 0;
const BOM_REF: usize = 1;
const SUPPLIER: usize = 2;
const MANUFACTURER: usize = 3;
const AUTHOR: usize = 4;
const AUTHORS: usize = 5;
const PUBLISHER: usize = 6;
const GROUP: usize = 7;
const NAME: usize = 8;
const VERSION: usize = 9;
const DESCRIPTION: usize = 10;
const SCOPE: usize = 11;
const HASHES: usize = 12;
const LICENSES: usize = 13;
const COPYRIGHT: usize = 14;
const CPE: usize = 15;
const PURL: usize = 16;
const COMPONENTS: usize = 17;
const PROVIDER: usize = 18;
const ENDPOINTS: usize = 19;
const SERVICES: usize = 20;
const RECORD_KEYS: &[&str] = &[
    "type",
    "bom-ref",
    "supplier",
    "manufacturer",
    "author",
    "authors",
    "publisher",
    "group",
    "name",
    "version",
    "description",
    "scope",
    "hashes",
    "licenses",
    "copyright",
    "cpe",
    "purl",
    "components",
    "provider",
    "endpoints",
    "services",
];

impl<'de> Visitor<'de> for RecordSeed<'_, '_> {
    type Value = Option<Record>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ArtifactKind::SbomService => f.write_str("a CycloneDX service object"),
            _ => f.write_str("a CycloneDX component object"),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let service = self.kind == ArtifactKind::SbomService;
        let mut rec = Record::new(self.kind, self.cx.next_ordinal());
        while let Some(k) = map.next_key_seed(KeySeed(RECORD_KEYS))? {
            let Some(k) = k else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match k {
                SUPPLIER | MANUFACTURER | PROVIDER => {
                    let (name_f, url_f) = match k {
                        SUPPLIER => (F::CdxSupplier, F::CdxSupplierUrl),
                        MANUFACTURER => (F::CdxManufacturer, F::CdxManufacturerUrl),
                        _ => (F::CdxProvider, F::CdxProviderUrl),
                    };
                    let e = map.next_value_seed(Entity)?;
                    if let Some(n) = e.name {
                        rec.add(name_f, n);
                    }
                    for u in e.urls {
                        rec.add(url_f, u);
                    }
                }
                AUTHORS => {
                    for [name, email] in map.next_value_seed(List(Fields(&["name", "email"])))? {
                        if let Some(n) = name.or(email) {
                            rec.add(F::CdxAuthors, n);
                        }
                    }
                }
                HASHES => {
                    for [alg, content] in map.next_value_seed(List(Fields(&["alg", "content"])))? {
                        if let Some(c) = content {
                            rec.add(F::CdxHash, hash_value(alg.as_deref(), &c));
                        }
                    }
                }
                LICENSES => {
                    for l in map.next_value_seed(List(License))?.into_iter().flatten() {
                        rec.add(F::CdxLicense, l);
                    }
                }
                ENDPOINTS => {
                    for e in map.next_value_seed(List(Scalar))?.into_iter().flatten() {
                        rec.add(F::CdxEndpoint, e);
                    }
                }
                COMPONENTS if !service => map.next_value_seed(Records {
                    cx: &mut *self.cx,
                    kind: ArtifactKind::SbomComponent,
                    depth: self.depth + 1,
                })?,
                SERVICES if service => map.next_value_seed(Records {
                    cx: &mut *self.cx,
                    kind: ArtifactKind::SbomService,
                    depth: self.depth + 1,
                })?,
                COMPONENTS | SERVICES => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    let Some(v) = map.next_value_seed(Scalar)? else {
                        continue;
                    };
                    match k {
                        TYPE => rec.add(F::CdxType, v),
                        BOM_REF => rec.set_bom_ref(v),
                        AUTHOR => rec.add(F::CdxAuthor, v),
                        PUBLISHER => rec.add(F::CdxPublisher, v),
                        GROUP => rec.set_group(v),
                        NAME => rec.set_name(F::CdxName, v),
                        VERSION => rec.set_version(v),
                        DESCRIPTION => rec.add(F::CdxDescription, v),
                        SCOPE => rec.add(F::CdxScope, v),
                        COPYRIGHT => rec.add(F::CdxCopyright, v),
                        CPE => rec.add_cpe(F::CdxCpe, F::CdxCpeVendor, v),
                        PURL => rec.add(F::CdxPurl, v),
                        _ => {}
                    }
                }
            }
        }
        if self.hold {
            return Ok(Some(rec));
        }
        self.cx.push(rec);
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, read_as};
    use crate::Output;
    use delist_core::{ArtifactKind, Role};

    fn run(text: &str) -> Output {
        let mut out = Output::default();
        read_as(Format::CycloneDxJson, text.as_bytes(), "/bom.json", "sbom:bom.json", &mut out);
        out
    }

    #[test]
    fn reads_components_nested_metadata_and_services() {
        let out = run(r#"{
          "bomFormat": "CycloneDX", "specVersion": "1.6",
          "metadata": {
            "component": {"type": "application", "name": "app", "version": "1"},
            "supplier": {"name": "Example Corp"},
            "manufacturer": {"name": "BOM Maker Inc"},
            "authors": [{"name": "BOM Author"}]
          },
          "components": [
            {"type": "library", "group": "g", "name": "a", "version": "2", "purl": "pkg:maven/g/a@2",
             "components": [{"name": "inner", "supplier": {"name": "S"}}]}
          ],
          "services": [{"name": "svc", "provider": {"name": "P", "url": ["https://p.example"]},
                        "services": [{"name": "sub"}]}],
          "dependencies": [{"ref": "x", "dependsOn": ["y"]}]
        }"#);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let names: Vec<(&str, ArtifactKind)> = out.artifacts.iter().map(|a| (a.name.as_str(), a.kind)).collect();
        assert_eq!(
            names,
            [
                ("app", ArtifactKind::SbomComponent),
                ("inner", ArtifactKind::SbomComponent),
                ("g:a", ArtifactKind::SbomComponent),
                ("sub", ArtifactKind::SbomService),
                ("svc", ArtifactKind::SbomService),
            ]
        );
        let app = &out.artifacts[0];
        assert_eq!(app.publisher.as_deref(), Some("Example Corp"));
        assert!(!app.fields.iter().any(|f| f.value.contains("BOM Maker") || f.value.contains("BOM Author")));
        let a = &out.artifacts[2];
        assert_eq!(a.ids, ["pkg:maven/g/a@2"]);
        assert_eq!(a.version.as_deref(), Some("2"));
        let svc = &out.artifacts[4];
        assert_eq!(svc.fields.iter().find(|f| f.field == "cyclonedx.provider").map(|f| f.role), Some(Role::Publisher));
    }

    #[test]
    fn truncation_keeps_what_was_read_and_says_where() {
        let text = r#"{"bomFormat":"CycloneDX","components":[{"name":"a"},{"name":"b"},{"name":"c"#;
        let out = run(text);
        assert_eq!(out.artifacts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(out.errors.len(), 1);
        let e = &out.errors[0].error;
        assert!(e.contains("truncated") && e.contains("line 1 column"), "{e}");
    }

    #[test]
    fn structure_errors_name_what_was_expected() {
        let out = run(r#"{"bomFormat":"CycloneDX","components":{"name":"a"}}"#);
        assert!(out.errors[0].error.contains("expected an array of components"), "{:?}", out.errors);
        let out = run(r#"[1,2]"#);
        assert!(out.errors[0].error.contains("expected a CycloneDX BOM object"), "{:?}", out.errors);
        let out = run(r#"{"bomFormat":"CycloneDX"} trailing"#);
        assert!(out.errors[0].error.contains("trailing"), "{:?}", out.errors);
    }

    #[test]
    fn deep_nesting_is_capped_not_recursed() {
        let depth = super::MAX_DEPTH + 5;
        let mut text = String::from(r#"{"bomFormat":"CycloneDX","components":"#);
        for i in 0..depth {
            text.push_str(&format!(r#"[{{"name":"c{i}","components":"#));
        }
        text.push_str("[]");
        for _ in 0..depth {
            text.push_str("}]");
        }
        text.push('}');
        let out = run(&text);
        assert_eq!(out.artifacts.len(), super::MAX_DEPTH);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(out.errors[0].error.contains("nested deeper than 32"), "{:?}", out.errors);
        // Far deeper than serde_json's own limit: an error, not a stack overflow.
        let bomb = format!(r#"{{"bomFormat":"CycloneDX","components":{}"#, "[".repeat(100_000));
        let out = run(&bomb);
        assert_eq!(out.errors.len(), 1);
    }

    #[test]
    fn scalars_of_the_wrong_type_are_read_leniently() {
        let out = run(r#"{"bomFormat":"CycloneDX","components":[{"name":"a","version":1.5,"description":{"x":1}}]}"#);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.artifacts[0].version.as_deref(), Some("1.5"));
        assert!(out.artifacts[0].fields.iter().all(|f| f.field != "cyclonedx.description"));
    }
}
