// Likeness Cloud's facts in plain words: ledger lines, receipts, and how a purchase ended.
import type { CloudLedgerEntry, CloudLedgerKind, CloudOrder, CloudReceipt, CloudReceiptKind } from "../lib/backend";
import { formatCount } from "../lib/format";

export const LEDGER_KIND_LABELS: Record<CloudLedgerKind, string> = {
  grant: "Bought",
  hold: "Held for a job",
  charge: "Charged",
  release: "Refunded",
  refund: "Refunded after a charge",
};

export const RECEIPT_KIND_LABELS: Record<CloudReceiptKind, string> = {
  purchase: "Purchase",
  job: "Job",
};

/** Credits come in with a grant or a release, and go out with a hold or a charge. */
const INCOMING: Record<CloudLedgerKind, boolean> = {
  grant: true,
  release: true,
  refund: true,
  hold: false,
  charge: false,
};

/** "+100" or "−12". The server sends every amount positive and lets `kind` say which way it went. */
export function signedCredits({ kind, credits }: Pick<CloudLedgerEntry, "kind" | "credits">): string {
  return `${INCOMING[kind] ? "+" : "−"}${Math.abs(credits)}`;
}

/** What a ledger line or receipt belongs to: "Order ord_1", "Job job_7", or "" for neither. */
export function belongsTo({ orderId, jobId }: Pick<CloudReceipt, "orderId" | "jobId">): string {
  if (orderId) return `Order ${orderId}`;
  if (jobId) return `Job ${jobId}`;
  return "";
}

/** The sentence a finished checkout ends with, and whether credits were added. */
export function orderOutcome({ state, credits }: CloudOrder): { sentence: string; paid: boolean } {
  switch (state) {
    case "paid":
      return { sentence: `${formatCount(credits, "credit")} added`, paid: true };
    case "processing":
      return { sentence: "Payment is processing; the credits arrive when it settles", paid: false };
    case "pending":
      return { sentence: "No payment was made", paid: false };
    case "failed":
      return { sentence: "The payment failed; nothing was charged", paid: false };
    case "expired":
      return { sentence: "The checkout was cancelled or ran out of time; nothing was charged", paid: false };
  }
}
