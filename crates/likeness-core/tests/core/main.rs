//! Integration tests for the core: one binary, one module per area.

mod fixtures;
mod import;
mod moderation;
mod store;
