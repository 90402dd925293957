//! The fuzz targets' bodies, shared with the ordinary tests that replay the regression corpus.

pub mod catalog;
pub mod collect;
pub mod server;
