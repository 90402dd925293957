//! JSON feeds: JSON lines (one product object a line) and JSON arrays of product objects.
//!
//! A line is parsed whole; an array is streamed an element at a time by a scanner that tracks
//! only strings and nesting, so neither holds more than one row in memory (each capped at
//! [`MAX_ROW`]). Top-level members of each object are read: strings and numbers as written, an
//! array by its first scalar (Merchant API's `gtins`); nested objects are not product fields.
//! It must never load a whole document, and a broken line or element is an error for that row.

use super::fields::{self, Field};
use super::{FeedFormat, Header, MAX_ROW, Progress, Row};
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};

fn header(format: FeedFormat) -> Header {
    Header { format, columns: Field::ALL.iter().map(|f| f.as_str().to_string()).collect(), delimiter: None, raw: None }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.iter().find_map(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        _ => None,
    }
}

/// Hands one parsed object on as a row.
fn emit(o: &Map<String, Value>, number: u64, map: &[(String, Field)], progress: &mut Progress<'_>) {
    let mut owned: [Option<(usize, String)>; Field::COUNT] = Default::default();
    for (k, v) in o {
        let (field, rank) = match map.iter().find(|(c, _)| c.eq_ignore_ascii_case(k.trim())) {
            Some((_, f)) => (*f, 0),
            None => match fields::alias(k) {
                Some((f, r)) => (f, r + 1),
                None => continue,
            },
        };
        let Some(s) = scalar(v) else { continue };
        let slot = &mut owned[field as usize];
        if slot.as_ref().is_none_or(|(r, _)| rank < *r) {
            *slot = Some((rank, s));
        }
    }
    let mut values = [""; Field::COUNT];
    for (i, v) in owned.iter().enumerate() {
        if let Some((_, s)) = v {
            values[i] = s.as_str();
        }
    }
    progress.visitor.row(&Row { number, values, raw: None });
}

/// Reads JSON lines; returns how many rows there were (blank lines are not rows).
pub(crate) fn read_lines(r: impl Read, map: &[(String, Field)], progress: &mut Progress<'_>) -> Result<u64, String> {
    let mut r = BufReader::with_capacity(256 * 1024, r);
    progress.visitor.header(&header(FeedFormat::JsonLines));
    let mut line = Vec::new();
    let (mut number, mut lineno) = (0u64, 0u64);
    loop {
        line.clear();
        let n = (&mut r)
            .take(MAX_ROW as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("line {}: {e}", lineno + 1))?;
        if n == 0 {
            break;
        }
        lineno += 1;
        if line.len() > MAX_ROW {
            progress.visitor.error(format!("line {lineno}: longer than {} MiB; the rest is not read", MAX_ROW >> 20));
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        number += 1;
        if number.is_multiple_of(4096) {
            progress.tick();
        }
        match serde_json::from_slice::<Value>(&line) {
            Ok(Value::Object(o)) => emit(&o, number, map, progress),
            Ok(_) => progress.visitor.error(format!("line {lineno}: not a JSON object")),
            Err(e) => progress.visitor.error(format!("line {lineno}: {e}")),
        }
    }
    Ok(number)
}

/// Bytes of a buffered reader one at a time, with the offset for messages.
struct Bytes<R> {
    r: R,
    offset: u64,
}

impl<R: BufRead> Bytes<R> {
    fn peek(&mut self) -> Result<Option<u8>, String> {
        let buf = self.r.fill_buf().map_err(|e| format!("byte {}: {e}", self.offset))?;
        Ok(buf.first().copied())
    }

    fn bump(&mut self) {
        self.r.consume(1);
        self.offset += 1;
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, String> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.bump();
        }
        Ok(None)
    }

    /// The bytes of one JSON value starting here (an object, array or scalar), up to
    /// [`MAX_ROW`].
    fn capture(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        while let Some(b) = self.peek()? {
            if !in_str && depth == 0 && !out.is_empty() && matches!(b, b',' | b']') {
                return Ok(());
            }
            self.bump();
            out.push(b);
            if out.len() > MAX_ROW {
                return Err(format!("byte {}: an element longer than {} MiB", self.offset, MAX_ROW >> 20));
            }
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(format!("byte {}: the array ends in the middle of an element", self.offset))
    }
}

/// Reads a top-level JSON array of product objects, an element at a time.
pub(crate) fn read_array(r: impl Read, map: &[(String, Field)], progress: &mut Progress<'_>) -> Result<u64, String> {
    let mut s = Bytes { r: BufReader::with_capacity(256 * 1024, r), offset: 0 };
    if s.skip_ws()? != Some(b'[') {
        return Err("not a JSON array".into());
    }
    s.bump();
    progress.visitor.header(&header(FeedFormat::JsonArray));
    let mut number = 0u64;
    let mut elem = Vec::new();
    loop {
        match s.skip_ws()? {
            None => {
                progress.visitor.error(format!("byte {}: the array is not closed", s.offset));
                break;
            }
            Some(b']') => break,
            Some(b',') => s.bump(),
            Some(_) => {
                number += 1;
                let at = s.offset;
                if let Err(e) = s.capture(&mut elem) {
                    progress.visitor.error(format!("element {number}: {e}"));
                    break;
                }
                if number.is_multiple_of(4096) {
                    progress.tick();
                }
                match serde_json::from_slice::<Value>(&elem) {
                    Ok(Value::Object(o)) => emit(&o, number, map, progress),
                    Ok(_) => progress.visitor.error(format!("element {number} (byte {at}): not a JSON object")),
                    Err(e) => progress.visitor.error(format!("element {number} (byte {at}): {e}")),
                }
            }
        }
    }
    Ok(number)
}
