//! The OpenAPI 3.1 document of the API, built here and served at `/openapi.json`. The committed
//! copy (`crates/delist-server/openapi.json`) must equal it: a test compares them
//! (`DELIST_BLESS=1 cargo test -p delist-server --test openapi` rewrites the copy).

use axum::Json;
use serde_json::{Value, json};

pub async fn serve() -> Json<Value> {
    Json(document())
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn err(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": reference(name) })
}

fn admin_get(summary: &str, params: Value, response: Value) -> Value {
    json!({ "get": {
        "summary": summary,
        "security": [{ "admin": [] }],
        "parameters": params,
        "responses": { "200": response, "400": err("Invalid parameter"), "401": err("No or wrong admin token"), "404": err("Not found") }
    }})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn query_param(name: &str, description: &str, ty: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": ty } })
}

pub fn document() -> Value {
    let finding_filters = json!([
        query_param("vendor", "Only this vendor's findings (catalog vendor id)", "string"),
        query_param("list", "Only findings this list covers", "string"),
        query_param("current", "false: include removed findings (default true)", "boolean"),
    ]);
    let mut all_filters = finding_filters.clone();
    if let Some(a) = all_filters.as_array_mut() {
        a.insert(0, query_param("host", "Only this host", "string"));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "delist fleet server",
            "version": "1",
            "description": "Agents upload their host's inventory (delist.inventory/1) with an enrolment token; the server evaluates it with delist's engine, keeps every upload, and re-evaluates every host from its last inventory when the catalog or policy changes. Everything but uploads and health needs the admin token."
        },
        "servers": [{ "url": "/" }],
        "paths": {
            "/api/v1/health": { "get": {
                "summary": "Liveness", "security": [],
                "responses": { "200": ok("Up", json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ok" } } })) }
            }},
            "/api/v1/reports": { "post": {
                "summary": "Upload a host's inventory",
                "description": "Idempotent by upload_id: a retry of a stored upload answers 200 with duplicate=true and stores nothing. The upload is committed before the answer.",
                "security": [{ "enrolment": [] }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": reference("Upload") } } },
                "responses": {
                    "201": ok("Stored and evaluated", reference("Ingested")),
                    "200": ok("Already stored (a retry)", reference("Ingested")),
                    "400": err("Not a valid delist.upload/1 document"),
                    "401": err("No, unknown or revoked enrolment token"),
                    "409": err("The upload id belongs to another upload"),
                    "413": err("Larger than the server's limit"),
                    "415": err("Content-Type is not application/json"),
                    "503": err("Busy: retry later with the same upload id (Retry-After)")
                }
            }},
            "/api/v1/hosts": admin_get("Enrolled hosts", json!([]), ok("Hosts", array_of("Host"))),
            "/api/v1/hosts/{host}": admin_get("A host and its uploads", json!([path_param("host", "Host name")]), ok("Host", reference("HostDetail"))),
            "/api/v1/hosts/{host}/findings": admin_get("A host's findings with evidence, first seen, last seen and removal", {
                let mut p = vec![path_param("host", "Host name")];
                p.extend(finding_filters.as_array().cloned().unwrap_or_default());
                Value::Array(p)
            }, ok("Findings", array_of("TrackedFinding"))),
            "/api/v1/findings": admin_get("Findings across the fleet", all_filters, ok("Findings", array_of("TrackedFinding"))),
            "/api/v1/lists": admin_get("Per list: hosts affected, findings, deadlines and days left", json!([]), ok("Lists", array_of("ListOverview"))),
            "/api/v1/lists/{id}": admin_get("One list with its trend of hosts affected per day", json!([path_param("id", "List id")]), ok("List", reference("ListDetail"))),
            "/api/v1/tokens": {
                "get": {
                    "summary": "Enrolment tokens (never the secrets)", "security": [{ "admin": [] }],
                    "responses": { "200": ok("Tokens", array_of("Token")), "401": err("No or wrong admin token") }
                },
                "post": {
                    "summary": "Enrol a host: issue a token (shown once)", "security": [{ "admin": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": {
                        "type": "object", "additionalProperties": false, "required": ["host"],
                        "properties": { "host": reference("HostName") } } } } },
                    "responses": { "201": ok("Token", reference("NewToken")), "400": err("Not a host name"), "401": err("No or wrong admin token") }
                }
            },
            "/api/v1/tokens/{id}": { "delete": {
                "summary": "Revoke a token", "security": [{ "admin": [] }],
                "parameters": [path_param("id", "Token id (16 hex digits)")],
                "responses": {
                    "200": ok("Revoked", json!({ "type": "object", "properties": { "revoked": { "type": "integer" } } })),
                    "400": err("Not a token id"), "401": err("No or wrong admin token"), "404": err("No live token with that id")
                }
            }},
            "/api/v1/reevaluate": { "post": {
                "summary": "Reload catalog and policy; re-evaluate every host from its last inventory", "security": [{ "admin": [] }],
                "responses": {
                    "200": ok("Done", json!({ "type": "object", "required": ["hosts", "engine"], "properties": { "hosts": { "type": "integer" }, "engine": { "type": "string" } } })),
                    "401": err("No or wrong admin token"), "422": err("The catalog or policy has errors")
                }
            }},
            "/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI 3.1" } } } }
        },
        "components": {
            "securitySchemes": {
                "enrolment": { "type": "http", "scheme": "bearer", "description": "A host's enrolment token (dlt_…), from `delist serve token create --host NAME` or POST /api/v1/tokens" },
                "admin": { "type": "http", "scheme": "bearer", "description": "The admin secret given to `delist serve` (--admin-token-file or DELIST_ADMIN_TOKEN)" }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
                "HostName": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$" },
                "Time": { "type": "string", "description": "RFC 3339 UTC, fixed width: 2026-11-28T09:00:00.000000Z" },
                "Upload": {
                    "type": "object", "additionalProperties": false,
                    "required": ["schema", "upload_id", "scanned_at", "inventory"],
                    "properties": {
                        "schema": { "const": "delist.upload/1" },
                        "upload_id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$", "description": "Chosen by the client; the same id for a retry" },
                        "scanned_at": { "type": "string", "format": "date-time", "description": "When the scan ran (at most 24 h ahead of the server)" },
                        "host": { "$ref": "#/components/schemas/HostName", "description": "Optional; must be the token's host" },
                        "inventory": { "type": "object", "description": "A delist.inventory/1 document (`delist inventory -o json`)", "required": ["schema", "tool", "targets", "artifacts", "errors"], "properties": { "schema": { "const": "delist.inventory/1" } } }
                    }
                },
                "Ingested": {
                    "type": "object", "required": ["upload_id", "host", "duplicate", "findings", "waived", "current"],
                    "properties": {
                        "upload_id": { "type": "string" }, "host": { "type": "string" },
                        "duplicate": { "type": "boolean", "description": "True for a retry of a stored upload" },
                        "findings": { "type": "integer", "description": "Live (unwaived) findings" },
                        "waived": { "type": "integer" },
                        "current": { "type": "boolean", "description": "False when a newer scan of the host was already stored" }
                    }
                },
                "Host": {
                    "type": "object", "required": ["name", "created_at", "uploads", "findings"],
                    "properties": {
                        "name": { "type": "string" }, "created_at": reference("Time"),
                        "last_upload": { "type": ["string", "null"] }, "last_scanned_at": { "type": ["string", "null"] },
                        "uploads": { "type": "integer" }, "findings": { "type": "integer", "description": "Current findings, before waivers" }
                    }
                },
                "HostDetail": {
                    "allOf": [reference("Host"), { "type": "object", "required": ["history"], "properties": { "history": { "type": "array", "items": {
                        "type": "object",
                        "required": ["id", "host", "received_at", "scanned_at", "artifacts", "errors", "tool_version", "findings", "waived"],
                        "properties": {
                            "id": { "type": "string" }, "host": { "type": "string" }, "received_at": reference("Time"), "scanned_at": reference("Time"),
                            "artifacts": { "type": "integer" }, "errors": { "type": "integer" }, "tool_version": { "type": "string" },
                            "findings": { "type": "integer" }, "waived": { "type": "integer" }
                        }
                    } } } }]
                },
                "TrackedFinding": {
                    "type": "object", "required": ["host", "first_seen", "last_seen", "removed_at", "finding"],
                    "properties": {
                        "host": { "type": "string" }, "first_seen": reference("Time"), "last_seen": reference("Time"),
                        "removed_at": { "type": ["string", "null"] },
                        "finding": { "type": "object", "description": "A delist.report/1 finding (schema/delist.report-1.schema.json), with today's waiver if any" }
                    }
                },
                "Deadline": {
                    "type": "object", "required": ["date", "action", "days_left"],
                    "properties": { "date": { "type": "string", "format": "date" }, "action": { "type": "string" }, "days_left": { "type": "integer", "description": "Negative once passed" } }
                },
                "ListOverview": {
                    "type": "object", "required": ["id", "title", "authority", "hosts_affected", "findings", "waived", "deadline", "deadlines"],
                    "properties": {
                        "id": { "type": "string" }, "title": { "type": "string" }, "authority": { "type": "string" },
                        "hosts_affected": { "type": "integer" }, "findings": { "type": "integer" }, "waived": { "type": "integer" },
                        "deadline": { "oneOf": [reference("Deadline"), { "type": "null" }] },
                        "deadlines": { "type": "array", "items": reference("Deadline") }
                    }
                },
                "ListDetail": {
                    "allOf": [reference("ListOverview"), { "type": "object", "required": ["trend"], "properties": { "trend": { "type": "array", "items": {
                        "type": "object", "required": ["date", "hosts"],
                        "properties": { "date": { "type": "string", "format": "date" }, "hosts": { "type": "integer" } }
                    } } } }]
                },
                "Token": {
                    "type": "object", "required": ["id", "host", "created_at", "revoked_at"],
                    "properties": { "id": { "type": "string" }, "host": { "type": "string" }, "created_at": reference("Time"), "revoked_at": { "type": ["string", "null"] } }
                },
                "NewToken": {
                    "type": "object", "required": ["id", "host", "token"],
                    "properties": { "id": { "type": "string" }, "host": { "type": "string" }, "token": { "type": "string", "description": "The secret; shown only now" } }
                }
            }
        }
    })
}
