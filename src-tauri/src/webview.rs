//! How the main window's web engine draws.

/// WebKitGTK composites with OpenGL by default. Without a GPU (or with
/// Mesa's software GL) that cost the web process about 100 MiB at a fresh
/// start: 231 MiB with GPU compositing, 110 MiB without, measured on the
/// release build under Xvfb. The app's pages are flat panels and images,
/// which WebKit draws well on the CPU, so it never composites with the GPU.
#[cfg(target_os = "linux")]
pub fn draw_without_gpu_compositing(window: &tauri::WebviewWindow) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    let _ = window.with_webview(|webview| {
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
}
