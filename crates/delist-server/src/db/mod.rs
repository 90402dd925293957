//! Storage: one schema, one set of queries, two engines behind the [`Conn`] trait.
//!
//! Owns the database URL (`sqlite://PATH`, `postgres://…`), connections, the connection pool
//! and the migrations. It knows nothing of HTTP or of delist's documents: the queries that give
//! the data its meaning live in [`crate::store`].
//!
//! Why rusqlite and the `postgres` client behind a small trait rather than sqlx: rusqlite
//! (bundled SQLite) was already built for the CLI's tests, the synchronous clients let one writer
//! thread own the write path (group commit, see [`crate::ingest`]) without an async pool, and
//! sqlx with both drivers and its macros roughly doubles the build of this crate on a machine
//! shared by many builds. The price: no compile-time checked SQL, so every query runs in the
//! tests against both engines. Queries are written once in the PostgreSQL placeholder style
//! (`$1`), which SQLite reads as `?1` after [`sqlite_placeholders`].

pub mod postgres;
pub mod sqlite;

use std::fmt;
use std::sync::Mutex;

/// A value bound to or read from a query. Integers are 64-bit on both engines (`BIGINT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Val {
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn blob(&self) -> Option<&[u8]> {
        match self {
            Self::Blob(b) => Some(b),
            _ => None,
        }
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Self::Text(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&String> for Val {
    fn from(s: &String) -> Self {
        Self::Text(s.clone())
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}

impl From<usize> for Val {
    fn from(i: usize) -> Self {
        Self::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<Option<String>> for Val {
    fn from(s: Option<String>) -> Self {
        s.map_or(Self::Null, Self::Text)
    }
}

impl From<Vec<u8>> for Val {
    fn from(b: Vec<u8>) -> Self {
        Self::Blob(b)
    }
}

pub type Row = Vec<Val>;

/// A database error, with the statement that failed where there was one.
#[derive(Debug)]
pub struct DbError {
    pub message: String,
}

impl DbError {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

pub type DbResult<T> = Result<T, DbError>;

/// One open connection. Transactions are plain statements (`BEGIN`, `COMMIT`, `SAVEPOINT`), which
/// both engines read the same way.
pub trait Conn: Send {
    /// Runs one statement; returns the rows it changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64>;
    /// Runs one query; returns every row.
    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Row>>;
    /// Runs several statements without parameters (migrations, `BEGIN`).
    fn batch(&mut self, sql: &str) -> DbResult<()>;
    /// Starts a write transaction (SQLite takes the write lock at once, so a transaction never
    /// fails half-way on a busy database).
    fn begin_write(&mut self) -> DbResult<()>;
    fn dialect(&self) -> Dialect;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Where the data lives, as given to `--database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `sqlite://PATH` (relative or absolute: `sqlite://./delist.db`, `sqlite:///var/lib/delist.db`),
    /// a bare path ending in `.db`, or `postgres://` / `postgresql://` URLs.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://./delist.db".into());
            }
            return Ok(Self::Sqlite(path.into()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_string()));
        }
        Err(format!("{s:?}: expected sqlite://PATH or postgres://USER@HOST/DB"))
    }

    /// The URL with any password hidden, for messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let user = &u[s + 3..at];
                    let user = user.split(':').next().unwrap_or("");
                    format!("{}{user}:***{}", &u[..s + 3], &u[at..])
                }
                _ => u.clone(),
            },
        }
    }

    pub fn connect(&self) -> DbResult<Box<dyn Conn>> {
        match self {
            Self::Sqlite(p) => Ok(Box::new(sqlite::SqliteConn::open(p)?)),
            Self::Postgres(u) => Ok(Box::new(postgres::PgConn::connect(u)?)),
        }
    }
}

/// Rewrites `$1`-style placeholders as SQLite's `?1`. Our queries never put `$` in literals.
pub fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Idle connections kept for reuse. Callers take one, use it, and give it back (the guard does).
pub struct Pool {
    url: DatabaseUrl,
    idle: Mutex<Vec<Box<dyn Conn>>>,
    max_idle: usize,
}

impl Pool {
    pub fn new(url: DatabaseUrl, max_idle: usize) -> Self {
        Self { url, idle: Mutex::new(Vec::new()), max_idle }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn get(&self) -> DbResult<Pooled<'_>> {
        let conn = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => self.url.connect()?,
        };
        Ok(Pooled { pool: self, conn: Some(conn), broken: false })
    }
}

/// A connection on loan from a [`Pool`]; one that saw an error is dropped rather than reused,
/// since it may sit inside a failed transaction.
pub struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Box<dyn Conn>>,
    broken: bool,
}

impl Pooled<'_> {
    fn conn(&mut self) -> &mut dyn Conn {
        // Always Some until drop.
        self.conn.as_deref_mut().expect("connection present until drop")
    }

    pub fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64> {
        let r = self.conn().exec(sql, params);
        self.broken |= r.is_err();
        r
    }

    pub fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Row>> {
        let r = self.conn().query(sql, params);
        self.broken |= r.is_err();
        r
    }

    pub fn as_conn(&mut self) -> &mut dyn Conn {
        self.conn()
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take()
            && !self.broken
        {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < self.pool.max_idle {
                idle.push(c);
            }
        }
    }
}

/// A schema change, and the data it derives from rows already stored, if any.
type DataStep = fn(&mut dyn Conn) -> DbResult<()>;

/// The migrations, in order. Each runs once, in a transaction (its SQL, then its data step), and is
/// recorded in `schema_migrations`. The same files serve both engines; the two type names that
/// differ are written `{{serial}}` (an auto-numbered primary key) and `{{blob}}`. A data step is
/// the one place this module calls into [`crate::store`]: what a table means lives there.
const MIGRATIONS: &[(i64, &str, Option<DataStep>)] = &[
    (1, include_str!("../../migrations/0001_init.sql"), None),
    (2, include_str!("../../migrations/0002_list_days.sql"), Some(crate::store::rebuild_list_days)),
];

fn dialect_sql(sql: &str, d: Dialect) -> String {
    let (serial, blob) = match d {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY", "BLOB"),
        Dialect::Postgres => ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTEA"),
    };
    sql.replace("{{serial}}", serial).replace("{{blob}}", blob)
}

/// Brings the schema up to date. Returns the versions applied now.
pub fn migrate(conn: &mut dyn Conn) -> DbResult<Vec<i64>> {
    conn.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")?;
    if conn.dialect() == Dialect::Postgres {
        // Two servers starting at once must not both run a migration.
        conn.batch("BEGIN; LOCK TABLE schema_migrations IN EXCLUSIVE MODE")?;
    } else {
        conn.begin_write()?;
    }
    let run = |conn: &mut dyn Conn| -> DbResult<Vec<i64>> {
        let done: Vec<i64> = conn
            .query("SELECT version FROM schema_migrations", &[])?
            .iter()
            .filter_map(|r| r.first().and_then(Val::int))
            .collect();
        let mut applied = Vec::new();
        for (version, sql, data) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            conn.batch(&dialect_sql(sql, conn.dialect()))?;
            if let Some(step) = data {
                step(conn)?;
            }
            conn.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[Val::Int(*version), crate::time::now_string().into()],
            )?;
            applied.push(*version);
        }
        Ok(applied)
    };
    match run(conn) {
        Ok(applied) => {
            conn.batch("COMMIT")?;
            Ok(applied)
        }
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_passwords_are_hidden() {
        assert_eq!(DatabaseUrl::parse("sqlite://./x.db"), Ok(DatabaseUrl::Sqlite("./x.db".into())));
        assert_eq!(DatabaseUrl::parse("sqlite:///var/x.db"), Ok(DatabaseUrl::Sqlite("/var/x.db".into())));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        let pg = DatabaseUrl::parse("postgres://delist:s3cret@db.example/delist").expect("pg url");
        assert_eq!(pg.redacted(), "postgres://delist:***@db.example/delist");
    }

    #[test]
    fn dialects_differ_only_in_the_two_placeholders() {
        let sql = "CREATE TABLE t (seq {{serial}}, b {{blob}})";
        assert_eq!(dialect_sql(sql, Dialect::Sqlite), "CREATE TABLE t (seq INTEGER PRIMARY KEY, b BLOB)");
        assert!(dialect_sql(sql, Dialect::Postgres).contains("BYTEA"));
        assert_eq!(sqlite_placeholders("a = $1 AND b = $12"), "a = ?1 AND b = ?12");
    }
}
