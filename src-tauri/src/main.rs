//! Likeness desktop entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread starts: ONNX Runtime must never write its telemetry store.
    likeness_core::inference::disable_runtime_telemetry();
    likeness_app::run();
}
