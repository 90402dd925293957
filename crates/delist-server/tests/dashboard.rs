//! The dashboard over HTTP: sign-in with CSRF protection, sessions, the pages' key content
//! (lists with deadlines, trend chart, hosts, findings with evidence, vendors, waivers) and the
//! CSV export of each table.

mod common;

use common::{ADMIN, Harness, databases, envelope, inventory_of};

struct Browser {
    http: ureq::Agent,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Page {
    status: u16,
    location: String,
    body: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        let http = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        Self { http, base: base.into(), cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn take(&mut self, mut r: ureq::http::Response<ureq::Body>) -> Page {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().expect("ascii");
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').expect("cookie");
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
        let location = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
        Page { status: r.status().as_u16(), location, body: r.body_mut().read_to_string().unwrap_or_default() }
    }

    fn get(&mut self, path: &str) -> Page {
        let r =
            self.http.get(format!("{}{path}", self.base)).header("Cookie", self.cookie_header()).call().expect("get");
        self.take(r)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .send_form(form.iter().copied())
            .expect("post");
        self.take(r)
    }
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[at..].split('"').next().expect("value").to_string()
}

#[test]
fn dashboard_signs_in_shows_the_fleet_and_exports_csv() {
    let t = tempfile::tempdir().expect("tempdir");
    let policy = "[[waiver]]\nfinding = \"2353c1d777cb4ad5\"\nowner = \"secops@example.org\"\napprover = \"CIO\"\nreason = \"replacement <ordered>\"\nexpires = 2027-06-30\n";
    let h = Harness::start(databases(t.path(), "dashboard").remove(0), Some(policy));
    let token = h.enrol("web-01");
    assert_eq!(h.upload(&token, &envelope("dash-scan-1", "2026-11-20T09:00:00Z", &inventory_of("dpkg/root"))).0, 201);
    assert_eq!(
        h.upload(&token, &envelope("dash-scan-2", "2026-11-22T09:00:00Z", &inventory_of("dpkg/root-after"))).0,
        201
    );

    let mut b = Browser::new(&h.base);
    let p = b.get("/");
    assert_eq!((p.status, p.location.as_str()), (303, "/login"), "not signed in: to the sign-in page");
    assert_eq!(b.get("/export/hosts.csv").status, 401);

    let login = b.get("/login");
    assert_eq!(login.status, 200);
    let csrf = hidden_csrf(&login.body);
    // A forged sign-in (no matching login cookie) is refused.
    let mut forger = Browser::new(&h.base);
    assert_eq!(forger.post("/login", &[("secret", ADMIN), ("csrf", &csrf)]).status, 403);
    assert_eq!(b.post("/login", &[("secret", "wrong"), ("csrf", &csrf)]).status, 401);
    let p = b.post("/login", &[("secret", ADMIN), ("csrf", &csrf)]);
    assert_eq!((p.status, p.location.as_str()), (303, "/"));

    let home = b.get("/");
    assert_eq!(home.status, 200);
    for text in [
        "us-bod-17-01",
        "2017-12-12",
        "days ago",
        "web-01",
        "kaspersky",
        "replacement &lt;ordered&gt;",
        "/export/lists.csv",
    ] {
        assert!(home.body.contains(text), "overview shows {text:?}");
    }
    assert!(!home.body.contains("<script"), "no script");
    // Each list's trend on the overview too, drawn from the daily rollup: one host from the
    // first scan to today (the 28th; the Kaspersky products left are still there).
    assert!(home.body.contains("<svg class=\"spark\" role=\"img\" aria-label=\"Trend of us-bod-17-01\""));
    assert!(
        home.body.contains("<title>us-bod-17-01: 1 host(s) on 2026-11-20, 1 on 2026-11-28</title>"),
        "{}",
        home.body
    );

    let list = b.get("/lists/us-bod-17-01");
    assert!(list.body.contains("aria-label=\"Hosts affected over time\""));
    assert!(list.body.contains("2026-11-20: 1 host(s)"));
    let host = b.get("/hosts/web-01");
    assert!(host.body.contains("<b>kesl</b>"), "the removed finding is listed");
    assert!(host.body.contains("2026-11-22"), "with its removal date");
    assert!(host.body.contains("matches package.deb:"), "evidence is shown");

    let csv = b.get("/export/findings.csv?host=web-01");
    assert_eq!(csv.status, 200);
    let mut rdr = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4, "three current and one removed");
    assert!(rows.iter().any(|r| &r[5] == "kesl" && r[11].starts_with("2026-11-22")));
    for table in ["lists", "hosts", "vendors", "waivers"] {
        let p = b.get(&format!("/export/{table}.csv"));
        assert_eq!(p.status, 200, "{table}");
        assert!(p.body.lines().count() >= 2, "{table}: {}", p.body);
    }
    assert_eq!(b.get("/export/secrets.csv").status, 404);

    // Enrolment from the dashboard: CSRF-checked; the new token works for uploads, then is revoked.
    let csrf = hidden_csrf(&home.body);
    assert_eq!(b.post("/tokens", &[("csrf", "forged"), ("host", "web-09")]).status, 403);
    let created = b.post("/tokens", &[("csrf", &csrf), ("host", "web-09")]);
    assert_eq!(created.status, 200);
    let at = created.body.find("<pre id=\"new-token\">").expect("token shown") + 20;
    let new_token = created.body[at..].split('<').next().expect("token").to_string();
    assert!(new_token.starts_with("dlt_"), "{new_token}");
    assert_eq!(
        h.upload(&new_token, &envelope("dash-web09-1", "2026-11-22T09:00:00Z", &inventory_of("dpkg/root"))).0,
        201
    );
    let (_, tokens) = h.get("/api/v1/tokens");
    let id = tokens.as_array().expect("tokens").iter().find(|t| t["host"] == "web-09").expect("web-09")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(b.post("/tokens/revoke", &[("csrf", "forged"), ("id", &id)]).status, 403);
    assert_eq!(b.post("/tokens/revoke", &[("csrf", &csrf), ("id", &id)]).status, 303);
    assert_eq!(
        h.upload(&new_token, &envelope("dash-web09-2", "2026-11-23T09:00:00Z", &inventory_of("dpkg/root"))).0,
        401
    );

    // Signing out needs the session's CSRF token.
    assert_eq!(b.post("/logout", &[("csrf", "forged")]).status, 403);
    let csrf = hidden_csrf(&home.body);
    assert_eq!(b.post("/logout", &[("csrf", &csrf)]).status, 303);
    assert_eq!(b.get("/").status, 303);
}
