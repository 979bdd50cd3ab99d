//! HD upscaling with ESRGAN slim (UpscalerJS), ×2 or ×4, tiled.
//!
//! The photo is cut into cores of `Tiling::core` pixels. Each runs in a
//! window of fixed size that adds `Tiling::context` pixels of real
//! surroundings on every side (shifted inward at the image's edges); after
//! upscaling, the context is cropped off and only the core is kept, so
//! neighbouring tiles meet without seams and every run has the same input
//! size. Tiles are produced one band (a row of tiles) at a time: memory is one
//! band of output plus one tile, whatever the photo's size. The streaming form
//! writes each band straight into a PNG file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use super::tiles::{core_spans, window};
use super::{check_cancel, lock, run_error, shape_error, EngineError, IsCancelled, Progress};
use crate::inference::{self, ModelSpec, ESRGAN_X2, ESRGAN_X4};

/// Largest result `upscale` builds in memory (use `upscale_to_png` beyond).
pub const MAX_IN_MEMORY_PIXELS: u64 = 400_000_000;
/// Largest result side a PNG may have.
const MAX_PNG_SIDE: u64 = (1 << 31) - 1;

/// How much bigger the result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpscaleFactor {
    X2,
    X4,
}

impl UpscaleFactor {
    pub fn scale(self) -> u32 {
        match self {
            Self::X2 => 2,
            Self::X4 => 4,
        }
    }

    fn spec(self) -> ModelSpec {
        match self {
            Self::X2 => ESRGAN_X2,
            Self::X4 => ESRGAN_X4,
        }
    }
}

/// Tile geometry in input pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiling {
    /// Side of the part of each tile that is kept.
    pub core: u32,
    /// Real surroundings added on each side for the run, then cropped off.
    pub context: u32,
}

impl Default for Tiling {
    /// 128 px cores with 12 px of context: 152 px runs (x4: 165 ms for 128 px
    /// on 2 cores), about 30 MB of working memory at x4.
    fn default() -> Self {
        Tiling {
            core: 128,
            context: 12,
        }
    }
}

/// The upscaling models, ready to enlarge photos. Share one per process.
#[derive(Debug)]
pub struct Upscaler {
    x2: Mutex<Session>,
    x4: Mutex<Session>,
}

impl Upscaler {
    /// Load ONNX Runtime (see `inference::runtime`) and both ESRGAN models from
    /// `models_dir` (see `inference::locate_models_dir`), verifying their sha256.
    pub fn load(
        ort_lib: Option<&Path>,
        models_dir: Option<&Path>,
    ) -> Result<Upscaler, EngineError> {
        let env = inference::runtime(ort_lib)?;
        let dir = inference::locate_models_dir(models_dir)?;
        let load = |spec| inference::load_model(env, &dir, spec).map(|m| Mutex::new(m.session));
        Ok(Upscaler {
            x2: load(ESRGAN_X2)?,
            x4: load(ESRGAN_X4)?,
        })
    }

    /// Upscale `image` in memory with the default tiling.
    pub fn upscale(
        &self,
        image: &RgbImage,
        factor: UpscaleFactor,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<RgbImage, EngineError> {
        self.upscale_with(image, factor, Tiling::default(), is_cancelled, progress)
    }

    /// Upscale `image` in memory with the given tiling.
    pub fn upscale_with(
        &self,
        image: &RgbImage,
        factor: UpscaleFactor,
        tiling: Tiling,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<RgbImage, EngineError> {
        let (ow, oh) = output_size(image, factor)?;
        if u64::from(ow) * u64::from(oh) > MAX_IN_MEMORY_PIXELS {
            return Err(EngineError::ResultTooLarge {
                width: u64::from(ow),
                height: u64::from(oh),
            });
        }
        let mut out = Vec::with_capacity(ow as usize * oh as usize * 3);
        self.bands(image, factor, tiling, is_cancelled, progress, &mut |rows| {
            out.extend_from_slice(rows);
            Ok(())
        })?;
        RgbImage::from_raw(ow, oh, out).ok_or(EngineError::ResultTooLarge {
            width: u64::from(ow),
            height: u64::from(oh),
        })
    }

    /// Upscale `image` straight into a PNG file at `path`, one band at a time,
    /// so memory stays bounded whatever the size. The file is written under a
    /// temporary name beside `path` and renamed only on success: a cancel or
    /// an error leaves nothing behind (and an existing `path` untouched).
    pub fn upscale_to_png(
        &self,
        image: &RgbImage,
        factor: UpscaleFactor,
        path: &Path,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<(), EngineError> {
        let (ow, oh) = output_size(image, factor)?;
        let write_error = |reason: String| EngineError::Write {
            path: path.display().to_string(),
            reason,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".likeness-upscale-")
            .suffix(".png.part")
            .tempfile_in(dir)
            .map_err(|e| write_error(e.to_string()))?;
        {
            let file: &File = temp.as_file();
            let mut encoder = png::Encoder::new(BufWriter::with_capacity(1 << 20, file), ow, oh);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder
                .write_header()
                .map_err(|e| write_error(e.to_string()))?;
            let mut stream = writer
                .stream_writer()
                .map_err(|e| write_error(e.to_string()))?;
            self.bands(
                image,
                factor,
                Tiling::default(),
                is_cancelled,
                progress,
                &mut |rows| {
                    stream
                        .write_all(rows)
                        .map_err(|e| write_error(e.to_string()))
                },
            )?;
            stream.finish().map_err(|e| write_error(e.to_string()))?;
            writer.finish().map_err(|e| write_error(e.to_string()))?;
        }
        temp.as_file()
            .sync_all()
            .map_err(|e| write_error(e.to_string()))?;
        temp.persist(path)
            .map_err(|e| write_error(e.error.to_string()))?;
        Ok(())
    }

    /// Upscale band by band (a row of tiles each), handing each band's output
    /// rows, top to bottom, to `sink`.
    fn bands(
        &self,
        image: &RgbImage,
        factor: UpscaleFactor,
        tiling: Tiling,
        is_cancelled: IsCancelled,
        progress: Progress,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let spec = factor.spec();
        let session = match factor {
            UpscaleFactor::X2 => &self.x2,
            UpscaleFactor::X4 => &self.x4,
        };
        let err = run_error(spec);
        let f = factor.scale() as usize;
        let (w, h) = image.dimensions();
        let core = tiling.core.max(1);
        let rows = core_spans(h, core);
        let cols = core_spans(w, core);
        let total = (rows.len() * cols.len()) as f32;
        let out_w = w as usize * f;
        let raw = image.as_raw();
        let mut band = vec![0u8; out_w * core.min(h) as usize * f * 3];
        let mut input = Vec::new();
        let mut done = 0.0;
        check_cancel(is_cancelled)?;
        progress(0.0);
        for &(y0, y1) in &rows {
            let (wy, wh) = window(h, core, tiling.context, y0);
            for &(x0, x1) in &cols {
                check_cancel(is_cancelled)?;
                let (wx, ww) = window(w, core, tiling.context, x0);
                input.clear();
                for y in wy..wy + wh {
                    let start = (y as usize * w as usize + wx as usize) * 3;
                    input.extend(
                        raw[start..start + ww as usize * 3]
                            .iter()
                            .map(|&v| f32::from(v)),
                    );
                }
                let tensor =
                    TensorRef::from_array_view(([1usize, wh as usize, ww as usize, 3], &*input))
                        .map_err(&err)?;
                let mut session = lock(session);
                let outputs = session.run(ort::inputs![tensor]).map_err(&err)?;
                let (_, out) = outputs[0].try_extract_tensor::<f32>().map_err(&err)?;
                let tile_w = ww as usize * f;
                let expected = wh as usize * f * tile_w * 3;
                if out.len() != expected {
                    return Err(shape_error(spec, expected, out.len()));
                }
                // Keep the core: rows (y0-wy)·f.., columns (x0-wx)·f.. of the tile.
                let core_w = (x1 - x0) as usize * f;
                let (cy, cx) = ((y0 - wy) as usize * f, (x0 - wx) as usize * f);
                for r in 0..(y1 - y0) as usize * f {
                    let src = &out[((cy + r) * tile_w + cx) * 3..][..core_w * 3];
                    let dst = &mut band[(r * out_w + x0 as usize * f) * 3..][..core_w * 3];
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = (s.clamp(0.0, 255.0) + 0.5) as u8;
                    }
                }
                done += 1.0;
                progress(done / total);
            }
            sink(&band[..(y1 - y0) as usize * f * out_w * 3])?;
        }
        Ok(())
    }
}

fn output_size(image: &RgbImage, factor: UpscaleFactor) -> Result<(u32, u32), EngineError> {
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return Err(EngineError::ImageTooSmall {
            width: w,
            height: h,
            min: 1,
        });
    }
    let s = u64::from(factor.scale());
    let (ow, oh) = (u64::from(w) * s, u64::from(h) * s);
    if ow > MAX_PNG_SIDE || oh > MAX_PNG_SIDE {
        return Err(EngineError::ResultTooLarge {
            width: ow,
            height: oh,
        });
    }
    Ok((ow as u32, oh as u32))
}
