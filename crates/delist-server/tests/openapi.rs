//! The served OpenAPI document equals the committed `openapi.json`, names every route, and the
//! API's answers validate against the schemas it declares.

mod common;

use common::{Harness, databases, envelope, inventory_of};
use serde_json::Value;
use std::path::Path;

fn committed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[test]
fn served_document_equals_the_committed_one() {
    let t = tempfile::tempdir().expect("tempdir");
    let h = Harness::start(databases(t.path(), "openapi").remove(0), None);
    let (s, served) = h.get_as("/openapi.json", None);
    assert_eq!(s, 200);
    let text = serde_json::to_string_pretty(&served).expect("json") + "\n";
    if std::env::var_os("DELIST_BLESS").is_some() {
        std::fs::write(committed(), &text).expect("write openapi.json");
    }
    let on_disk = std::fs::read_to_string(committed()).expect("openapi.json is committed");
    assert!(on_disk == text, "openapi.json is out of date: DELIST_BLESS=1 cargo test -p delist-server --test openapi");
    let paths: Vec<&String> = served["paths"].as_object().expect("paths").keys().collect();
    for p in [
        "/api/v1/health",
        "/api/v1/reports",
        "/api/v1/hosts",
        "/api/v1/hosts/{host}",
        "/api/v1/hosts/{host}/findings",
        "/api/v1/findings",
        "/api/v1/lists",
        "/api/v1/lists/{id}",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/reevaluate",
    ] {
        assert!(paths.iter().any(|x| *x == p), "{p} is not documented");
    }
}

/// Real answers checked against the document's schemas.
#[test]
fn answers_match_the_documented_schemas() {
    let t = tempfile::tempdir().expect("tempdir");
    let h = Harness::start(databases(t.path(), "openapi-schemas").remove(0), None);
    let doc = delist_server::openapi::document();
    let validator = |name: &str| {
        // The component schemas reference each other: validate against the whole document.
        let schema =
            serde_json::json!({ "$ref": format!("#/components/schemas/{name}"), "components": doc["components"] });
        jsonschema::validator_for(&schema).expect("schema compiles")
    };
    let check = |name: &str, v: &Value| {
        let val = validator(name);
        let errors: Vec<String> = val.iter_errors(v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?} in {v}");
    };
    let token = h.enrol("web-01");
    let body = envelope("openapi-upload-1", "2026-11-20T09:00:00Z", &inventory_of("dpkg/root"));
    check("Upload", &body);
    let (_, ingested) = h.upload(&token, &body);
    check("Ingested", &ingested);
    let (_, e) = h.upload("nope", &body);
    check("Error", &e);
    for (path, name) in [("/api/v1/hosts/web-01", "HostDetail"), ("/api/v1/lists/us-bod-17-01", "ListDetail")] {
        let (s, v) = h.get(path);
        assert_eq!(s, 200);
        check(name, &v);
    }
    for (path, name) in [
        ("/api/v1/hosts", "Host"),
        ("/api/v1/findings", "TrackedFinding"),
        ("/api/v1/lists", "ListOverview"),
        ("/api/v1/tokens", "Token"),
    ] {
        let (s, v) = h.get(path);
        assert_eq!(s, 200);
        for item in v.as_array().expect("array") {
            check(name, item);
        }
    }
}
