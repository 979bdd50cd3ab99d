//! `privacy`: the inventory, the archive of everything, and delete-all.

use std::path::Path;
use std::process::ExitCode;

use likeness_core::{ErrorCode, Services};

use crate::error::CliError;
use crate::output::emit;

pub fn status(json: bool, library: &Services) -> Result<ExitCode, CliError> {
    let inventory = library.privacy.inventory()?;
    emit(json, &inventory, || {
        let mut text = format!("data folder {}\n", inventory.data_dir);
        for item in &inventory.items {
            let kept = item
                .kept_for_days
                .map_or_else(|| "until deleted".to_owned(), |d| format!("{d} days"));
            let next = item.next_expiry.as_deref().unwrap_or("-");
            text.push_str(&format!(
                "{:<20} {:>6} items {:>12} bytes  kept {kept:<14} next deletion {next}\n",
                format!("{:?}", item.kind),
                item.count,
                item.bytes
            ));
        }
        text.trim_end().to_owned()
    });
    Ok(ExitCode::SUCCESS)
}

/// Write the archive to `out`: made in `out`'s folder, then renamed to `out`
/// (never over an existing file).
pub fn export(json: bool, library: &Services, out: &Path) -> Result<ExitCode, CliError> {
    if out.exists() {
        return Err(CliError::new(
            ErrorCode::InvalidInput,
            format!("{} exists already; choose another name.", out.display()),
        ));
    }
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::env::current_dir().map_err(|e| CliError::new(ErrorCode::Io, e.to_string()))?,
    };
    let mut summary = library.privacy.export_archive(&folder)?;
    std::fs::rename(&summary.path, out).map_err(|e| CliError::new(ErrorCode::Io, e.to_string()))?;
    summary.path = out.display().to_string();
    emit(json, &summary, || {
        format!(
            "wrote {} ({} portraits, {} images, {} style pictures, {} moderation records, {} consent records, {} bytes)",
            summary.path,
            summary.portraits,
            summary.outputs,
            summary.style_pictures,
            summary.moderation_records,
            summary.consent_records,
            summary.bytes
        )
    });
    Ok(ExitCode::SUCCESS)
}

pub fn import(json: bool, library: &Services, file: &Path) -> Result<ExitCode, CliError> {
    let report = library.privacy.import_archive(file)?;
    emit(json, &report, || {
        format!(
            "imported {} portraits, {} images, {} style pictures, {} moderation records, {} consent records; {} already here, {} refused",
            report.portraits,
            report.outputs,
            report.style_pictures,
            report.moderation_records,
            report.consent_records,
            report.duplicates,
            report.refused
        )
    });
    Ok(ExitCode::SUCCESS)
}

pub fn delete_all(json: bool, library: &Services) -> Result<ExitCode, CliError> {
    let receipt = library.privacy.delete_all()?;
    emit(json, &receipt, || {
        format!(
            "deleted {} portraits, {} images, {} style pictures, {} moderation records, {} consent records, {} jobs, {} settings; {} files ({} bytes) at {}",
            receipt.portraits,
            receipt.outputs,
            receipt.style_pictures,
            receipt.moderation_records,
            receipt.consent_records,
            receipt.jobs,
            receipt.settings,
            receipt.files,
            receipt.bytes,
            receipt.deleted_at
        )
    });
    Ok(ExitCode::SUCCESS)
}
