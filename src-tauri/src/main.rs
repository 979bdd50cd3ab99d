//! Likeness desktop entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    restart_with_a_fixed_mmap_threshold();
    #[cfg(target_os = "linux")]
    composite_without_dma_buf();
    // Before any thread starts: ONNX Runtime must never write its telemetry store.
    likeness_core::inference::disable_runtime_telemetry();
    likeness_app::run();
}

/// glibc raises its mmap threshold after each large free, so ONNX Runtime's
/// later buffers come from heaps it never gives back: about 130 MiB stayed
/// with the process after a sitting's models were let go
/// (`cargo bench -p likeness-core --bench session_memory`: 194 MiB after the
/// idle release, 65 MiB with the threshold fixed). A fixed threshold keeps
/// large blocks mapped, so freeing them returns them. glibc reads it only as a
/// process starts, so start again with it set (same arguments, same process
/// id); if that fails, go on as before. Only this process gets it: WebKit's
/// processes, started later, keep glibc's defaults.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn restart_with_a_fixed_mmap_threshold() {
    use std::os::unix::process::CommandExt;
    const TUNABLE: &str = "glibc.malloc.mmap_threshold";
    const SET_HERE: &str = "LIKENESS_MMAP_THRESHOLD_SET";
    if let Some(before) = std::env::var_os(SET_HERE) {
        // Restarted: glibc has read it; hand WebKit the environment as it was.
        if before.is_empty() {
            std::env::remove_var("GLIBC_TUNABLES");
        } else {
            std::env::set_var("GLIBC_TUNABLES", before);
        }
        std::env::remove_var(SET_HERE);
        return;
    }
    let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    if current.contains(TUNABLE) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let fixed = format!("{TUNABLE}=131072");
    let tunables = if current.is_empty() {
        fixed
    } else {
        format!("{current}:{fixed}")
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", tunables)
        .env(SET_HERE, &current)
        .exec();
    eprintln!("likeness: could not restart with a fixed mmap threshold ({error}); going on");
}

/// WebKitGTK's DMA-BUF renderer composites the page through GBM buffers;
/// without a GPU (Mesa's software GL) that cost the web process about
/// 100 MiB at a fresh start (release build under Xvfb: 231 MiB with it,
/// 110 MiB without). WebKit's older path still composites, and the app's
/// flat panels and images need nothing more. Set before WebKit starts, and
/// only if the user has not chosen.
#[cfg(target_os = "linux")]
fn composite_without_dma_buf() {
    const SWITCH: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(SWITCH).is_none() {
        std::env::set_var(SWITCH, "1");
    }
}
