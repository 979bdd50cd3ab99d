//! One poison-tolerant lock for the whole crate.

use std::sync::{Mutex, MutexGuard};

/// Lock `m`, even if a thread panicked while holding it: every value guarded
/// in this crate (connections, flags, slots) stays valid after a panic, and
/// SQLite statements are atomic.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
