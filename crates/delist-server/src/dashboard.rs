//! The web dashboard at `/`: server-rendered HTML, no script from elsewhere, sessions for the
//! admin and CSRF tokens on every form.
//!
//! Owns sessions (random ids kept in memory, only their digests; a restart logs everyone out)
//! and the pages. Pages are built from the same views as the API.

use crate::api::{self, ApiError, FindingQuery};
use crate::auth;
use crate::server::App;
use crate::store::{self, TrackedFinding};
use crate::views::{ListOverview, TrendPoint};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "delist_session";
const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// A signed-in admin: when the session ends and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub expires: Instant,
    pub csrf: String,
}

/// Live sessions by the digest of their id.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session; returns its id (the cookie value).
    pub fn create(&self) -> (String, Session) {
        let id = auth::random_hex(32);
        let s = Session { expires: Instant::now() + SESSION_TTL, csrf: auth::random_hex(16) };
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, s| s.expires > Instant::now());
        live.insert(auth::digest(&id), s.clone());
        (id, s)
    }

    /// The session the request's cookie names, if live.
    pub fn check(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.get(&auth::digest(id)).filter(|s| s.expires > Instant::now()).cloned()
    }

    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, SESSION_COOKIE) {
            self.live.lock().unwrap_or_else(|e| e.into_inner()).remove(&auth::digest(id));
        }
    }
}

/// A cookie's value from the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

const LOGIN_COOKIE: &str = "delist_login";
const CSS: &str = include_str!("dashboard.css");

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/tokens", post(create_token))
        .route("/tokens/revoke", post(revoke_token))
        .route("/lists/{id}", get(list_page))
        .route("/hosts/{host}", get(host_page))
        .route("/export/{table}", get(export))
        .route("/static/dashboard.css", get(css))
        // Browsers ask for it on every page; there is none.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn page(title: &str, session: Option<&Session>, body: &str) -> Response {
    let logout = session
        .map(|s| {
            format!(
                "<form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Sign out</button></form>",
                esc(&s.csrf)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · delist</title>\
         <meta name=\"viewport\" content=\"width=device-width\"><link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head>\
         <body><header><a href=\"/\" class=\"brand\">delist</a> fleet{logout}</header><main>{body}</main></body></html>",
        esc(title)
    );
    let mut r = axum::response::Html(html).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

fn failure(e: ApiError) -> Response {
    (e.0, format!("{}: {}", e.0, e.1)).into_response()
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], CSS).into_response()
}

async fn login_page(headers: HeaderMap) -> Response {
    // Double-submit token against login CSRF: the form's hidden field must equal the cookie.
    let token = cookie(&headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 32)
        .map(str::to_string)
        .unwrap_or_else(|| auth::random_hex(16));
    let body = format!(
        "<h1>Sign in</h1><form method=\"post\" action=\"/login\" class=\"login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>Admin token <input type=\"password\" name=\"secret\" autocomplete=\"current-password\" required></label>\
         <button>Sign in</button></form>",
        esc(&token)
    );
    let mut r = page("Sign in", None, &body);
    if let Ok(v) = HeaderValue::from_str(&format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict")) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LoginForm {
    secret: String,
    csrf: String,
}

async fn login(State(app): State<Arc<App>>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let csrf_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| c.len() == 32 && c == f.csrf);
    if !csrf_ok {
        return (StatusCode::FORBIDDEN, "the sign-in form expired; reload it").into_response();
    }
    if !auth::matches(f.secret.trim(), &app.admin_digest) {
        return (StatusCode::UNAUTHORIZED, axum::response::Html("wrong admin token; <a href=\"/login\">try again</a>"))
            .into_response();
    }
    let (id, _) = app.sessions.create();
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"))
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    match app.sessions.check(&headers) {
        Some(s) if s.csrf == f.csrf => {
            app.sessions.end(&headers);
            let mut r = Redirect::to("/login").into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_static("delist_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
            );
            r
        }
        _ => (StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response(),
    }
}

fn days(d: i64) -> String {
    match d {
        0 => "today".into(),
        d if d > 0 => format!("{d} days left"),
        d => format!("{} days ago", -d),
    }
}

/// The lists with, for each, its trend as a small chart (`trends` in the same order).
fn lists_table(lists: &[ListOverview], trends: &[Vec<TrendPoint>]) -> String {
    let mut s = String::from(
        "<table id=\"lists\"><thead><tr><th>List</th><th>Hosts affected</th><th>Findings</th><th>Waived</th><th>Deadline</th><th>Days</th><th>Trend</th></tr></thead><tbody>",
    );
    for (l, trend) in lists.iter().zip(trends.iter().map(Vec::as_slice).chain(std::iter::repeat(&[][..]))) {
        let (date, left) =
            l.deadline.as_ref().map_or((String::from("—"), String::new()), |d| (d.date.clone(), days(d.days_left)));
        let _ = write!(
            s,
            "<tr><td><a href=\"/lists/{id}\">{id}</a><br><small>{title}</small></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.hosts_affected,
            l.findings,
            l.waived,
            esc(&date),
            esc(&left),
            spark_svg(&l.id, trend),
            id = esc(&l.id),
            title = esc(&l.title)
        );
    }
    s.push_str("</tbody></table><p class=\"csv\"><a href=\"/export/lists.csv\">CSV</a></p>");
    s
}

async fn overview(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let Some(session) = app.sessions.check(&headers) else { return to_login() };
    let data = async {
        let current =
            api::find(&app, FindingQuery { host: None, vendor: None, list: None, current: Some(true) }).await?;
        let hosts = api::db(&app, store::hosts).await?;
        let tokens = api::db(&app, store::tokens).await?;
        Ok::<_, ApiError>((current, hosts, tokens))
    }
    .await;
    let (current, hosts, tokens) = match data {
        Ok(d) => d,
        Err(e) => return failure(e),
    };
    let today = app.clock.today();
    let lists = crate::views::overviews(&app.engine(), &current, today);
    let ids: Vec<String> = lists.iter().map(|l| l.id.clone()).collect();
    let days =
        match api::db(&app, move |c| store::lists_days(c, &ids.iter().map(String::as_str).collect::<Vec<_>>())).await {
            Ok(d) => d,
            Err(e) => return failure(e),
        };
    let trends: Vec<Vec<TrendPoint>> = days.iter().map(|d| crate::views::trend_of_days(d, today)).collect();
    let mut body = String::from("<h1>Fleet overview</h1><h2>Lists</h2>");
    body.push_str(&lists_table(&lists, &trends));
    body.push_str("<h2>Hosts</h2><table id=\"hosts\"><thead><tr><th>Host</th><th>Last scan</th><th>Uploads</th><th>Current findings</th></tr></thead><tbody>");
    for h in &hosts {
        let _ = write!(
            body,
            "<tr><td><a href=\"/hosts/{n}\">{n}</a></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(h.last_scanned_at.as_deref().unwrap_or("never")),
            h.uploads,
            h.findings,
            n = esc(&h.name)
        );
    }
    body.push_str("</tbody></table><p class=\"csv\"><a href=\"/export/hosts.csv\">CSV</a></p>");
    body.push_str("<h2>Findings by vendor</h2><table id=\"vendors\"><thead><tr><th>Vendor</th><th>Hosts</th><th>Findings</th><th>Waived</th></tr></thead><tbody>");
    for (v, (hosts, live, waived)) in by_vendor(&current) {
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"n\">{hosts}</td><td class=\"n\">{live}</td><td class=\"n\">{waived}</td></tr>",
            esc(&v)
        );
    }
    body.push_str("</tbody></table><p class=\"csv\"><a href=\"/export/vendors.csv\">CSV</a></p>");
    body.push_str("<h2>Waivers</h2><table id=\"waivers\"><thead><tr><th>Host</th><th>Finding</th><th>Reason</th><th>Owner</th><th>Approver</th><th>Expires</th></tr></thead><tbody>");
    for t in current.iter().filter(|t| t.finding.waiver.is_some()) {
        if let Some(w) = &t.finding.waiver {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&t.host),
                esc(&t.finding.vendor),
                esc(&t.finding.artifact.name),
                esc(&w.reason),
                esc(&w.owner),
                esc(&w.approver),
                esc(&w.expires)
            );
        }
    }
    body.push_str("</tbody></table><p class=\"csv\"><a href=\"/export/waivers.csv\">CSV</a></p>");
    body.push_str(&tokens_section(&tokens, &session));
    page("Fleet overview", Some(&session), &body)
}

/// Enrolment: the tokens (never their secrets), a revoke button each, and a form to enrol a host.
fn tokens_section(tokens: &[store::TokenInfo], session: &Session) -> String {
    let csrf = esc(&session.csrf);
    let mut s = String::from(
        "<h2>Enrolment tokens</h2><table id=\"tokens\"><thead><tr><th>Id</th><th>Host</th><th>Created</th><th>Revoked</th><th></th></tr></thead><tbody>",
    );
    for t in tokens {
        let action = if t.revoked_at.is_none() {
            format!(
                "<form method=\"post\" action=\"/tokens/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"id\" value=\"{}\"><button>Revoke</button></form>",
                esc(&t.id)
            )
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
            esc(&t.id),
            esc(&t.host),
            esc(t.created_at.get(..10).unwrap_or("")),
            esc(t.revoked_at.as_deref().and_then(|r| r.get(..10)).unwrap_or(""))
        );
    }
    let _ = write!(
        s,
        "</tbody></table><form method=\"post\" action=\"/tokens\" class=\"enrol\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Enrol host <input name=\"host\" required pattern=\"[A-Za-z0-9][A-Za-z0-9._\\-]*\"></label><button>Create token</button></form>"
    );
    s
}

#[derive(Deserialize)]
struct TokenForm {
    csrf: String,
    host: String,
}

async fn create_token(State(app): State<Arc<App>>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
    let Some(session) = app.sessions.check(&headers) else { return to_login() };
    if session.csrf != f.csrf {
        return (StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response();
    }
    if !auth::valid_host(&f.host) {
        return (StatusCode::BAD_REQUEST, "not a host name").into_response();
    }
    let now = crate::time::format(app.clock.now());
    let host = f.host.clone();
    match api::db(&app, move |c| store::create_token(c, &host, &now)).await {
        Ok(t) => page(
            "Token created",
            Some(&session),
            &format!(
                "<h1>Token for {}</h1><p>Shown once: give it to the agent as <code>--token-file</code>.</p><pre id=\"new-token\">{}</pre><p><a href=\"/\">Back</a></p>",
                esc(&t.host),
                esc(&t.token)
            ),
        ),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf: String,
    id: String,
}

async fn revoke_token(State(app): State<Arc<App>>, headers: HeaderMap, Form(f): Form<RevokeForm>) -> Response {
    let Some(session) = app.sessions.check(&headers) else { return to_login() };
    if session.csrf != f.csrf {
        return (StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response();
    }
    if !(f.id.len() == 16 && f.id.bytes().all(|b| b.is_ascii_hexdigit())) {
        return (StatusCode::BAD_REQUEST, "not a token id").into_response();
    }
    let now = crate::time::format(app.clock.now());
    match api::db(&app, move |c| store::revoke(c, &f.id, &now)).await {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => failure(e),
    }
}

/// Per vendor: hosts with a live finding, live findings, waived findings.
fn by_vendor(current: &[TrackedFinding]) -> BTreeMap<String, (usize, usize, usize)> {
    let mut m: BTreeMap<String, (std::collections::BTreeSet<&str>, usize, usize)> = BTreeMap::new();
    for t in current {
        let e = m.entry(t.finding.vendor.clone()).or_default();
        if t.finding.waiver.is_some() {
            e.2 += 1;
        } else {
            e.0.insert(&t.host);
            e.1 += 1;
        }
    }
    m.into_iter().map(|(k, (h, l, w))| (k, (h.len(), l, w))).collect()
}

/// A list's trend as a small inline SVG line (the overview's column; no script, nothing fetched).
/// Its title says where the trend went, for screen readers and hovering.
pub fn spark_svg(list: &str, trend: &[TrendPoint]) -> String {
    let (w, h, pad) = (160.0_f64, 36.0_f64, 3.0_f64);
    let (Some(first), Some(last)) = (trend.first(), trend.last()) else {
        return String::from("<span class=\"muted\">no scans yet</span>");
    };
    let max = trend.iter().map(|p| p.hosts).max().unwrap_or(0).max(1) as f64;
    let n = trend.len().max(2) as f64 - 1.0;
    let x = |i: usize| pad + (w - 2.0 * pad) * (i as f64) / n;
    let y = |v: usize| h - pad - (h - 2.0 * pad) * (v as f64) / max;
    let points: Vec<String> = trend.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.hosts))).collect();
    let title = format!("{}: {} host(s) on {}, {} on {}", esc(list), first.hosts, first.date, last.hosts, last.date);
    format!(
        "<svg class=\"spark\" role=\"img\" aria-label=\"Trend of {id}\" data-list=\"{id}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{title}</title><line x1=\"0\" y1=\"{b}\" x2=\"{w}\" y2=\"{b}\" stroke=\"#ccc\"/>\
         <polyline fill=\"none\" stroke=\"#b00020\" stroke-width=\"2\" points=\"{}\"/>\
         <circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#b00020\"/></svg>",
        points.join(" "),
        x(trend.len() - 1),
        y(last.hosts),
        id = esc(list),
        b = h - pad,
    )
}

/// The trend as an inline SVG line chart (no script, nothing fetched).
pub fn trend_svg(trend: &[TrendPoint], deadline: Option<&str>) -> String {
    let (w, h, pad) = (720.0_f64, 220.0_f64, 36.0_f64);
    let max = trend.iter().map(|p| p.hosts).max().unwrap_or(0).max(1) as f64;
    let n = trend.len().max(2) as f64 - 1.0;
    let x = |i: usize| pad + (w - 2.0 * pad) * (i as f64) / n;
    let y = |v: usize| h - pad - (h - 2.0 * pad) * (v as f64) / max;
    let points: Vec<String> = trend.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.hosts))).collect();
    let mut s = format!(
        "<svg class=\"trend\" role=\"img\" aria-label=\"Hosts affected over time\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>Hosts affected over time</title>\
         <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#888\"/>\
         <text x=\"4\" y=\"{ty}\" font-size=\"12\">{max}</text><text x=\"4\" y=\"{b}\" font-size=\"12\">0</text>",
        b = h - pad,
        r = w - pad,
        ty = pad + 4.0,
        max = max as usize
    );
    if !points.is_empty() {
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"#b00020\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        for (i, p) in trend.iter().enumerate() {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#b00020\"><title>{}: {} host(s)</title></circle>",
                x(i),
                y(p.hosts),
                p.date,
                p.hosts
            );
        }
        if let (Some(f), Some(l)) = (trend.first(), trend.last()) {
            let _ = write!(
                s,
                "<text x=\"{pad}\" y=\"{ly}\" font-size=\"12\">{}</text><text x=\"{rx}\" y=\"{ly}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
                f.date,
                l.date,
                ly = h - 10.0,
                rx = w - pad
            );
        }
    }
    if let Some(d) = deadline {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"20\" font-size=\"12\" text-anchor=\"end\">deadline {}</text>",
            w - pad,
            esc(d)
        );
    }
    s.push_str("</svg>");
    s
}

async fn list_page(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(session) = app.sessions.check(&headers) else { return to_login() };
    let detail = match api::list_detail(&app, id.clone()).await {
        Ok(d) => d,
        Err(e) => return failure(e),
    };
    let current =
        match api::find(&app, FindingQuery { host: None, vendor: None, list: Some(id), current: Some(true) }).await {
            Ok(c) => c,
            Err(e) => return failure(e),
        };
    let o = &detail.overview;
    let mut body = format!("<h1>{}</h1><p>{}</p><p>{}</p>", esc(&o.id), esc(&o.title), esc(&o.authority));
    let _ = write!(
        body,
        "<p id=\"summary\"><b>{}</b> host(s) affected, {} finding(s), {} waived.</p>",
        o.hosts_affected, o.findings, o.waived
    );
    body.push_str(
        "<table class=\"deadlines\"><thead><tr><th>Deadline</th><th>Action</th><th>Days</th></tr></thead><tbody>",
    );
    for d in &o.deadlines {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.date),
            esc(&d.action),
            esc(&days(d.days_left))
        );
    }
    body.push_str("</tbody></table><h2>Trend</h2>");
    body.push_str(&trend_svg(&detail.trend, o.deadline.as_ref().map(|d| d.date.as_str())));
    body.push_str("<table id=\"trend\"><thead><tr><th>Date</th><th>Hosts affected</th></tr></thead><tbody>");
    for p in &detail.trend {
        let _ = write!(body, "<tr><td>{}</td><td class=\"n\">{}</td></tr>", p.date, p.hosts);
    }
    body.push_str("</tbody></table><h2>Current findings</h2>");
    body.push_str(&findings_table(&current, true));
    page(&o.id, Some(&session), &body)
}

fn findings_table(fs: &[TrackedFinding], with_host: bool) -> String {
    let mut s = String::from("<table class=\"findings\"><thead><tr>");
    if with_host {
        s.push_str("<th>Host</th>");
    }
    s.push_str("<th>Confidence</th><th>Vendor</th><th>Artifact</th><th>Evidence</th><th>First seen</th><th>Last seen</th><th>Removed</th><th>Waiver</th></tr></thead><tbody>");
    for t in fs {
        let f = &t.finding;
        s.push_str("<tr>");
        if with_host {
            let _ = write!(s, "<td><a href=\"/hosts/{h}\">{h}</a></td>", h = esc(&t.host));
        }
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|e| format!("{} {} = “{}” matches {}", e.strength, esc(&e.field), esc(&e.value), esc(&e.identifier)))
            .collect();
        let _ = write!(
            s,
            "<td>{}</td><td>{}</td><td>{} <b>{}</b> {}<br><small>{}</small></td><td><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.confidence,
            esc(&f.vendor_name),
            f.artifact.kind,
            esc(&f.artifact.name),
            esc(f.artifact.version.as_deref().unwrap_or("")),
            esc(&f.artifact.path),
            evidence.join("<br>"),
            esc(t.first_seen.get(..10).unwrap_or("")),
            esc(t.last_seen.get(..10).unwrap_or("")),
            esc(t.removed_at.as_deref().and_then(|r| r.get(..10)).unwrap_or("")),
            esc(f.waiver.as_ref().map(|w| w.reason.as_str()).unwrap_or(""))
        );
    }
    s.push_str("</tbody></table>");
    s
}

async fn host_page(State(app): State<Arc<App>>, headers: HeaderMap, Path(name): Path<String>) -> Response {
    let Some(session) = app.sessions.check(&headers) else { return to_login() };
    if !auth::valid_host(&name) {
        return (StatusCode::BAD_REQUEST, "not a host name").into_response();
    }
    let all = match api::find(
        &app,
        FindingQuery { host: Some(name.clone()), vendor: None, list: None, current: Some(false) },
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let (current, removed): (Vec<TrackedFinding>, Vec<TrackedFinding>) =
        all.into_iter().partition(|t| t.removed_at.is_none());
    let mut body = format!("<h1>{}</h1><h2>Current findings</h2>", esc(&name));
    body.push_str(&findings_table(&current, false));
    body.push_str("<h2>Removed</h2>");
    body.push_str(&findings_table(&removed, false));
    let _ = write!(body, "<p class=\"csv\"><a href=\"/export/findings.csv?host={}\">CSV</a></p>", esc(&name));
    page(&name, Some(&session), &body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    host: Option<String>,
}

/// Each dashboard table as CSV.
async fn export(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(table): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ExportQuery>,
) -> Response {
    if app.sessions.check(&headers).is_none() && api::require_admin(&app, &headers, &axum::http::Method::GET).is_err() {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    let all_current = FindingQuery { host: q.host.clone(), vendor: None, list: None, current: Some(q.host.is_none()) };
    let mut w = csv::Writer::from_writer(Vec::new());
    let r: Result<(), ApiError> = async {
        let io = |e: csv::Error| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        match table.as_str() {
            "lists.csv" => {
                let current =
                    api::find(&app, FindingQuery { host: None, vendor: None, list: None, current: Some(true) }).await?;
                w.write_record(["list", "title", "hosts_affected", "findings", "waived", "deadline", "days_left"])
                    .map_err(io)?;
                for l in crate::views::overviews(&app.engine(), &current, app.clock.today()) {
                    let (d, left) =
                        l.deadline.map_or((String::new(), String::new()), |d| (d.date, d.days_left.to_string()));
                    w.write_record([
                        l.id,
                        l.title,
                        l.hosts_affected.to_string(),
                        l.findings.to_string(),
                        l.waived.to_string(),
                        d,
                        left,
                    ])
                    .map_err(io)?;
                }
            }
            "hosts.csv" => {
                w.write_record(["host", "created_at", "last_scanned_at", "uploads", "findings"]).map_err(io)?;
                for h in api::db(&app, store::hosts).await? {
                    w.write_record([
                        h.name,
                        h.created_at,
                        h.last_scanned_at.unwrap_or_default(),
                        h.uploads.to_string(),
                        h.findings.to_string(),
                    ])
                    .map_err(io)?;
                }
            }
            "vendors.csv" => {
                let current =
                    api::find(&app, FindingQuery { host: None, vendor: None, list: None, current: Some(true) }).await?;
                w.write_record(["vendor", "hosts", "findings", "waived"]).map_err(io)?;
                for (v, (h, l, wv)) in by_vendor(&current) {
                    w.write_record([v, h.to_string(), l.to_string(), wv.to_string()]).map_err(io)?;
                }
            }
            "findings.csv" | "waivers.csv" => {
                let waivers = table == "waivers.csv";
                let fs = api::find(&app, all_current).await?;
                w.write_record([
                    "host",
                    "id",
                    "vendor",
                    "confidence",
                    "kind",
                    "name",
                    "version",
                    "path",
                    "lists",
                    "first_seen",
                    "last_seen",
                    "removed_at",
                    "waiver_reason",
                    "waiver_owner",
                    "waiver_approver",
                    "waiver_expires",
                ])
                .map_err(io)?;
                for t in fs.into_iter().filter(|t| !waivers || t.finding.waiver.is_some()) {
                    let f = t.finding;
                    let wv = f.waiver.clone().unwrap_or(delist_core::model::WaiverRef {
                        reason: String::new(),
                        owner: String::new(),
                        approver: String::new(),
                        expires: String::new(),
                    });
                    let lists: Vec<&str> = f.lists.iter().map(|l| l.id.as_str()).collect();
                    w.write_record([
                        t.host,
                        f.id.clone(),
                        f.vendor.clone(),
                        f.confidence.to_string(),
                        f.artifact.kind.to_string(),
                        csv_safe(&f.artifact.name),
                        csv_safe(f.artifact.version.as_deref().unwrap_or("")),
                        csv_safe(&f.artifact.path),
                        lists.join(" "),
                        t.first_seen,
                        t.last_seen,
                        t.removed_at.unwrap_or_default(),
                        csv_safe(&wv.reason),
                        csv_safe(&wv.owner),
                        csv_safe(&wv.approver),
                        wv.expires,
                    ])
                    .map_err(io)?;
                }
            }
            _ => return Err(ApiError(StatusCode::NOT_FOUND, "no such table".into())),
        }
        Ok(())
    }
    .await;
    if let Err(e) = r {
        return failure(e);
    }
    let bytes = w.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", table.replace('"', ""))),
        ],
        bytes,
    )
        .into_response()
}

/// Text from hosts may start with a spreadsheet formula character: prefix it with `'` so that a
/// spreadsheet shows it rather than runs it.
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_csv_formulas() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(csv_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_safe("kesl"), "kesl");
    }

    #[test]
    fn trend_chart_draws_every_day() {
        let pts = [
            TrendPoint { date: jiff::civil::date(2026, 11, 20), hosts: 2 },
            TrendPoint { date: jiff::civil::date(2026, 11, 21), hosts: 1 },
        ];
        let svg = trend_svg(&pts, Some("2017-12-12"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("2026-11-20: 2 host(s)") && svg.contains("deadline 2017-12-12"));
        assert!(!svg.contains("<script"));
    }
}
