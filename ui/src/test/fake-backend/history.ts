/**
 * The history of made images and their exports. `outputs` hold the UI's parsed shape;
 * `listOutputs` pages them like the backend's keyset. Exports go only into `exportFolder` or a
 * folder `pickFolder` returned, and only files an export returned can be shown in their folder,
 * as the backend enforces (the privacy archive is exported under the same rules).
 */
import type { ApiError, ExportRequest, ExportResult, Output, OutputFilter, OutputPage } from "../../lib/backend";
import { vaultUrl } from "./state";
import { FakeStudio } from "./studio";

export class FakeHistory extends FakeStudio {
  outputFilters: OutputFilter[] = [];
  deletedOutputs: number[] = [];
  exports: ExportRequest[] = [];
  shownInFolder: string[] = [];
  exportFolder = "/home/ada/Pictures/Likeness";
  /** What the folder dialog answers; `null` is Cancel. */
  pickedFolder: string | null = null;
  #pickedFolders = new Set<string>();
  #exportedFiles = new Set<string>();

  async listOutputs(filter: OutputFilter): Promise<OutputPage> {
    this.outputFilters.push(filter);
    const { after } = filter;
    const matches = this.outputs.filter(
      (o) =>
        (filter.portraitId === null || o.portraitId === filter.portraitId) &&
        (filter.styleKey === null || o.styleKey === filter.styleKey) &&
        (!filter.favouritesOnly || o.favourite) &&
        (filter.since === null || o.createdAt >= filter.since) &&
        (filter.until === null || o.createdAt < filter.until) &&
        (after === null || o.createdAt < after.createdAt || (o.createdAt === after.createdAt && o.id < after.id)),
    );
    const outputs = matches.slice(0, filter.limit);
    const last = outputs[outputs.length - 1];
    const more = matches.length > outputs.length;
    return { outputs, next: more && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  async getOutput(id: number): Promise<Output> {
    const output = this.outputs.find((o) => o.id === id);
    if (!output) throw { code: "not_found" };
    return { ...output };
  }

  async setFavourite(id: number, favourite: boolean): Promise<Output> {
    const expiresAt = (o: Output) => (favourite ? null : this.expiry(o.createdAt, this.policy.outputDays));
    this.outputs = this.outputs.map((o) => (o.id === id ? { ...o, favourite, expiresAt: expiresAt(o) } : o));
    return { ...this.outputs.find((o) => o.id === id)! };
  }

  async deleteOutput(id: number): Promise<void> {
    this.deletedOutputs.push(id);
    this.outputs = this.outputs.filter((o) => o.id !== id);
  }

  async exportOutputs(request: ExportRequest): Promise<ExportResult> {
    this.exports.push(request);
    const folder = this.exportFolderFor(request.folder);
    const extension = request.format === "jpeg" ? "jpg" : request.format;
    const files = request.outputIds.map((id) => `${folder}/likeness-${id}.${extension}`);
    for (const file of files) this.markExported(file);
    return { folder, files };
  }

  async defaultExportFolder(): Promise<string> {
    return this.exportFolder;
  }

  async showInFolder(file: string): Promise<void> {
    if (!this.#exportedFiles.has(file)) {
      throw { code: "not_exported" } satisfies ApiError;
    }
    this.shownInFolder.push(file);
  }

  async pickFolder(): Promise<string | null> {
    if (this.pickedFolder !== null) this.#pickedFolders.add(this.pickedFolder);
    return this.pickedFolder;
  }

  outputUrl(output: Output): string {
    return vaultUrl(output.image);
  }

  outputThumbnailUrl(output: Output): string {
    return vaultUrl(output.thumb);
  }

  /** The folder an export goes into: the default, or one the folder dialog returned. */
  protected exportFolderFor(folder: string | null): string {
    const chosen = folder ?? this.exportFolder;
    if (chosen !== this.exportFolder && !this.#pickedFolders.has(chosen)) {
      throw { code: "folder_not_chosen" } satisfies ApiError;
    }
    return chosen;
  }

  /** Lets `showInFolder` reveal a file an export wrote. */
  protected markExported(file: string): void {
    this.#exportedFiles.add(file);
  }
}
