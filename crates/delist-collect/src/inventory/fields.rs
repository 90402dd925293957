//! What a column or key means: the header spellings of each tool's documented export, the
//! platforms they write, and the osquery tables (which Fleet's `source` also names).
//!
//! Owns the vocabulary only; it must never decide what a value proves (that is the matcher's)
//! nor read any input.

/// The fields delist reads from an app record (`--map COLUMN=FIELD` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Field {
    Device,
    Name,
    Id,
    Version,
    Publisher,
    Platform,
}

impl Field {
    pub(crate) const ALL: [Field; 6] =
        [Field::Device, Field::Name, Field::Id, Field::Version, Field::Publisher, Field::Platform];

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "device" | "host" | "hostname" => Self::Device,
            "name" => Self::Name,
            "id" => Self::Id,
            "version" => Self::Version,
            "publisher" | "vendor" | "developer" => Self::Publisher,
            "platform" | "os" => Self::Platform,
            _ => return None,
        })
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A header or key as compared: lower case, letters and digits only (`Bundle Identifier`,
/// `bundle_identifier` and `BundleIdentifier` are one spelling).
pub(crate) fn norm(s: &str) -> String {
    if s.is_ascii() {
        // The common case, called for every key of every record: no Unicode tables.
        return s.bytes().filter(u8::is_ascii_alphanumeric).map(|b| char::from(b.to_ascii_lowercase())).collect();
    }
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Header spellings of each field, normalised, best first. Sources (see the module docs of
/// `inventory` for the documents): Intune's AppInvRawData / AppInvByDevice / AppInvAggregate
/// report columns and Graph `detectedApp`; Jamf Pro API `ComputerApplication` and
/// `MobileDeviceApplication` and the Classic API application subsets; the Admin SDK
/// `MobileDevice.applications`; Workspace ONE's `DeviceApps`; osquery table columns; Fleet's
/// software object; and the common spellings of hand-made CSVs.
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Device,
        &[
            "devicename",
            "devicefriendlyname",
            "friendlyname",
            "computername",
            "mobiledevicename",
            "hostname",
            "hostdisplayname",
            "hosthostname",
            "hostidentifier",
            "machinename",
            "endpointname",
            "assetname",
            "device",
            "computer",
            "host",
            "machine",
            "endpoint",
            "deviceserialnumber",
            "serialnumber",
        ],
    ),
    (
        Field::Name,
        &[
            "appname",
            "applicationname",
            "applicationtitle",
            "appdisplayname",
            "displayname",
            "softwarename",
            "softwaretitle",
            "productname",
            "bundlename",
            "application",
            "software",
            "app",
            "title",
            "name",
            "product",
        ],
    ),
    (
        Field::Id,
        &[
            "bundleidentifier",
            "bundleid",
            "appbundleid",
            "appbundleidentifier",
            "applicationbundleid",
            "applicationbundleidentifier",
            "packagename",
            "apppackagename",
            "appidentifier",
            "applicationidentifier",
            "applicationid",
            "appid",
            "packageid",
            "apppackageid",
            "packageidentifier",
            "extensionid",
            "identifier",
            "bundle",
            "package",
        ],
    ),
    (
        Field::Version,
        &[
            // Intune's short version is the one people read (`36.5.4`); its `ApplicationVersion`
            // is Android's version code or Apple's build number.
            "applicationshortversion",
            "applicationversion",
            "appversion",
            "version",
            "versionname",
            "bundleshortversion",
            "shortversion",
            "appshortversion",
            "bundleversion",
            "softwareversion",
            "installedversion",
            "versionstring",
        ],
    ),
    (
        Field::Publisher,
        &[
            "applicationpublisher",
            "apppublisher",
            "publisher",
            "vendor",
            "developer",
            "developername",
            "appdeveloper",
            "manufacturer",
            "companyname",
            "company",
            "seller",
            "sellername",
            "maintainer",
            "author",
            "creator",
        ],
    ),
    (
        Field::Platform,
        &["platform", "operatingsystem", "osplatform", "platformtype", "ostype", "os", "devicetype", "source", "type"],
    ),
];

/// The field a header names and how good a spelling of it this is (lower is better).
pub(crate) fn alias(header: &str) -> Option<(Field, usize)> {
    let n = norm(header);
    ALIASES.iter().find_map(|(f, names)| names.iter().position(|a| *a == n).map(|p| (*f, p)))
}

/// Columns whose text is free prose: kept for the inventory, never evidence.
pub(crate) fn is_free_text(header: &str) -> bool {
    matches!(
        norm(header).as_str(),
        "description" | "summary" | "copyright" | "infostring" | "notes" | "comment" | "comments" | "shortdescription"
    )
}

/// The platform families whose app identifiers mean different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    Android,
    /// iOS, iPadOS, macOS, tvOS, watchOS, visionOS: identifiers are bundle ids.
    Apple,
    Windows,
    Linux,
    /// Chrome OS runs Android apps, whose identifiers are Android package names.
    ChromeOs,
}

/// A platform as the tools write it: Intune (`AndroidWorkProfile`, `iOS`, `macOS`, `Windows`),
/// Google (`ANDROID`, `IOS_SYNC`), Workspace ONE (`Apple`, `AppleOsX`, `WinRT`), Jamf (`Mac`),
/// Fleet and osquery (`darwin`, `ubuntu`, `rhel`, `windows`, `ios`, `ipados`, `android`).
pub(crate) fn platform(s: &str) -> Option<Platform> {
    let n = norm(s);
    if n.is_empty() {
        return None;
    }
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(&["chrome"]) {
        return Some(Platform::ChromeOs);
    }
    if has(&["android"]) {
        return Some(Platform::Android);
    }
    if has(&["windows", "win32", "win64", "winrt", "win10", "win11"]) || n == "win" {
        return Some(Platform::Windows);
    }
    if has(&["ios", "ipad", "iphone", "macos", "osx", "darwin", "apple", "tvos", "watchos", "visionos"])
        || n == "mac"
        || n.starts_with("macintosh")
    {
        return Some(Platform::Apple);
    }
    if has(&["linux", "ubuntu", "debian", "rhel", "redhat", "centos", "fedora", "suse", "amzn", "rocky", "alma"]) {
        return Some(Platform::Linux);
    }
    None
}

/// The osquery tables delist reads (Fleet's `source` names them too, plus its MDM sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// Windows `programs` (Add/Remove Programs).
    Programs,
    /// macOS `apps`, and Fleet's `ios_apps` / `ipados_apps`.
    Apps,
    /// Fleet's `android_apps`.
    AndroidApps,
    Deb,
    Rpm,
    Chrome,
    Firefox,
    Safari,
    Homebrew,
    Python,
    Npm,
}

impl Table {
    /// The platform the table's rows come from, where the table implies one.
    pub(crate) fn platform(self) -> Option<Platform> {
        match self {
            Self::Programs => Some(Platform::Windows),
            Self::Apps | Self::Safari | Self::Homebrew => Some(Platform::Apple),
            Self::AndroidApps => Some(Platform::Android),
            Self::Deb | Self::Rpm => Some(Platform::Linux),
            Self::Chrome | Self::Firefox | Self::Python | Self::Npm => None,
        }
    }

    /// The purl type of the package tables (their `name` is a package name the catalog knows).
    pub(crate) fn purl_type(self) -> Option<&'static str> {
        match self {
            Self::Deb => Some("deb"),
            Self::Rpm => Some("rpm"),
            Self::Homebrew => Some("brew"),
            Self::Python => Some("pypi"),
            Self::Npm => Some("npm"),
            _ => None,
        }
    }
}

const TABLE_NAMES: &[(&str, Table)] = &[
    ("programs_and_features", Table::Programs),
    ("programs", Table::Programs),
    ("ios_apps", Table::Apps),
    ("ipados_apps", Table::Apps),
    ("android_apps", Table::AndroidApps),
    ("deb_packages", Table::Deb),
    ("rpm_packages", Table::Rpm),
    ("chrome_extensions", Table::Chrome),
    ("firefox_addons", Table::Firefox),
    ("safari_extensions", Table::Safari),
    ("homebrew_packages", Table::Homebrew),
    ("python_packages", Table::Python),
    ("npm_packages", Table::Npm),
    ("apps", Table::Apps),
];

/// A table by its exact name (osquery's, or a Fleet `source`).
pub(crate) fn table_named(s: &str) -> Option<Table> {
    let s = s.trim().to_ascii_lowercase();
    TABLE_NAMES.iter().find(|(n, _)| *n == s).map(|(_, t)| *t)
}

/// A table named inside an osquery query name (`pack_inventory_deb_packages`,
/// `pack/it/chrome_extensions`), on word boundaries.
pub(crate) fn table_in_query_name(name: &str) -> Option<Table> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
    for (n, t) in TABLE_NAMES {
        for w in &words {
            let hit = w.match_indices(n).any(|(i, _)| {
                let before = w[..i].chars().next_back();
                let after = w[i + n.len()..].chars().next();
                before.is_none_or(|c| c == '_') && after.is_none_or(|c| c == '_')
            });
            if hit {
                return Some(*t);
            }
        }
    }
    None
}

/// A table from the columns of its rows (the osquery schemas in `osquery/osquery` `specs/`):
/// each test uses columns only that table has.
pub(crate) fn table_of_columns<'a>(cols: impl IntoIterator<Item = &'a str>) -> Option<Table> {
    // A few dozen columns at most: a linear scan beats hashing them for every record.
    let cols: Vec<&str> = cols.into_iter().collect();
    let has = |c: &str| cols.iter().any(|k| k.eq_ignore_ascii_case(c));
    if has("bundle_identifier")
        && (has("bundle_executable") || has("bundle_short_version") || has("bundle_package_type"))
    {
        return Some(Table::Apps);
    }
    if has("identifying_number") || has("uninstall_string") || (has("install_location") && has("publisher")) {
        return Some(Table::Programs);
    }
    if has("browser_type") || has("from_webstore") || (has("identifier") && has("persistent") && has("update_url")) {
        return Some(Table::Chrome);
    }
    if has("creator") && (has("source_url") || has("visible") || has("autoupdate")) {
        return Some(Table::Firefox);
    }
    if has("developer_id") || (has("identifier") && has("sdk")) {
        return Some(Table::Safari);
    }
    if has("maintainer") && (has("arch") || has("admindir") || has("section") || has("priority")) {
        return Some(Table::Deb);
    }
    if has("release") && (has("epoch") || has("sha1") || has("package_group")) {
        return Some(Table::Rpm);
    }
    if has("auto_updates") || (has("prefix") && has("path") && has("version") && has("name")) {
        return Some(Table::Homebrew);
    }
    if has("summary") && has("directory") {
        return Some(Table::Python);
    }
    if has("homepage") && has("directory") {
        return Some(Table::Npm);
    }
    None
}

/// Which tool wrote a file, from its column names: only the label of the fields delist
/// records (`intune.ApplicationId`), so a finding says where its evidence was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    Intune,
    Jamf,
    WorkspaceOne,
    Google,
    Osquery,
    Fleet,
    Generic,
}

impl Tool {
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Self::Intune => "intune",
            Self::Jamf => "jamf",
            Self::WorkspaceOne => "ws1",
            Self::Google => "google",
            Self::Osquery => "osquery",
            Self::Fleet => "fleet",
            Self::Generic => "inventory",
        }
    }

    /// The tool whose documented export uses these column or key names.
    pub(crate) fn of_columns<'a>(cols: impl IntoIterator<Item = &'a str>) -> Self {
        let set: Vec<String> = cols.into_iter().map(norm).collect();
        let has = |c: &str| set.iter().any(|k| k == c);
        if has("applicationkey") || (has("applicationpublisher") && has("applicationshortversion")) {
            Self::Intune
        } else if has("hostdisplayname") || has("hosthostname") || has("hostscount") || has("generatedcpe") {
            Self::Fleet
        } else if has("applicationtitle") || has("appidentifier") || has("mobiledevicename") || has("bundleid") {
            Self::Jamf
        } else if has("devicefriendlyname") || has("friendlyname") || has("applicationidentifier") {
            Self::WorkspaceOne
        } else if has("packagename") && has("versionname") {
            Self::Google
        } else {
            Self::Generic
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_cover_each_tools_spelling() {
        for (h, f) in [
            ("DeviceName", Field::Device),
            ("Device Friendly Name", Field::Device),
            ("Computer Name", Field::Device),
            ("host_display_name", Field::Device),
            ("Hostname", Field::Device),
            ("ApplicationName", Field::Name),
            ("Application Title", Field::Name),
            ("App Name", Field::Name),
            ("Name", Field::Name),
            ("ApplicationId", Field::Id),
            ("Bundle Identifier", Field::Id),
            ("bundle_identifier", Field::Id),
            ("PackageName", Field::Id),
            ("Application Identifier", Field::Id),
            ("Identifier", Field::Id),
            ("ApplicationVersion", Field::Version),
            ("bundle_short_version", Field::Version),
            ("ApplicationPublisher", Field::Publisher),
            ("Developer", Field::Publisher),
            ("Vendor", Field::Publisher),
            ("maintainer", Field::Publisher),
            ("Platform", Field::Platform),
            ("Operating System", Field::Platform),
        ] {
            assert_eq!(alias(h).map(|a| a.0), Some(f), "{h}");
        }
        assert_eq!(alias("ApplicationKey"), None, "Intune's internal key is not the app id");
        assert_eq!(alias("id"), None, "a bare id is a database key, not an app id");
        assert!(alias("App Name").expect("name").1 < alias("Name").expect("name").1);
        // No spelling belongs to two fields.
        let mut seen = std::collections::HashSet::new();
        for (_, names) in ALIASES {
            for n in names.iter().collect::<std::collections::HashSet<_>>() {
                assert!(seen.insert(*n), "{n} twice");
            }
        }
    }

    #[test]
    fn platforms_as_tools_write_them() {
        for (s, p) in [
            ("AndroidWorkProfile", Platform::Android),
            ("ANDROID", Platform::Android),
            ("iOS", Platform::Apple),
            ("IOS_SYNC", Platform::Apple),
            ("iPadOS", Platform::Apple),
            ("macOS", Platform::Apple),
            ("Mac", Platform::Apple),
            ("darwin", Platform::Apple),
            ("AppleOsX", Platform::Apple),
            ("Windows", Platform::Windows),
            ("WinRT", Platform::Windows),
            ("ubuntu", Platform::Linux),
            ("ChromeOS", Platform::ChromeOs),
        ] {
            assert_eq!(platform(s), Some(p), "{s}");
        }
        for s in ["", "GOOGLE_SYNC", "unknown", "Machine"] {
            assert_eq!(platform(s), None, "{s}");
        }
    }

    #[test]
    fn tables_by_name_query_name_and_columns() {
        assert_eq!(table_named("ios_apps"), Some(Table::Apps));
        assert_eq!(table_named("chrome_extensions"), Some(Table::Chrome));
        assert_eq!(table_in_query_name("pack_inventory_deb_packages"), Some(Table::Deb));
        assert_eq!(table_in_query_name("pack/it/chrome_extensions"), Some(Table::Chrome));
        assert_eq!(table_in_query_name("installed_apps"), Some(Table::Apps));
        assert_eq!(table_in_query_name("myapps_report"), None);
        assert_eq!(table_of_columns(["name", "bundle_identifier", "bundle_short_version"]), Some(Table::Apps));
        assert_eq!(table_of_columns(["name", "version", "publisher", "identifying_number"]), Some(Table::Programs));
        assert_eq!(table_of_columns(["name", "version", "maintainer", "arch"]), Some(Table::Deb));
        assert_eq!(table_of_columns(["name", "version", "release", "epoch", "vendor"]), Some(Table::Rpm));
        assert_eq!(table_of_columns(["identifier", "name", "browser_type"]), Some(Table::Chrome));
        assert_eq!(table_of_columns(["name", "creator", "source_url"]), Some(Table::Firefox));
        assert_eq!(table_of_columns(["name", "identifier", "developer_id"]), Some(Table::Safari));
        assert_eq!(table_of_columns(["name", "summary", "directory"]), Some(Table::Python));
        assert_eq!(table_of_columns(["name", "homepage", "directory"]), Some(Table::Npm));
        assert_eq!(table_of_columns(["DeviceName", "AppName"]), None);
    }
}
