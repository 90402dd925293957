//! `lshw -json` output: the hardware tree, of which delist keeps processors (`class:
//! "processor"`), memory banks (`class: "memory"` with id `bank:N`) and disks (`class: "disk"`)
//! with their vendor, product and version.
//!
//! Parsed with serde_json into a tree of only the keys delist reads (every other value is
//! skipped as it is read: a `Value` of the whole document took ten times its size, 404 MiB for
//! 43 MB); serde_json's recursion limit bounds nesting, and the walk over `children` keeps its
//! own depth bound. lshw prints one object, or with `-json` in newer versions an array of one
//! object: both are read.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What a node is, for delist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Processor,
    MemoryBank,
    Disk,
}

/// One node of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub id: String,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub businfo: Option<String>,
}

const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 100_000;

/// A JSON value as the walk sees it: an object with the keys it reads (string values only), an
/// array, or anything else (skipped as read).
enum Raw {
    Node(Box<RawNode>),
    Array(Vec<Raw>),
    Other,
}

#[derive(Default)]
struct RawNode {
    /// Whether `id` and `class` are present at all (the top node must have both).
    has_id: bool,
    has_class: bool,
    id: Option<String>,
    class: Option<String>,
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    description: Option<String>,
    businfo: Option<String>,
    children: Option<Raw>,
}

/// A string value, or `None` for any other value (read and dropped).
struct MaybeStr(Option<String>);

impl<'de> Deserialize<'de> for MaybeStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(MaybeStr(Raw::deserialize_inner(d, true)?.1))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Raw::deserialize_inner(d, false)?.0)
    }
}

impl Raw {
    /// `want_str`: the value is a key delist reads as text, so only a string is kept, and an
    /// object or array under it is skipped whole.
    fn deserialize_inner<'de, D: Deserializer<'de>>(d: D, want_str: bool) -> Result<(Raw, Option<String>), D::Error> {
        struct V(bool);
        impl<'de> Visitor<'de> for V {
            type Value = (Raw, Option<String>);
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok((Raw::Other, Some(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok((Raw::Other, Some(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok((Raw::Other, None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok((Raw::Other, None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok((Raw::Other, None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok((Raw::Other, None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok((Raw::Other, None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if self.0 {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok((Raw::Other, None));
                }
                let mut items = Vec::new();
                while let Some(r) = seq.next_element::<Raw>()? {
                    items.push(r);
                }
                Ok((Raw::Array(items), None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                if self.0 {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    return Ok((Raw::Other, None));
                }
                let mut n = RawNode::default();
                // A repeated key keeps its last value, as serde_json's own map does.
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match key.as_ref() {
                        "id" => {
                            n.has_id = true;
                            &mut n.id
                        }
                        "class" => {
                            n.has_class = true;
                            &mut n.class
                        }
                        "vendor" => &mut n.vendor,
                        "product" => &mut n.product,
                        "version" => &mut n.version,
                        "description" => &mut n.description,
                        "businfo" => &mut n.businfo,
                        "children" => {
                            n.children = Some(map.next_value::<Raw>()?);
                            continue;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value::<MaybeStr>()?.0;
                }
                Ok((Raw::Node(Box::new(n)), None))
            }
        }
        d.deserialize_any(V(want_str))
    }
}

fn text(v: &Option<String>) -> Option<String> {
    let s = v.as_deref()?.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn walk(v: &Raw, depth: usize, seen: &mut usize, out: &mut Vec<Node>) -> Result<(), String> {
    *seen += 1;
    if depth > MAX_DEPTH || *seen > MAX_NODES {
        return Err(format!("the tree is deeper than {MAX_DEPTH} or larger than {MAX_NODES} nodes"));
    }
    let Raw::Node(n) = v else {
        return Err("expected a JSON object for each node".into());
    };
    let id = n.id.as_deref().unwrap_or("");
    let kind = match n.class.as_deref() {
        Some("processor") => Some(NodeKind::Processor),
        Some("memory") if id.starts_with("bank") => Some(NodeKind::MemoryBank),
        Some("disk") => Some(NodeKind::Disk),
        _ => None,
    };
    if let Some(kind) = kind {
        out.push(Node {
            kind,
            id: id.to_string(),
            vendor: text(&n.vendor),
            product: text(&n.product),
            version: text(&n.version),
            description: text(&n.description),
            businfo: text(&n.businfo),
        });
    }
    if let Some(children) = &n.children {
        let Raw::Array(children) = children else { return Err("`children` is not an array".into()) };
        for c in children {
            walk(c, depth + 1, seen, out)?;
        }
    }
    Ok(())
}

/// The processors, memory banks and disks of an `lshw -json` document.
pub fn parse(bytes: &[u8]) -> Result<Vec<Node>, String> {
    let doc: Raw = serde_json::from_slice(bytes).map_err(|e| format!("not lshw JSON: {e}"))?;
    let roots: Vec<&Raw> = match &doc {
        Raw::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut out = Vec::new();
    let mut seen = 0;
    for r in roots {
        if !matches!(r, Raw::Node(n) if n.has_id && n.has_class) {
            return Err("not lshw JSON: the top node has no `id` and `class`".into());
        }
        walk(r, 0, &mut seen, &mut out)?;
    }
    Ok(out)
}

/// Whether a file's first bytes are `lshw -json` output: a JSON object whose first key is `id`.
pub fn sniff(head: &[u8]) -> bool {
    let t = String::from_utf8_lossy(head);
    let t = t.trim_start().trim_start_matches('[').trim_start();
    t.starts_with('{') && t[1..].trim_start().starts_with("\"id\"") && t.contains("\"class\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_processors_banks_and_disks() {
        let doc = br#"{"id":"pc","class":"system","children":[{"id":"core","class":"bus","children":[
            {"id":"cpu","class":"processor","vendor":"Intel Corp.","product":"Intel(R) Core(TM) i7"},
            {"id":"memory","class":"memory","children":[{"id":"bank:0","class":"memory","vendor":"Crucial","product":"CT8G4DFS824A.C8FE"}]},
            {"id":"disk","class":"disk","vendor":"Micron","product":"Micron_1100_MTFDDAK512TBN","version":"M0DL003"}]}]}"#;
        let n = parse(doc).expect("lshw");
        let kinds: Vec<(NodeKind, Option<&str>)> = n.iter().map(|x| (x.kind, x.vendor.as_deref())).collect();
        assert_eq!(
            kinds,
            vec![
                (NodeKind::Processor, Some("Intel Corp.")),
                (NodeKind::MemoryBank, Some("Crucial")),
                (NodeKind::Disk, Some("Micron"))
            ]
        );
        assert!(sniff(doc));
        assert!(parse(b"{\"a\":1}").is_err());
        assert!(parse(br#"{"id":"x","class":"system","children":{}}"#).is_err());
    }

    /// Only the keys delist reads are kept, and only as strings; the rest of a node (its
    /// `configuration`, `capabilities`, numbers, nested objects) is read past, as `Value` did.
    #[test]
    fn other_keys_and_non_string_values_are_read_past() {
        let doc = br#"[{"id":"pc","class":"system","capabilities":{"smbios-3.0":"x","n":[1,{"a":null}]},"children":[
            {"id":"cpu","class":"processor","vendor":7,"product":{"name":"x"},"version":" 6.1 ","size":3.5e9},
            {"id":"disk","class":"disk","vendor":"First","vendor":"Last"}]}]"#;
        let n = parse(doc).expect("lshw");
        assert_eq!(n.len(), 2);
        assert_eq!(
            (n[0].vendor.as_deref(), n[0].product.as_deref(), n[0].version.as_deref()),
            (None, None, Some("6.1"))
        );
        assert_eq!(n[1].vendor.as_deref(), Some("Last"), "a repeated key keeps its last value");
        for bad in [
            &br#"{"id":"x","class":"system","children":[1]}"#[..],
            br#"{"id":"x","class":"system","children":"no"}"#,
            br#"{"id":"x"}"#,
            br#"[1]"#,
            br#"{"id":"x","class":"system","children":[{"id":"y","class":"disk"}"#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
