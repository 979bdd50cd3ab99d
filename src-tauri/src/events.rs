//! The names of the events the app emits to the window (the UI's
//! `lib/backend/commands.ts` lists the same names; a UI test checks they agree).

/// `ImportProgress` payloads, while a portrait is imported.
pub const IMPORT_PROGRESS: &str = "import-progress";

/// `JobEvent` payloads, as jobs are queued, run and finish.
pub const JOB_EVENT: &str = "job-event";

/// No payload: a `likeness://` link was handled; `take_link_outcome` says how.
pub const LINK_OPENED: &str = "link-opened";
