//! `inventory:` app inventories exported by the tools that manage devices, each app record read
//! into an [`ArtifactKind::MdmApp`](delist_core::ArtifactKind::MdmApp) that names its device.
//!
//! Owns reading those exports: telling the format from the content (never the file name),
//! decoding (UTF-8 with or without BOM, UTF-16 LE/BE), CSV/TSV with any of `,` `;` tab `|`,
//! JSON lines and JSON documents; recognising each tool's columns or keys, `--map COLUMN=FIELD`
//! for the rest; and setting each field's role. It must never decide attribution (app names are
//! recorded with [`Role::Other`](delist_core::Role::Other) and are never evidence; ids and
//! publishers get the roles the matcher weighs), never hold a whole file in memory (rows, lines
//! and array elements are streamed one at a time and every record is capped), and never stop at
//! a broken record: it is an error `line N: …` and the rest is read.
//!
//! The documents whose columns and keys are recognised:
//! - Microsoft Intune: "Intune reports and properties available using Graph API"
//!   (learn.microsoft.com, `MicrosoftDocs/memdocs` `reports-export-graph-available-reports.md`):
//!   the `AppInvRawData` and `AppInvAggregate` reports (Apps › Monitor › Discovered apps ›
//!   Export) and `AppInvByDevice` (Devices › device › Discovered apps), columns `ApplicationId`,
//!   `ApplicationKey`, `ApplicationName`, `ApplicationPublisher`, `ApplicationShortVersion`,
//!   `ApplicationVersion`, `DeviceId`, `DeviceName`, `OSDescription`, `OSVersion`, `Platform`,
//!   `UserId`, `EmailAddress`, `UserName`; the synchronous `Schema`/`Values` answer of the same
//!   reports; and Graph's `detectedApp` resource (`displayName`, `version`, `publisher`,
//!   `platform`, `managedDevices`) and `managedDevice.deviceName`.
//! - Jamf Pro: the Jamf Pro API schemas `ComputerApplication` (`name`, `path`, `version`,
//!   `bundleId`, … under `/api/v1/computers-inventory` results with `general.name`) and
//!   `MobileDeviceApplication` (`identifier`, `name`, `version`, `shortVersion`, under the
//!   mobile device detail's `ios.applications`); the Classic API's application subsets
//!   (`application_name`, `application_version`, `identifier`; `bundle_id`).
//! - Workspace ONE UEM: the MDM REST API's device apps answer (`DeviceApps` with
//!   `ApplicationName`, `ApplicationIdentifier`, `Version`) and console exports with `Friendly
//!   Name` / `Device Friendly Name`, `Application Name`, `Application Identifier`.
//! - Google Workspace: the Admin SDK Directory API `mobiledevices` resource (`serialNumber`,
//!   `deviceId`, `type`, `applications[]` with `packageName`, `displayName`, `versionName`).
//! - osquery: the table specs in `osquery/osquery` `specs/` (`programs`, `apps`,
//!   `deb_packages`, `rpm_packages`, `chrome_extensions`, `firefox_addons`,
//!   `safari_extensions`, `homebrew_packages`, `python_packages`, `npm_packages`) in the results
//!   log of osqueryd's filesystem logger (`name`, `hostIdentifier`, `columns` + `action`,
//!   `snapshot`, `diffResults`), and `osqueryi --json` arrays.
//! - Fleet: the REST API's software objects (`name`, `version`, `source`, `bundle_identifier`,
//!   `installed_versions`, `hosts_count`) and host objects (`hostname`, `computer_name`,
//!   `software`), and CSV exports of query results (`host_display_name`, `host_hostname` beside
//!   the table's columns) and of the software list (fleetdm/fleet#8672).
//! - Any CSV whose headers spell device, app name, app or bundle id, version and publisher the
//!   common ways ([`fields`]).

mod delimited;
pub(crate) mod fields;
mod json;
mod record;
pub(crate) mod text;

use crate::Sink;
use delist_core::ScanError;
use fields::Field;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

/// `--map column=field`: which column of an inventory holds which field, for headers delist
/// does not recognise on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// (column header as written, field name: device, name, id, version, publisher, platform)
    pub columns: Vec<(String, String)>,
}

impl Mapping {
    /// Checks that every `--map` names a known field, so bad usage is refused before a scan.
    pub fn validate(&self) -> Result<(), String> {
        self.fields().map(|_| ())
    }

    pub(crate) fn fields(&self) -> Result<Vec<(String, Field)>, String> {
        self.columns
            .iter()
            .map(|(c, f)| match Field::parse(f) {
                Some(field) if !c.trim().is_empty() => Ok((c.clone(), field)),
                Some(_) => Err(format!("--map ={f}: the column name is empty")),
                None => Err(format!(
                    "--map {c}={f}: unknown field {f:?} (fields: device, name, id, version, publisher, platform)"
                )),
            })
            .collect()
    }
}

/// How many bytes decide the format (the same as [`crate::target`] reads to sniff).
const HEAD: u64 = 64 * 1024;

enum Format {
    Delimited(Box<delimited::Layout>),
    Json(json::Shape),
}

/// The format of an inventory from its decoded head, or why it is not one.
fn format(head: &str, map: &Mapping) -> Result<Format, String> {
    if head.trim_start().starts_with(['{', '[']) {
        json::detect(head, map).map(Format::Json)
    } else {
        delimited::layout(head, map).map(|l| Format::Delimited(Box::new(l)))
    }
}

/// Whether the first bytes of a file look like an app inventory this module reads.
pub fn sniff(head: &[u8]) -> bool {
    format(&text::decode_head(head), &Mapping::default()).is_ok()
}

/// Reads one inventory file into the sink.
pub fn collect_file(path: &Path, target: &str, map: &Mapping, out: &mut dyn Sink) {
    // Hardware descriptions (dmidecode dumps, lshw, lspci) are inventories of another kind.
    if crate::hardware::collect_file(path, target, out) {
        return;
    }
    let label = format!("/{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    match std::fs::File::open(path) {
        Ok(f) => {
            read(f, &label, target, map, out);
        }
        Err(e) => out.error(&label, format!("cannot read inventory: {e}")),
    }
}

/// Counts the errors that pass through, to tell an empty JSON answer from a broken one.
struct Counting<'a> {
    inner: &'a mut dyn Sink,
    errors: usize,
}

impl Sink for Counting<'_> {
    fn push(&mut self, artifact: delist_core::Artifact) {
        self.inner.push(artifact);
    }

    fn push_error(&mut self, error: ScanError) {
        self.errors += 1;
        self.inner.push_error(error);
    }
}

/// Reads an inventory from any reader into the sink, each artifact with `path` (`/` and the
/// file name) and `target`; returns how many artifacts it pushed. No file system: this is the
/// pure entry point the fuzz target drives.
pub fn read(mut reader: impl Read, path: &str, target: &str, map: &Mapping, out: &mut dyn Sink) -> usize {
    if let Err(e) = map.validate() {
        out.error(path, e);
        return 0;
    }
    let mut head = Vec::new();
    if let Err(e) = (&mut reader).take(HEAD).read_to_end(&mut head) {
        out.error(path, format!("cannot read inventory: {e}"));
        return 0;
    }
    let fmt = match format(&text::decode_head(&head), map) {
        Ok(f) => f,
        Err(e) => {
            out.error(path, format!("not an app inventory: {e}"));
            return 0;
        }
    };
    let (encoding, bom) = text::encoding(&head);
    let mut start = Cursor::new(head);
    start.set_position(bom as u64);
    let raw = start.chain(reader);
    let decoded: Box<dyn Read> = match encoding {
        text::Encoding::Utf8 => Box::new(raw),
        text::Encoding::Utf16Le => Box::new(text::Utf16Reader::new(raw, true)),
        text::Encoding::Utf16Be => Box::new(text::Utf16Reader::new(raw, false)),
    };
    let mut counting = Counting { inner: out, errors: 0 };
    match fmt {
        Format::Delimited(layout) => delimited::read(decoded, &layout, path, target, &mut counting),
        Format::Json(shape) => {
            let r = BufReader::with_capacity(64 * 1024, decoded);
            let mut emit = json::Emit::new(&mut counting, path, target, map);
            match shape {
                json::Shape::Lines => json::read_lines(r, &mut emit),
                json::Shape::Document => json::read_document(r, &mut emit),
            }
            let pushed = emit.pushed;
            if pushed == 0 && counting.errors == 0 {
                // Keys delist knows, but no record where it looks for them.
                counting.error(path, "no app records found in this JSON");
            }
            pushed
        }
    }
}

impl Counting<'_> {
    fn error(&mut self, path: &str, msg: &str) {
        self.push_error(ScanError { path: path.to_string(), error: msg.to_string() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Output;

    fn utf16le_bom(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn sniff_by_content() {
        assert!(sniff(b"DeviceName,ApplicationName,ApplicationId\r\nA,B,c.d\r\n"));
        assert!(sniff(b"\xEF\xBB\xBFComputer Name\tApplication Title\tApplication Version\tBundle Identifier\n"));
        assert!(sniff(&utf16le_bom("ApplicationKey,ApplicationName,ApplicationPublisher,DeviceName\r\n")));
        assert!(sniff(
            br#"{"name":"pack_apps","hostIdentifier":"h","columns":{"name":"x","bundle_identifier":"a.b"}}"#
        ));
        assert!(!sniff(b"Date,Amount\n1,2\n"));
        assert!(!sniff(b"\x7fELF\x02\x01\x01\0\0\0"));
        assert!(!sniff(br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"x","version":"1","publisher":"p"}]}"#));
        assert!(!sniff(b""));
    }

    #[test]
    fn utf16_file_reads_whole() {
        let csv = "DeviceName,ApplicationName,ApplicationPublisher,Platform\r\nLAPTOP-Ü,Kaspersky Free,AO Kaspersky Lab,Windows\r\n";
        let mut out = Output::default();
        let n = read(&utf16le_bom(csv)[..], "/x.csv", "inventory:x.csv", &Mapping::default(), &mut out);
        assert_eq!(n, 1, "{:?}", out.errors);
        assert_eq!(out.artifacts[0].host.as_deref(), Some("LAPTOP-Ü"));
        assert_eq!(out.artifacts[0].publisher.as_deref(), Some("AO Kaspersky Lab"));
    }

    #[test]
    fn bad_map_and_non_inventory_are_clear_errors() {
        let bad = Mapping { columns: vec![("A".into(), "colour".into())] };
        assert!(bad.validate().expect_err("field").contains("unknown field \"colour\""));
        let mut out = Output::default();
        assert_eq!(read(&b"A,B\n1,2\n"[..], "/x.csv", "t", &bad, &mut out), 0);
        assert_eq!(out.errors.len(), 1);
        let mut out = Output::default();
        read(&b"hello world, this is prose\n"[..], "/notes.txt", "t", &Mapping::default(), &mut out);
        assert!(out.errors[0].error.starts_with("not an app inventory"), "{:?}", out.errors);
        // Keys delist knows, but no record where it looks: said, not silently empty.
        let mut out = Output::default();
        read(&br#"{"software":[{"source":"apps","notes":"n"}]}"#[..], "/f.json", "t", &Mapping::default(), &mut out);
        assert_eq!(out.errors[0].error, "no app records found in this JSON");
    }
}
