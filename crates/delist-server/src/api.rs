//! The JSON API under `/api/v1` (described by `openapi.json`).
//!
//! Owns authentication of each route (an enrolment token for uploads, the admin secret for the
//! rest), status codes and input checks at the edge. Queries run on pooled connections in
//! `spawn_blocking`; uploads go through [`crate::ingest`]. It must never write without a valid
//! token: the token is checked before the body is even read.

use crate::auth;
use crate::db::{Conn, DbResult};
use crate::ingest::{self, Refused};
use crate::server::App;
use crate::store;
use crate::views;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/reports", post(upload))
        .route("/api/v1/hosts", get(hosts))
        .route("/api/v1/hosts/{host}", get(host))
        .route("/api/v1/hosts/{host}/findings", get(host_findings))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/lists", get(lists))
        .route("/api/v1/lists/{id}", get(list))
        .route("/api/v1/tokens", get(tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/reevaluate", post(reevaluate))
}

/// An error answer: `{"error": "..."}` with its status.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl ApiError {
    fn unauthorized(why: &str) -> Self {
        Self(StatusCode::UNAUTHORIZED, why.to_string())
    }

    fn bad(why: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, why.into())
    }

    fn internal(why: impl std::fmt::Display) -> Self {
        Self(StatusCode::INTERNAL_SERVER_ERROR, why.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.0 == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Runs database work on a pooled connection off the async threads.
pub async fn db<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&mut dyn Conn) -> DbResult<T> + Send + 'static,
) -> ApiResult<T> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = app.pool.get()?;
        f(c.as_conn())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The admin secret as a bearer token, or (for reads only) a dashboard session.
pub fn require_admin(app: &App, headers: &HeaderMap, method: &Method) -> ApiResult<()> {
    if let Some(t) = auth::bearer(header_str(headers, header::AUTHORIZATION)) {
        return if auth::matches(t, &app.admin_digest) {
            Ok(())
        } else {
            Err(ApiError::unauthorized("invalid admin token"))
        };
    }
    // A cookie rides along on cross-site requests: it may read, never change, through the API.
    if (method == Method::GET || method == Method::HEAD) && app.sessions.check(headers).is_some() {
        return Ok(());
    }
    Err(ApiError::unauthorized("admin authentication required (Authorization: Bearer ADMIN-TOKEN)"))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `POST /api/v1/reports`: one host's inventory, authenticated by its enrolment token.
async fn upload(State(app): State<Arc<App>>, req: Request) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    match check_upload(&app, &parts.headers).await {
        Ok(host) => receive(&app, host, body).await,
        Err(e) => {
            // Read (and drop) a little of a refused body so that the client, still sending,
            // sees the answer rather than a reset connection; a large one is cut off. A client
            // that waits for `100 Continue` (delist's agent does) has sent nothing yet: reading
            // would make hyper invite the body, so the answer goes out alone.
            let waits =
                parts.headers.get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
            if !waits {
                let _ = axum::body::to_bytes(body, DRAIN_LIMIT).await;
            }
            Err(e)
        }
    }
}

/// How much of a refused upload is read before the connection is dropped.
const DRAIN_LIMIT: usize = 1 << 20;

/// Token, content type and declared length, checked before the body is read. Returns the host.
async fn check_upload(app: &Arc<App>, headers: &HeaderMap) -> ApiResult<String> {
    let Some(token) = auth::bearer(header_str(headers, header::AUTHORIZATION)).map(str::to_string) else {
        return Err(ApiError::unauthorized("an enrolment token is required (Authorization: Bearer dlt_…)"));
    };
    let host = db(app, move |c| store::host_for_token(c, &token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown or revoked enrolment token"))?;
    let json = header_str(headers, header::CONTENT_TYPE)
        .is_some_and(|c| c.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err(ApiError(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json".into()));
    }
    if header_str(headers, header::CONTENT_LENGTH)
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l > app.max_body_bytes)
    {
        return Err(too_large(app.max_body_bytes));
    }
    Ok(host)
}

fn too_large(limit: usize) -> ApiError {
    ApiError(StatusCode::PAYLOAD_TOO_LARGE, format!("uploads are limited to {limit} bytes"))
}

async fn receive(app: &Arc<App>, host: String, body: axum::body::Body) -> ApiResult<Response> {
    let limit = app.max_body_bytes;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| too_large(limit))?;
    let engine = app.engine();
    let clock = app.clock;
    let prepared = tokio::task::spawn_blocking(move || ingest::prepare(&body, &host, &engine, &clock))
        .await
        .map_err(ApiError::internal)?
        .map_err(refused)?;
    let rx = app.writer.submit(prepared).map_err(refused)?;
    let ingested = rx.await.map_err(|_| ApiError::internal("the writer stopped"))?.map_err(refused)?;
    let status = if ingested.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(ingested)).into_response())
}

fn refused(r: Refused) -> ApiError {
    match r {
        Refused::Invalid(m) => ApiError::bad(m),
        Refused::Conflict(m) => ApiError(StatusCode::CONFLICT, m),
        Refused::Busy => {
            ApiError(StatusCode::SERVICE_UNAVAILABLE, "the server is busy; retry with the same upload id".into())
        }
        Refused::Internal(m) => ApiError::internal(m),
    }
}

fn check_host(name: &str) -> ApiResult<()> {
    if auth::valid_host(name) { Ok(()) } else { Err(ApiError::bad("not a host name")) }
}

async fn hosts(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<store::HostRow>>> {
    require_admin(&app, &headers, &method)?;
    Ok(Json(db(&app, store::hosts).await?))
}

#[derive(Serialize)]
struct HostDetail {
    #[serde(flatten)]
    host: store::HostRow,
    /// Every upload of the host, oldest scan first (`uploads` is their count).
    history: Vec<store::UploadRow>,
}

async fn host(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<HostDetail>> {
    require_admin(&app, &headers, &method)?;
    check_host(&name)?;
    let (h, history) = db(&app, move |c| Ok((store::host(c, &name)?, store::uploads(c, &name)?))).await?;
    let host = h.ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such host".into()))?;
    Ok(Json(HostDetail { host, history }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    pub host: Option<String>,
    pub vendor: Option<String>,
    pub list: Option<String>,
    /// `false` includes removed findings (default: current only).
    pub current: Option<bool>,
}

async fn host_findings(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Json<Vec<store::TrackedFinding>>> {
    require_admin(&app, &headers, &method)?;
    check_host(&name)?;
    find(&app, FindingQuery { host: Some(name), ..q }).await.map(Json)
}

async fn findings(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Json<Vec<store::TrackedFinding>>> {
    require_admin(&app, &headers, &method)?;
    find(&app, q).await.map(Json)
}

/// Findings matching a query, with today's waivers applied.
pub async fn find(app: &Arc<App>, q: FindingQuery) -> ApiResult<Vec<store::TrackedFinding>> {
    if let Some(h) = &q.host {
        check_host(h)?;
    }
    let current = q.current.unwrap_or(true);
    let host = q.host.clone();
    let rows = db(app, move |c| store::findings(c, host.as_deref(), current)).await?;
    let rows = views::waived_today(&app.engine(), rows, app.clock.today());
    Ok(rows
        .into_iter()
        .filter(|t| q.vendor.as_ref().is_none_or(|v| *v == t.finding.vendor))
        .filter(|t| q.list.as_ref().is_none_or(|l| t.finding.lists.iter().any(|x| x.id == *l)))
        .collect())
}

async fn lists(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<views::ListOverview>>> {
    require_admin(&app, &headers, &method)?;
    let current = find(&app, FindingQuery { host: None, vendor: None, list: None, current: Some(true) }).await?;
    Ok(Json(views::overviews(&app.engine(), &current, app.clock.today())))
}

#[derive(Serialize)]
pub struct ListDetail {
    #[serde(flatten)]
    pub overview: views::ListOverview,
    pub trend: Vec<views::TrendPoint>,
}

pub async fn list_detail(app: &Arc<App>, id: String) -> ApiResult<ListDetail> {
    let engine = app.engine();
    let list = engine
        .lists()
        .into_iter()
        .find(|l| l.id == id)
        .cloned()
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such list among those the server evaluates".into()))?;
    let current =
        find(app, FindingQuery { host: None, vendor: None, list: Some(id.clone()), current: Some(true) }).await?;
    let days = db(app, move |c| store::list_days(c, &id)).await?;
    let today = app.clock.today();
    Ok(ListDetail { overview: views::overview(&list, &current, today), trend: views::trend_of_days(&days, today) })
}

async fn list(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<ListDetail>> {
    require_admin(&app, &headers, &method)?;
    list_detail(&app, id).await.map(Json)
}

async fn tokens(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<store::TokenInfo>>> {
    require_admin(&app, &headers, &method)?;
    Ok(Json(db(&app, store::tokens).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    host: String,
}

async fn create_token(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    require_admin(&app, &headers, &method)?;
    let req: TokenRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad(format!("expected {{\"host\": NAME}}: {e}")))?;
    check_host(&req.host)?;
    let now = crate::time::format(app.clock.now());
    let t = db(&app, move |c| store::create_token(c, &req.host, &now)).await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

async fn revoke_token(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    require_admin(&app, &headers, &method)?;
    if !(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(ApiError::bad("a token id is 16 hex digits"));
    }
    let now = crate::time::format(app.clock.now());
    let n = db(&app, move |c| store::revoke(c, &id, &now)).await?;
    if n == 0 {
        return Err(ApiError(StatusCode::NOT_FOUND, "no live token with that id".into()));
    }
    Ok(Json(serde_json::json!({ "revoked": n })))
}

/// Reloads the catalog and policy and re-evaluates every host from its last inventory.
async fn reevaluate(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    require_admin(&app, &headers, &method)?;
    let loader = app.sources.clone();
    let engine = tokio::task::spawn_blocking(move || loader().and_then(|s| crate::engine::Engine::build(&s)))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, format!("catalog or policy: {e}")))?;
    let fingerprint = engine.fingerprint.clone();
    *app.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
    let rx = app.writer.reevaluate().map_err(ApiError::internal)?;
    let hosts = rx.await.map_err(|_| ApiError::internal("the writer stopped"))?.map_err(ApiError::internal)?;
    Ok(Json(serde_json::json!({ "hosts": hosts, "engine": fingerprint })))
}
