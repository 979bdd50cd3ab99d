//! Declare the app's commands so each becomes a permission; a window may call
//! only those its capability grants.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "list_portraits",
        "import_portrait",
        "delete_portrait",
        "consent_status",
        "consent_history",
        "record_consent",
        "withdraw_consent",
        "youthful_age",
        "set_youthful_age",
        "list_styles",
        "style_thumbnails",
        "enqueue_preview",
        "enqueue_hd",
        "list_jobs",
        "cancel_job",
        "retry_job",
        "list_outputs",
        "set_favourite",
        "delete_output",
        "export_outputs",
        "default_export_folder",
        "pick_folder",
        "show_in_folder",
        "import_style_picture",
        "keep_portrait",
        "portrait_image_count",
        "withdraw_purpose",
        "privacy_inventory",
        "retention",
        "set_retention",
        "list_moderation_records",
        "delete_moderation_record",
        "list_style_pictures",
        "delete_style_picture",
        "export_everything",
        "begin_archive_upload",
        "append_archive_upload",
        "import_archive",
        "delete_everything",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}
