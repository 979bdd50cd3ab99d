//! Tile geometry shared by the engines: mirrored padding, fixed-size windows
//! around tile cores (upscaling), evenly spread overlapping tiles and their
//! feathered blending weights (fixed-size style transform).

/// Mirror index `i` into `0..n` (…2 1 0 1 2… at the left edge), for any `i`.
pub(crate) fn reflect(i: i64, n: u32) -> u32 {
    let n = i64::from(n);
    if n <= 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - m }) as u32
}

/// Split `0..len` into consecutive cores of at most `core` pixels.
pub(crate) fn core_spans(len: u32, core: u32) -> Vec<(u32, u32)> {
    let core = core.max(1);
    (0..len.div_ceil(core))
        .map(|i| (i * core, ((i + 1) * core).min(len)))
        .collect()
}

/// A window of fixed size `min(len, core + 2·context)` that contains the core
/// `start..end` with up to `context` pixels on each side: shifted inward at the
/// image's edges so every model run has the same input size.
/// Returns the window's start and size.
pub(crate) fn window(len: u32, core: u32, context: u32, start: u32) -> (u32, u32) {
    let size = len.min(core + 2 * context);
    let from = start.saturating_sub(context).min(len - size);
    (from, size)
}

/// Starts of `tile`-sized tiles covering `0..len`, evenly spread so that
/// neighbours overlap by at least `overlap`. One tile at 0 when `len <= tile`
/// (the caller pads).
pub(crate) fn covering_starts(len: u32, tile: u32, overlap: u32) -> Vec<u32> {
    if len <= tile {
        return vec![0];
    }
    let stride = (tile - overlap).max(1);
    let n = (len - overlap).div_ceil(stride).max(2);
    let last = u64::from(len - tile);
    (0..n)
        .map(|i| ((u64::from(i) * last * 2 + u64::from(n - 1)) / (2 * u64::from(n - 1))) as u32)
        .collect()
}

/// Blending weight of position `pos` in a tile of `size` along one axis:
/// ramps linearly over `ramp` pixels on a side that overlaps a neighbour
/// (`lead` before, `trail` after), and is 1 elsewhere. Never 0.
pub(crate) fn feather(pos: u32, size: u32, lead: bool, trail: bool, ramp: u32) -> f32 {
    let ramp = ramp.max(1) as f32;
    let mut w = 1.0f32;
    if lead {
        w = w.min((pos as f32 + 0.5) / ramp);
    }
    if trail {
        w = w.min((size as f32 - pos as f32 - 0.5) / ramp);
    }
    w.clamp(1e-3, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_mirrors_without_repeating_the_edge() {
        let got: Vec<u32> = (-3..7).map(|i| reflect(i, 4)).collect();
        assert_eq!(got, [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
        assert_eq!(reflect(5, 1), 0);
    }

    #[test]
    fn cores_partition_the_axis_and_windows_hold_them() {
        let spans = core_spans(300, 128);
        assert_eq!(spans, [(0, 128), (128, 256), (256, 300)]);
        for (s, e) in spans {
            let (from, size) = window(300, 128, 12, s);
            assert_eq!(size, 152);
            assert!(from <= s && e <= from + size && from + size <= 300);
        }
        assert_eq!(window(100, 128, 12, 0), (0, 100));
    }

    #[test]
    fn covering_tiles_overlap_enough_and_reach_the_end() {
        for len in [385, 512, 700, 1024, 1999] {
            let starts = covering_starts(len, 384, 64);
            assert_eq!(starts[0], 0);
            assert_eq!(*starts.last().unwrap() + 384, len);
            for pair in starts.windows(2) {
                assert!(pair[0] + 384 >= pair[1] + 64, "{len}: {starts:?}");
            }
        }
    }
}
