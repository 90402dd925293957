//! SARIF 2.1.0, as code-scanning services accept it: one rule per covered vendor, one result per
//! finding with its level (confirmed → error, likely → warning, possible → note), its location
//! inside the target, a stable fingerprint (the finding id) and, for waived findings, an external
//! suppression carrying the waiver's reason.

use delist_core::Confidence;
use delist_core::report::Report;
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

pub fn report(r: &Report) -> String {
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
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
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
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "delist",
                "version": r.tool.version,
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
            "properties": {"catalog": r.catalog, "summary": r.summary},
        }],
    });
    crate::json(&doc)
}
