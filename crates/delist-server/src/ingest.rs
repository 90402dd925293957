//! The write path: checking an upload (`delist.upload/1`), and the one writer thread that
//! commits uploads and re-evaluations.
//!
//! Request handlers check and evaluate uploads in parallel ([`prepare`]); the writer takes
//! whatever uploads are waiting, writes them in one transaction (group commit: one fsync for
//! many uploads) and only then answers each, so an acknowledged upload is on disk. A full queue
//! is refused (503) rather than grown without bound. Re-evaluation runs in chunks between
//! batches so uploads keep flowing while every host is re-evaluated.

use crate::db::Conn;
use crate::engine::{Engine, hex};
use crate::store::{self, IngestError, Ingested, Prepared};
use crate::time::{self, Clock};
use delist_core::report::{INVENTORY_SCHEMA, Inventory};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;

pub const UPLOAD_SCHEMA: &str = "delist.upload/1";

/// How many uploads one transaction takes at most.
const BATCH: usize = 256;
/// How many hosts one re-evaluation transaction takes.
const REEVAL_CHUNK: usize = 100;

/// The body of `POST /api/v1/reports`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    schema: String,
    upload_id: String,
    scanned_at: String,
    #[serde(default)]
    host: Option<String>,
    #[serde(borrow)]
    inventory: &'a RawValue,
}

/// Why an upload was refused; each maps to one HTTP status.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// 400: not what the schema says.
    Invalid(String),
    /// 409: the upload id belongs to another upload.
    Conflict(String),
    /// 503: the writer's queue is full; retry later with the same upload id.
    Busy,
    /// 500.
    Internal(String),
}

/// An upload id: 8 to 64 letters, digits, `-` and `_` (a UUID fits).
pub fn valid_upload_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks an upload of `host` and evaluates its inventory with `engine`.
pub fn prepare(body: &[u8], host: &str, engine: &Engine, clock: &Clock) -> Result<Prepared, Refused> {
    let env: Envelope = serde_json::from_slice(body)
        .map_err(|e| Refused::Invalid(format!("body is not a {UPLOAD_SCHEMA} document: {e}")))?;
    if env.schema != UPLOAD_SCHEMA {
        return Err(Refused::Invalid(format!("schema {:?} is not {UPLOAD_SCHEMA}", env.schema)));
    }
    if !valid_upload_id(&env.upload_id) {
        return Err(Refused::Invalid("upload_id must be 8 to 64 letters, digits, '-' or '_'".into()));
    }
    if let Some(h) = &env.host
        && h != host
    {
        return Err(Refused::Invalid(format!("host {h:?} does not match the token's host {host:?}")));
    }
    let now = clock.now();
    let scanned: jiff::Timestamp = env
        .scanned_at
        .parse()
        .map_err(|e| Refused::Invalid(format!("scanned_at {:?} is not an RFC 3339 time: {e}", env.scanned_at)))?;
    // A clock a little ahead is tolerated; a scan from tomorrow is not a scan.
    if scanned > now + jiff::SignedDuration::from_hours(24) {
        return Err(Refused::Invalid(format!("scanned_at {} is in the future", env.scanned_at)));
    }
    let raw = env.inventory.get().as_bytes();
    let sha = hex(&Sha256::digest(raw));
    let today = time::date_of(&time::format(scanned)).unwrap_or_else(|| clock.today());
    // An inventory seen before (same bytes) was valid then and matches the same today: only a new
    // one is parsed and matched, and packed for storage here, in parallel, rather than by the
    // writer.
    let mut packed = None;
    let matched = engine.matched(&sha, today, || {
        let inventory: Inventory = serde_json::from_slice(raw)
            .map_err(|e| Refused::Invalid(format!("inventory is not a {INVENTORY_SCHEMA} document: {e}")))?;
        if inventory.schema != INVENTORY_SCHEMA {
            return Err(Refused::Invalid(format!("inventory schema {:?} is not {INVENTORY_SCHEMA}", inventory.schema)));
        }
        packed = Some(store::pack(raw));
        Ok(engine.match_inventory(&inventory, today))
    })?;
    let evaluation = engine.finish(&matched, host, today);
    Ok(Prepared {
        upload_id: env.upload_id,
        host: host.to_string(),
        scanned_at: time::format(scanned),
        received_at: time::format(now),
        inventory_sha256: sha,
        inventory: raw.to_vec(),
        packed,
        artifacts: matched.artifacts,
        errors: matched.errors,
        tool_version: matched.tool_version.clone(),
        engine: engine.fingerprint.clone(),
        evaluation,
    })
}

pub enum Job {
    Upload(Box<Prepared>, oneshot::Sender<Result<Ingested, Refused>>),
    /// Re-evaluate every host with the current engine; `done` is told how many hosts were
    /// re-evaluated when all are.
    Reevaluate(oneshot::Sender<Result<usize, String>>),
}

/// The handle request handlers use to reach the writer.
#[derive(Clone)]
pub struct Writer {
    tx: SyncSender<Job>,
}

impl Writer {
    pub fn submit(&self, p: Prepared) -> Result<oneshot::Receiver<Result<Ingested, Refused>>, Refused> {
        let (tx, rx) = oneshot::channel();
        match self.tx.try_send(Job::Upload(Box::new(p), tx)) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_)) => Err(Refused::Busy),
            Err(TrySendError::Disconnected(_)) => Err(Refused::Internal("the writer has stopped".into())),
        }
    }

    /// Asks for every host to be re-evaluated; the receiver says when it is done.
    pub fn reevaluate(&self) -> Result<oneshot::Receiver<Result<usize, String>>, String> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Job::Reevaluate(tx)).map_err(|_| "the writer has stopped".to_string())?;
        Ok(rx)
    }
}

/// Starts the writer thread on its own connection. It stops when every [`Writer`] is dropped,
/// after finishing what is queued.
pub fn spawn(
    mut conn: Box<dyn Conn>,
    engine: Arc<RwLock<Arc<Engine>>>,
    clock: Clock,
    queue: usize,
) -> (Writer, std::thread::JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(queue);
    let handle = std::thread::Builder::new()
        .name("delist-writer".into())
        .spawn(move || run(&mut *conn, &rx, &engine, &clock))
        .expect("spawn writer thread");
    (Writer { tx }, handle)
}

fn current(engine: &RwLock<Arc<Engine>>) -> Arc<Engine> {
    engine.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A re-evaluation in progress: the last host done, how many so far, who waits for it.
struct Reeval {
    after: String,
    count: usize,
    waiting: Vec<oneshot::Sender<Result<usize, String>>>,
}

fn run(conn: &mut dyn Conn, rx: &Receiver<Job>, engine: &RwLock<Arc<Engine>>, clock: &Clock) {
    let mut reeval: Option<Reeval> = None;
    let mut known = store::Known::default();
    loop {
        // While a re-evaluation runs, uploads that arrive go first, between its chunks.
        let job = if reeval.is_some() {
            rx.try_recv().ok()
        } else {
            match rx.recv() {
                Ok(j) => Some(j),
                Err(_) => return,
            }
        };
        match job {
            Some(Job::Upload(first, reply)) => {
                let mut batch = vec![(first, reply)];
                let mut later = None;
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(Job::Upload(p, r)) => batch.push((p, r)),
                        Ok(other) => {
                            later = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                write_batch(conn, batch, &mut known, engine, clock);
                if let Some(Job::Reevaluate(done)) = later {
                    start_reeval(&mut reeval, done);
                }
            }
            Some(Job::Reevaluate(done)) => start_reeval(&mut reeval, done),
            None => {
                let Some(mut r) = reeval.take() else { continue };
                let eng = current(engine);
                let at = time::format(clock.now());
                match reevaluate(conn, &eng, &r.after, &at, clock) {
                    Ok(Some((last, n))) => {
                        r.after = last;
                        r.count += n;
                        reeval = Some(r);
                    }
                    Ok(None) => {
                        for d in r.waiting {
                            let _ = d.send(Ok(r.count));
                        }
                    }
                    Err(e) => {
                        for d in r.waiting {
                            let _ = d.send(Err(e.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// A new request restarts a running re-evaluation from the first host (the engine may have
/// changed again); everyone waiting is told when the restarted one ends.
fn start_reeval(reeval: &mut Option<Reeval>, done: oneshot::Sender<Result<usize, String>>) {
    let mut waiting = reeval.take().map(|r| r.waiting).unwrap_or_default();
    waiting.push(done);
    *reeval = Some(Reeval { after: String::new(), count: 0, waiting });
}

type Reply = oneshot::Sender<Result<Ingested, Refused>>;

fn write_batch(
    conn: &mut dyn Conn,
    batch: Vec<(Box<Prepared>, Reply)>,
    known: &mut store::Known,
    engine: &RwLock<Arc<Engine>>,
    clock: &Clock,
) {
    let eng = current(engine);
    let mut results: Vec<Result<Ingested, Refused>> = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<(), crate::db::DbError> {
        conn.begin_write()?;
        for (p, _) in &batch {
            // Evaluated before a reload of the catalog or policy: evaluate again with the new one.
            let fresh;
            let p: &Prepared = if p.engine != eng.fingerprint {
                fresh = reprepare(p, &eng, clock);
                &fresh
            } else {
                p
            };
            // A conflict is found before anything is written: no savepoint needed.
            match store::ingest(conn, p, known) {
                Ok(i) => results.push(Ok(i)),
                Err(IngestError::Conflict(m)) => results.push(Err(Refused::Conflict(m))),
                Err(IngestError::Db(e)) => return Err(e),
            }
        }
        conn.batch("COMMIT")
    })();
    match outcome {
        Ok(()) => {
            known.commit();
            for ((_, reply), r) in batch.into_iter().zip(results) {
                let _ = reply.send(r);
            }
        }
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            known.rollback();
            for (_, reply) in batch {
                let _ = reply.send(Err(Refused::Internal(e.to_string())));
            }
        }
    }
}

fn reprepare(p: &Prepared, engine: &Engine, clock: &Clock) -> Prepared {
    let mut q = p.clone();
    if let Ok(inv) = serde_json::from_slice::<Inventory>(&p.inventory) {
        let today = time::date_of(&p.scanned_at).unwrap_or_else(|| clock.today());
        q.evaluation = engine.evaluate(&inv, &p.host, today);
        q.engine = engine.fingerprint.clone();
    }
    q
}

/// One chunk of a re-evaluation in its own transaction. `Ok(None)` when every host is done (and
/// the engine's fingerprint is recorded).
fn reevaluate(
    conn: &mut dyn Conn,
    engine: &Engine,
    after: &str,
    at: &str,
    clock: &Clock,
) -> Result<Option<(String, usize)>, String> {
    let r = (|| -> Result<Option<(String, usize)>, crate::db::DbError> {
        conn.begin_write()?;
        let r = match store::reevaluate_chunk(conn, engine, after, REEVAL_CHUNK, at, clock.today())? {
            Some(done) => Some(done),
            None => {
                store::set_engine(conn, &engine.fingerprint)?;
                None
            }
        };
        conn.batch("COMMIT")?;
        Ok(r)
    })();
    r.map_err(|e| {
        let _ = conn.batch("ROLLBACK");
        e.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Sources;

    fn engine() -> Engine {
        Engine::build(&Sources { catalog: delist_core::catalog::builtin_files(), policy: None }).expect("engine")
    }

    fn body() -> Vec<u8> {
        let a = delist_core::Artifact::new(delist_core::ArtifactKind::Deb, "kesl", "/var/lib/dpkg/status", "live:/")
            .field("deb.maintainer", "AO Kaspersky Lab", delist_core::Role::Publisher);
        serde_json::to_vec(&serde_json::json!({
            "schema": UPLOAD_SCHEMA, "upload_id": "unit-test-1", "scanned_at": "2026-11-20T09:00:00Z",
            "inventory": {"schema": INVENTORY_SCHEMA, "tool": {"name": "delist", "version": "t"},
                          "targets": [], "artifacts": [a], "errors": []},
        }))
        .expect("json")
    }

    #[test]
    fn a_valid_upload_is_evaluated() {
        let clock = Clock { today: Some(jiff::civil::date(2026, 11, 28)) };
        let p = prepare(&body(), "web-01", &engine(), &clock).expect("valid");
        assert_eq!((p.artifacts, p.evaluation.live), (1, 1));
        assert_eq!(p.scanned_at, "2026-11-20T09:00:00.000000Z");
        assert_eq!(p.evaluation.findings[0].artifact.host.as_deref(), Some("web-01"));
    }

    /// The same inventory from two hosts is matched once (the memo) and gives each host its own
    /// evaluation, equal to one made without the memo; a refused inventory is never remembered.
    #[test]
    fn a_remembered_inventory_evaluates_as_a_fresh_one() {
        let (e, clock) = (engine(), Clock { today: Some(jiff::civil::date(2026, 11, 28)) });
        let a = prepare(&body(), "web-01", &e, &clock).expect("first");
        let b = prepare(&body(), "web-02", &e, &clock).expect("remembered");
        assert!(a.packed.is_some() && b.packed.is_none(), "packed once, when first seen");
        assert_eq!(a.inventory_sha256, b.inventory_sha256);
        assert_eq!(b.evaluation.findings[0].artifact.host.as_deref(), Some("web-02"));
        let fresh = engine();
        let c = prepare(&body(), "web-02", &fresh, &clock).expect("fresh engine");
        let ids = |p: &Prepared| p.evaluation.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&b), ids(&c));
        assert_eq!((b.evaluation.live, b.evaluation.lists.clone()), (c.evaluation.live, c.evaluation.lists.clone()));
        let mut bad = body();
        let at = bad.windows(18).position(|w| w == b"delist.inventory/1").expect("schema");
        bad[at + 17] = b'9';
        assert!(prepare(&bad, "web-01", &e, &clock).is_err());
        assert!(prepare(&bad, "web-01", &e, &clock).is_err(), "still refused the second time");
    }

    /// Truncated and bit-flipped uploads are refused with an error, never a panic.
    #[test]
    fn malformed_uploads_are_errors_not_panics() {
        let (e, clock) = (engine(), Clock { today: Some(jiff::civil::date(2026, 11, 28)) });
        let good = body();
        for cut in (0..good.len()).step_by(7) {
            assert!(prepare(&good[..cut], "web-01", &e, &clock).is_err(), "truncated at {cut}");
        }
        let mut state = 0x2545_f491_u32;
        for _ in 0..2000 {
            let mut b = good.clone();
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let i = state as usize % b.len();
                b[i] ^= 1 << (state >> 29);
            }
            // Either refused or, where the flip hit free text, accepted: never a panic.
            let _ = prepare(&b, "web-01", &e, &clock);
        }
    }
}
