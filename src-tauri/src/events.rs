//! The names of the events the app emits to the window (the UI's
//! `lib/backend/commands.ts` lists the same names; a UI test checks they agree).

/// `ImportProgress` payloads, while a portrait is imported.
pub const IMPORT_PROGRESS: &str = "import-progress";

/// `JobEvent` payloads, as jobs are queued, run and finish.
pub const JOB_EVENT: &str = "job-event";
