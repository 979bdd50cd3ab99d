//! Integration tests for the core: one binary, one module per area.

mod archive;
mod background;
mod consent;
mod crash;
mod db;
mod encryption;
mod engines;
mod export;
mod fixtures;
mod framing;
mod head_turn;
mod history;
mod import;
mod integrity;
mod jobs;
mod layout;
mod moderation;
mod privacy;
mod stand_in;
mod studio;
