/** Records in the backend's shapes, with plain defaults a test overrides field by field. */
import type {
  CloudLedgerEntry,
  CloudReceipt,
  Job,
  ModerationRecordEntry,
  Output,
  Portrait,
  StoredStylePicture,
  StyleInfo,
} from "../../lib/backend";

export function makePortrait(overrides: Partial<Portrait> = {}): Portrait {
  return {
    id: 1,
    sha256: "ab12",
    originalName: "ada.jpg",
    format: "jpeg",
    width: 1200,
    height: 1600,
    bytes: 1_234_567,
    importedAt: "2025-03-04T10:00:00Z",
    lastUsedAt: "2025-03-04T10:00:00Z",
    expiresAt: null,
    image: `portrait/${overrides.id ?? 1}`,
    thumb: `portrait-thumb/${overrides.id ?? 1}`,
    ...overrides,
  };
}

const STYLE_NAMES = [
  "Impressionism", "Watercolour", "Oil portrait", "Pastel", "Charcoal", "Ink wash", "Gouache",
  "Fresco", "Pointillism", "Art nouveau", "Baroque", "Rococo", "Pre-Raphaelite", "Fauvism",
  "Expressionism", "Cubism", "Pop art", "Ukiyo-e", "Tempera", "Renaissance", "Romanticism",
  "Art deco", "Sumi-e", "Egg tempera", "Encaustic", "Silverpoint",
];

/** Styles that start below full strength, as the real catalog has some. */
export const GENTLER_STYLES: Record<string, number> = { Cubism: 70, Pointillism: 80 };

/** The 26 built-in styles: "Watercolour" has the id "watercolour". */
export function makeStyles(): StyleInfo[] {
  return STYLE_NAMES.map((name) => ({
    id: name.toLowerCase().replace(/[^a-z]+/g, "_"),
    name,
    defaultStrengthPercent: GENTLER_STYLES[name] ?? 100,
  }));
}

/**
 * Styles as the real backend sends them (ids the catalogues name in every language), and one it
 * might send later, which the catalogues don't know yet.
 */
export function makeCatalogueStyles(): StyleInfo[] {
  return [
    { id: "style-02", name: "Ink Wash", defaultStrengthPercent: 70 },
    { id: "style-15", name: "Stained Glass", defaultStrengthPercent: 50 },
    { id: "style-26", name: "Neon Noir", defaultStrengthPercent: 80 },
  ];
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 1,
    portraitId: 1,
    kind: "preview",
    settingsJson: "{}",
    state: "queued",
    progress: 0,
    error: null,
    attempts: 0,
    createdAt: "2025-03-04T10:00:00Z",
    startedAt: null,
    finishedAt: null,
    parentOutputId: null,
    ...overrides,
  };
}

/** An output in the UI's shape; its `styleKey` follows a single preset style. */
export function makeOutput(overrides: Partial<Output> = {}): Output {
  const output: Output = {
    id: 1,
    jobId: 1,
    portraitId: 1,
    sha256: "cd34",
    format: "webp",
    width: 512,
    height: 640,
    bytes: 245_000,
    settings: {
      framing: "shoulders",
      orientation: "4:5",
      style: { kind: "preset", mix: [["impressionism", 1]] },
      strength: 0.8,
      seed: 1234,
    },
    sourceCrop: null,
    cloudCharge: null,
    styleKey: null,
    engine: "likeness-paint 0.1",
    modelHashes: {},
    seed: 1234,
    favourite: false,
    createdAt: "2025-03-04T10:00:00Z",
    madeFrom: null,
    expiresAt: null,
    image: `output/${overrides.id ?? 1}`,
    thumb: `output-thumb/${overrides.id ?? 1}`,
    ...overrides,
  };
  const style = output.settings?.style;
  output.styleKey ??= style?.kind === "preset" && style.mix.length === 1 ? style.mix[0][0] : null;
  return output;
}

export function makeModerationRecord(overrides: Partial<ModerationRecordEntry> = {}): ModerationRecordEntry {
  return {
    id: 1,
    decision: "accept",
    reason: "accepted",
    confidenceBand: "high",
    decidedAt: "2026-12-02T10:00:00Z",
    expiresAt: "2029-12-01T10:00:00Z",
    ageLimit: 25,
    inUse: false,
    ...overrides,
  };
}

export function makeStylePicture(overrides: Partial<StoredStylePicture> = {}): StoredStylePicture {
  const sha256 = overrides.sha256 ?? "5a7e".repeat(16);
  return {
    sha256,
    bytes: 350_000,
    storedAt: "2026-11-20T10:00:00Z",
    usedBy: 0,
    image: `style-picture/${sha256}`,
    ...overrides,
  };
}

/** A pack bought: 100 credits granted for order `ord_1`. */
export function makeLedgerEntry(overrides: Partial<CloudLedgerEntry> = {}): CloudLedgerEntry {
  return {
    entryId: 1,
    kind: "grant",
    credits: 100,
    orderId: "ord_1",
    jobId: null,
    balanceAfter: 100,
    at: "2026-12-01T10:00:00Z",
    ...overrides,
  };
}

/** The receipt of a 100-credit pack bought for €5.00, its signature valid. */
export function makeReceipt(overrides: Partial<CloudReceipt> = {}): CloudReceipt {
  return {
    receiptId: "rcpt_1",
    kind: "purchase",
    credits: 100,
    amountCents: 500,
    currency: "EUR",
    orderId: "ord_1",
    jobId: null,
    issuedAt: "2026-12-01T10:00:00Z",
    valid: true,
    ...overrides,
  };
}

export function makeFile(name: string, content: string, type = "image/jpeg"): File {
  return new File([content], name, { type });
}
