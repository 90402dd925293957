//! A server started in-process on a loopback port, and a client for it.
//!
//! Every scenario is written once against [`Harness`] and run on SQLite and, where
//! `DELIST_TEST_POSTGRES` names a server (`.ci/run` starts one), on PostgreSQL.

#![allow(dead_code)]

use delist_core::catalog::builtin_files;
use delist_server::db::DatabaseUrl;
use delist_server::engine::Sources;
use delist_server::time::Clock;
use delist_server::{Config, Running};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const ADMIN: &str = "admin-secret-for-tests-0123456789";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// The inventory `delist inventory --no-walk rootfs:DIR` gives, as JSON.
pub fn inventory_of(fixture: &str) -> Value {
    let dir = repo().join("crates/delist-collect/tests/fixtures").join(fixture);
    let mut t = delist_collect::target::Target::parse(&format!("rootfs:{}", dir.display())).expect("target");
    t.walk.enabled = false;
    let mut out = delist_collect::Output::default();
    t.collect(&mut out, &|_| {});
    json!({
        "schema": "delist.inventory/1",
        "tool": {"name": "delist", "version": "test"},
        "targets": [{"input": format!("rootfs:{}", dir.display()), "kind": "rootfs"}],
        "artifacts": out.artifacts,
        "errors": out.errors,
    })
}

pub fn envelope(upload_id: &str, scanned_at: &str, inventory: &Value) -> Value {
    json!({"schema": "delist.upload/1", "upload_id": upload_id, "scanned_at": scanned_at, "inventory": inventory})
}

/// Which databases the scenarios run on: SQLite always; PostgreSQL when `DELIST_TEST_POSTGRES`
/// is a URL of a server where the test may create databases.
pub fn databases(dir: &Path, name: &str) -> Vec<DatabaseUrl> {
    let mut v = vec![DatabaseUrl::Sqlite(dir.join(format!("{name}.db")))];
    if let Ok(url) = std::env::var("DELIST_TEST_POSTGRES") {
        v.push(DatabaseUrl::Postgres(fresh_postgres(&url, name)));
    }
    v
}

/// A fresh database on the test server for one scenario, dropped and made anew.
pub fn fresh_postgres(admin_url: &str, name: &str) -> String {
    let db = format!("delist_test_{}", name.replace('-', "_"));
    let mut c = postgres::Client::connect(admin_url, postgres::NoTls).expect("connect to DELIST_TEST_POSTGRES");
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).expect("drop db");
    c.batch_execute(&format!("CREATE DATABASE {db}")).expect("create db");
    // Same server, other database: replace the path of the URL.
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let cut = base.rfind('/').filter(|i| *i > base.find("://").map_or(0, |s| s + 2)).unwrap_or(base.len());
    format!("{}/{db}", &base[..cut])
}

pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    running: Option<Running>,
    pub base: String,
    pub db: DatabaseUrl,
    pub sources: Arc<Mutex<Sources>>,
    http: ureq::Agent,
}

pub fn sources(policy: Option<&str>) -> Sources {
    Sources { catalog: builtin_files(), policy: policy.map(|p| ("delist.toml".to_string(), p.to_string())) }
}

impl Harness {
    pub fn start(db: DatabaseUrl, policy: Option<&str>) -> Self {
        Self::start_with(db, sources(policy), Config::DEFAULT_MAX_BODY)
    }

    pub fn start_with(db: DatabaseUrl, sources: Sources, max_body: usize) -> Self {
        Self::start_config(db, sources, max_body, false)
    }

    /// `cookie_secure`: as `delist serve --cookie-secure` (behind a TLS proxy).
    pub fn start_config(db: DatabaseUrl, sources: Sources, max_body: usize, cookie_secure: bool) -> Self {
        Self::start_full(db, sources, max_body, cookie_secure, None)
    }

    /// Serving HTTPS with `tls`; `base` is then an https:// URL.
    pub fn start_full(
        db: DatabaseUrl,
        sources: Sources,
        max_body: usize,
        cookie_secure: bool,
        tls: Option<delist_server::tls::TlsPem>,
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let shared = Arc::new(Mutex::new(sources));
        let loader = shared.clone();
        let config = Config {
            listen: "127.0.0.1:0".into(),
            database: db.clone(),
            admin_secret: ADMIN.into(),
            sources: Arc::new(move || Ok(loader.lock().expect("sources").clone())),
            clock: Clock { today: Some(jiff::civil::date(2026, 11, 28)) },
            max_body_bytes: max_body,
            queue: 1024,
            cookie_secure,
            tls: tls.clone(),
        };
        let running = rt.block_on(delist_server::start(config)).expect("server starts");
        let base = format!("{}://{}", running.scheme, running.addr);
        let mut http = ureq::Agent::config_builder().http_status_as_error(false);
        if let Some(pem) = &tls {
            // Trust the test's own certificate, and only it.
            let cert = ureq::tls::Certificate::from_pem(&pem.cert_chain).expect("test certificate").to_owned();
            http = http.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
                    .build(),
            );
        }
        let http: ureq::Agent = http.build().into();
        Self { rt, running: Some(running), base, db, sources: shared, http }
    }

    pub fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.stop()).expect("graceful stop");
        }
    }

    fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
        let mut r = r.expect("request");
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub fn upload_raw(&self, token: Option<&str>, content_type: &str, body: &[u8]) -> (u16, Value) {
        let mut req = self.http.post(format!("{}/api/v1/reports", self.base)).header("Content-Type", content_type);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::answer(req.send(body))
    }

    pub fn upload(&self, token: &str, body: &Value) -> (u16, Value) {
        self.upload_raw(Some(token), "application/json", body.to_string().as_bytes())
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        Self::answer(
            self.http.get(format!("{}{path}", self.base)).header("Authorization", format!("Bearer {ADMIN}")).call(),
        )
    }

    pub fn get_as(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::answer(req.call())
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        Self::answer(
            self.http
                .post(format!("{}{path}", self.base))
                .header("Authorization", format!("Bearer {ADMIN}"))
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )
    }

    pub fn delete(&self, path: &str) -> (u16, Value) {
        Self::answer(
            self.http.delete(format!("{}{path}", self.base)).header("Authorization", format!("Bearer {ADMIN}")).call(),
        )
    }

    /// Enrols a host through the admin API; returns its token.
    pub fn enrol(&self, host: &str) -> String {
        let (s, v) = self.post("/api/v1/tokens", &json!({"host": host}));
        assert_eq!(s, 201, "{v}");
        v["token"].as_str().expect("token").to_string()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop();
    }
}
