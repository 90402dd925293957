//! delist's engine: the catalog, name normalisation, matching, findings and policy.
//!
//! ```text
//! catalog files ──load──▶ Catalog ──Matcher::new──▶ Matcher
//! collectors ──▶ Artifact ──Matcher::evaluate──▶ Finding ──Policy::apply──▶ Report
//! ```
//!
//! This crate performs no I/O: it is handed file contents, artifacts and today's date, and hands
//! back values. Collectors (`delist-collect`), renderers (`delist-report`) and the CLI depend on
//! it; it depends on none of them.

pub mod catalog;
mod lines;
pub mod mac;
pub mod matcher;
pub mod model;
pub mod normalize;
pub mod policy;
pub mod purl;
pub mod report;
pub mod screen;

pub use catalog::Catalog;
pub use catalog::IdKind;
pub use mac::Mac;
pub use matcher::{Matcher, Selection};
pub use model::{Artifact, ArtifactKind, Confidence, Device, Evidence, Field, Finding, Role, ScanError, Signer};
