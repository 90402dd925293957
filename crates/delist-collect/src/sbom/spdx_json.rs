//! SPDX 2.2/2.3 JSON, streamed with serde.
//!
//! Owns walking `packages` one package at a time; every package becomes an `sbom-component`
//! pushed as soon as its object closes. Files, snippets, relationships and the rest are skipped
//! with `IgnoredAny` without being built. Supplier and originator lose their `Organization:` /
//! `Person:` prefix; `NOASSERTION` and `NONE` say nothing and are dropped.
//!
//! It must never hold more than the package being read.

use super::json::{Fields, KeySeed, List, Scalar, describe};
use super::{Ctx, F, Record};
use delist_core::ArtifactKind;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::Read;

/// Reads a whole document into the context's sink.
pub(super) fn read<R: Read>(r: R, cx: &mut Ctx<'_>) {
    let mut de = serde_json::Deserializer::from_reader(r);
    let result = Doc { cx: &mut *cx }.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = result {
        cx.problem(describe("SPDX JSON", &e));
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
        f.write_str("an SPDX document object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        const KEYS: &[&str] = &["spdxVersion", "packages"];
        while let Some(k) = map.next_key_seed(KeySeed(KEYS))? {
            match k {
                Some(0) => {
                    if let Some(v) = map.next_value_seed(Scalar)?
                        && !v.starts_with("SPDX-2.")
                    {
                        self.cx.problem(format!("spdxVersion {v:?} is not SPDX 2.x; read as SPDX-2.3"));
                    }
                }
                Some(1) => map.next_value_seed(Packages { cx: &mut *self.cx })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Packages<'c, 'a> {
    cx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for Packages<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Packages<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of packages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Package { cx: &mut *self.cx })?.is_some() {}
        Ok(())
    }
}

struct Package<'c, 'a> {
    cx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for Package<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

const PACKAGE_KEYS: &[&str] = &[
    "SPDXID",
    "name",
    "versionInfo",
    "packageFileName",
    "supplier",
    "originator",
    "downloadLocation",
    "homepage",
    "licenseConcluded",
    "licenseDeclared",
    "copyrightText",
    "summary",
    "description",
    "comment",
    "checksums",
    "externalRefs",
    "primaryPackagePurpose",
];

impl<'de> Visitor<'de> for Package<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SPDX package object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rec = Record::new(ArtifactKind::SbomComponent, self.cx.next_ordinal());
        while let Some(k) = map.next_key_seed(KeySeed(PACKAGE_KEYS))? {
            match k {
                Some(14) => {
                    for [alg, value] in map.next_value_seed(List(Fields(&["algorithm", "checksumValue"])))? {
                        if let Some(v) = value {
                            rec.add(F::SpdxChecksum, super::hash_value(alg.as_deref(), &v));
                        }
                    }
                }
                Some(15) => {
                    let refs = map.next_value_seed(List(Fields(&["referenceType", "referenceLocator"])))?;
                    for [ty, loc] in refs {
                        if let (Some(ty), Some(loc)) = (ty, loc) {
                            rec.add_spdx_ref(&ty, loc);
                        }
                    }
                }
                Some(i) => {
                    let Some(v) = map.next_value_seed(Scalar)? else {
                        continue;
                    };
                    match i {
                        0 => rec.add(F::SpdxId, v),
                        1 => rec.set_name(F::SpdxName, v),
                        2 if !super::is_noassertion(&v) => rec.set_version(v),
                        3 => rec.add_spdx(F::SpdxFileName, v),
                        4 => rec.add_actor(F::SpdxSupplier, &v),
                        5 => rec.add_actor(F::SpdxOriginator, &v),
                        6 => rec.add_spdx(F::SpdxDownload, v),
                        7 => rec.add_spdx(F::SpdxHomepage, v),
                        8 => rec.add_spdx(F::SpdxLicenseConcluded, v),
                        9 => rec.add_spdx(F::SpdxLicenseDeclared, v),
                        10 => rec.add_spdx(F::SpdxCopyright, v),
                        11 => rec.add_spdx(F::SpdxSummary, v),
                        12 => rec.add_spdx(F::SpdxDescription, v),
                        13 => rec.add_spdx(F::SpdxComment, v),
                        16 => rec.add_spdx(F::SpdxPurpose, v),
                        _ => {}
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.cx.push(rec);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, read_as};
    use crate::Output;

    fn run(text: &str) -> Output {
        let mut out = Output::default();
        read_as(Format::SpdxJson, text.as_bytes(), "/x.spdx.json", "sbom:x.spdx.json", &mut out);
        out
    }

    #[test]
    fn packages_with_actors_and_refs() {
        let out = run(r#"{"spdxVersion":"SPDX-2.3","files":[{"fileName":"a"}],"packages":[
            {"SPDXID":"SPDXRef-a","name":"a","versionInfo":"1","supplier":"Organization: AO Kaspersky Lab",
             "originator":"NOASSERTION","licenseConcluded":"NOASSERTION",
             "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/a@1"},
                             {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:kaspersky:a:1:*:*:*:*:*:*:*"}]}
        ]}"#);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let a = &out.artifacts[0];
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(a.ids, ["pkg:npm/a@1"]);
        let fields: Vec<(&str, &str)> = a.fields.iter().map(|f| (f.field.as_str(), f.value.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("spdx.spdxid", "SPDXRef-a"),
                ("spdx.name", "a"),
                ("spdx.supplier", "AO Kaspersky Lab"),
                ("spdx.purl", "pkg:npm/a@1"),
                ("spdx.cpe", "cpe:2.3:a:kaspersky:a:1:*:*:*:*:*:*:*"),
                ("spdx.cpe.vendor", "kaspersky"),
            ]
        );
    }

    #[test]
    fn malformed_is_an_error_with_a_position() {
        let out = run(r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"a"},{"name":"b" "x":1}]}"#);
        assert_eq!(out.artifacts.len(), 1);
        assert!(out.errors[0].error.contains("expected `,` or `}` at line 1"), "{:?}", out.errors);
    }
}
