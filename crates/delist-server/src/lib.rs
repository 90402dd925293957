//! delist's fleet server and agent.
//!
//! ```text
//! agent ──POST /api/v1/reports (delist.upload/1: an inventory)──▶ api ──▶ ingest::prepare
//!   (engine: delist-core's Matcher, the CLI's engine) ──▶ writer thread (group commit) ──▶ store ──▶ db
//! dashboard / API reads ◀── views ◀── store
//! ```
//!
//! The server keeps every upload and each host's last inventory, so a change of catalog or policy
//! re-evaluates every host without a rescan. The CLI's `serve` and `agent` commands only parse
//! arguments and read files; everything else is here. axum and tokio types never leave this
//! crate.

pub mod agent;
pub mod api;
pub mod auth;
pub mod dashboard;
pub mod db;
pub mod engine;
pub mod enrol;
pub mod ingest;
pub mod openapi;
pub mod server;
pub mod store;
pub mod time;
pub mod tls;
pub mod views;

pub use server::{Config, Running, serve, start};
