//! What the server's tables mean: enrolment, uploads, inventories (stored once, packed),
//! evaluations, each finding's life (first seen, last seen, removed) and the daily per-list
//! rollup the trends are drawn from, written and read through [`Conn`], the same SQL on both
//! engines.
//!
//! Owns every query. Callers decide transactions: the writer thread wraps a batch of uploads in
//! one (group commit); token commands run alone. It never evaluates anything itself: findings
//! arrive already evaluated by [`crate::engine`].

use crate::auth;
use crate::db::{Conn, DbError, DbResult, Row, Val};
use crate::engine::{Engine, Evaluation};
use delist_core::Finding;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An upload checked and evaluated, ready to be written.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub upload_id: String,
    pub host: String,
    pub scanned_at: String,
    pub received_at: String,
    pub inventory_sha256: String,
    /// The inventory as uploaded (JSON).
    pub inventory: Vec<u8>,
    /// Its stored form ([`pack`]), when it was made off the writer thread.
    pub packed: Option<Vec<u8>>,
    pub artifacts: usize,
    pub errors: usize,
    pub tool_version: String,
    pub engine: String,
    pub evaluation: Evaluation,
}

/// What writing an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ingested {
    pub upload_id: String,
    pub host: String,
    /// True when this upload id was already stored: the retry changed nothing.
    pub duplicate: bool,
    /// Live (unwaived) findings and waived ones in this upload's evaluation.
    pub findings: i64,
    pub waived: i64,
    /// False when a newer scan of the host was already stored: this one joins the history only.
    pub current: bool,
}

#[derive(Debug)]
pub enum IngestError {
    /// The upload id is taken by another host or another inventory.
    Conflict(String),
    Db(DbError),
}

impl From<DbError> for IngestError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

fn text(row: &Row, i: usize) -> String {
    row.get(i).and_then(Val::text).unwrap_or_default().to_string()
}

fn opt_text(row: &Row, i: usize) -> Option<String> {
    row.get(i).and_then(Val::text).map(str::to_string)
}

fn int(row: &Row, i: usize) -> i64 {
    row.get(i).and_then(Val::int).unwrap_or_default()
}

/// Space-padded list ids, so `LIKE '% id %'` finds one.
fn list_key(f: &Finding) -> String {
    let mut s = String::from(" ");
    for l in &f.lists {
        s.push_str(&l.id);
        s.push(' ');
    }
    s
}

// ---------------------------------------------------------------- enrolment

/// A newly created enrolment token: the secret is shown once and never stored.
#[derive(Debug, Clone, Serialize)]
pub struct NewToken {
    pub id: String,
    pub host: String,
    pub token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub host: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn ensure_host(conn: &mut dyn Conn, host: &str, now: &str) -> DbResult<()> {
    conn.exec(
        "INSERT INTO hosts (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[host.into(), now.into()],
    )?;
    Ok(())
}

/// Enrols a host (if new) and issues it a token.
pub fn create_token(conn: &mut dyn Conn, host: &str, now: &str) -> DbResult<NewToken> {
    let token = auth::new_token();
    let digest = auth::digest(&token);
    let id = auth::token_id(&digest);
    conn.begin_write()?;
    let r = (|| {
        ensure_host(conn, host, now)?;
        conn.exec(
            "INSERT INTO tokens (id, host, hash, created_at) VALUES ($1, $2, $3, $4)",
            &[id.clone().into(), host.into(), digest.into(), now.into()],
        )
    })();
    match r {
        Ok(_) => conn.batch("COMMIT")?,
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(NewToken { id, host: host.to_string(), token })
}

/// Revokes a token by id, or every token of a host. Returns how many were live.
pub fn revoke(conn: &mut dyn Conn, id_or_host: &str, now: &str) -> DbResult<u64> {
    conn.exec(
        "UPDATE tokens SET revoked_at = $2 WHERE (id = $1 OR host = $1) AND revoked_at IS NULL",
        &[id_or_host.into(), now.into()],
    )
}

pub fn tokens(conn: &mut dyn Conn) -> DbResult<Vec<TokenInfo>> {
    Ok(conn
        .query("SELECT id, host, created_at, revoked_at FROM tokens ORDER BY host, created_at", &[])?
        .iter()
        .map(|r| TokenInfo { id: text(r, 0), host: text(r, 1), created_at: text(r, 2), revoked_at: opt_text(r, 3) })
        .collect())
}

/// The host a live token belongs to.
pub fn host_for_token(conn: &mut dyn Conn, token: &str) -> DbResult<Option<String>> {
    let rows =
        conn.query("SELECT host FROM tokens WHERE hash = $1 AND revoked_at IS NULL", &[auth::digest(token).into()])?;
    Ok(rows.first().map(|r| text(r, 0)))
}

// ---------------------------------------------------------------- uploads

/// The stored form of an inventory: zlib (fastest level). Inventories are JSON with the same
/// field names over and over; they shrink about tenfold, which is that much less to write, sync
/// and checkpoint for every new inventory.
///
/// Each thread keeps one compressor and resets it between inventories. A new one each time
/// allocated ~300 KB of tables, freed again at once; with the engine's memo keeping a few
/// kilobytes of every new inventory's findings between them, glibc's heap could not hand those
/// tables' space back to the next compressor, and grew ~300 KB for each inventory remembered
/// (2 GiB when the `server_upload` fuzz target had seen ~7,000 of them; `tests/memo_memory.rs`).
pub fn pack(json: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    use std::cell::RefCell;
    thread_local! {
        static ZLIB: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), true));
    }
    ZLIB.with_borrow_mut(|z| {
        z.reset();
        let mut out = Vec::with_capacity(json.len() / 8 + 64);
        loop {
            // `total_in` counts this stream only (reset above); it never exceeds `json.len()`.
            let done = usize::try_from(z.total_in()).unwrap_or(json.len()).min(json.len());
            match z.compress_vec(&json[done..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return out,
                // Output full (compress_vec writes only into spare capacity): make room.
                Ok(Status::Ok | Status::BufError) => out.reserve(out.capacity().max(4096)),
                // Compressing bytes in memory has no failure but a full buffer.
                Err(_) => return Vec::new(),
            }
        }
    })
}

/// The largest inventory [`unpack`] inflates: above any upload the server accepts.
const UNPACK_LIMIT: u64 = 1 << 30;

/// An inventory as stored: zlib, or plain JSON (a `{`) as written before packing existed.
/// `None` when it does not inflate.
pub fn unpack(body: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::io::Read as _;
    if body.first() == Some(&b'{') {
        return Some(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(body).take(UNPACK_LIMIT).read_to_end(&mut out).ok()?;
    Some(std::borrow::Cow::Owned(out))
}

/// Inventories known to be stored, so that the writer need not ask: those committed, and those
/// written in the transaction under way (forgotten if it rolls back).
#[derive(Debug, Default)]
pub struct Known {
    committed: std::collections::HashSet<String>,
    pending: Vec<String>,
}

impl Known {
    /// Bounded: past this many, the set starts afresh (the database still knows).
    const CAPACITY: usize = 100_000;

    fn has(&self, sha256: &str) -> bool {
        self.committed.contains(sha256) || self.pending.iter().any(|p| p == sha256)
    }

    fn add(&mut self, sha256: &str) {
        if !self.has(sha256) {
            self.pending.push(sha256.to_string());
        }
    }

    /// The transaction committed: what it wrote is stored.
    pub fn commit(&mut self) {
        if self.committed.len() + self.pending.len() > Self::CAPACITY {
            self.committed.clear();
        }
        self.committed.extend(self.pending.drain(..));
    }

    /// The transaction rolled back: what it wrote is not.
    pub fn rollback(&mut self) {
        self.pending.clear();
    }
}

/// Writes one upload inside the caller's transaction. A retry of a stored upload (same id, same
/// host, same inventory) returns the stored outcome and writes nothing; an upload id taken by
/// another upload is a conflict, found before anything is written (so the caller needs no
/// savepoint). The host exists: uploads come with its token, and tokens are made with the host.
///
/// Statements are few because each is a round trip on PostgreSQL: the usual upload (an inventory
/// already stored, nothing new found) is an inventory lookup, the upload row (which also claims
/// the id), the rollup check, the evaluation rows, the host row and the findings' `last_seen`.
pub fn ingest(conn: &mut dyn Conn, p: &Prepared, known: &mut Known) -> Result<Ingested, IngestError> {
    let upload = |conn: &mut dyn Conn| {
        conn.query(
            "INSERT INTO uploads (id, host, received_at, scanned_at, inventory, artifacts, errors, tool_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING seq",
            &[
                p.upload_id.clone().into(),
                p.host.clone().into(),
                p.received_at.clone().into(),
                p.scanned_at.clone().into(),
                p.inventory_sha256.clone().into(),
                p.artifacts.into(),
                p.errors.into(),
                p.tool_version.clone().into(),
            ],
        )
    };
    // Stored once by content: an unchanged inventory (the usual upload) costs this lookup, and
    // its body is not sent to the database again.
    let stored_before = known.has(&p.inventory_sha256)
        || !conn.query("SELECT 1 FROM inventories WHERE sha256 = $1", &[p.inventory_sha256.clone().into()])?.is_empty();
    if stored_before {
        known.add(&p.inventory_sha256);
        if upload(conn)?.is_empty() {
            return stored(conn, p);
        }
    } else {
        // A new inventory: make sure the id is free before storing its body.
        if !conn.query("SELECT 1 FROM uploads WHERE id = $1", &[p.upload_id.clone().into()])?.is_empty() {
            return stored(conn, p);
        }
        let body = p.packed.clone().unwrap_or_else(|| pack(&p.inventory));
        conn.exec(
            "INSERT INTO inventories (sha256, body) VALUES ($1, $2)",
            &[p.inventory_sha256.clone().into(), Val::Blob(body)],
        )?;
        known.add(&p.inventory_sha256);
        if upload(conn)?.is_empty() {
            return Err(IngestError::Db(DbError::new("upload id taken while it was free")));
        }
    }
    record_evaluation(conn, &p.host, &p.upload_id, &p.scanned_at, &p.engine, "upload", &p.evaluation)?;
    // Current unless a newer scan of the host is already stored (a late retry of an old scan).
    let current = !conn
        .query(
            "UPDATE hosts SET last_upload = $2, last_scanned_at = $3 \
             WHERE name = $1 AND (last_scanned_at IS NULL OR last_scanned_at <= $3) RETURNING name",
            &[p.host.clone().into(), p.upload_id.clone().into(), p.scanned_at.clone().into()],
        )?
        .is_empty();
    if current {
        apply_current(conn, &p.host, &p.scanned_at, &p.evaluation.findings)?;
    }
    Ok(Ingested {
        upload_id: p.upload_id.clone(),
        host: p.host.clone(),
        duplicate: false,
        findings: p.evaluation.live as i64,
        waived: p.evaluation.waived as i64,
        current,
    })
}

/// The outcome of an upload id already stored: the same upload again, or a conflict.
fn stored(conn: &mut dyn Conn, p: &Prepared) -> Result<Ingested, IngestError> {
    let existing = conn.query("SELECT host, inventory FROM uploads WHERE id = $1", &[p.upload_id.clone().into()])?;
    let same = existing.first().is_some_and(|row| text(row, 0) == p.host && text(row, 1) == p.inventory_sha256);
    if !same {
        return Err(IngestError::Conflict(format!(
            "upload id {} is already used by another upload; use a new id for a new scan",
            p.upload_id
        )));
    }
    let ev = conn.query(
        "SELECT findings, waived FROM evaluations WHERE upload_id = $1 AND reason = 'upload'",
        &[p.upload_id.clone().into()],
    )?;
    let (findings, waived) = ev.first().map(|r| (int(r, 0), int(r, 1))).unwrap_or_default();
    let last = conn.query("SELECT last_upload FROM hosts WHERE name = $1", &[p.host.clone().into()])?;
    let current = last.first().and_then(|r| opt_text(r, 0)).as_deref() == Some(p.upload_id.as_str());
    Ok(Ingested { upload_id: p.upload_id.clone(), host: p.host.clone(), duplicate: true, findings, waived, current })
}

fn record_evaluation(
    conn: &mut dyn Conn,
    host: &str,
    upload_id: &str,
    at: &str,
    engine: &str,
    reason: &str,
    e: &Evaluation,
) -> DbResult<()> {
    roll_up(conn, host, at, e)?;
    let rows = conn.query(
        "INSERT INTO evaluations (host, upload_id, at, engine, reason, findings, waived) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
        &[host.into(), upload_id.into(), at.into(), engine.into(), reason.into(), e.live.into(), e.waived.into()],
    )?;
    let seq = rows.first().map(|r| int(r, 0)).ok_or_else(|| DbError::new("evaluation insert returned no seq"))?;
    if e.lists.is_empty() {
        return Ok(());
    }
    // One statement for every list (a round trip each on PostgreSQL otherwise); the text differs
    // only by the number of lists, so few statements are prepared.
    let mut sql = String::from("INSERT INTO evaluation_lists (evaluation, list, findings, waived) VALUES ");
    let mut params = vec![Val::Int(seq)];
    for (i, (list, c)) in e.lists.iter().enumerate() {
        let n = params.len();
        let sep = if i == 0 { "" } else { ", " };
        sql.push_str(&format!("{sep}($1, ${}, ${}, ${})", n + 1, n + 2, n + 3));
        params.extend([list.into(), c.live.into(), c.waived.into()]);
    }
    conn.exec(&sql, &params)?;
    Ok(())
}

/// Makes `findings` the host's current ones as of `at`: new ones start, present ones are seen
/// again, absent ones are marked removed. A finding present and unchanged (the usual case) is not
/// rewritten: one statement moves every present finding's `last_seen`.
fn apply_current(conn: &mut dyn Conn, host: &str, at: &str, findings: &[Finding]) -> DbResult<()> {
    let present: std::collections::HashMap<String, String> = conn
        .query("SELECT id, body FROM findings WHERE host = $1 AND removed_at IS NULL", &[host.into()])?
        .iter()
        .map(|r| (text(r, 0), text(r, 1)))
        .collect();
    for id in present.keys() {
        if !findings.iter().any(|f| f.id == *id) {
            conn.exec(
                "UPDATE findings SET removed_at = $3 WHERE host = $1 AND id = $2",
                &[host.into(), id.into(), at.into()],
            )?;
        }
    }
    // Those still present (the removed ones are marked by now) are seen again.
    if !present.is_empty() {
        conn.exec(
            "UPDATE findings SET last_seen = $2 WHERE host = $1 AND removed_at IS NULL",
            &[host.into(), at.into()],
        )?;
    }
    for f in findings {
        let mut stored = f.clone();
        stored.waiver = None;
        let body = serde_json::to_string(&stored).map_err(|e| DbError::new(format!("finding to JSON: {e}")))?;
        if present.get(&f.id) == Some(&body) {
            continue;
        }
        conn.exec(
            "INSERT INTO findings (host, id, vendor, confidence, lists, body, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (host, id) DO UPDATE SET vendor = excluded.vendor, confidence = excluded.confidence, \
             lists = excluded.lists, body = excluded.body, last_seen = excluded.last_seen, removed_at = NULL",
            &[
                host.into(),
                f.id.clone().into(),
                f.vendor.clone().into(),
                f.confidence.as_str().into(),
                list_key(f).into(),
                body.into(),
                at.into(),
            ],
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------- daily rollup

/// The lists under which `e` has live findings.
fn affected(e: &Evaluation) -> BTreeSet<String> {
    e.lists.iter().filter(|(_, c)| c.live > 0).map(|(l, _)| l.clone()).collect()
}

/// The day (`YYYY-MM-DD`) of a stored time.
fn day_of(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

fn bump(conn: &mut dyn Conn, list: &str, day: &str, change: i64) -> DbResult<()> {
    conn.exec(
        "INSERT INTO list_days (list, day, delta) VALUES ($1, $2, $3) \
         ON CONFLICT (list, day) DO UPDATE SET delta = list_days.delta + excluded.delta",
        &[list.into(), day.into(), Val::Int(change)],
    )?;
    Ok(())
}

/// Keeps `list_days` in step with an evaluation of `host` at `at` about to be recorded. Before it
/// (in time, then in order of recording) the host was affected by the lists of its previous
/// evaluation; from `at` it is affected by `e`'s, until its next evaluation if one is already
/// stored (a late upload of an older scan), from which on nothing changes. An evaluation that
/// changes nothing (the usual case) costs one query.
fn roll_up(conn: &mut dyn Conn, host: &str, at: &str, e: &Evaluation) -> DbResult<()> {
    let new = affected(e);
    let before: BTreeSet<String> = conn
        .query(
            "SELECT l.list FROM evaluation_lists l WHERE l.findings > 0 AND l.evaluation = \
             (SELECT e.seq FROM evaluations e WHERE e.host = $1 AND e.at <= $2 ORDER BY e.at DESC, e.seq DESC LIMIT 1)",
            &[host.into(), at.into()],
        )?
        .iter()
        .map(|r| text(r, 0))
        .collect();
    if new == before {
        return Ok(());
    }
    let next = conn.query(
        "SELECT at FROM evaluations WHERE host = $1 AND at > $2 ORDER BY at, seq LIMIT 1",
        &[host.into(), at.into()],
    )?;
    let next = next.first().map(|r| text(r, 0));
    for (list, change) in new.difference(&before).map(|l| (l, 1)).chain(before.difference(&new).map(|l| (l, -1))) {
        bump(conn, list, day_of(at), change)?;
        if let Some(n) = &next {
            bump(conn, list, day_of(n), -change)?;
        }
    }
    Ok(())
}

/// Fills `list_days` from every evaluation stored (migration 2; also the reference the
/// incremental rollup is tested against).
pub fn rebuild_list_days(conn: &mut dyn Conn) -> DbResult<()> {
    conn.exec("DELETE FROM list_days", &[])?;
    let rows = conn.query(
        "SELECT e.seq, e.host, e.at, l.list FROM evaluations e \
         LEFT JOIN evaluation_lists l ON l.evaluation = e.seq AND l.findings > 0 ORDER BY e.at, e.seq",
        &[],
    )?;
    let mut state: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut changes: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut i = 0;
    while i < rows.len() {
        let seq = int(&rows[i], 0);
        let (host, at) = (text(&rows[i], 1), text(&rows[i], 2));
        let mut now = BTreeSet::new();
        while i < rows.len() && int(&rows[i], 0) == seq {
            if let Some(l) = opt_text(&rows[i], 3) {
                now.insert(l);
            }
            i += 1;
        }
        let before = state.remove(&host).unwrap_or_default();
        for l in now.difference(&before) {
            *changes.entry((l.clone(), day_of(&at).to_string())).or_default() += 1;
        }
        for l in before.difference(&now) {
            *changes.entry((l.clone(), day_of(&at).to_string())).or_default() -= 1;
        }
        state.insert(host, now);
    }
    for ((list, day), change) in changes {
        if change != 0 {
            bump(conn, &list, &day, change)?;
        }
    }
    Ok(())
}

/// A list's rollup: the net change of hosts affected per day with one, in day order, and the
/// first and last day any host was evaluated (the span of the trend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListDays {
    pub changes: Vec<(String, i64)>,
    pub first: Option<String>,
    pub last: Option<String>,
}

pub fn list_days(conn: &mut dyn Conn, list: &str) -> DbResult<ListDays> {
    Ok(lists_days(conn, &[list])?.pop().unwrap_or_default())
}

/// [`list_days`] of several lists, in the order given.
pub fn lists_days(conn: &mut dyn Conn, lists: &[&str]) -> DbResult<Vec<ListDays>> {
    let span = conn.query("SELECT MIN(at), MAX(at) FROM evaluations", &[])?;
    let day = |i| span.first().and_then(|r| opt_text(r, i)).map(|t| day_of(&t).to_string());
    let (first, last) = (day(0), day(1));
    let mut out = Vec::with_capacity(lists.len());
    for list in lists {
        let changes = conn
            .query("SELECT day, delta FROM list_days WHERE list = $1 AND delta <> 0 ORDER BY day", &[(*list).into()])?
            .iter()
            .map(|r| (text(r, 0), int(r, 1)))
            .collect();
        out.push(ListDays { changes, first: first.clone(), last: last.clone() });
    }
    Ok(out)
}

// ---------------------------------------------------------------- re-evaluation

pub const ENGINE_KEY: &str = "engine";

pub fn stored_engine(conn: &mut dyn Conn) -> DbResult<Option<String>> {
    let rows = conn.query("SELECT value FROM meta WHERE key = $1", &[ENGINE_KEY.into()])?;
    Ok(rows.first().map(|r| text(r, 0)))
}

pub fn set_engine(conn: &mut dyn Conn, fingerprint: &str) -> DbResult<()> {
    conn.exec(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[ENGINE_KEY.into(), fingerprint.into()],
    )?;
    Ok(())
}

/// Re-evaluates up to `limit` hosts (by name, after `after`) from their last inventory with
/// `engine`, inside the caller's transaction. Returns the last host done and how many were, or
/// `None` when there were no more.
pub fn reevaluate_chunk(
    conn: &mut dyn Conn,
    engine: &Engine,
    after: &str,
    limit: usize,
    at: &str,
    today: jiff::civil::Date,
) -> DbResult<Option<(String, usize)>> {
    let rows = conn.query(
        "SELECT h.name, h.last_upload, i.body FROM hosts h \
         JOIN uploads u ON u.id = h.last_upload JOIN inventories i ON i.sha256 = u.inventory \
         WHERE h.name > $1 ORDER BY h.name LIMIT $2",
        &[after.into(), limit.into()],
    )?;
    let mut last = None;
    for r in &rows {
        let host = text(r, 0);
        let upload = text(r, 1);
        let body = unpack(r.get(2).and_then(Val::blob).unwrap_or_default());
        // A stored inventory was validated when it arrived; one that no longer parses (a schema
        // change) is skipped rather than failing every other host.
        if let Some(inv) = body.and_then(|b| serde_json::from_slice::<delist_core::report::Inventory>(&b).ok()) {
            let e = engine.evaluate(&inv, &host, today);
            record_evaluation(conn, &host, &upload, at, &engine.fingerprint, "reevaluate", &e)?;
            apply_current(conn, &host, at, &e.findings)?;
        }
        last = Some(host);
    }
    Ok(last.map(|l| (l, rows.len())))
}

// ---------------------------------------------------------------- reads

#[derive(Debug, Clone, Serialize)]
pub struct HostRow {
    pub name: String,
    pub created_at: String,
    pub last_upload: Option<String>,
    pub last_scanned_at: Option<String>,
    pub uploads: i64,
    /// Current findings (not removed), before waivers.
    pub findings: i64,
}

pub fn hosts(conn: &mut dyn Conn) -> DbResult<Vec<HostRow>> {
    Ok(conn
        .query(
            "SELECT h.name, h.created_at, h.last_upload, h.last_scanned_at, \
             (SELECT COUNT(*) FROM uploads u WHERE u.host = h.name), \
             (SELECT COUNT(*) FROM findings f WHERE f.host = h.name AND f.removed_at IS NULL) \
             FROM hosts h ORDER BY h.name",
            &[],
        )?
        .iter()
        .map(|r| HostRow {
            name: text(r, 0),
            created_at: text(r, 1),
            last_upload: opt_text(r, 2),
            last_scanned_at: opt_text(r, 3),
            uploads: int(r, 4),
            findings: int(r, 5),
        })
        .collect())
}

pub fn host(conn: &mut dyn Conn, name: &str) -> DbResult<Option<HostRow>> {
    Ok(hosts(conn)?.into_iter().find(|h| h.name == name))
}

/// A finding as the server tracks it.
#[derive(Debug, Clone, Serialize)]
pub struct TrackedFinding {
    pub host: String,
    pub first_seen: String,
    pub last_seen: String,
    pub removed_at: Option<String>,
    pub finding: Finding,
}

/// Findings, newest first; `host` narrows to one host, `current` to those not removed.
pub fn findings(conn: &mut dyn Conn, host: Option<&str>, current: bool) -> DbResult<Vec<TrackedFinding>> {
    let mut sql = String::from("SELECT host, first_seen, last_seen, removed_at, body FROM findings WHERE 1 = 1");
    let mut params = Vec::new();
    if let Some(h) = host {
        params.push(Val::from(h));
        sql.push_str(" AND host = $1");
    }
    if current {
        sql.push_str(" AND removed_at IS NULL");
    }
    sql.push_str(" ORDER BY host, vendor, id");
    let mut out = Vec::new();
    for r in conn.query(&sql, &params)? {
        let finding: Finding = serde_json::from_str(&text(&r, 4))
            .map_err(|e| DbError::new(format!("stored finding is not valid JSON: {e}")))?;
        out.push(TrackedFinding {
            host: text(&r, 0),
            first_seen: text(&r, 1),
            last_seen: text(&r, 2),
            removed_at: opt_text(&r, 3),
            finding,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct UploadRow {
    pub id: String,
    pub host: String,
    pub received_at: String,
    pub scanned_at: String,
    pub artifacts: i64,
    pub errors: i64,
    pub tool_version: String,
    pub findings: i64,
    pub waived: i64,
}

pub fn uploads(conn: &mut dyn Conn, host: &str) -> DbResult<Vec<UploadRow>> {
    Ok(conn
        .query(
            "SELECT u.id, u.host, u.received_at, u.scanned_at, u.artifacts, u.errors, u.tool_version, \
             e.findings, e.waived FROM uploads u \
             LEFT JOIN evaluations e ON e.upload_id = u.id AND e.reason = 'upload' \
             WHERE u.host = $1 ORDER BY u.scanned_at, u.seq",
            &[host.into()],
        )?
        .iter()
        .map(|r| UploadRow {
            id: text(r, 0),
            host: text(r, 1),
            received_at: text(r, 2),
            scanned_at: text(r, 3),
            artifacts: int(r, 4),
            errors: int(r, 5),
            tool_version: text(r, 6),
            findings: int(r, 7),
            waived: int(r, 8),
        })
        .collect())
}

/// One evaluation's count for one list, for trends.
#[derive(Debug, Clone)]
pub struct ListPoint {
    pub host: String,
    pub at: String,
    pub live: i64,
}

/// Every evaluation of every host in time order with its live findings under `list` (zero when
/// the list covered nothing).
pub fn list_history(conn: &mut dyn Conn, list: &str) -> DbResult<Vec<ListPoint>> {
    Ok(conn
        .query(
            "SELECT e.host, e.at, COALESCE(l.findings, 0) FROM evaluations e \
             LEFT JOIN evaluation_lists l ON l.evaluation = e.seq AND l.list = $1 \
             ORDER BY e.at, e.seq",
            &[list.into()],
        )?
        .iter()
        .map(|r| ListPoint { host: text(r, 0), at: text(r, 1), live: int(r, 2) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{self, DatabaseUrl};
    use crate::engine::ListCount;
    use crate::views;

    fn evaluation(lists: &[(&str, usize)]) -> Evaluation {
        let mut e = Evaluation::default();
        for (l, live) in lists {
            e.lists.insert((*l).to_string(), ListCount { live: *live, waived: 0 });
            e.live += live;
        }
        e
    }

    fn prepared(id: &str, host: &str, inventory: &str) -> Prepared {
        Prepared {
            upload_id: id.into(),
            host: host.into(),
            scanned_at: "2026-11-20T09:00:00.000000Z".into(),
            received_at: "2026-11-20T09:00:01.000000Z".into(),
            inventory_sha256: crate::engine::hex(&<sha2::Sha256 as sha2::Digest>::digest(inventory.as_bytes())),
            inventory: inventory.as_bytes().to_vec(),
            packed: None,
            artifacts: 0,
            errors: 0,
            tool_version: "t".into(),
            engine: "fp".into(),
            evaluation: Evaluation::default(),
        }
    }

    /// In one transaction: an upload refused for its id (with an inventory never seen) stores
    /// nothing, and the next upload with that inventory stores it; a retry is a duplicate.
    #[test]
    fn a_conflict_stores_nothing_and_leaves_the_inventory_to_the_next() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = DatabaseUrl::Sqlite(dir.path().join("known.db")).connect().expect("open");
        let conn = &mut *conn;
        db::migrate(conn).expect("migrate");
        for h in ["a", "b"] {
            ensure_host(conn, h, "2026-01-01T00:00:00.000000Z").expect("host");
        }
        let mut known = Known::default();
        conn.batch("BEGIN").expect("begin");
        let first = ingest(conn, &prepared("upload-x", "a", "{\"one\":1}"), &mut known).expect("first");
        assert!(!first.duplicate && first.current);
        let clash = ingest(conn, &prepared("upload-x", "b", "{\"two\":2}"), &mut known);
        assert!(matches!(clash, Err(IngestError::Conflict(_))));
        let next = ingest(conn, &prepared("upload-y", "b", "{\"two\":2}"), &mut known).expect("next");
        assert!(!next.duplicate);
        let again = ingest(conn, &prepared("upload-x", "a", "{\"one\":1}"), &mut known).expect("retry");
        assert!(again.duplicate && again.current);
        conn.batch("COMMIT").expect("commit");
        known.commit();
        let n = conn.query("SELECT COUNT(*) FROM inventories", &[]).expect("count");
        assert_eq!(int(&n[0], 0), 2);
        let body = conn.query("SELECT body FROM inventories WHERE sha256 = $1", &[next_sha().into()]).expect("body");
        assert_eq!(unpack(body[0][0].blob().expect("blob")).as_deref(), Some(&b"{\"two\":2}"[..]));
    }

    fn next_sha() -> String {
        crate::engine::hex(&<sha2::Sha256 as sha2::Digest>::digest(b"{\"two\":2}"))
    }

    /// Inventories are stored packed; bodies stored plain (before packing) still read; a body that
    /// does not inflate is refused, not a panic.
    #[test]
    fn inventories_pack_and_unpack() {
        let json = br#"{"schema":"delist.inventory/1","artifacts":[]}"#.repeat(50);
        let packed = pack(&json);
        assert!(packed.len() * 5 < json.len(), "{} bytes packed from {}", packed.len(), json.len());
        assert_eq!(unpack(&packed).as_deref(), Some(&json[..]));
        assert_eq!(unpack(&json).as_deref(), Some(&json[..]));
        assert_eq!(unpack(&packed[..packed.len() / 2]), None);
        assert_eq!(unpack(b"\x78\x01garbage"), None);
        // The thread's compressor starts afresh for each: empty, incompressible and large bodies
        // (more output than the first guess of its size) round-trip, and packing the first again
        // gives the same bytes.
        let mut noise = Vec::new();
        let mut x = 0x9e37_79b9_u32;
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x as u8);
        }
        let big = json.repeat(500);
        for body in [&b""[..], &noise, &big, &json] {
            assert_eq!(unpack(&pack(body)).as_deref(), Some(body), "{} bytes", body.len());
        }
        assert_eq!(pack(&json), packed);
    }

    /// The rollup read day by day gives the very trend computed from every evaluation, whatever
    /// the order uploads arrive in (late scans of the past, several a day, re-evaluations), and
    /// rebuilding it from scratch (migration 2) gives the same rows.
    #[test]
    fn the_daily_rollup_gives_the_trend_of_every_evaluation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = DatabaseUrl::Sqlite(dir.path().join("rollup.db")).connect().expect("open");
        let conn = &mut *conn;
        db::migrate(conn).expect("migrate");
        let hosts = ["a", "b", "c", "d"];
        for h in hosts {
            ensure_host(conn, h, "2026-01-01T00:00:00.000000Z").expect("host");
        }
        let today = jiff::civil::date(2026, 3, 1);
        let mut state = 0x9e37_79b9_u32;
        let mut rnd = |n: u32| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state % n
        };
        for i in 0..300 {
            let host = hosts[rnd(4) as usize];
            // Days spread over two months, in no order: many uploads arrive late.
            let at = format!("2026-{:02}-{:02}T{:02}:00:00.000000Z", 1 + rnd(2), 1 + rnd(28), rnd(24));
            let e = match rnd(4) {
                0 => evaluation(&[]),
                1 => evaluation(&[("x", 1)]),
                2 => evaluation(&[("x", 2), ("y", 1)]),
                _ => evaluation(&[("y", 1), ("z", 0)]),
            };
            conn.batch("BEGIN").expect("begin");
            record_evaluation(conn, host, &format!("u{i}"), &at, "fp", "upload", &e).expect("record");
            conn.batch("COMMIT").expect("commit");
            for list in ["x", "y", "z"] {
                let reference = views::trend(&list_history(conn, list).expect("history"), today);
                let rolled = views::trend_of_days(&list_days(conn, list).expect("days"), today);
                assert_eq!(rolled, reference, "list {list} after upload {i} ({host} at {at})");
            }
        }
        let rows = |c: &mut dyn Conn| {
            c.query("SELECT list, day, delta FROM list_days WHERE delta <> 0 ORDER BY list, day", &[])
        };
        let incremental = rows(conn).expect("rows");
        assert!(!incremental.is_empty());
        rebuild_list_days(conn).expect("rebuild");
        assert_eq!(rows(conn).expect("rows"), incremental);
    }
}
