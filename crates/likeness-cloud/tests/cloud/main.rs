//! Likeness Cloud's integration tests: one binary, against a real PostgreSQL
//! cluster and real servers on loopback (see `harness`).

mod accounts;
mod app_cancel;
mod app_client;
mod app_cloud;
mod app_misbehaving;
mod binary;
mod browser_checkout;
mod harness;
mod jobs;
mod ledger_rules;
#[path = "../../../likeness-cloud-api/tests/misbehaving/mod.rs"]
mod misbehaving;
mod purchases;
mod quotes;
mod requests;
mod s3;
mod scale;
mod stripe_events;
mod stripe_provider;
mod webhooks;
mod workers;
