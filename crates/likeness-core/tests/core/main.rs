//! Integration tests for the core: one binary, one module per area.

mod consent;
mod crash;
mod db;
mod engines;
mod export;
mod fixtures;
mod framing;
mod import;
mod integrity;
mod jobs;
mod moderation;
mod studio;
