//! Models held while they are used and let go after an idle spell, so that a
//! long sitting does not keep every ONNX session and its tensor arenas in
//! memory. The next use loads them again (a second or two).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sync::lock;

/// How long a model stays loaded after its last use.
pub const RELEASE_AFTER: Duration = Duration::from_secs(120);

/// A value loaded on first use and dropped by [`Idle::release_if_idle`].
/// A failed load is not kept: the next use tries again, and fails closed
/// again until the cause is fixed.
pub struct Idle<T, E> {
    slot: Mutex<Slot<T>>,
    load: Box<dyn Fn() -> Result<Arc<T>, E> + Send + Sync>,
}

struct Slot<T> {
    value: Option<Arc<T>>,
    used: Instant,
}

impl<T, E> Idle<T, E> {
    pub fn new(load: impl Fn() -> Result<Arc<T>, E> + Send + Sync + 'static) -> Self {
        Self {
            slot: Mutex::new(Slot {
                value: None,
                used: Instant::now(),
            }),
            load: Box::new(load),
        }
    }

    /// The value, loaded first if it is not held (callers meanwhile wait).
    pub fn get(&self) -> Result<Arc<T>, E> {
        let mut slot = lock(&self.slot);
        slot.used = Instant::now();
        if let Some(value) = &slot.value {
            return Ok(value.clone());
        }
        let value = (self.load)()?;
        slot.value = Some(value.clone());
        Ok(value)
    }

    /// Let go of the value if nobody asked for it for `after`; a job still
    /// using it keeps it until it is done. Whether it was let go.
    pub fn release_if_idle(&self, after: Duration) -> bool {
        let mut slot = lock(&self.slot);
        let idle = slot.value.is_some() && slot.used.elapsed() >= after;
        if idle {
            slot.value = None;
        }
        idle
    }

    pub fn is_loaded(&self) -> bool {
        lock(&self.slot).value.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_value_is_loaded_once_while_used_and_again_after_it_was_let_go() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counted = loads.clone();
        let idle = Idle::new(move || Ok::<_, ()>(Arc::new(counted.fetch_add(1, Ordering::SeqCst))));
        assert!(!idle.is_loaded());
        let first = idle.get().unwrap();
        assert_eq!(*idle.get().unwrap(), *first);
        assert!(!idle.release_if_idle(Duration::from_secs(60)), "just used");
        assert!(idle.release_if_idle(Duration::ZERO));
        assert!(!idle.is_loaded());
        assert_eq!(*first, 0, "a holder keeps its value after the release");
        assert_eq!(*idle.get().unwrap(), 1, "loaded again");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_failed_load_is_tried_again_at_the_next_use() {
        let tries = Arc::new(AtomicUsize::new(0));
        let counted = tries.clone();
        let idle: Idle<(), &str> = Idle::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Err("missing model")
        });
        assert_eq!(idle.get().unwrap_err(), "missing model");
        assert_eq!(idle.get().unwrap_err(), "missing model");
        assert_eq!(tries.load(Ordering::SeqCst), 2);
        assert!(!idle.is_loaded());
    }
}
