// Likeness Cloud's facts in plain words, in the app's language: ledger lines, receipts, and how a
// purchase ended.
import type {
  CloudLedgerEntry,
  CloudLedgerKind,
  CloudOrder,
  CloudOrderState,
  CloudReceipt,
  CloudReceiptKind,
} from "../lib/backend";
import { locale, t, type MessageId } from "../lib/i18n";

const LEDGER_KINDS: Record<CloudLedgerKind, MessageId> = {
  grant: "store.ledger.grant",
  hold: "store.ledger.hold",
  charge: "store.ledger.charge",
  release: "store.ledger.release",
  refund: "store.ledger.refund",
};

const RECEIPT_KINDS: Record<CloudReceiptKind, MessageId> = {
  purchase: "store.receipt.purchase",
  job: "store.receipt.job",
};

/** "Bought", "Held for a job"… */
export function ledgerKindLabel(kind: CloudLedgerKind): string {
  return t(LEDGER_KINDS[kind]);
}

/** "Purchase" or "Job". */
export function receiptKindLabel(kind: CloudReceiptKind): string {
  return t(RECEIPT_KINDS[kind]);
}

/** Credits come in with a grant or a release, and go out with a hold or a charge. */
const INCOMING: Record<CloudLedgerKind, boolean> = {
  grant: true,
  release: true,
  refund: true,
  hold: false,
  charge: false,
};

/** 1200 → "1,200" ("1.200" in German): a number of credits, as the app's language writes it. */
export function creditNumber(credits: number): string {
  return new Intl.NumberFormat(locale()).format(credits);
}

/** "+100" or "−12". The server sends every amount positive and lets `kind` say which way it went. */
export function signedCredits({ kind, credits }: Pick<CloudLedgerEntry, "kind" | "credits">): string {
  return `${INCOMING[kind] ? "+" : "−"}${creditNumber(Math.abs(credits))}`;
}

/** What a ledger line or receipt belongs to: "Order ord_1", "Job job_7", or "" for neither. */
export function belongsTo({ orderId, jobId }: Pick<CloudReceipt, "orderId" | "jobId">): string {
  if (orderId) return t("store.order", { id: orderId });
  if (jobId) return t("store.job", { id: jobId });
  return "";
}

const UNPAID: Record<Exclude<CloudOrderState, "paid">, MessageId> = {
  processing: "store.outcome.processing",
  pending: "store.outcome.pending",
  failed: "store.outcome.failed",
  expired: "store.outcome.expired",
};

/** The sentence a finished checkout ends with, and whether credits were added. */
export function orderOutcome({ state, credits }: CloudOrder): { sentence: string; paid: boolean } {
  if (state === "paid") return { sentence: t("store.outcome.paid", { count: credits }), paid: true };
  return { sentence: t(UNPAID[state]), paid: false };
}
