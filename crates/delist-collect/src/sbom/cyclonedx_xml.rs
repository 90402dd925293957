//! CycloneDX XML (1.2–1.6), streamed with quick-xml.
//!
//! Owns walking a CycloneDX XML document event by event: the same records as the JSON reader
//! (`bom/metadata/component`, `bom/components/component` and nested `component/components/
//! component`, `bom/services/service` and nested `service/services/service`) with the same
//! fields, so both encodings of one BOM give the same artifacts. Components under `tools`,
//! `pedigree` or `formulation` are not part of what the BOM ships and are not records.
//!
//! State is the stack of open element names (capped at [`MAX_XML_DEPTH`]), the records on the
//! current nesting path (capped at [`MAX_DEPTH`]) and the text of one leaf element (capped at
//! `MAX_VALUE`); it must never grow with the number of components. Entities other than XML's
//! predefined ones are never expanded (quick-xml does not), so a DOCTYPE cannot blow it up.

use super::{Ctx, F, MAX_DEPTH, Pos, Record, hash_value, push_capped};
use delist_core::ArtifactKind;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::io::BufRead;

/// The deepest element nesting read; CycloneDX itself needs a few dozen at most.
const MAX_XML_DEPTH: usize = 512;

/// The element names the reader cares about; every other name is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Bom,
    Metadata,
    Components,
    Component,
    Services,
    Service,
    Supplier,
    Manufacturer,
    Manufacture,
    Provider,
    Authors,
    Author,
    Name,
    Url,
    Group,
    Version,
    Description,
    Publisher,
    Scope,
    Hashes,
    Hash,
    Licenses,
    License,
    Id,
    Expression,
    Copyright,
    Cpe,
    Purl,
    Endpoints,
    Endpoint,
    Other,
}

impl Tag {
    fn of(local: &[u8]) -> Self {
        match local {
            b"bom" => Self::Bom,
            b"metadata" => Self::Metadata,
            b"components" => Self::Components,
            b"component" => Self::Component,
            b"services" => Self::Services,
            b"service" => Self::Service,
            b"supplier" => Self::Supplier,
            b"manufacturer" => Self::Manufacturer,
            b"manufacture" => Self::Manufacture,
            b"provider" => Self::Provider,
            b"authors" => Self::Authors,
            b"author" => Self::Author,
            b"name" => Self::Name,
            b"url" => Self::Url,
            b"group" => Self::Group,
            b"version" => Self::Version,
            b"description" => Self::Description,
            b"publisher" => Self::Publisher,
            b"scope" => Self::Scope,
            b"hashes" => Self::Hashes,
            b"hash" => Self::Hash,
            b"licenses" => Self::Licenses,
            b"license" => Self::License,
            b"id" => Self::Id,
            b"expression" => Self::Expression,
            b"copyright" => Self::Copyright,
            b"cpe" => Self::Cpe,
            b"purl" => Self::Purl,
            b"endpoints" => Self::Endpoints,
            b"endpoint" => Self::Endpoint,
            _ => Self::Other,
        }
    }
}

/// Where the text of a leaf element goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Field(F),
    Name,
    Group,
    Version,
    Cpe,
    Hash(Option<String>),
    MetaSupplier,
    MetaSupplierUrl,
    MetaManufacture,
}

/// The text of the leaf element being read.
struct Capture {
    slot: Slot,
    /// The length of the element stack while the element is open.
    depth: usize,
    text: String,
}

/// A component or service whose element is open.
struct Open {
    rec: Record,
    /// Its element's index in the element stack.
    depth: usize,
    /// `metadata/component`: held until `metadata` closes, for the supplier that follows it.
    hold: bool,
}

#[derive(Default)]
struct State {
    path: Vec<Tag>,
    open: Vec<Open>,
    capture: Option<Capture>,
    held: Option<Record>,
    meta_supplier: Option<String>,
    meta_supplier_urls: Vec<String>,
    meta_manufacture: Option<String>,
    /// Inside a component nested too deep: everything is skipped until the element at this
    /// index closes.
    skip_from: Option<usize>,
    seen_root: bool,
}

/// Reads a whole document into the context's sink.
pub(super) fn read<R: BufRead>(r: R, cx: &mut Ctx<'_>) {
    let mut reader = Reader::from_reader(r);
    let mut buf = Vec::new();
    let mut st = State::default();
    loop {
        let start = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                return cx.problem(format!("CycloneDX XML is malformed at byte {}: {e}", reader.error_position()));
            }
        };
        let result = match event {
            Event::Start(e) => st.start(&e, start, cx),
            Event::Empty(e) => st.start(&e, start, cx).map(|()| st.end(cx)),
            Event::End(_) => {
                st.end(cx);
                Ok(())
            }
            Event::Text(t) => {
                if let Some(c) = &mut st.capture {
                    match t.unescape() {
                        Ok(s) => push_capped(&mut c.text, &s),
                        // An entity quick-xml does not know (declared in a DOCTYPE): keep the raw
                        // text rather than expand anything.
                        Err(_) => push_capped(&mut c.text, &String::from_utf8_lossy(&t)),
                    }
                }
                Ok(())
            }
            Event::CData(t) => {
                if let Some(c) = &mut st.capture {
                    push_capped(&mut c.text, &String::from_utf8_lossy(&t));
                }
                Ok(())
            }
            Event::Eof => break,
            _ => Ok(()),
        };
        if let Err(msg) = result {
            return cx.problem(msg);
        }
        buf.clear();
    }
    if !st.seen_root {
        cx.problem("CycloneDX XML has no <bom> element");
    } else if let Some(open) = st.path.len().checked_sub(1) {
        let inner = st.path[open];
        cx.problem(format!(
            "CycloneDX XML ends at byte {} with {} element(s) still open (truncated?): expected the closing tag of {}",
            reader.buffer_position(),
            st.path.len(),
            tag_label(inner)
        ));
    }
}

fn tag_label(t: Tag) -> String {
    match t {
        Tag::Other => "an element".into(),
        t => format!("<{}>", format!("{t:?}").to_ascii_lowercase()),
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| {
        a.unescape_value().map(|v| v.into_owned()).unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
    })
}

impl State {
    /// An element opens at byte `pos`.
    fn start(&mut self, e: &BytesStart<'_>, pos: u64, cx: &mut Ctx<'_>) -> Result<(), String> {
        let t = Tag::of(e.local_name().as_ref());
        let depth = self.path.len();
        if depth == 0 {
            if t != Tag::Bom {
                return Err(format!(
                    "CycloneDX XML: the root element is <{}>, expected <bom>",
                    String::from_utf8_lossy(e.name().as_ref())
                ));
            }
            self.seen_root = true;
        }
        if depth >= MAX_XML_DEPTH {
            return Err(format!(
                "CycloneDX XML nests elements deeper than {MAX_XML_DEPTH} at byte {pos}; not read further"
            ));
        }
        self.path.push(t);
        if self.skip_from.is_some() {
            return Ok(());
        }
        let parent = depth.checked_sub(1).map(|i| self.path[i]);
        let top = depth == 2 && self.path[0] == Tag::Bom;
        let inner = self.open.last().map(|o| (o.depth + 2 == depth, o.rec_kind()));
        use ArtifactKind::{SbomComponent as C, SbomService as S};
        let record = match (t, parent) {
            (Tag::Component, Some(Tag::Metadata)) if top => Some((C, true)),
            (Tag::Component, Some(Tag::Components)) if top || inner == Some((true, C)) => Some((C, false)),
            (Tag::Service, Some(Tag::Services)) if top || inner == Some((true, S)) => Some((S, false)),
            _ => None,
        };
        if let Some((kind, hold)) = record {
            if self.open.len() >= MAX_DEPTH {
                cx.problem(format!(
                    "byte {pos}: {} nested deeper than {MAX_DEPTH} levels are not read",
                    if kind == S { "services" } else { "components" }
                ));
                self.skip_from = Some(depth);
                return Ok(());
            }
            let mut rec = Record::new(kind, Pos::Byte(pos));
            if let Some(v) = attr(e, b"type") {
                rec.add(F::CdxType, v);
            }
            if let Some(v) = attr(e, b"bom-ref") {
                rec.set_bom_ref(v);
            }
            self.open.push(Open { rec, depth, hold });
            return Ok(());
        }
        let slot = match self.open.last() {
            Some(o) => record_slot(&self.path[o.depth + 1..], e),
            None => match self.path.as_slice() {
                [Tag::Bom, Tag::Metadata, Tag::Supplier, Tag::Name] => Some(Slot::MetaSupplier),
                [Tag::Bom, Tag::Metadata, Tag::Supplier, Tag::Url] => Some(Slot::MetaSupplierUrl),
                [Tag::Bom, Tag::Metadata, Tag::Manufacture, Tag::Name] => Some(Slot::MetaManufacture),
                _ => None,
            },
        };
        if let Some(slot) = slot {
            self.capture = Some(Capture { slot, depth: self.path.len(), text: String::new() });
        }
        Ok(())
    }

    /// The innermost open element closes (quick-xml has checked that its name matches).
    fn end(&mut self, cx: &mut Ctx<'_>) {
        let Some(t) = self.path.pop() else {
            return;
        };
        let depth = self.path.len();
        if let Some(s) = self.skip_from {
            if depth == s {
                self.skip_from = None;
            }
            return;
        }
        if self.capture.as_ref().is_some_and(|c| c.depth == depth + 1)
            && let Some(c) = self.capture.take()
        {
            self.apply(c);
        }
        if self.open.last().is_some_and(|o| o.depth == depth)
            && let Some(o) = self.open.pop()
        {
            if o.hold {
                self.held = Some(o.rec);
            } else {
                cx.push(o.rec);
            }
        }
        if t == Tag::Metadata && depth == 1 {
            let supplier = self.meta_supplier.take();
            let urls = std::mem::take(&mut self.meta_supplier_urls);
            let manufacture = self.meta_manufacture.take();
            if let Some(mut rec) = self.held.take() {
                if let Some(s) = supplier {
                    rec.add(F::CdxMetaSupplier, s);
                }
                for u in urls {
                    rec.add(F::CdxMetaSupplierUrl, u);
                }
                if let Some(m) = manufacture {
                    rec.add(F::CdxMetaManufacture, m);
                }
                cx.push(rec);
            }
        }
    }

    fn apply(&mut self, c: Capture) {
        let v = c.text.trim().to_string();
        match c.slot {
            Slot::MetaSupplier => self.meta_supplier = Some(v),
            Slot::MetaSupplierUrl => {
                if self.meta_supplier_urls.len() < super::MAX_LIST {
                    self.meta_supplier_urls.push(v)
                }
            }
            Slot::MetaManufacture => self.meta_manufacture = Some(v),
            slot => {
                let Some(o) = self.open.last_mut() else {
                    return;
                };
                let rec = &mut o.rec;
                match slot {
                    Slot::Field(f) => rec.add(f, v),
                    Slot::Name => rec.set_name(F::CdxName, v),
                    Slot::Group => rec.set_group(v),
                    Slot::Version => rec.set_version(v),
                    Slot::Cpe => rec.add_cpe(F::CdxCpe, F::CdxCpeVendor, v),
                    Slot::Hash(alg) => {
                        if !v.is_empty() {
                            rec.add(F::CdxHash, hash_value(alg.as_deref(), &v))
                        }
                    }
                    Slot::MetaSupplier | Slot::MetaSupplierUrl | Slot::MetaManufacture => {}
                }
            }
        }
    }
}

impl Open {
    fn rec_kind(&self) -> ArtifactKind {
        self.rec.kind
    }
}

/// Which value of the innermost record an element holds, from its path below the record
/// (the element itself last).
fn record_slot(rel: &[Tag], e: &BytesStart<'_>) -> Option<Slot> {
    use Tag::*;
    Some(match rel {
        [Name] => Slot::Name,
        [Group] => Slot::Group,
        [Version] => Slot::Version,
        [Cpe] => Slot::Cpe,
        [Description] => Slot::Field(F::CdxDescription),
        [Publisher] => Slot::Field(F::CdxPublisher),
        [Author] => Slot::Field(F::CdxAuthor),
        [Scope] => Slot::Field(F::CdxScope),
        [Copyright] => Slot::Field(F::CdxCopyright),
        [Purl] => Slot::Field(F::CdxPurl),
        [Supplier, Name] => Slot::Field(F::CdxSupplier),
        [Supplier, Url] => Slot::Field(F::CdxSupplierUrl),
        [Manufacturer, Name] => Slot::Field(F::CdxManufacturer),
        [Manufacturer, Url] => Slot::Field(F::CdxManufacturerUrl),
        [Provider, Name] => Slot::Field(F::CdxProvider),
        [Provider, Url] => Slot::Field(F::CdxProviderUrl),
        [Authors, Author, Name] => Slot::Field(F::CdxAuthors),
        [Hashes, Hash] => Slot::Hash(attr(e, b"alg")),
        [Licenses, License, Id | Name] | [Licenses, Expression] => Slot::Field(F::CdxLicense),
        [Endpoints, Endpoint] => Slot::Field(F::CdxEndpoint),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Format, read_as};
    use crate::Output;
    use delist_core::ArtifactKind;

    fn run(text: &str) -> Output {
        let mut out = Output::default();
        read_as(Format::CycloneDxXml, text.as_bytes(), "/bom.xml", "sbom:bom.xml", &mut out);
        out
    }

    #[test]
    fn records_and_metadata() {
        let out = run(r#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <metadata>
    <tools><components><component type="application"><name>not-a-record</name></component></components></tools>
    <component type="application"><name>app</name></component>
    <manufacturer><name>BOM Maker Inc</name></manufacturer>
    <supplier><name>Example Corp</name></supplier>
  </metadata>
  <components>
    <component type="library" bom-ref="a">
      <group>g</group><name>a</name><version>2</version>
      <hashes><hash alg="SHA-256">abcd</hash></hashes>
      <licenses><license><id>MIT</id></license><expression>MIT OR Apache-2.0</expression></licenses>
      <pedigree><ancestors><component><name>upstream</name></component></ancestors></pedigree>
      <components><component type="library"><name>inner &amp; co</name></component></components>
    </component>
    <component type="library"/>
  </components>
  <services><service><name>svc</name><services><service><name><![CDATA[sub]]></name></service></services></service></services>
</bom>"#);
        assert!(out.errors.len() == 1 && out.errors[0].error.contains("without a name"), "{:?}", out.errors);
        let names: Vec<(&str, ArtifactKind)> = out.artifacts.iter().map(|a| (a.name.as_str(), a.kind)).collect();
        assert_eq!(
            names,
            [
                ("app", ArtifactKind::SbomComponent),
                ("inner & co", ArtifactKind::SbomComponent),
                ("g:a", ArtifactKind::SbomComponent),
                ("", ArtifactKind::SbomComponent),
                ("sub", ArtifactKind::SbomService),
                ("svc", ArtifactKind::SbomService),
            ]
        );
        let a = &out.artifacts[2];
        let vals: Vec<&str> = a.fields.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(vals, ["library", "g", "a", "MIT", "MIT OR Apache-2.0", "SHA-256:abcd"]);
        assert_eq!(out.artifacts[0].publisher.as_deref(), Some("Example Corp"));
    }

    #[test]
    fn truncated_and_malformed_say_where() {
        let doc = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component><name>a</name></component><component><name>b"#;
        let out = run(doc);
        assert_eq!(out.artifacts.len(), 1);
        assert!(out.errors[0].error.contains("truncated"), "{:?}", out.errors);
        let out = run(r#"<bom><components><component><name>a</nam></component></components></bom>"#);
        assert!(out.errors[0].error.contains("malformed at byte"), "{:?}", out.errors);
        let out = run(r#"<html/>"#);
        assert!(out.errors[0].error.contains("expected <bom>"), "{:?}", out.errors);
        let out = run("");
        assert!(out.errors[0].error.contains("no <bom>"), "{:?}", out.errors);
    }

    #[test]
    fn deep_nesting_is_capped() {
        let depth = super::MAX_DEPTH + 3;
        let mut doc = String::from("<bom><components>");
        for i in 0..depth {
            doc.push_str(&format!("<component><name>c{i}</name><components>"));
        }
        for _ in 0..depth {
            doc.push_str("</components></component>");
        }
        doc.push_str("</components></bom>");
        let out = run(&doc);
        assert_eq!(out.artifacts.len(), super::MAX_DEPTH);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        let bomb = format!("<bom>{}", "<a>".repeat(100_000));
        let out = run(&bomb);
        assert!(out.errors[0].error.contains("deeper than"), "{:?}", out.errors);
    }

    #[test]
    fn custom_entities_are_not_expanded() {
        let doc = r#"<!DOCTYPE bom [<!ENTITY x "xxxxxxxxxx">]><bom><components><component><name>&x;</name></component></components></bom>"#;
        let out = run(doc);
        assert_eq!(out.artifacts[0].name, "&x;");
    }
}
