//! The JSON API, end to end over loopback HTTP: enrolment, authentication, uploads and their
//! idempotency, history (first seen, last seen, removed), per-list trends, waivers and
//! re-evaluation from stored inventories. Each scenario runs on SQLite, and on PostgreSQL when
//! `DELIST_TEST_POSTGRES` names a server.

mod common;

use common::{ADMIN, Harness, databases, envelope, inventory_of};
use delist_server::Config;
use serde_json::{Value, json};

const DAY1: &str = "2026-11-20T09:00:00Z";
const DAY2: &str = "2026-11-22T09:00:00Z";

fn ids(findings: &Value) -> Vec<String> {
    let mut v: Vec<String> = findings
        .as_array()
        .expect("findings array")
        .iter()
        .map(|t| t["finding"]["artifact"]["name"].as_str().expect("name").to_string())
        .collect();
    v.sort();
    v
}

/// Writes need a valid enrolment token: none, a wrong one and a revoked one are all 401, and
/// nothing is stored.
#[test]
fn uploads_without_a_valid_token_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    for db in databases(t.path(), "auth") {
        let h = Harness::start(db, None);
        let inv = inventory_of("dpkg/root");
        let body = envelope("upload-0001", DAY1, &inv);
        let (s, v) = h.upload_raw(None, "application/json", body.to_string().as_bytes());
        assert_eq!(s, 401, "{v}");
        let (s, _) = h.upload(&format!("dlt_{}", "0".repeat(64)), &body);
        assert_eq!(s, 401);
        let (s, _) = h.upload(ADMIN, &body);
        assert_eq!(s, 401, "the admin secret is not an enrolment token");

        let token = h.enrol("web-01");
        let (s, tokens) = h.get("/api/v1/tokens");
        assert_eq!(s, 200);
        let id = tokens[0]["id"].as_str().expect("id").to_string();
        assert!(!tokens.to_string().contains(&token), "tokens are never shown again");
        let (s, v) = h.delete(&format!("/api/v1/tokens/{id}"));
        assert_eq!(s, 200, "{v}");
        let (s, _) = h.upload(&token, &body);
        assert_eq!(s, 401, "a revoked token is refused");

        let (_, hosts) = h.get("/api/v1/hosts");
        assert_eq!(hosts[0]["uploads"], 0, "nothing written: {hosts}");
        // Reads need the admin secret too.
        assert_eq!(h.get_as("/api/v1/hosts", None).0, 401);
        assert_eq!(h.get_as("/api/v1/hosts", Some("wrong")).0, 401);
        assert_eq!(h.get_as("/api/v1/hosts", Some(&token)).0, 401);
        assert_eq!(h.get_as("/api/v1/health", None).0, 200);
    }
}

/// A retried upload (same upload id) is not a duplicate; the same id for another inventory is a
/// conflict.
#[test]
fn uploads_are_idempotent() {
    let t = tempfile::tempdir().expect("tempdir");
    for db in databases(t.path(), "idempotent") {
        let h = Harness::start(db, None);
        let token = h.enrol("web-01");
        let inv = inventory_of("dpkg/root");
        let body = envelope("0b9e4c1e-upload-1", DAY1, &inv);
        let (s, first) = h.upload(&token, &body);
        assert_eq!(s, 201, "{first}");
        assert_eq!(first["duplicate"], false);
        assert_eq!(first["findings"], 3, "kesl, klms-agent, klnagent64: {first}");
        assert_eq!(first["host"], "web-01");
        for _ in 0..3 {
            let (s, again) = h.upload(&token, &body);
            assert_eq!(s, 200, "{again}");
            assert_eq!(again["duplicate"], true);
            assert_eq!(again["findings"], 3);
        }
        let (_, host) = h.get("/api/v1/hosts/web-01");
        assert_eq!(host["history"].as_array().expect("uploads").len(), 1, "{host}");
        let other = envelope("0b9e4c1e-upload-1", DAY2, &inventory_of("dpkg/root-after"));
        let (s, v) = h.upload(&token, &other);
        assert_eq!(s, 409, "{v}");
        // Another host may not reuse the id either.
        let token2 = h.enrol("web-02");
        assert_eq!(h.upload(&token2, &body).0, 409);
    }
}

/// Two scans of a host between which a covered product was removed: the finding is marked
/// removed on the second scan's date, the others are seen again, the list's trend falls.
#[test]
fn history_tracks_first_seen_last_seen_and_removal() {
    let t = tempfile::tempdir().expect("tempdir");
    for db in databases(t.path(), "history") {
        let h = Harness::start(db, None);
        let token = h.enrol("web-01");
        let other = h.enrol("web-02");
        assert_eq!(h.upload(&token, &envelope("scan-day-1", DAY1, &inventory_of("dpkg/root"))).0, 201);
        assert_eq!(h.upload(&other, &envelope("scan-web02-1", DAY1, &inventory_of("dpkg/root"))).0, 201);
        let (s, v) = h.upload(&token, &envelope("scan-day-2", DAY2, &inventory_of("dpkg/root-after")));
        assert_eq!(s, 201, "{v}");

        let (_, current) = h.get("/api/v1/hosts/web-01/findings");
        assert_eq!(ids(&current), ["kav4fs", "klms-agent", "klnagent64"], "{current}");
        let (_, all) = h.get("/api/v1/hosts/web-01/findings?current=false");
        let kesl =
            all.as_array().expect("all").iter().find(|t| t["finding"]["artifact"]["name"] == "kesl").expect("kesl");
        assert_eq!(kesl["first_seen"], "2026-11-20T09:00:00.000000Z");
        assert_eq!(kesl["last_seen"], "2026-11-20T09:00:00.000000Z");
        assert_eq!(kesl["removed_at"], "2026-11-22T09:00:00.000000Z");
        assert!(kesl["finding"]["evidence"].as_array().is_some_and(|e| !e.is_empty()), "evidence kept");
        let agent = all
            .as_array()
            .expect("all")
            .iter()
            .find(|t| t["finding"]["artifact"]["name"] == "klms-agent")
            .expect("agent");
        assert_eq!(agent["first_seen"], "2026-11-20T09:00:00.000000Z");
        assert_eq!(agent["last_seen"], "2026-11-22T09:00:00.000000Z");
        assert_eq!(agent["removed_at"], Value::Null);

        // A late retry of an older scan joins the history without undoing the newer one.
        let (s, v) = h.upload(&token, &envelope("scan-day-0", "2026-11-19T09:00:00Z", &inventory_of("dpkg/root")));
        assert_eq!((s, &v["current"]), (201, &json!(false)), "{v}");
        let (_, current) = h.get("/api/v1/hosts/web-01/findings");
        assert_eq!(ids(&current), ["kav4fs", "klms-agent", "klnagent64"]);

        let (s, list) = h.get("/api/v1/lists/us-bod-17-01");
        assert_eq!(s, 200, "{list}");
        assert_eq!(list["hosts_affected"], 2);
        assert_eq!(list["deadline"]["date"], "2017-12-12");
        assert!(list["deadline"]["days_left"].as_i64().expect("days") < 0);
        let trend: Vec<(String, i64)> = list["trend"]
            .as_array()
            .expect("trend")
            .iter()
            .map(|p| (p["date"].as_str().expect("date").to_string(), p["hosts"].as_i64().expect("hosts")))
            .collect();
        assert_eq!(trend.first(), Some(&("2026-11-19".to_string(), 1)), "{trend:?}");
        assert!(trend.contains(&("2026-11-20".to_string(), 2)), "{trend:?}");
        assert_eq!(trend.last(), Some(&("2026-11-28".to_string(), 2)), "{trend:?}");

        let (_, lists) = h.get("/api/v1/lists");
        let bod = lists.as_array().expect("lists").iter().find(|l| l["id"] == "us-bod-17-01").expect("bod");
        assert_eq!(bod["findings"], 6);
        let (_, by_vendor) = h.get("/api/v1/findings?vendor=kaspersky");
        assert_eq!(by_vendor.as_array().expect("findings").len(), 6);
    }
}

/// A server-side policy's waivers mark findings; views apply them on the day shown.
#[test]
fn server_policy_waivers_apply() {
    let policy = "[[waiver]]\nvendor = \"kaspersky\"\nfinding = \"2353c1d777cb4ad5\"\nowner = \"secops@example.org\"\napprover = \"CIO\"\nreason = \"replacement ordered\"\nexpires = 2027-06-30\n";
    let t = tempfile::tempdir().expect("tempdir");
    for db in databases(t.path(), "waivers") {
        let h = Harness::start(db, Some(policy));
        let token = h.enrol("web-01");
        let (s, v) = h.upload(&token, &envelope("scan-waived-1", DAY1, &inventory_of("dpkg/root")));
        assert_eq!(s, 201);
        assert_eq!((v["findings"].as_i64(), v["waived"].as_i64()), (Some(2), Some(1)), "{v}");
        let (_, current) = h.get("/api/v1/hosts/web-01/findings");
        let waived: Vec<&Value> =
            current.as_array().expect("findings").iter().filter(|t| !t["finding"]["waiver"].is_null()).collect();
        assert_eq!(waived.len(), 1);
        assert_eq!(waived[0]["finding"]["waiver"]["reason"], "replacement ordered");
        let (_, list) = h.get("/api/v1/lists/us-bod-17-01");
        assert_eq!((list["findings"].as_i64(), list["waived"].as_i64()), (Some(2), Some(1)));
    }
}

/// A list added to the policy (a new ban) re-evaluates every host from its last inventory: the
/// new exposure shows without a rescan.
#[test]
fn a_new_list_reevaluates_stored_inventories() {
    let t = tempfile::tempdir().expect("tempdir");
    for db in databases(t.path(), "reevaluate") {
        let h = Harness::start(db.clone(), Some("lists = [\"us-ndaa-fy2019-889\"]\n"));
        let token = h.enrol("web-01");
        let (s, v) = h.upload(&token, &envelope("scan-before-ban", DAY1, &inventory_of("dpkg/root")));
        assert_eq!((s, v["findings"].as_i64()), (201, Some(0)), "no Kaspersky list selected yet: {v}");
        assert_eq!(h.get("/api/v1/lists/us-bod-17-01").0, 404);

        *h.sources.lock().expect("sources") =
            common::sources(Some("lists = [\"us-ndaa-fy2019-889\", \"us-bod-17-01\"]\n"));
        let (s, v) = h.post("/api/v1/reevaluate", &json!({}));
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["hosts"], 1);
        let (_, current) = h.get("/api/v1/hosts/web-01/findings");
        assert_eq!(ids(&current), ["kesl", "klms-agent", "klnagent64"]);
        let (_, list) = h.get("/api/v1/lists/us-bod-17-01");
        assert_eq!(list["hosts_affected"], 1);
        assert_eq!(list["trend"].as_array().and_then(|t| t.last()).map(|p| p["hosts"].clone()), Some(json!(1)));
        let (_, host) = h.get("/api/v1/hosts/web-01");
        assert_eq!(host["history"].as_array().expect("uploads").len(), 1, "no new upload was needed");
        drop(h);

        // A restart with yet another policy re-evaluates by itself.
        let h = Harness::start(db, Some("lists = [\"us-ndaa-fy2019-889\"]\n"));
        let mut tries = 0;
        loop {
            let (_, current) = h.get("/api/v1/hosts/web-01/findings");
            let names = ids(&current);
            if names.is_empty() {
                break;
            }
            tries += 1;
            assert!(tries < 100, "re-evaluation at start did not happen: {names:?}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Malformed and oversized bodies are refused with the right status and nothing is stored.
#[test]
fn bad_uploads_are_refused_strictly() {
    let t = tempfile::tempdir().expect("tempdir");
    for db in databases(t.path(), "validation") {
        let h = Harness::start_with(db, common::sources(None), 256 << 10);
        let token = h.enrol("web-01");
        let inv = inventory_of("dpkg/root");
        let good = envelope("upload-valid-1", DAY1, &inv);
        let cases: Vec<(Value, &str)> = vec![
            (
                json!({"schema": "delist.upload/2", "upload_id": "upload-x-1", "scanned_at": DAY1, "inventory": inv}),
                "schema",
            ),
            (envelope("short", DAY1, &inv), "upload_id"),
            (envelope("bad id with spaces", DAY1, &inv), "upload_id"),
            (envelope("upload-x-2", "yesterday", &inv), "scanned_at"),
            (envelope("upload-x-3", "2027-01-01T00:00:00Z", &inv), "future"),
            (envelope("upload-x-4", DAY1, &json!({"schema": "delist.report/1"})), "inventory"),
            (
                json!({"schema": "delist.upload/1", "upload_id": "upload-x-5", "scanned_at": DAY1, "inventory": inv, "extra": 1}),
                "unknown field",
            ),
            (
                json!({"schema": "delist.upload/1", "upload_id": "upload-x-6", "scanned_at": DAY1, "host": "web-02", "inventory": inv}),
                "host",
            ),
        ];
        for (body, why) in cases {
            let (s, v) = h.upload(&token, &body);
            assert_eq!(s, 400, "{why}: {v}");
            assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
        }
        assert_eq!(h.upload_raw(Some(&token), "application/json", b"{not json").0, 400);
        assert_eq!(h.upload_raw(Some(&token), "text/plain", good.to_string().as_bytes()).0, 415);
        let huge =
            envelope("upload-huge-1", DAY1, &json!({"schema": "delist.inventory/1", "pad": "x".repeat(300 << 10)}));
        assert_eq!(h.upload(&token, &huge).0, 413);
        let (_, hosts) = h.get("/api/v1/hosts");
        assert_eq!(hosts[0]["uploads"], 0);
        assert_eq!(h.upload(&token, &good).0, 201);
        assert_eq!(h.get("/api/v1/hosts/..%2Fetc").0, 400);
        assert_eq!(h.get("/api/v1/findings?bogus=1").0, 400);
        assert_eq!(h.post("/api/v1/tokens", &json!({"host": "bad host"})).0, 400);
    }
}

/// Every response carries the security headers.
#[test]
fn responses_carry_security_headers() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = databases(t.path(), "headers").remove(0);
    let h = Harness::start(db, None);
    let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    for path in ["/api/v1/health", "/api/v1/hosts", "/openapi.json"] {
        let r = http.get(format!("{}{path}", h.base)).call().expect("request");
        let get = |k: &str| r.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(get("content-security-policy").contains("default-src 'self'"), "{path}");
        assert!(get("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
    }
}

/// Cookies are `Secure` and HSTS is sent only when the server is told it is reached over HTTPS
/// (`--cookie-secure`); over plain HTTP neither (a Secure cookie would never come back).
#[test]
fn cookies_are_secure_and_hsts_sent_only_behind_tls() {
    let t = tempfile::tempdir().expect("tempdir");
    let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    for secure in [false, true] {
        let db = databases(t.path(), if secure { "tls" } else { "plain" }).remove(0);
        let h = Harness::start_config(db, common::sources(None), Config::DEFAULT_MAX_BODY, secure);
        let r = http.get(format!("{}/login", h.base)).call().expect("login page");
        let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(cookie.starts_with("delist_login=") && cookie.contains("HttpOnly"), "{cookie}");
        assert_eq!(cookie.ends_with("; Secure"), secure, "{cookie}");
        let hsts = r.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(hsts.as_deref(), secure.then_some("max-age=31536000"));
        let r = http.get(format!("{}/api/v1/health", h.base)).call().expect("health");
        assert_eq!(r.headers().contains_key("strict-transport-security"), secure);
    }
}

/// Truncated and bit-flipped uploads over HTTP: each is refused with 400 (or, where a flip only
/// changed free text, stored); never a 500, never a dead server. Those refused store nothing.
#[test]
fn malformed_uploads_are_400_never_500() {
    let t = tempfile::tempdir().expect("tempdir");
    let db = databases(t.path(), "malformed").remove(0);
    let h = Harness::start(db, None);
    let token = h.enrol("web-01");
    let good = envelope("upload-good-01", DAY1, &inventory_of("dpkg/root")).to_string().into_bytes();
    let mut accepted = 0;
    let step = (good.len() / 150).max(1);
    for cut in (0..good.len()).step_by(step) {
        let (s, v) = h.upload_raw(Some(&token), "application/json", &good[..cut]);
        assert_eq!(s, 400, "truncated at {cut}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    }
    let mut state = 0x51f1_5eed_u32;
    for i in 0..300 {
        let mut b = good.clone();
        // A fresh upload id each time, so that an accepted flip is not a conflict with the last.
        let id = format!("upload-fl-{i:04}");
        let at = b.windows(14).position(|w| w == b"upload-good-01").expect("id in body");
        b[at..at + 14].copy_from_slice(id.as_bytes());
        for _ in 0..1 + i % 4 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let j = state as usize % b.len();
            b[j] ^= 1 << (state >> 29);
        }
        let (s, v) = h.upload_raw(Some(&token), "application/json", &b);
        assert!(matches!(s, 400 | 409 | 201 | 200), "flip {i}: {s} {v}");
        accepted += usize::from(s == 201);
    }
    assert_eq!(h.get("/api/v1/health").0, 200, "still serving");
    let (_, host) = h.get("/api/v1/hosts/web-01");
    assert_eq!(host["uploads"], accepted, "only accepted uploads are stored");
}

/// `--tls-cert/--tls-key`: the server speaks HTTPS only (a certificate made by OpenSSL,
/// `tests/fixtures/tls/make.sh`), its cookies are Secure and HSTS is sent; plain HTTP to the
/// same port gets no answer.
#[test]
fn https_with_a_certificate_marks_cookies_secure_and_sends_hsts() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = common::repo().join("crates/delist-server/tests/fixtures/tls");
    let read = |f: &str| std::fs::read(dir.join(f)).expect("fixture");
    let pem = delist_server::tls::TlsPem { cert_chain: read("cert.pem"), key: read("key.pem") };
    let db = databases(t.path(), "https").remove(0);
    let h = Harness::start_full(db, common::sources(None), Config::DEFAULT_MAX_BODY, false, Some(pem));
    assert!(h.base.starts_with("https://127.0.0.1:"), "{}", h.base);
    let cert = ureq::tls::Certificate::from_pem(&read("cert.pem")).expect("cert");
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![cert])))
        .build();
    let https: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).tls_config(tls).build().into();
    let r = https.get(format!("{}/login", h.base)).call().expect("login page over TLS");
    assert_eq!(r.status(), 200);
    let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert_eq!(r.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
    let token = h.enrol("web-01");
    let body = envelope("upload-tls-01", DAY1, &inventory_of("dpkg/root")).to_string();
    let r = https
        .post(format!("{}/api/v1/reports", h.base))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .expect("upload over TLS");
    assert_eq!(r.status(), 201);
    let plain: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(5)))
        .build()
        .into();
    let http = h.base.replacen("https://", "http://", 1);
    assert!(plain.get(format!("{http}/api/v1/health")).call().is_err(), "no plain HTTP on a TLS port");
}
