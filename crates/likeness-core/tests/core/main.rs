//! Integration tests for the core: one binary, one module per area.

mod consent;
mod crash;
mod engines;
mod export;
mod fixtures;
mod framing;
mod import;
mod integrity;
mod jobs;
mod moderation;
mod store;
mod studio;
