//! `delist serve`: the HTTP server's configuration, state, start and graceful stop.
//!
//! Owns the router (API, OpenAPI document, dashboard), the security headers every response
//! carries, and the order of shutdown: stop accepting, finish requests in flight, let the writer
//! commit what it has queued, then return. axum types stay inside this crate.

use crate::db::{self, DatabaseUrl, Pool};
use crate::engine::{Engine, Sources};
use crate::ingest::{self, Writer};
use crate::store;
use crate::time::Clock;
use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;

/// Reads the catalog and policy again (the CLI supplies it: this crate reads no files itself).
pub type SourceLoader = Arc<dyn Fn() -> Result<Sources, String> + Send + Sync>;

/// Everything `delist serve` needs.
pub struct Config {
    pub listen: String,
    pub database: DatabaseUrl,
    /// The admin secret (token or password) for the API and the dashboard.
    pub admin_secret: String,
    pub sources: SourceLoader,
    pub clock: Clock,
    /// The largest request body accepted (uploads are the large ones).
    pub max_body_bytes: usize,
    /// Uploads waiting for the writer before new ones are refused with 503.
    pub queue: usize,
    /// Clients reach the server over HTTPS (a TLS-terminating proxy in front of it): cookies are
    /// marked `Secure` and responses carry `Strict-Transport-Security`. Off, neither: HSTS over
    /// plain HTTP is ignored by browsers at best, and a Secure cookie would never come back.
    pub cookie_secure: bool,
    /// Serve HTTPS with this certificate chain and key (implies `cookie_secure`).
    pub tls: Option<crate::tls::TlsPem>,
}

impl Config {
    pub const DEFAULT_MAX_BODY: usize = 64 << 20;
    pub const DEFAULT_QUEUE: usize = 4096;
}

/// The state every handler shares.
pub struct App {
    pub pool: Pool,
    pub engine: Arc<RwLock<Arc<Engine>>>,
    pub writer: Writer,
    pub clock: Clock,
    pub admin_digest: String,
    pub sources: SourceLoader,
    pub max_body_bytes: usize,
    pub sessions: crate::dashboard::Sessions,
    pub cookie_secure: bool,
}

impl App {
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A server running in the background (tests, `serve`).
pub struct Running {
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Running {
    /// Stops gracefully and waits until every acknowledged upload is committed.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.await.map_err(|e| anyhow!("server task: {e}"))?
    }

    /// Waits until the server stops by itself (it does not, except on error).
    pub async fn wait(self) -> Result<()> {
        self.task.await.map_err(|e| anyhow!("server task: {e}"))?
    }
}

/// Where connections come from.
enum Bound {
    Plain(tokio::net::TcpListener),
    Tls(crate::tls::TlsListener),
}

/// Opens the database (migrating it), builds the engine and starts serving on `config.listen`.
pub async fn start(config: Config) -> Result<Running> {
    let engine = Arc::new(
        (config.sources)()
            .map_err(|e| anyhow!("{e}"))
            .and_then(|s| Engine::build(&s).map_err(|e| anyhow!("catalog or policy: {e}")))?,
    );
    let url = config.database.clone();
    let fingerprint = engine.fingerprint.clone();
    let (writer_conn, stale) = tokio::task::spawn_blocking(move || -> Result<_> {
        let mut conn = url.connect().with_context(|| format!("opening {}", url.redacted()))?;
        db::migrate(&mut *conn).with_context(|| format!("migrating {}", url.redacted()))?;
        let stale = store::stored_engine(&mut *conn)?.as_deref() != Some(fingerprint.as_str());
        Ok((conn, stale))
    })
    .await??;
    let shared = Arc::new(RwLock::new(engine));
    let (writer, writer_thread) = ingest::spawn(writer_conn, shared.clone(), config.clock, config.queue);
    if stale {
        // The catalog or policy changed since the stored evaluations: re-evaluate every host in
        // the background, between uploads.
        let _ = writer.reevaluate();
    }
    let app = Arc::new(App {
        pool: Pool::new(config.database.clone(), 16),
        engine: shared,
        writer,
        clock: config.clock,
        admin_digest: crate::auth::digest(&config.admin_secret),
        sources: config.sources.clone(),
        max_body_bytes: config.max_body_bytes,
        sessions: crate::dashboard::Sessions::default(),
        cookie_secure: config.cookie_secure || config.tls.is_some(),
    });
    let router = router(app.clone());
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let bound = match &config.tls {
        Some(pem) => Bound::Tls(crate::tls::TlsListener::new(listener, crate::tls::server_config(pem)?)?),
        None => Bound::Plain(listener),
    };
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = stop_rx.await;
        };
        match bound {
            Bound::Tls(l) => axum::serve(l, router).with_graceful_shutdown(stop).await.context("serving")?,
            Bound::Plain(l) => axum::serve(l, router).with_graceful_shutdown(stop).await.context("serving")?,
        }
        // Requests are done; the writer stops once the last handle to it is gone. Dropped off the
        // async threads: closing a PostgreSQL connection blocks.
        tokio::task::spawn_blocking(move || {
            drop(app);
            writer_thread.join()
        })
        .await?
        .map_err(|_| anyhow!("writer panicked"))?;
        Ok(())
    });
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    Ok(Running { addr, scheme, stop: Some(stop_tx), task })
}

/// Serves until SIGTERM or ctrl-c, then stops gracefully.
pub fn serve(config: Config) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        // Handlers first: a SIGTERM right after "serving on" must find them in place, not kill
        // the process with the default action.
        let stop = shutdown_signal()?;
        let running = start(config).await?;
        eprintln!("delist: serving on {}://{}/ (API under /api/v1)", running.scheme, running.addr);
        stop.await;
        eprintln!("delist: stopping: finishing requests in flight");
        running.stop().await
    })
}

/// Installs the SIGTERM and SIGINT handlers now; the future ends at the first signal.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(crate::api::routes())
        .merge(crate::dashboard::routes())
        .route("/openapi.json", axum::routing::get(crate::openapi::serve))
        .layer(axum::middleware::from_fn_with_state(app.clone(), security_headers))
        // Bodies are read by the handlers themselves, after authentication, up to the limit.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(app)
}

/// Headers on every response: nothing is loaded from elsewhere, nothing frames the dashboard,
/// and types are never sniffed. Behind TLS (`cookie_secure`), every cookie is `Secure` and
/// browsers are told to use HTTPS only.
async fn security_headers(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if app.cookie_secure {
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| HeaderValue::from_str(&format!("{v}; Secure")).ok())
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}
