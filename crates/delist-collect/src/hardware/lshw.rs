//! `lshw -json` output: the hardware tree, of which delist keeps processors (`class:
//! "processor"`), memory banks (`class: "memory"` with id `bank:N`) and disks (`class: "disk"`)
//! with their vendor, product and version.
//!
//! Parsed with serde_json (its recursion limit bounds nesting); the walk over `children` keeps
//! its own depth bound. lshw prints one object, or with `-json` in newer versions an array of
//! one object: both are read.

use serde_json::Value;

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

fn text(v: &Value, key: &str) -> Option<String> {
    let s = v.get(key)?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn walk(v: &Value, depth: usize, seen: &mut usize, out: &mut Vec<Node>) -> Result<(), String> {
    *seen += 1;
    if depth > MAX_DEPTH || *seen > MAX_NODES {
        return Err(format!("the tree is deeper than {MAX_DEPTH} or larger than {MAX_NODES} nodes"));
    }
    let Some(obj) = v.as_object() else {
        return Err("expected a JSON object for each node".into());
    };
    let id = obj.get("id").and_then(Value::as_str).unwrap_or("");
    let kind = match obj.get("class").and_then(Value::as_str) {
        Some("processor") => Some(NodeKind::Processor),
        Some("memory") if id.starts_with("bank") => Some(NodeKind::MemoryBank),
        Some("disk") => Some(NodeKind::Disk),
        _ => None,
    };
    if let Some(kind) = kind {
        out.push(Node {
            kind,
            id: id.to_string(),
            vendor: text(v, "vendor"),
            product: text(v, "product"),
            version: text(v, "version"),
            description: text(v, "description"),
            businfo: text(v, "businfo"),
        });
    }
    if let Some(children) = obj.get("children") {
        let children = children.as_array().ok_or("`children` is not an array")?;
        for c in children {
            walk(c, depth + 1, seen, out)?;
        }
    }
    Ok(())
}

/// The processors, memory banks and disks of an `lshw -json` document.
pub fn parse(bytes: &[u8]) -> Result<Vec<Node>, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not lshw JSON: {e}"))?;
    let roots: Vec<&Value> = match &doc {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut out = Vec::new();
    let mut seen = 0;
    for r in roots {
        if r.get("class").is_none() || r.get("id").is_none() {
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
}
