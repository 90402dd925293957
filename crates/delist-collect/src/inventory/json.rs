//! JSON inventories: JSON lines (osqueryd's filesystem logger, one result a line) and JSON
//! documents (the REST answers of Intune's Graph API, Jamf Pro, Workspace ONE, the Google Admin
//! SDK, Fleet; `osqueryi --json`).
//!
//! Owns the shapes: where app records sit in each tool's answer and which enclosing object names
//! the device. JSON lines are parsed a line at a time; a document's arrays are streamed element
//! by element by a small scanner that only tracks strings and nesting, so neither holds more
//! than one record (one line, one array element) in memory. It must never load a whole document,
//! and a broken line or element is reported with its line and skipped where the boundary of the
//! next one is still known.

use super::Mapping;
use super::fields::{self, Field, Platform, Tool};
use super::record::{Columns, Ctx};
use crate::Sink;
use serde_json::{Map, Value};
use std::io::{BufRead, ErrorKind};

/// The largest single JSON line, array element or object member read.
const MAX_RECORD: usize = 64 << 20;
/// How deep app records are looked for inside one record (Jamf: result › software ›
/// applications is three).
const MAX_DEPTH: usize = 8;

/// Keys whose array holds app records or the devices that hold them.
const LIST_KEYS: &[&str] = &[
    "applications",
    "apps",
    "software",
    "detectedapps",
    "deviceapps",
    "installedapps",
    "installedsoftware",
    "installedversions",
    "mobileapps",
    "extensions",
    "programs",
    "results",
    "value",
    "data",
    "items",
    "records",
    "rows",
    "devices",
    "mobiledevices",
    "computers",
    "hosts",
    "snapshot",
    "added",
];

/// Keys whose object holds app records or a device (Jamf's `ios`, Fleet's `host`, the Classic
/// API's `computer` › `software`).
const NEST_KEYS: &[&str] = &[
    "host",
    "computer",
    "mobiledevice",
    "device",
    "ios",
    "ipados",
    "macos",
    "android",
    "software",
    "inventory",
    "data",
];

/// Keys that only a device record has; they make its plain `name` the device's name.
const DEVICE_MARKERS: &[&str] =
    &["udid", "serialnumber", "model", "osversion", "deviceid", "wifimacaddress", "managementid", "imei", "general"];

/// How a JSON inventory is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One JSON value a line (osqueryd's results log, `fleetctl` output).
    Lines,
    /// One document whose arrays are streamed.
    Document,
}

/// The object keys in (possibly truncated) JSON text, in order.
fn keys(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 20_000 {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        i += 1;
        while i < b.len() && b[i] != b'"' {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        let end = i.min(b.len());
        i += 1;
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < b.len()
            && b[j] == b':'
            && let Some(k) = text.get(start..end)
        {
            out.push(k);
        }
    }
    out
}

/// Where the first JSON value of `b` (an object or array) ends, if it ends in `b`.
fn value_end(b: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `head` (decoded) is a JSON inventory, and its shape; or why it is not one.
pub(crate) fn detect(head: &str, map: &Mapping) -> Result<Shape, String> {
    let t = head.trim_start();
    if !t.starts_with(['{', '[']) {
        return Err("not JSON".into());
    }
    let ks = keys(t);
    let norms: std::collections::HashSet<String> = ks.iter().map(|k| fields::norm(k)).collect();
    let has = |k: &str| norms.contains(k);
    if has("bomformat") || has("spdxversion") || has("spdxid") {
        return Err("this is an SBOM (CycloneDX or SPDX), not an app inventory; scan it as sbom:PATH".into());
    }
    let osquery = has("hostidentifier") && (has("columns") || has("snapshot") || has("diffresults"));
    let report = has("schema") && has("values") && has("column");
    let container =
        ["detectedapps", "deviceapps", "mobiledevices", "installedapps", "installedversions"].iter().any(|k| has(k))
            || (has("software") && (has("bundleidentifier") || has("source") || has("generatedcpe")))
            || (has("applications") && (has("bundleid") || has("identifier") || has("packagename")));
    let project_file = has("dependencies") || has("devdependencies") || has("scripts") || has("lockfileversion");
    let mut unique: Vec<&str> = Vec::new();
    for k in &ks {
        if !unique.contains(k) {
            unique.push(k);
        }
    }
    let cols = Columns::resolve(&unique, &Mapping::default()).ok();
    let app_like = cols
        .as_ref()
        .is_some_and(|c| c.has(Field::Id) || (c.has(Field::Name) && (c.has(Field::Device) || c.has(Field::Publisher))));
    let mapped =
        !map.columns.is_empty() && Columns::resolve(&unique, map).is_ok_and(|c| c.has(Field::Name) || c.has(Field::Id));
    if !(osquery || report || container || mapped || (app_like && !project_file)) {
        return Err(format!(
            "JSON without app records delist knows (keys: {}); name the fields with --map KEY=FIELD",
            unique.iter().take(12).copied().collect::<Vec<_>>().join(", ")
        ));
    }
    if t.starts_with('[') {
        return Ok(Shape::Document);
    }
    Ok(match value_end(t.as_bytes()) {
        Some(end) => {
            let rest = &t[end..];
            let next = rest.trim_start();
            let gap = &rest[..rest.len() - next.len()];
            if gap.contains('\n') && next.starts_with('{') { Shape::Lines } else { Shape::Document }
        }
        // A first value longer than the head: one compact line (JSON lines) or a document
        // that is pretty-printed (newlines early).
        None if t.contains('\n') => Shape::Document,
        None => Shape::Lines,
    })
}

/// Pushes artifacts and errors, and counts what it pushed.
pub(crate) struct Emit<'a> {
    out: &'a mut dyn Sink,
    path: &'a str,
    target: &'a str,
    map: &'a Mapping,
    pub pushed: usize,
    /// The last record's keys and the columns they resolved to. Records of one export share
    /// their keys (osquery writes one key set per query, MDM APIs one per object type), and
    /// resolving them again for each record was most of the time spent on a large log.
    last: Option<(Vec<String>, Columns)>,
}

impl<'a> Emit<'a> {
    pub(crate) fn new(out: &'a mut dyn Sink, path: &'a str, target: &'a str, map: &'a Mapping) -> Self {
        Emit { out, path, target, map, pushed: 0, last: None }
    }

    fn error(&mut self, line: u64, msg: impl std::fmt::Display) {
        self.out.error(self.path, format!("line {line}: {msg}"));
    }

    fn record(&mut self, pairs: &[(String, String)], ctx: &Ctx, line: u64) {
        let keys = || pairs.iter().map(|(k, _)| k.as_str());
        let cached = self.last.take().filter(|(last, _)| last.iter().map(String::as_str).eq(keys()));
        let entry = match cached {
            Some(entry) => entry,
            None => {
                let names: Vec<&str> = keys().collect();
                // `--map` names keys some records lack (another device type's): those read by
                // spelling.
                let cols = match Columns::resolve(&names, self.map) {
                    Ok(c) => c,
                    Err(_) => match Columns::resolve(&names, &Mapping::default()) {
                        Ok(c) => c,
                        Err(e) => return self.error(line, e),
                    },
                };
                (names.into_iter().map(str::to_owned).collect(), cols)
            }
        };
        self.record_with(&entry.1, pairs, ctx, line);
        self.last = Some(entry);
    }

    fn record_with(&mut self, cols: &Columns, pairs: &[(String, String)], ctx: &Ctx, line: u64) {
        let values: Vec<&str> = pairs.iter().map(|(_, v)| v.as_str()).collect();
        match cols.artifact(&values, ctx, self.path, self.target) {
            Ok(a) => {
                self.out.push(a);
                self.pushed += 1;
            }
            Err(e) => self.error(line, e),
        }
    }
}

/// Whether keys only Jamf Pro's API writes are among these.
fn jamf_keys(o: &Map<String, Value>) -> bool {
    ["general", "enforcename", "lastinventoryupdatetimestamp", "managementid"].iter().any(|k| member(o, k).is_some())
}

/// A parse error as `line N: …` with N counted in the file, not in the record.
fn parse_error(base: u64, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg);
    format!("line {}: invalid JSON: {msg} (column {})", base + e.line().saturating_sub(1) as u64, e.column())
}

/// The scalar members of an object as text (nested arrays and objects are not fields).
fn scalars(o: &Map<String, Value>) -> Vec<(String, String)> {
    o.iter()
        .filter_map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), s))
        })
        .take(256)
        .collect()
}

fn member<'a>(o: &'a Map<String, Value>, norm_key: &str) -> Option<&'a Value> {
    o.iter().find(|(k, _)| fields::norm(k) == norm_key).map(|(_, v)| v)
}

fn str_member<'a>(o: &'a Map<String, Value>, norm_key: &str) -> Option<&'a str> {
    member(o, norm_key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The columns of an object's scalar members, if they make an app record: an id, or a name
/// with a version, publisher or device (or, with `--map`, the mapped name or id).
fn app_columns(pairs: &[(String, String)], map: &Mapping) -> Option<Columns> {
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    let filled = |c: &Columns, f: Field| c.filled(f, pairs);
    if !map.columns.is_empty()
        && let Ok(c) = Columns::resolve(&keys, map)
        && (filled(&c, Field::Name) || filled(&c, Field::Id))
    {
        return Some(c);
    }
    let c = Columns::resolve(&keys, &Mapping::default()).ok()?;
    let app = filled(&c, Field::Id)
        || (filled(&c, Field::Name)
            && (filled(&c, Field::Version) || filled(&c, Field::Publisher) || filled(&c, Field::Device)));
    app.then_some(c)
}

fn app_like(pairs: &[(String, String)], map: &Mapping) -> bool {
    app_columns(pairs, map).is_some()
}

/// The device a container object describes: Intune's `deviceName`, Workspace ONE's
/// `DeviceFriendlyName`, Fleet's `computer_name` / `hostname`, Jamf's `general.name`, a device
/// record's own `name`, and last its serial number or id (Google's mobile devices carry no
/// name).
fn device_name(o: &Map<String, Value>) -> Option<String> {
    for k in [
        "devicename",
        "devicefriendlyname",
        "friendlyname",
        "computername",
        "mobiledevicename",
        "hostname",
        "hostidentifier",
    ] {
        if let Some(v) = str_member(o, k) {
            return Some(v.to_string());
        }
    }
    if let Some(Value::Object(g)) = member(o, "general") {
        for k in ["displayname", "name", "devicename", "computername"] {
            if let Some(v) = str_member(g, k) {
                return Some(v.to_string());
            }
        }
    }
    // A plain `name` or `displayName` is the device's only on a device record: a software
    // title has them too (Fleet's).
    if DEVICE_MARKERS.iter().any(|m| member(o, m).is_some())
        && let Some(v) = str_member(o, "displayname").or_else(|| str_member(o, "name"))
    {
        return Some(v.to_string());
    }
    ["serialnumber", "deviceid", "udid"].iter().find_map(|k| str_member(o, k)).map(str::to_string)
}

fn container_platform(o: &Map<String, Value>) -> Option<Platform> {
    for k in ["platform", "operatingsystem", "os", "ostype", "type", "devicetype", "platformtype"] {
        match member(o, k) {
            Some(Value::String(s)) => {
                if let Some(p) = fields::platform(s) {
                    return Some(p);
                }
            }
            Some(Value::Object(inner)) => {
                if let Some(p) = str_member(inner, "name").and_then(fields::platform) {
                    return Some(p);
                }
            }
            _ => {}
        }
    }
    match member(o, "general") {
        Some(Value::Object(g)) => str_member(g, "platform").and_then(fields::platform),
        _ => None,
    }
}

/// What a key tells about the records under it.
fn ctx_for_key(ctx: &Ctx, norm_key: &str) -> Ctx {
    let mut c = ctx.clone();
    match norm_key {
        "ios" | "ipados" | "macos" => c.platform = Some(Platform::Apple),
        "android" => c.platform = Some(Platform::Android),
        // `DeviceApps` of the older `GET /api/mdm/devices/{id}/apps`, `app_items` of the newer
        // `GET /api/mdm/devices/{uuid}/apps/search`.
        "deviceapps" | "appitems" => {
            c.tool.get_or_insert(Tool::WorkspaceOne);
        }
        "mobiledevices" => {
            c.tool.get_or_insert(Tool::Google);
        }
        "detectedapps" => {
            c.tool.get_or_insert(Tool::Intune);
        }
        _ => {}
    }
    c
}

/// What a top-level scalar says about the records after it.
fn absorb(ctx: &mut Ctx, key: &str, v: &Value) {
    let n = fields::norm(key);
    let s = v.as_str().unwrap_or("");
    match n.as_str() {
        "countsupdatedat" => {
            ctx.tool.get_or_insert(Tool::Fleet);
        }
        "odatacontext" if s.contains("microsoft") => {
            ctx.tool.get_or_insert(Tool::Intune);
        }
        "kind" if s.starts_with("admin#directory") => {
            ctx.tool.get_or_insert(Tool::Google);
        }
        "hostidentifier" if !s.trim().is_empty() => ctx.device = Some(s.trim().to_string()),
        _ => {}
    }
}

/// Rows of an osquery result line: differential (`columns` + `action`; removed rows are gone
/// from the host, so not artifacts), snapshot (`snapshot`), or batched (`diffResults`).
fn osquery(o: &Map<String, Value>, ctx: &Ctx, line: u64, emit: &mut Emit<'_>) -> bool {
    let host = str_member(o, "hostidentifier");
    let name = str_member(o, "name");
    let columns = o.get("columns").and_then(Value::as_object);
    let snapshot = o.get("snapshot").and_then(Value::as_array);
    let diff = o.get("diffResults").and_then(Value::as_object);
    if host.is_none() || (columns.is_none() && snapshot.is_none() && diff.is_none()) {
        return false;
    }
    let decorated = o
        .get("decorations")
        .and_then(Value::as_object)
        .and_then(|d| str_member(d, "hostname").or_else(|| str_member(d, "computername")));
    let mut c = ctx.clone();
    c.device = host.or(decorated).map(str::to_string).or(c.device);
    c.tool = Some(Tool::Osquery);
    let hint = name.and_then(fields::table_in_query_name);
    let mut rows: Vec<&Map<String, Value>> = Vec::new();
    if let Some(cols) = columns
        && str_member(o, "action") != Some("removed")
    {
        rows.push(cols);
    }
    rows.extend(snapshot.into_iter().flatten().filter_map(Value::as_object));
    if let Some(d) = diff {
        rows.extend(d.get("added").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object));
    }
    for row in rows {
        let mut rc = c.clone();
        rc.table = fields::table_of_columns(row.keys().map(String::as_str)).or(hint);
        emit.record(&scalars(row), &rc, line);
    }
    true
}

/// Rows of Intune's synchronous report answer: `Schema` (column names) and `Values` (rows).
fn intune_report(o: &Map<String, Value>, ctx: &Ctx, line: u64, emit: &mut Emit<'_>) -> bool {
    let (Some(schema), Some(values)) =
        (member(o, "schema").and_then(Value::as_array), member(o, "values").and_then(Value::as_array))
    else {
        return false;
    };
    let columns = schema_columns(schema);
    let mut c = ctx.clone();
    c.tool.get_or_insert(Tool::Intune);
    for row in values.iter().filter_map(Value::as_array) {
        report_row(&columns, row, &c, line, emit);
    }
    true
}

fn schema_columns(schema: &[Value]) -> Vec<String> {
    schema.iter().map(|c| c.as_object().and_then(|o| str_member(o, "column")).unwrap_or("").to_string()).collect()
}

fn report_row(columns: &[String], row: &[Value], ctx: &Ctx, line: u64, emit: &mut Emit<'_>) {
    let pairs: Vec<(String, String)> = columns
        .iter()
        .zip(row)
        .filter(|(c, _)| !c.is_empty())
        .map(|(c, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (c.clone(), s)
        })
        .collect();
    emit.record(&pairs, ctx, line);
}

/// Finds the app records in one JSON value and emits them.
pub(crate) fn walk(v: &Value, ctx: &Ctx, line: u64, depth: usize, emit: &mut Emit<'_>) {
    if depth > MAX_DEPTH {
        return;
    }
    let o = match v {
        Value::Object(o) => o,
        Value::Array(items) => {
            for item in items {
                walk(item, ctx, line, depth + 1, emit);
            }
            return;
        }
        _ => return,
    };
    // osquery writes exactly `hostIdentifier`; Intune's reports `Schema` (or `schema`).
    if (o.contains_key("hostIdentifier") && osquery(o, ctx, line, emit))
        || (o.keys().any(|k| k.eq_ignore_ascii_case("schema")) && intune_report(o, ctx, line, emit))
    {
        return;
    }
    let container = o.iter().any(|(k, v)| match v {
        Value::Array(items) => LIST_KEYS.contains(&fields::norm(k).as_str()) && items.iter().any(Value::is_object),
        Value::Object(_) => NEST_KEYS.contains(&fields::norm(k).as_str()),
        _ => false,
    });
    let pairs = scalars(o);
    if !container {
        let Some(cols) = app_columns(&pairs, emit.map) else {
            return;
        };
        // Graph's detectedApp with its managedDevices expanded: one record per device.
        let devices: Vec<&Map<String, Value>> = member(o, "manageddevices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .collect();
        if devices.is_empty() {
            emit.record_with(&cols, &pairs, ctx, line);
        }
        for d in devices {
            let mut c = ctx.clone();
            c.device = device_name(d).or(c.device);
            emit.record_with(&cols, &pairs, &c, line);
        }
        return;
    }
    let mut c = ctx.clone();
    let device = device_name(o);
    if c.device.is_none() {
        c.device.clone_from(&device);
    }
    if let Some(p) = container_platform(o) {
        c.platform = Some(p);
    }
    if jamf_keys(o) {
        c.tool.get_or_insert(Tool::Jamf);
    }
    if let Some(t) = ["source", "platform"].iter().find_map(|k| str_member(o, k)).and_then(fields::table_named) {
        c.table = Some(t);
    }
    if member(o, "installedversions").is_some()
        && let Some(name) = ["displayname", "name"].iter().find_map(|k| str_member(o, k))
    {
        // Fleet's software title: its name here, its bundle ids under `installed_versions`.
        c.app_name = Some(name.to_string());
    }
    for (k, v) in o {
        let n = fields::norm(k);
        match v {
            Value::Array(items) if LIST_KEYS.contains(&n.as_str()) => {
                let cc = ctx_for_key(&c, &n);
                for item in items.iter().filter(|i| i.is_object()) {
                    walk(item, &cc, line, depth + 1, emit);
                }
            }
            Value::Object(_) if NEST_KEYS.contains(&n.as_str()) => walk(v, &ctx_for_key(&c, &n), line, depth + 1, emit),
            _ => {}
        }
    }
}

/// Reads JSON lines: each line on its own, so one broken line costs only itself.
pub(crate) fn read_lines(mut r: impl BufRead, emit: &mut Emit<'_>) {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        line += 1;
        buf.clear();
        let (more, too_long) = match read_line(&mut r, &mut buf) {
            Ok(x) => x,
            Err(e) => return emit.error(line, format!("cannot read: {e}")),
        };
        if !more {
            return;
        }
        if too_long {
            emit.error(line, format!("a line longer than {} MiB, skipped", MAX_RECORD >> 20));
            continue;
        }
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        for v in serde_json::Deserializer::from_slice(text).into_iter::<Value>() {
            match v {
                Ok(v) => walk(&v, &Ctx::default(), line, 0, emit),
                Err(e) => {
                    emit.out.error(emit.path, parse_error(line, &e));
                    break;
                }
            }
        }
    }
}

/// One line into `buf`, at most [`MAX_RECORD`] bytes of it (the rest is skipped). Returns
/// whether a line was read and whether it was too long.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((any, too_long));
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > MAX_RECORD {
            too_long = true;
        } else if !too_long {
            buf.extend_from_slice(&chunk[..take]);
        }
        r.consume(take);
        if done {
            return Ok((true, too_long));
        }
    }
}

/// A streaming reader of one JSON document's structure.
struct Scanner<R> {
    r: R,
    /// Newlines consumed so far (the current line is one more).
    newlines: u64,
}

impl<R: BufRead> Scanner<R> {
    fn line(&self) -> u64 {
        self.newlines + 1
    }

    fn peek(&mut self) -> Result<Option<u8>, String> {
        Ok(self.r.fill_buf().map_err(|e| format!("cannot read: {e}"))?.first().copied())
    }

    fn bump(&mut self) -> Result<(), String> {
        if self.peek()? == Some(b'\n') {
            self.newlines += 1;
        }
        self.r.consume(1);
        Ok(())
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, String> {
        loop {
            match self.peek()? {
                Some(c) if c.is_ascii_whitespace() => self.bump()?,
                other => return Ok(other),
            }
        }
    }

    /// The bytes of the next whole value (object, array, string or scalar), string- and
    /// nesting-aware but otherwise unvalidated: `serde_json` validates what it parses.
    fn capture(&mut self) -> Result<Vec<u8>, String> {
        let line = self.line();
        let Some(first) = self.peek()? else {
            return Err(format!("line {line}: the file ends where a value should be"));
        };
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        let mut out = Vec::new();
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        loop {
            let buf = self.r.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
            if buf.is_empty() {
                return if scalar && !out.is_empty() {
                    Ok(out)
                } else {
                    Err(format!("line {line}: the file ends inside a value that starts here"))
                };
            }
            let mut done = None;
            for (i, &c) in buf.iter().enumerate() {
                if scalar {
                    if matches!(c, b',' | b']' | b'}') || c.is_ascii_whitespace() {
                        done = Some(i);
                        break;
                    }
                    continue;
                }
                if in_str {
                    if esc {
                        esc = false;
                    } else if c == b'\\' {
                        esc = true;
                    } else if c == b'"' {
                        in_str = false;
                        if depth == 0 {
                            done = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            done = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let n = done.unwrap_or(buf.len());
            self.newlines += buf[..n].iter().filter(|&&c| c == b'\n').count() as u64;
            out.extend_from_slice(&buf[..n]);
            self.r.consume(n);
            if out.len() > MAX_RECORD {
                return Err(format!("line {line}: a value longer than {} MiB", MAX_RECORD >> 20));
            }
            if done.is_some() {
                return Ok(out);
            }
        }
    }

    fn expect_after(&mut self, what: &str) -> Result<u8, String> {
        let line = self.line();
        match self.skip_ws()? {
            Some(c) => {
                self.bump()?;
                Ok(c)
            }
            None => Err(format!("line {line}: the file ends where {what} should be")),
        }
    }
}

/// How the elements of a streamed array are read.
enum Elements<'a> {
    Records,
    /// Rows of an Intune report's `Values`, named by its `Schema`.
    ReportRows(&'a [String]),
}

/// Reads a JSON document, streaming its arrays.
pub(crate) fn read_document(r: impl BufRead, emit: &mut Emit<'_>) {
    let mut s = Scanner { r, newlines: 0 };
    loop {
        let res = match s.skip_ws() {
            Err(e) => Err(e),
            Ok(None) => return,
            Ok(Some(b'[')) => s.bump().and_then(|()| stream_array(&mut s, &Ctx::default(), &Elements::Records, emit)),
            Ok(Some(b'{')) => s.bump().and_then(|()| stream_object(&mut s, &Ctx::default(), emit)),
            Ok(Some(c)) => {
                Err(format!("line {}: expected a JSON object or array, found {:?}", s.line(), char::from(c)))
            }
        };
        if let Err(e) = res {
            // The structure is lost: what follows cannot be told apart.
            emit.out.error(emit.path, e);
            return;
        }
    }
}

fn stream_array<R: BufRead>(
    s: &mut Scanner<R>,
    ctx: &Ctx,
    how: &Elements<'_>,
    emit: &mut Emit<'_>,
) -> Result<(), String> {
    if s.skip_ws()? == Some(b']') {
        return s.bump();
    }
    loop {
        s.skip_ws()?;
        let line = s.line();
        let bytes = s.capture()?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => match (how, &v) {
                (Elements::ReportRows(cols), Value::Array(row)) => report_row(cols, row, ctx, line, emit),
                _ => walk(&v, ctx, line, 0, emit),
            },
            // The element's bounds are known, so the next one still reads.
            Err(e) => emit.out.error(emit.path, parse_error(line, &e)),
        }
        match s.expect_after("`,` or `]`")? {
            b',' => {}
            b']' => return Ok(()),
            c => {
                return Err(format!(
                    "line {}: expected `,` or `]` after an element, found {:?}",
                    s.line(),
                    char::from(c)
                ));
            }
        }
    }
}

fn stream_object<R: BufRead>(s: &mut Scanner<R>, ctx: &Ctx, emit: &mut Emit<'_>) -> Result<(), String> {
    let mut ctx = ctx.clone();
    let mut schema: Option<Vec<String>> = None;
    let mut pairs: Vec<(String, String)> = Vec::new();
    // The scalar members so far: a device record's name (Jamf's mobile device detail) comes
    // before the object or array of its apps.
    let mut seen: Map<String, Value> = Map::new();
    let inner = |ctx: &Ctx, seen: &Map<String, Value>, n: &str| {
        let mut c = ctx_for_key(ctx, n);
        if jamf_keys(seen) {
            c.tool.get_or_insert(Tool::Jamf);
        }
        if c.device.is_none() {
            c.device = device_name(seen);
        }
        if c.platform.is_none() {
            c.platform = container_platform(seen);
        }
        c
    };
    let before = emit.pushed;
    let start = s.line();
    if s.skip_ws()? == Some(b'}') {
        return s.bump();
    }
    loop {
        let line = s.line();
        if s.skip_ws()? != Some(b'"') {
            return Err(format!("line {line}: expected a key"));
        }
        let key: String =
            serde_json::from_slice(&s.capture()?).map_err(|e| format!("line {line}: invalid key: {e}"))?;
        if s.expect_after("`:`")? != b':' {
            return Err(format!("line {}: expected `:` after {key:?}", s.line()));
        }
        let n = fields::norm(&key);
        match s.skip_ws()? {
            // An Intune report's column names: small, and needed whole before its rows.
            Some(b'[') if n == "schema" => {
                let line = s.line();
                let v: Value = serde_json::from_slice(&s.capture()?).map_err(|e| parse_error(line, &e))?;
                schema = v.as_array().map(|cols| schema_columns(cols));
            }
            Some(b'[') => {
                s.bump()?;
                let elems = match (&schema, n.as_str()) {
                    (Some(cols), "values") => Elements::ReportRows(cols),
                    _ => Elements::Records,
                };
                if n == "values" && schema.is_some() {
                    ctx.tool.get_or_insert(Tool::Intune);
                }
                stream_array(s, &inner(&ctx, &seen, &n), &elems, emit)?;
            }
            Some(_) => {
                let line = s.line();
                let v: Value = serde_json::from_slice(&s.capture()?).map_err(|e| parse_error(line, &e))?;
                match &v {
                    Value::Object(_) => walk(&v, &inner(&ctx, &seen, &n), line, 0, emit),
                    Value::Array(_) => {}
                    scalar => {
                        absorb(&mut ctx, &key, scalar);
                        if let Some(p) = scalars(&Map::from_iter([(key.clone(), v.clone())])).pop() {
                            pairs.push(p);
                        }
                        if seen.len() < 256 {
                            seen.insert(key.clone(), v.clone());
                        }
                    }
                }
            }
            None => return Err(format!("line {}: the file ends where a value should be", s.line())),
        }
        match s.expect_after("`,` or `}`")? {
            b',' => {}
            b'}' => break,
            c => {
                return Err(format!(
                    "line {}: expected `,` or `}}` after a member, found {:?}",
                    s.line(),
                    char::from(c)
                ));
            }
        }
    }
    // A document that is a single app record.
    if emit.pushed == before && app_like(&pairs, emit.map) {
        emit.record(&pairs, &ctx, start);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Output;
    use delist_core::catalog::IdKind;
    use delist_core::{Artifact, Role};

    fn run(text: &str) -> Output {
        let mut out = Output::default();
        let map = Mapping::default();
        let mut emit = Emit::new(&mut out, "/inv.json", "inventory:inv.json", &map);
        match detect(text, &map).expect("detected") {
            Shape::Lines => read_lines(text.as_bytes(), &mut emit),
            Shape::Document => read_document(text.as_bytes(), &mut emit),
        }
        out
    }

    fn summary(a: &Artifact) -> (String, Option<String>, Vec<Role>) {
        (a.name.clone(), a.host.clone(), a.fields.iter().filter(|f| f.role != Role::Other).map(|f| f.role).collect())
    }

    #[test]
    fn shapes() {
        let m = Mapping::default();
        assert_eq!(detect("{\"hostIdentifier\":\"h\",\"columns\":{}}\n{\"a\":1}\n", &m), Ok(Shape::Lines));
        assert_eq!(detect("[{\"DeviceName\":\"d\",\"AppId\":\"x.y\"}]", &m), Ok(Shape::Document));
        assert_eq!(
            detect("{\n  \"value\": [\n {\"displayName\": \"x\", \"publisher\": \"p\"", &m),
            Ok(Shape::Document)
        );
        assert_eq!(detect("{\"hostIdentifier\":\"h\",\"snapshot\":[{\"name\":\"x\"", &m), Ok(Shape::Lines));
        assert!(detect("{\"bomFormat\":\"CycloneDX\",\"components\":[]}", &m).expect_err("sbom").contains("sbom:"));
        assert!(detect("{\"name\":\"x\",\"version\":\"1\",\"author\":\"a\",\"dependencies\":{}}", &m).is_err());
        assert!(detect("{\"a\":1}", &m).expect_err("unknown").contains("keys: a"));
    }

    #[test]
    fn records_resolve_their_own_keys_when_the_key_set_changes() {
        // Emit reuses the last record's columns while the keys repeat: a record with other keys,
        // the same keys in another order, or keys that resolve to nothing must not read through
        // the cached columns.
        let app = |n: &str, id: &str| {
            format!(r#"{{"hostIdentifier":"h","columns":{{"name":"{n}","bundle_identifier":"{id}"}}}}"#)
        };
        let lines = [
            app("A.app", "com.example.a"),
            app("B.app", "com.example.b"),
            r#"{"hostIdentifier":"h","columns":{"name":"kesl","version":"12","maintainer":"AO Kaspersky Lab"}}"#.into(),
            r#"{"hostIdentifier":"h","columns":{"bundle_identifier":"com.example.c","name":"C.app"}}"#.into(),
            r#"{"hostIdentifier":"h","columns":{"colour":"blue"}}"#.into(),
            app("D.app", "com.example.d"),
        ];
        let out = run(&(lines.join("\n") + "\n"));
        let got: Vec<_> = out
            .artifacts
            .iter()
            .map(|a| {
                let id = a.fields.iter().find(|f| matches!(f.role, Role::Identifier(_))).map(|f| f.value.clone());
                (a.name.clone(), id, a.fields.iter().any(|f| f.role == Role::Publisher))
            })
            .collect();
        let want = |n: &str, id: &str, publisher| (n.to_owned(), Some(id.to_owned()), publisher);
        assert_eq!(
            got,
            vec![
                want("A.app", "com.example.a", false),
                want("B.app", "com.example.b", false),
                ("kesl".to_owned(), None, true),
                want("C.app", "com.example.c", false),
                want("D.app", "com.example.d", false),
            ]
        );
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    }

    #[test]
    fn osquery_differential_snapshot_and_batched_lines() {
        let text = concat!(
            r#"{"name":"pack_inv_apps","hostIdentifier":"mac-01","action":"added","columns":{"name":"TikTok.app","bundle_identifier":"com.zhiliaoapp.musically","bundle_short_version":"36.0","bundle_executable":"TikTok"}}"#,
            "\n",
            r#"{"name":"pack_inv_apps","hostIdentifier":"mac-01","action":"removed","columns":{"name":"Old.app","bundle_identifier":"com.example.old","bundle_short_version":"1","bundle_executable":"Old"}}"#,
            "\n",
            r#"{"snapshot":[{"name":"kesl","version":"12.0.0","maintainer":"AO Kaspersky Lab","arch":"amd64"}],"action":"snapshot","name":"debs","hostIdentifier":"srv-02"}"#,
            "\n",
            r#"{"name":"ext","hostIdentifier":"ws-03","diffResults":{"added":[{"name":"Kaspersky Protection","identifier":"ahkjpbeeocnddjkakilopmfdlnjdpcdm","persistent":"0","update_url":"u"}],"removed":[]}}"#,
            "\n",
            "{\"name\":\"broken\",\n",
        );
        let out = run(text);
        let got: Vec<_> = out.artifacts.iter().map(summary).collect();
        assert_eq!(
            got,
            vec![
                ("TikTok.app".into(), Some("mac-01".into()), vec![Role::Identifier(IdKind::BundleId)]),
                ("kesl".into(), Some("srv-02".into()), vec![Role::Identifier(IdKind::Package), Role::Publisher]),
                ("Kaspersky Protection".into(), Some("ws-03".into()), vec![Role::Identifier(IdKind::ExtensionId)]),
            ]
        );
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].error.starts_with("line 5: invalid JSON"), "{:?}", out.errors);
    }

    #[test]
    fn graph_detected_apps_with_devices_and_intune_report_rows() {
        let graph = r#"{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/detectedApps","value":[
          {"id":"a1","displayName":"TikTok","version":"36","publisher":"TikTok Pte. Ltd.","platform":"androidWorkProfile",
           "managedDevices":[{"id":"d1","deviceName":"PIXEL-1"},{"id":"d2","deviceName":"PIXEL-2"}]}]}"#;
        let out = run(graph);
        let hosts: Vec<_> = out.artifacts.iter().map(|a| a.host.clone().unwrap_or_default()).collect();
        assert_eq!(hosts, vec!["PIXEL-1", "PIXEL-2"]);
        assert!(out.artifacts[0].fields.iter().any(|f| f.field == "intune.publisher" && f.role == Role::Publisher));
        let report = r#"{"TotalRowCount":1,"Schema":[{"Column":"ApplicationId","PropertyType":"String"},{"Column":"ApplicationName","PropertyType":"String"},{"Column":"DeviceName","PropertyType":"String"},{"Column":"Platform","PropertyType":"String"}],
          "Values":[["com.tencent.xin","WeChat","IPHONE-9","iOS"]]}"#;
        let out = run(report);
        assert_eq!(out.artifacts.len(), 1, "{:?}", out.errors);
        assert_eq!(
            summary(&out.artifacts[0]),
            ("WeChat".into(), Some("IPHONE-9".into()), vec![Role::Identifier(IdKind::BundleId)])
        );
    }

    #[test]
    fn fleet_titles_hosts_and_a_single_record_document() {
        let titles = r#"{"counts_updated_at":"2026-01-01T00:00:00Z","software_titles":[],"software":[
            {"id":1,"name":"TikTok","source":"ios_apps","installed_versions":[{"version":"36.0","bundle_identifier":"com.ss.iphone.ugc.Ame"}]},
            {"id":2,"name":"kesl","version":"12","source":"deb_packages","vendor":""}]}"#;
        let out = run(titles);
        let got: Vec<_> = out.artifacts.iter().map(summary).collect();
        assert_eq!(
            got,
            vec![
                ("TikTok".into(), None, vec![Role::Identifier(IdKind::BundleId)]),
                ("kesl".into(), None, vec![Role::Identifier(IdKind::Package)]),
            ]
        );
        assert!(out.artifacts[0].fields.iter().all(|f| f.field.starts_with("fleet.")));
        let one = "{\n \"DeviceName\": \"LAPTOP\", \"AppName\": \"DeepSeek\", \"AppId\": \"com.deepseek.chat\"\n}";
        let out = run(one);
        assert_eq!(out.artifacts.len(), 1);
        assert_eq!(out.artifacts[0].host.as_deref(), Some("LAPTOP"));
    }

    #[test]
    fn a_broken_element_is_skipped_and_a_truncated_document_reported() {
        let text = "[\n{\"DeviceName\":\"A\",\"AppId\":\"x.y\"},\n{\"DeviceName\":\"B\",\"AppId\":tru},\n{\"DeviceName\":\"C\",\"AppId\":\"z.w\"}\n]";
        let out = run(text);
        assert_eq!(out.artifacts.len(), 2);
        assert!(out.errors[0].error.starts_with("line 3: invalid JSON"), "{:?}", out.errors);
        let cut = &text[..text.len() - 30];
        let out = run(cut);
        assert_eq!(out.artifacts.len(), 1);
        assert!(out.errors.last().expect("error").error.contains("ends inside"), "{:?}", out.errors);
        for n in 0..text.len() {
            let mut o = Output::default();
            let map = Mapping::default();
            let mut emit = Emit::new(&mut o, "/x", "t", &map);
            read_document(&text.as_bytes()[..n], &mut emit);
            read_lines(&text.as_bytes()[..n], &mut emit);
        }
    }
}
