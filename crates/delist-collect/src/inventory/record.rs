//! One app record (a CSV row, a JSON object's scalar members) to one artifact.
//!
//! Owns the roles: an app or bundle id is an identifier of the kind its platform gives it, a
//! publisher is a publisher, a package table's name is a purl, and an app's name is never
//! evidence ("TikTok Video Downloader" by someone else, under its own id, is not TikTok). It must
//! never match anything against the catalog: the matcher does that with the roles set here.

use super::Mapping;
use super::fields::{self, Field, Platform, Table, Tool};
use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Role};

/// The longest value kept of any field; longer ones are cut (on a character boundary).
pub(crate) const MAX_VALUE: usize = 4096;
/// The most extra columns kept per record, so a 10,000-column row stays small.
const MAX_OTHER: usize = 48;

/// What a record's surroundings say about it: the device a JSON container names, its platform,
/// the osquery table or Fleet source it came from, and an app name given one level up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ctx {
    pub device: Option<String>,
    pub platform: Option<Platform>,
    pub table: Option<Table>,
    pub app_name: Option<String>,
    pub tool: Option<Tool>,
}

/// What each column of a header is for, besides being a candidate for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    TeamId,
    Text,
    Other,
}

/// A header resolved: the columns that can hold each field, best first, each column's other
/// use, and what the whole header says (table, tool).
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    pub headers: Vec<String>,
    cols: Vec<Col>,
    /// Per field, the columns that spell it, best spelling first. A record takes the first
    /// that is not empty (osquery's `apps` has an empty `display_name` beside `bundle_name`).
    cands: [Vec<usize>; 6],
    pub table: Option<Table>,
    pub tool: Tool,
}

impl Columns {
    /// Resolves a header by its spellings, then by `--map`. A mapped column that the header
    /// does not have is an error that names the columns it does have.
    pub(crate) fn resolve(headers: &[&str], map: &Mapping) -> Result<Self, String> {
        let mut ranked: [Vec<(usize, usize)>; 6] = Default::default();
        let mut cols = vec![Col::Other; headers.len()];
        for (i, h) in headers.iter().enumerate() {
            if matches!(fields::norm(h).as_str(), "teamid" | "teamidentifier") {
                cols[i] = Col::TeamId;
            } else if fields::is_free_text(h) {
                cols[i] = Col::Text;
            } else if let Some((f, rank)) = fields::alias(h) {
                ranked[f.index()].push((rank, i));
            }
        }
        let mut cands: [Vec<usize>; 6] = ranked.map(|mut r| {
            r.sort();
            r.into_iter().map(|(_, i)| i).collect()
        });
        for (column, field) in map.fields()? {
            let want = fields::norm(&column);
            let idx = headers
                .iter()
                .position(|h| h.trim() == column.trim())
                .or_else(|| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(column.trim())))
                .or_else(|| headers.iter().position(|h| !want.is_empty() && fields::norm(h) == want))
                .ok_or_else(|| {
                    format!(
                        "--map {column}={}: the inventory has no column {column:?} (its columns: {})",
                        field_name(field),
                        headers.join(", ")
                    )
                })?;
            for c in cands.iter_mut() {
                c.retain(|i| *i != idx);
            }
            cands[field.index()] = vec![idx];
            cols[idx] = Col::Other;
        }
        let table = fields::table_of_columns(headers.iter().copied());
        if table == Some(Table::Safari)
            && let Some(i) = headers.iter().position(|h| fields::norm(h) == "developerid")
        {
            // osquery's safari_extensions.developer_id is the signing Team ID.
            cols[i] = Col::TeamId;
            for c in cands.iter_mut() {
                c.retain(|j| *j != i);
            }
        }
        let mut tool = Tool::of_columns(headers.iter().copied());
        if tool == Tool::Generic && table.is_some() {
            tool = Tool::Osquery;
        }
        Ok(Self { headers: headers.iter().map(|h| h.trim().to_string()).collect(), cols, cands, table, tool })
    }

    pub(crate) fn has(&self, f: Field) -> bool {
        !self.cands[f.index()].is_empty()
    }

    /// Whether a record (key, value pairs in header order) has a value for the field.
    pub(crate) fn filled(&self, f: Field, pairs: &[(String, String)]) -> bool {
        self.cands[f.index()].iter().any(|&i| pairs.get(i).is_some_and(|(_, v)| !v.trim().is_empty()))
    }

    /// Whether these columns are an app inventory delist can read without being told: an app
    /// (by name or id) and something that ties it to a device or a maker.
    pub(crate) fn is_inventory(&self) -> bool {
        (self.has(Field::Name) || self.has(Field::Id))
            && (self.has(Field::Device) || self.has(Field::Id) || self.has(Field::Publisher))
    }

    /// Builds the artifact of one record; `values` line up with the header.
    pub(crate) fn artifact(&self, values: &[&str], ctx: &Ctx, path: &str, target: &str) -> Result<Artifact, String> {
        let value = |i: usize| values.get(i).map(|v| clip(v.trim())).filter(|v| !v.is_empty());
        let get = |f: Field| self.cands[f.index()].iter().find_map(|&i| value(i).map(|v| (i, v)));
        let tool = ctx.tool.unwrap_or(self.tool);
        let label = |i: usize| format!("{}.{}", tool.prefix(), self.headers.get(i).map_or("", String::as_str));

        let platform_raw = get(Field::Platform);
        let mut table = ctx.table.or(self.table);
        if let Some(t) = platform_raw.as_ref().and_then(|(_, v)| fields::table_named(v)) {
            table = Some(t);
        }
        let platform = platform_raw
            .as_ref()
            .and_then(|(_, v)| fields::platform(v))
            .or_else(|| table.and_then(Table::platform))
            .or(ctx.platform);

        let name = get(Field::Name);
        let id = get(Field::Id);
        let version = get(Field::Version);
        let device = get(Field::Device);
        let display = name
            .as_ref()
            .map(|(_, v)| v.clone())
            .or_else(|| ctx.app_name.clone())
            .or_else(|| id.as_ref().map(|(_, v)| v.clone()))
            .ok_or("the record has neither an app name nor an app id")?;
        let used: Vec<usize> =
            [&name, &id, &version, &device, &platform_raw].iter().filter_map(|x| x.as_ref().map(|(i, _)| *i)).collect();

        let mut a = Artifact::new(ArtifactKind::MdmApp, display, path, target);
        if let Some((_, v)) = &version {
            let release = (table == Some(Table::Rpm))
                .then(|| self.headers.iter().position(|h| h.eq_ignore_ascii_case("release")))
                .flatten()
                .and_then(value);
            a = a.version(match release {
                Some(r) => format!("{v}-{r}"),
                None => v.clone(),
            });
        }
        a.host = device.map(|(_, v)| v).or_else(|| ctx.device.clone());

        if let Some((i, v)) = &name {
            a = a.field(&label(*i), v.as_str(), Role::Other);
        }
        if let (Some(purl_type), Some((i, v))) = (table.and_then(Table::purl_type), &name) {
            // A package table's name is the package the catalog lists for that ecosystem.
            let purl = purl_of(purl_type, v);
            a = a.field(&label(*i), purl.as_str(), Role::Identifier(IdKind::Package)).id(purl);
        }
        if let Some((i, v)) = &id {
            let extension = table == Some(Table::Chrome)
                || (fields::norm(&self.headers[*i]) == "extensionid" && table != Some(Table::Firefox));
            let kinds: &[IdKind] = if extension {
                &[IdKind::ExtensionId]
            } else if matches!(table, Some(Table::Firefox | Table::Programs)) {
                &[]
            } else {
                app_id_kinds(v, platform)
            };
            for k in kinds {
                a = a.field(&label(*i), v.as_str(), Role::Identifier(*k));
            }
            if kinds.is_empty() {
                a = a.field(&label(*i), v.as_str(), Role::Other);
            }
            a = a.id(v.as_str());
        }
        // Every publisher-like column is a publisher; the best spelling first, so it becomes
        // the artifact's `publisher`.
        for &i in &self.cands[Field::Publisher.index()] {
            if let Some(v) = value(i) {
                a = a.field(&label(i), v, Role::Publisher);
            }
        }
        if let Some((i, v)) = &platform_raw {
            a = a.field(&label(*i), v.as_str(), Role::Other);
        }
        let publishers = &self.cands[Field::Publisher.index()];
        let mut kept = 0;
        for (i, col) in self.cols.iter().enumerate() {
            if used.contains(&i) || publishers.contains(&i) {
                continue;
            }
            let Some(v) = value(i) else { continue };
            if kept == MAX_OTHER {
                break;
            }
            kept += 1;
            let role = match col {
                Col::TeamId => Role::Identifier(IdKind::TeamId),
                Col::Text => Role::Text,
                Col::Other => Role::Other,
            };
            a = a.field(&label(i), v, role);
        }
        Ok(a)
    }
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::Device => "device",
        Field::Name => "name",
        Field::Id => "id",
        Field::Version => "version",
        Field::Publisher => "publisher",
        Field::Platform => "platform",
    }
}

/// The identifier kinds an app id is on a platform: an Android package name is an `app-id`, an
/// Apple bundle id a `bundle-id`. On a platform no one says, a reverse-DNS id could be either,
/// so it is offered as both; each still has to equal a catalog identifier exactly.
pub(crate) fn app_id_kinds(id: &str, platform: Option<Platform>) -> &'static [IdKind] {
    match platform {
        Some(Platform::Android | Platform::ChromeOs) => &[IdKind::AppId],
        Some(Platform::Apple) => &[IdKind::BundleId],
        // Windows product codes and package family names, Linux package ids: no catalog kind.
        Some(Platform::Windows | Platform::Linux) => &[],
        None if reverse_dns(id) => &[IdKind::AppId, IdKind::BundleId],
        None => &[IdKind::AppId],
    }
}

/// `com.example.app`: two or more dot-separated labels of letters, digits, `-` and `_`, the
/// first starting with a letter.
pub(crate) fn reverse_dns(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        && labels[0].starts_with(|c: char| c.is_ascii_alphabetic())
}

/// `pkg:TYPE/NAME`, with an npm scope's `@` percent-encoded as the purl spec asks.
fn purl_of(ty: &str, name: &str) -> String {
    let name = name.trim();
    match name.strip_prefix('@') {
        Some(scoped) if ty == "npm" => format!("pkg:npm/%40{scoped}"),
        _ => format!("pkg:{ty}/{name}"),
    }
}

/// A value cut to [`MAX_VALUE`] bytes on a character boundary.
pub(crate) fn clip(s: &str) -> String {
    if s.len() <= MAX_VALUE {
        return s.to_string();
    }
    let mut end = MAX_VALUE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(h: &[&str]) -> Columns {
        Columns::resolve(h, &Mapping::default()).expect("resolves")
    }

    #[test]
    fn intune_by_device_row_with_each_platform() {
        let h = [
            "ApplicationId",
            "ApplicationKey",
            "ApplicationName",
            "ApplicationPublisher",
            "ApplicationVersion",
            "DeviceName",
            "Platform",
        ];
        let c = cols(&h);
        assert_eq!(c.tool, Tool::Intune);
        let a = c
            .artifact(
                &[
                    "com.zhiliaoapp.musically",
                    "k1",
                    "TikTok",
                    "TikTok Pte. Ltd.",
                    "36.5.4",
                    "PIXEL-7-JDOE",
                    "AndroidWorkProfile",
                ],
                &Ctx::default(),
                "/x.csv",
                "inventory:x.csv",
            )
            .expect("artifact");
        assert_eq!(a.name, "TikTok");
        assert_eq!(a.host.as_deref(), Some("PIXEL-7-JDOE"));
        assert_eq!(a.version.as_deref(), Some("36.5.4"));
        assert_eq!(a.publisher.as_deref(), Some("TikTok Pte. Ltd."));
        assert_eq!(a.ids, vec!["com.zhiliaoapp.musically"]);
        let roles: Vec<(&str, Role)> = a.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            vec![
                ("intune.ApplicationName", Role::Other),
                ("intune.ApplicationId", Role::Identifier(IdKind::AppId)),
                ("intune.ApplicationPublisher", Role::Publisher),
                ("intune.Platform", Role::Other),
                ("intune.ApplicationKey", Role::Other),
            ]
        );
        let ios = c
            .artifact(&["com.tencent.xin", "k", "WeChat", "", "8", "IPHONE-1", "iOS"], &Ctx::default(), "/x", "t")
            .expect("artifact");
        assert!(ios.fields.iter().any(|f| f.role == Role::Identifier(IdKind::BundleId)));
        assert!(!ios.fields.iter().any(|f| f.role == Role::Identifier(IdKind::AppId)));
    }

    #[test]
    fn unknown_platform_reverse_dns_is_both_kinds() {
        assert_eq!(app_id_kinds("com.tencent.mm", None), &[IdKind::AppId, IdKind::BundleId]);
        assert_eq!(app_id_kinds("{90160000-008C-0000}", None), &[IdKind::AppId]);
        assert_eq!(app_id_kinds("com.tencent.mm", Some(Platform::Windows)), &[] as &[IdKind]);
        assert!(reverse_dns("com.ss.iphone.ugc.Ame"));
        assert!(!reverse_dns("TikTok"));
        assert!(!reverse_dns("1.2.3"));
        assert!(!reverse_dns("com..x"));
    }

    #[test]
    fn package_tables_become_purls_and_rpm_versions_take_the_release() {
        let c = cols(&["name", "version", "release", "epoch", "vendor", "arch"]);
        assert_eq!(c.table, Some(Table::Rpm));
        assert_eq!(c.tool, Tool::Osquery);
        let a = c
            .artifact(&["kesl", "12.0.0", "6672", "", "AO Kaspersky Lab", "x86_64"], &Ctx::default(), "/r", "t")
            .expect("artifact");
        assert_eq!(a.version.as_deref(), Some("12.0.0-6672"));
        assert_eq!(a.ids, vec!["pkg:rpm/kesl"]);
        assert!(a.fields.iter().any(|f| f.value == "pkg:rpm/kesl" && f.role == Role::Identifier(IdKind::Package)));
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(purl_of("npm", "@kaspersky/hexa-ui"), "pkg:npm/%40kaspersky/hexa-ui");
    }

    #[test]
    fn chrome_ids_are_extension_ids_and_free_text_is_text() {
        let c = cols(&["name", "identifier", "version", "author", "description", "persistent", "update_url"]);
        assert_eq!(c.table, Some(Table::Chrome));
        let a = c
            .artifact(
                &["Kaspersky Protection", "ahkjpbeeocnddjkakilopmfdlnjdpcdm", "1.0", "", "Protects", "0", "https://x"],
                &Ctx { device: Some("WS-1".into()), ..Ctx::default() },
                "/r",
                "t",
            )
            .expect("artifact");
        assert_eq!(a.host.as_deref(), Some("WS-1"));
        assert!(a.fields.iter().any(|f| f.role == Role::Identifier(IdKind::ExtensionId)));
        assert!(a.fields.iter().any(|f| f.field == "osquery.description" && f.role == Role::Text));
    }

    #[test]
    fn map_overrides_and_reports_missing_columns() {
        let map = Mapping { columns: vec![("Gerät".into(), "device".into()), ("Kennung".into(), "id".into())] };
        let c = Columns::resolve(&["Gerät", "Name", "Kennung"], &map).expect("resolves");
        assert!(c.has(Field::Device) && c.has(Field::Id) && c.has(Field::Name));
        let a = c.artifact(&["LAPTOP-7", "DeepSeek", "com.deepseek.chat"], &Ctx::default(), "/m", "t").expect("a");
        assert_eq!(a.host.as_deref(), Some("LAPTOP-7"));
        let bad = Mapping { columns: vec![("Nope".into(), "device".into())] };
        let e = Columns::resolve(&["A", "B"], &bad).expect_err("missing column");
        assert!(e.contains("no column \"Nope\"") && e.contains("A, B"), "{e}");
    }

    #[test]
    fn a_record_without_name_or_id_is_an_error_and_values_are_clipped() {
        let c = cols(&["DeviceName", "AppName", "AppId"]);
        assert!(c.artifact(&["D", "", ""], &Ctx::default(), "/x", "t").is_err());
        let long = "é".repeat(MAX_VALUE);
        let a = c.artifact(&["D", &long, ""], &Ctx::default(), "/x", "t").expect("a");
        assert!(a.name.len() <= MAX_VALUE);
    }
}
