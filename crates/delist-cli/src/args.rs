//! Command-line definitions: clap types live here and nowhere else.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "delist",
    version,
    about = "Find, track and keep out the products of vendors that governments and companies have banned.",
    long_about = "delist finds where a banned vendor's products are (package databases, and more sources as they land), \
reports each finding with its evidence, its confidence and the official lists that cover it, and exits 1 when it \
finds something at or above --fail-on.\n\nIt reads only; it never executes scanned content and opens no network \
connection unless a net:CIDR target asks for an active probe.",
    after_help = "Examples:\n  delist scan                         this machine\n  delist scan rootfs:/mnt/disk -o json=report.json\n  delist lists us-bod-17-01\n  delist vendors kaspersky\n  delist explain 2Y8XE5CQ94"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find covered products. No TARGET scans this machine, live.
    Scan(ScanArgs),
    /// List every artifact read, covered or not, with the attributes delist read.
    Inventory(ScanArgs),
    /// The ban lists: authority, instrument, dates, scope, vendors, sources.
    Lists(LookupArgs),
    /// Screen a retail or marketplace product feed (CSV, TSV, JSON lines, JSON, Merchant Center
    /// XML; gzip or zstd compressed) for covered vendors' products.
    #[command(after_help = "Outputs: -o table (default), json, sarif, junit, html as for scan; -o csv[=FILE] writes \
the feed itself, every row, with delist_vendor, delist_confidence, delist_lists, delist_reason and delist_finding \
columns added.\n\nExamples:\n  delist screen products.csv\n  delist screen feed.xml.gz -o json=report.json\n  \
delist screen export.csv -o csv=verdict.csv\n  delist screen artikel.csv --map Marke=brand --map Bezeichnung=title")]
    Screen(ScreenArgs),
    /// Covered vendors and every identifier delist knows for them.
    Vendors(LookupArgs),
    /// Why a list, vendor, identifier or finding is what it is.
    Explain(ExplainArgs),
    /// Catalog maintenance.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// What was removed, what is new and what remains between two JSON reports (by finding id).
    Diff(DiffArgs),
    /// Blocking and detection rules for other engines, from the lists in force.
    Export(ExportArgs),
    /// The fleet server: JSON API under /api/v1, dashboard at /, storage in SQLite or PostgreSQL.
    Serve(ServeArgs),
    /// Scan this machine and upload its inventory to a delist server, now and every --interval.
    Agent(AgentArgs),
}

#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, default_value = "sqlite://./delist.db", value_name = "URL")]
    pub database: String,
    /// File holding the admin secret for the dashboard and API (or set DELIST_ADMIN_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// Server-side policy (lists, waivers) applied to every host.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// More catalog files, layered over the built-in one (reloaded by POST /api/v1/reevaluate).
    #[arg(long = "catalog", value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// Largest upload accepted, in bytes.
    #[arg(long, default_value_t = 64 << 20, value_name = "BYTES")]
    pub max_upload_bytes: usize,
    /// The server is reached over HTTPS (a TLS-terminating proxy in front): dashboard cookies
    /// are marked Secure and responses carry Strict-Transport-Security.
    #[arg(long)]
    pub cookie_secure: bool,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key; implies --cookie-secure).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ServeCommand {
    /// Enrolment tokens, straight on the database.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand, Debug, Clone)]
pub enum TokenCommand {
    /// Enrol a host and print its token (shown once).
    Create {
        #[arg(long, value_name = "NAME")]
        host: String,
        #[arg(long, default_value = "sqlite://./delist.db", value_name = "URL")]
        database: String,
    },
    /// Revoke a token by id, or every token of a host.
    Revoke {
        #[arg(value_name = "ID|HOST")]
        id: String,
        #[arg(long, default_value = "sqlite://./delist.db", value_name = "URL")]
        database: String,
    },
    /// The tokens (never the secrets).
    List {
        #[arg(long, default_value = "sqlite://./delist.db", value_name = "URL")]
        database: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct AgentArgs {
    /// The server's URL, e.g. https://delist.example.org.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// Upload once and exit (for cron and systemd timers).
    #[arg(long)]
    pub once: bool,
    /// Seconds between scans when not --once.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub interval: u64,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// santa, wdac, applocker, fapolicyd, osquery, fleet, yara, hosts, rpz.
    #[arg(long, value_name = "F")]
    pub format: String,
    /// Add the certificates and file hashes a scan saw (a `delist scan -o json` report).
    #[arg(long, value_name = "REPORT.json")]
    pub from: Option<PathBuf>,
    /// Only these lists: ids, or country:US, authority:TEXT, jurisdiction:TEXT (default: every
    /// binding list in force).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub lists: Vec<String>,
    /// Write the rules here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// More catalog files, layered over the built-in one.
    #[arg(long = "catalog", value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// No summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The earlier report (`delist scan -o json=…`).
    pub old: PathBuf,
    /// The later report.
    pub new: PathBuf,
    /// Exit 1 when a new or remaining finding is at or above this level (default likely).
    #[arg(long = "fail-on", value_name = "LEVEL")]
    pub fail_on: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Output FORMAT, or FORMAT=FILE to write it to a file (repeatable): table, json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=FILE]")]
    pub output: Vec<String>,
    /// More catalog files (a directory with lists/ and vendors/), layered over the built-in one.
    #[arg(long = "catalog", value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// Less on stderr: no progress bar, no notes.
    #[arg(short, long)]
    pub quiet: bool,
    /// More on stderr: each collector as it runs.
    #[arg(short, long)]
    pub verbose: bool,
}

/// What findings are judged against: `--fail-on`, the policy and the lists (scan and screen).
#[derive(Args, Debug, Clone)]
pub struct Judge {
    /// Exit 1 when a finding is at or above this level: confirmed, likely, possible, never.
    #[arg(long = "fail-on", value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// Policy file (default: ./delist.toml if present).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Only these lists: ids, or country:US, authority:TEXT, jurisdiction:TEXT (default: every
    /// binding list in force).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub lists: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// What to scan: rootfs:DIR, dir:DIR, file:PATH, sbom:PATH, inventory:PATH, or a path (its kind
    /// detected by content). None: this machine.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub judge: Judge,
    /// Skip paths matching GLOB (repeatable). Applies to file walks.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not cross into other filesystems. Applies to file walks.
    #[arg(long)]
    pub one_file_system: bool,
    /// For inventory files whose headers delist does not know: COLUMN=FIELD (repeatable), FIELD one
    /// of device, name, id, version, publisher, platform.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Files of a format delist reads that are larger than this many bytes (default 536870912,
    /// 512 MiB) are not read; each is listed under errors.
    #[arg(long = "max-file-size", value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Also upload this scan's inventory to a delist server (needs --token-file or DELIST_TOKEN).
    #[arg(long, value_name = "URL")]
    pub upload: Option<String>,
    /// File holding this host's enrolment token (`delist serve token create`).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Read installed-package databases only, no file walk (tests, quick inventories).
    #[arg(long = "no-walk", hide = true)]
    pub no_walk: bool,
    /// net: probes: connection attempts per second, across all workers.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub rate: u32,
    /// net: probes: hosts probed at once.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// net: probes: timeout of every connect, read and reply, e.g. 2s or 500ms.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub timeout: String,
    /// net: probes: TCP ports asked over HTTP.
    #[arg(long, value_name = "PORT,...", value_delimiter = ',', default_value = "80,8000,8080")]
    pub ports: Vec<u16>,
    /// net: probes: TCP ports asked for a TLS certificate (TLS 1.2 ClientHello).
    #[arg(long = "tls-ports", value_name = "PORT,...", value_delimiter = ',', default_value = "443")]
    pub tls_ports: Vec<u16>,
    /// net: probes: no SSDP M-SEARCH to UDP 1900.
    #[arg(long = "no-upnp")]
    pub no_upnp: bool,
    /// net: probes: allow ranges larger than a /16 (up to a /8).
    #[arg(long)]
    pub force: bool,
    /// Where the live machine's /proc is (tests point it at a fixture tree).
    #[arg(long = "proc-root", hide = true, value_name = "DIR")]
    pub proc_root: Option<std::path::PathBuf>,
    /// Where the live machine's /sys is (tests point it at a fixture tree).
    #[arg(long = "sys-root", hide = true, value_name = "DIR")]
    pub sys_root: Option<std::path::PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ScreenArgs {
    /// Product feeds: files (format and compression detected by content), or - for stdin.
    #[arg(value_name = "FEED", required = true)]
    pub feeds: Vec<String>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub judge: Judge,
    /// For headers delist does not know: COLUMN=FIELD (repeatable), FIELD one of id, brand,
    /// manufacturer, title, gtin, description, seller.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Parse and screen every row, without the fast prefilter (for checking it).
    #[arg(long, hide = true)]
    pub full: bool,
}

#[derive(Args, Debug, Clone)]
pub struct LookupArgs {
    /// One id to show in full.
    pub id: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// A list id, vendor id, identifier value (e.g. a Team ID or package name) or finding id.
    pub id: String,
    /// The JSON report a finding id comes from.
    #[arg(long, value_name = "REPORT.json")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Validate catalog files (ours or a user's): every problem, with file and line.
    Check {
        /// A catalog directory (with lists/ and vendors/).
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Refresh the MAC OUI table from IEEE registry files (oui.csv, mam.csv, oui36.csv).
    ImportOui {
        /// IEEE registry CSV files, e.g. /usr/share/ieee-data/{oui,mam,oui36}.csv.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the table ("-" for stdout).
        #[arg(long, default_value = "catalog/oui/ieee.csv")]
        out: PathBuf,
        /// The registry's publication date (default: the newest file's modification date).
        #[arg(long, value_name = "YYYY-MM-DD")]
        registry_date: Option<String>,
        /// Where the files came from, recorded in the table's header.
        #[arg(long, value_name = "TEXT")]
        registry_source: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}
