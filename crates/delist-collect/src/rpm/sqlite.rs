//! rpm's SQLite package database, `rpmdb.sqlite` (rpm ≥ 4.16).
//!
//! rpm keeps one row per package in `Packages (hnum INTEGER PRIMARY KEY
//! AUTOINCREMENT, blob BLOB NOT NULL)`; `blob` is the header blob that
//! [`parse_header`] decodes. The other tables are indexes rpm can rebuild.
//!
//! The file is never opened as a file: an in-memory connection deserializes
//! a copy of the bytes, read-only, so SQLite creates no journal, WAL, shm or
//! lock file anywhere. rpm leaves the database in WAL mode (header bytes 18
//! and 19 set to 2), which an in-memory image cannot use; the copy handed to
//! SQLite says "rollback journal" (1) there instead. The main file of a
//! cleanly closed rpm database is complete without its (empty) `-wal` file.
//!
//! The file is hostile input to SQLite as much as to us, so the connection
//! is set up the way SQLite's "defense against the dark arts" advice says:
//! defensive mode, untrusted schema, no triggers or views, cell-size checks,
//! temporary storage in memory. `Packages` must be an ordinary table whose
//! `hnum` and `blob` are stored columns (not generated ones), and a value
//! longer than the largest legal header is refused before SQLite loads it.

use super::{RpmError, RpmPackage, header, parse_header};
use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};
use std::io::Read;

/// The 16-byte header every SQLite 3 database file starts with.
pub(super) const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Largest `rpmdb.sqlite` accepted, in bytes (2 GiB). SQLite holds a copy of
/// the whole file in memory while it is read.
pub const MAX_SQLITE_BYTES: usize = 2 << 30;

/// Smallest possible database: the 100-byte file header.
const FILE_HEADER_SIZE: usize = 100;
/// Offsets of the "file format write/read version" bytes: 1 = rollback journal, 2 = WAL.
const WRITE_VERSION_AT: usize = 18;
const WAL: u8 = 2;
const ROLLBACK: u8 = 1;

/// Reads every package of an `rpmdb.sqlite` held in `bytes`.
///
/// A file SQLite cannot open, or one without rpm's `Packages` table, yields
/// one error and no packages; a bad header yields one error for that row
/// while the others are still read.
#[must_use]
pub fn read_sqlite(bytes: &[u8]) -> (Vec<RpmPackage>, Vec<RpmError>) {
    read_with_limit(bytes, header::MAX_BLOB_BYTES)
}

/// [`read_sqlite`] with `max_blob` as the largest value loaded from a row.
fn read_with_limit(bytes: &[u8], max_blob: u64) -> (Vec<RpmPackage>, Vec<RpmError>) {
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    if let Err(e) = read_into(bytes, max_blob, &mut packages, &mut errors) {
        errors.push(e);
    }
    (packages, errors)
}

fn sqlite_error(what: &'static str) -> impl Fn(rusqlite::Error) -> RpmError {
    move |e| RpmError::Sqlite { what, message: e.to_string() }
}

fn read_into(
    bytes: &[u8],
    max_blob: u64,
    packages: &mut Vec<RpmPackage>,
    errors: &mut Vec<RpmError>,
) -> Result<(), RpmError> {
    if bytes.len() < FILE_HEADER_SIZE {
        return Err(RpmError::Truncated {
            what: "SQLite file header",
            offset: 0,
            needed: FILE_HEADER_SIZE as u64,
            available: bytes.len() as u64,
        });
    }
    if !bytes.starts_with(SQLITE_MAGIC) {
        return Err(RpmError::Invalid {
            what: "SQLite magic",
            offset: 0,
            expected: "\"SQLite format 3\\0\"",
            found: u64::from(super::read_u32_be(bytes, 0).unwrap_or(0)),
        });
    }
    if bytes.len() > MAX_SQLITE_BYTES {
        return Err(RpmError::TooLarge {
            what: "SQLite database size",
            offset: 0,
            value: bytes.len() as u64,
            limit: MAX_SQLITE_BYTES as u64,
        });
    }
    let conn = open_in_memory(bytes)?;
    check_schema(&conn)?;

    let mut stmt = conn
        .prepare(
            "SELECT hnum, typeof(blob), length(blob), \
             CASE WHEN typeof(blob) = 'blob' AND length(blob) <= ?1 THEN blob END \
             FROM Packages",
        )
        .map_err(sqlite_error("preparing SELECT blob FROM Packages"))?;
    let limit = i64::try_from(max_blob).unwrap_or(i64::MAX);
    let mut rows = stmt.query([limit]).map_err(sqlite_error("SELECT blob FROM Packages"))?;
    loop {
        // A failure mid-scan (a corrupt page) ends the scan; what was read stays.
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => return Err(sqlite_error("reading Packages")(e)),
        };
        match read_row(row, max_blob) {
            Ok(pkg) => packages.push(pkg),
            Err(e) => errors.push(e),
        }
    }
    Ok(())
}

/// An in-memory, read-only, defensively configured connection holding a copy of `bytes`.
fn open_in_memory(bytes: &[u8]) -> Result<Connection, RpmError> {
    let mut conn = Connection::open_in_memory().map_err(sqlite_error("opening in memory"))?;
    for (option, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false),
    ] {
        conn.set_db_config(option, on).map_err(sqlite_error("configuring the connection"))?;
    }
    conn.pragma_update(None, "cell_size_check", true).map_err(sqlite_error("PRAGMA cell_size_check"))?;
    conn.pragma_update(None, "temp_store", "MEMORY").map_err(sqlite_error("PRAGMA temp_store"))?;

    // The image SQLite gets: the bytes, with a WAL-mode header presented as rollback mode.
    let head = bytes.get(..WRITE_VERSION_AT).unwrap_or_default();
    let versions = bytes.get(WRITE_VERSION_AT..WRITE_VERSION_AT + 2).unwrap_or_default();
    let tail = bytes.get(WRITE_VERSION_AT + 2..).unwrap_or_default();
    let patched: Vec<u8> = versions.iter().map(|&v| if v == WAL { ROLLBACK } else { v }).collect();
    let image = head.chain(patched.as_slice()).chain(tail);
    conn.deserialize_read_exact("main", image, bytes.len(), true)
        .map_err(sqlite_error("loading the database image"))?;
    Ok(conn)
}

/// `Packages` must be an ordinary table with stored `hnum` and `blob` columns.
fn check_schema(conn: &Connection) -> Result<(), RpmError> {
    let schema: Option<(String, Option<String>)> = conn
        .query_row("SELECT type, sql FROM sqlite_schema WHERE lower(name) = 'packages'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(sqlite_error("reading the schema"))?;
    let ordinary = matches!(&schema, Some((kind, Some(sql)))
        if kind == "table" && !sql.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL"));
    if !ordinary {
        return Err(RpmError::Sqlite {
            what: "schema",
            message: "no ordinary table named Packages (rpm's package table)".to_owned(),
        });
    }
    let mut stmt = conn
        .prepare("SELECT lower(name), hidden FROM pragma_table_xinfo('Packages')")
        .map_err(sqlite_error("reading the Packages columns"))?;
    let columns = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(sqlite_error("reading the Packages columns"))?;
    let (mut hnum, mut blob) = (false, false);
    for column in columns {
        let (name, hidden) = column.map_err(sqlite_error("reading the Packages columns"))?;
        // hidden: 0 ordinary, 1 hidden (virtual tables), 2 / 3 generated.
        match (name.as_str(), hidden) {
            ("hnum", 0) => hnum = true,
            ("blob", 0) => blob = true,
            _ => {}
        }
    }
    if hnum && blob {
        Ok(())
    } else {
        Err(RpmError::Sqlite { what: "schema", message: "Packages lacks the stored columns hnum and blob".to_owned() })
    }
}

fn read_row(row: &Row<'_>, max_blob: u64) -> Result<RpmPackage, RpmError> {
    let id = match row.get_ref(0) {
        Ok(ValueRef::Integer(n)) => u64::try_from(n).unwrap_or(0),
        _ => 0,
    };
    let record = |e| RpmError::Record { id, offset: None, source: Box::new(e) };
    let kind = match row.get_ref(1) {
        Ok(ValueRef::Text(t)) => t,
        _ => b"",
    };
    let length = match row.get_ref(2) {
        Ok(ValueRef::Integer(n)) => u64::try_from(n).unwrap_or(0),
        _ => 0,
    };
    if kind != b"blob" {
        return Err(record(RpmError::Sqlite {
            what: "Packages.blob",
            message: format!("expected a BLOB, found {}", String::from_utf8_lossy(kind)),
        }));
    }
    match row.get_ref(3) {
        Ok(ValueRef::Blob(blob)) => parse_header(blob).map_err(record),
        _ => {
            Err(record(RpmError::TooLarge { what: "Packages.blob length", offset: 0, value: length, limit: max_blob }))
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    /// A database with rpm's schema and these rows, as bytes.
    fn db_with(schema: &str, rows: &[(i64, &[u8])]) -> Vec<u8> {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(schema).unwrap();
        for (hnum, blob) in rows {
            conn.execute("INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)", (hnum, blob)).unwrap();
        }
        conn.serialize("main").unwrap().to_vec()
    }

    const RPM_SCHEMA: &str = "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);";

    fn names(pkgs: &[RpmPackage]) -> Vec<&str> {
        pkgs.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn reads_rollback_and_wal_mode_images() {
        let a = super::super::tests::sample_header("alpha");
        let b = super::super::tests::sample_header("beta");
        let mut bytes = db_with(RPM_SCHEMA, &[(1, &a), (2, &b)]);
        let (pkgs, errs) = read_sqlite(&bytes);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(names(&pkgs), ["alpha", "beta"]);
        bytes[18] = 2;
        bytes[19] = 2;
        let (pkgs, errs) = read_sqlite(&bytes);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(names(&pkgs), ["alpha", "beta"]);
    }

    #[test]
    fn bad_rows_are_errors_and_the_rest_still_reads() {
        let a = super::super::tests::sample_header("alpha");
        let schema = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob);";
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(schema).unwrap();
        conn.execute("INSERT INTO Packages VALUES (1, ?1)", [&a]).unwrap();
        conn.execute_batch(
            "INSERT INTO Packages VALUES (2, 'text, not a blob');
             INSERT INTO Packages VALUES (3, NULL);
             INSERT INTO Packages VALUES (4, x'0000');
             INSERT INTO Packages VALUES (5, zeroblob(5000));",
        )
        .unwrap();
        let bytes = conn.serialize("main").unwrap().to_vec();
        // The real limit is MAX_BLOB_BYTES; a small one keeps the test small.
        let (pkgs, errs) = read_with_limit(&bytes, 4096);
        assert_eq!(names(&pkgs), ["alpha"]);
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(matches!(&errs[3], RpmError::Record { id: 5, source, .. }
            if matches!(**source, RpmError::TooLarge { .. })));
    }

    #[test]
    fn hostile_schemas_are_refused() {
        let cases = [
            // A view that never ends, under the expected name.
            "CREATE TABLE t (x); CREATE VIEW Packages AS WITH RECURSIVE c(hnum, blob) AS \
             (SELECT 1, x'00' UNION ALL SELECT hnum + 1, blob FROM c) SELECT * FROM c;",
            // A generated column that would allocate a gigabyte per row.
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x, \
             blob AS (zeroblob(1000000000))); INSERT INTO Packages (hnum, x) VALUES (1, 1);",
            // No Packages table at all.
            "CREATE TABLE Other (hnum INTEGER PRIMARY KEY, blob BLOB);",
            // A table without the blob column.
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, data BLOB);",
        ];
        for schema in cases {
            let mut conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(schema).unwrap();
            let bytes = conn.serialize("main").unwrap().to_vec();
            let (pkgs, errs) = read_sqlite(&bytes);
            assert!(pkgs.is_empty(), "{schema}");
            assert_eq!(errs.len(), 1, "{schema}: {errs:?}");
            assert!(matches!(errs[0], RpmError::Sqlite { .. }), "{schema}");
        }
    }

    #[test]
    fn not_a_database() {
        for bytes in [&b""[..], b"SQLite format 3\0", &[0u8; 4096], &[b'x'; 200]] {
            let (pkgs, errs) = read_sqlite(bytes);
            assert!(pkgs.is_empty());
            assert_eq!(errs.len(), 1);
        }
        let mut garbage = SQLITE_MAGIC.to_vec();
        garbage.resize(8192, 0xa5);
        let (pkgs, errs) = read_sqlite(&garbage);
        assert!(pkgs.is_empty() && errs.len() == 1, "{errs:?}");
    }

    #[test]
    fn truncated_images_never_panic() {
        let a = super::super::tests::sample_header("alpha");
        let bytes = db_with(RPM_SCHEMA, &[(1, &a)]);
        for n in (0..bytes.len()).step_by(97) {
            let (pkgs, errs) = read_sqlite(&bytes[..n]);
            if n < 100 {
                assert!(pkgs.is_empty() && errs.len() == 1, "length {n}");
            }
        }
    }
}
