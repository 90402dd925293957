//! SQLite through rusqlite (bundled). Every connection runs in WAL mode with `synchronous =
//! FULL`: a transaction is on disk when `COMMIT` returns, so an upload acknowledged after its
//! commit survives a `kill -9` of the server and a power cut. Group commit (one transaction per
//! batch of uploads) keeps the fsyncs few.

use super::{Conn, DbError, DbResult, Dialect, Row, Val, sqlite_placeholders};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::path::Path;

pub struct SqliteConn {
    conn: Connection,
}

fn err(sql: &str, e: rusqlite::Error) -> DbError {
    DbError::new(format!("sqlite: {e} (in {})", sql.split_whitespace().collect::<Vec<_>>().join(" ")))
}

impl SqliteConn {
    pub fn open(path: &Path) -> DbResult<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| DbError::new(format!("sqlite: cannot open {}: {e}", path.display())))?;
        // WAL: readers never block the writer; FULL: durable at COMMIT; busy_timeout: a second
        // writer (token commands while the server runs) waits instead of failing.
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|e| err("PRAGMA journal_mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DbError::new(format!("sqlite: {} cannot use WAL mode (got {mode})", path.display())));
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
            .map_err(|e| err("PRAGMA", e))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self { conn })
    }
}

impl ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Conn for SqliteConn {
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64> {
        let q = sqlite_placeholders(sql);
        let mut st = self.conn.prepare_cached(&q).map_err(|e| err(sql, e))?;
        let n = st.execute(rusqlite::params_from_iter(params)).map_err(|e| err(sql, e))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Row>> {
        let q = sqlite_placeholders(sql);
        let mut st = self.conn.prepare_cached(&q).map_err(|e| err(sql, e))?;
        let cols = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params)).map_err(|e| err(sql, e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| err(sql, e))? {
            let mut row = Vec::with_capacity(cols);
            for i in 0..cols {
                row.push(match r.get_ref(i).map_err(|e| err(sql, e))? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(i) => Val::Int(i),
                    ValueRef::Real(f) => Val::Text(f.to_string()),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.conn.execute_batch(sql).map_err(|e| err(sql, e))
    }

    fn begin_write(&mut self) -> DbResult<()> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
