//! PostgreSQL through the synchronous `postgres` client (tokio-postgres underneath, on its own
//! small runtime, so it may be called from the writer thread and from `spawn_blocking`, never
//! from async code directly).
//!
//! Types are mapped by the column type the server reports: `BIGINT` to [`Val::Int`], `TEXT` to
//! [`Val::Text`], `BYTEA` to [`Val::Blob`]. Our schema uses no other type.

use super::{Conn, DbError, DbResult, Dialect, Row, Val};
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

pub struct PgConn {
    client: Client,
    /// Prepared statements by SQL text: a prepare is a round trip.
    stmts: HashMap<String, Statement>,
}

fn err(sql: &str, e: postgres::Error) -> DbError {
    let detail = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string());
    DbError::new(format!("postgres: {detail} (in {})", sql.split_whitespace().collect::<Vec<_>>().join(" ")))
}

impl PgConn {
    /// Connects without TLS: the server is expected on loopback or a private network. A URL
    /// asking for `sslmode=require` is refused rather than silently sent in clear.
    pub fn connect(url: &str) -> DbResult<Self> {
        if url.contains("sslmode=require") || url.contains("sslmode=verify") {
            return Err(DbError::new(
                "postgres: TLS to the database is not supported yet; use a local socket or tunnel",
            ));
        }
        let client = Client::connect(url, NoTls).map_err(|e| DbError::new(format!("postgres: cannot connect: {e}")))?;
        Ok(Self { client, stmts: HashMap::new() })
    }
}

/// Binds a [`Val`] to a parameter of the type the server expects.
fn bind<'a>(v: &'a Val, ty: &Type, null_i: &'a Option<i64>, null_s: &'a Option<String>) -> &'a (dyn ToSql + Sync) {
    match v {
        Val::Int(i) => i,
        Val::Text(s) => s,
        Val::Blob(b) => b,
        Val::Null if *ty == Type::INT8 || *ty == Type::INT4 => null_i,
        Val::Null => null_s,
    }
}

impl PgConn {
    fn prepare(&mut self, sql: &str) -> DbResult<Statement> {
        if let Some(st) = self.stmts.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql).map_err(|e| err(sql, e))?;
        self.stmts.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

impl Conn for PgConn {
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64> {
        let st = self.prepare(sql)?;
        let (ni, ns) = (None::<i64>, None::<String>);
        let args: Vec<&(dyn ToSql + Sync)> =
            params.iter().zip(st.params()).map(|(v, t)| bind(v, t, &ni, &ns)).collect();
        self.client.execute(&st, &args).map_err(|e| err(sql, e))
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Row>> {
        let st = self.prepare(sql)?;
        let (ni, ns) = (None::<i64>, None::<String>);
        let args: Vec<&(dyn ToSql + Sync)> =
            params.iter().zip(st.params()).map(|(v, t)| bind(v, t, &ni, &ns)).collect();
        let rows = self.client.query(&st, &args).map_err(|e| err(sql, e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, c) in r.columns().iter().enumerate() {
                let v = match *c.type_() {
                    Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map_or(Val::Null, Val::Int)),
                    Type::INT4 => r.try_get::<_, Option<i32>>(i).map(|v| v.map_or(Val::Null, |x| Val::Int(x.into()))),
                    Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i).map(|v| v.map_or(Val::Null, Val::Blob)),
                    _ => r.try_get::<_, Option<String>>(i).map(|v| v.map_or(Val::Null, Val::Text)),
                }
                .map_err(|e| err(sql, e))?;
                row.push(v);
            }
            out.push(row);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.client.batch_execute(sql).map_err(|e| err(sql, e))
    }

    fn begin_write(&mut self) -> DbResult<()> {
        self.batch("BEGIN")
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}
