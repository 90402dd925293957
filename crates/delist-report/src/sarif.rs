//! SARIF 2.1.0, as code-scanning services accept it: one rule per covered vendor, one result per
//! finding with its level (confirmed → error, likely → warning, possible → note), its location
//! inside the target, a stable fingerprint (the finding id) and, for waived findings, an external
//! suppression carrying the waiver's reason.

use delist_core::report::Report;
use delist_core::{Confidence, Finding};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::Confirmed => "error",
        Confidence::Likely => "warning",
        Confidence::Possible => "note",
    }
}

/// A location URI relative to the target: code-scanning uploads want relative paths.
fn uri(path: &str) -> String {
    let p = path.trim_start_matches('/');
    let p = p.split('!').next().unwrap_or(p);
    if p.is_empty() { ".".into() } else { p.replace(' ', "%20") }
}

/// The SARIF document, as a string.
pub fn report(r: &Report) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and serializing these values cannot either (see `json`).
    let _ = write(r, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The SARIF document, written as it is serialized: each result is built and written in turn,
/// never all at once (as one `Value` tree, 400,000 results took 7.3 GB).
pub fn write(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in &r.findings {
        rules.entry(f.vendor.as_str()).or_insert_with(|| {
            json!({
                "id": f.vendor,
                "name": f.vendor_name,
                "shortDescription": {"text": format!("Product of {}, a vendor covered by a ban list", f.vendor_name)},
                "fullDescription": {"text": format!(
                    "delist attributes this artifact to {} ({}). Run `delist vendors {}` for the identifiers \
                     and `delist lists` for the lists that cover it.", f.vendor_name, f.vendor, f.vendor)},
                "help": {"text": "Remove the product, or record an approved waiver in delist.toml."},
                "properties": {"tags": ["delist", "supply-chain"]},
            })
        });
    }
    let rule_index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    // Keys in the order a `json!` object prints them (sorted), so the output is what it was.
    let doc = Doc {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            properties: json!({"catalog": r.catalog, "summary": r.summary}),
            results: Results { r, rule_index: &rule_index },
            tool: json!({"driver": {
                "name": "delist",
                "version": r.tool.version,
                "rules": rules.into_values().collect::<Vec<_>>(),
            }}),
        }],
        version: "2.1.0",
    };
    crate::write_json(&doc, w)
}

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    properties: Value,
    results: Results<'a>,
    tool: Value,
}

/// The results, each made as it is serialized.
struct Results<'a> {
    r: &'a Report,
    rule_index: &'a BTreeMap<&'a str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.r.findings.iter().map(|f| result(f, self.rule_index)))
    }
}

fn result(f: &Finding, rule_index: &BTreeMap<&str, usize>) -> Value {
    let lists: Vec<&str> = f.lists.iter().map(|l| l.id.as_str()).collect();
    let product = f.product.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
    let mut res = json!({
        "ruleId": f.vendor,
        "ruleIndex": rule_index.get(f.vendor.as_str()).copied().unwrap_or(0),
        "level": level(f.confidence),
        "message": {"text": format!(
            "{} {}{} is a {} product of {}, covered by {}.{}",
            f.artifact.kind, f.artifact.name, product, f.confidence, f.vendor_name, lists.join(", "),
            f.remediation.as_deref().map(|r| format!(" Remediation: {r}")).unwrap_or_default())},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri(&f.artifact.path)}},
            "logicalLocations": [{"name": f.artifact.name, "kind": "package",
                                  "fullyQualifiedName": format!("{}:{}", f.artifact.kind, f.artifact.name)}],
        }],
        "partialFingerprints": {"delistFindingId/v1": f.id},
        "properties": {
            "confidence": f.confidence,
            "lists": lists,
            "target": f.artifact.target,
            "evidence": f.evidence,
        },
    });
    if let Some(w) = &f.waiver {
        res["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{} (owner {}, approved by {}, until {})", w.reason, w.owner, w.approver, w.expires),
        }]);
    }
    res
}
