/**
 * Likeness Cloud: off until `enableCloud` (or `new FakeBackend({ cloud: true })`), then credits,
 * their ledger and receipts, packs and HD on the cloud, kept here as the server would keep them.
 * `buyPack` waits on `checkoutWindow` (the window the user has not closed yet) and ends its order
 * in `orderState`; only `paid` grants credits. `enqueueCloudHd` holds the quote's credits, or
 * fails with `insufficient_credits` when the balance is short. `buyPackInBrowser` leaves its order
 * pending until `cloudOrder` asks, then ends it in `orderState`; `returnFromBrowser` and
 * `openLink` play the `likeness://` link coming back.
 */
import type {
  ApiError,
  CloudBalance,
  CloudLedgerEntry,
  CloudLedgerKind,
  CloudOrder,
  CloudOrderState,
  CloudPack,
  CloudReceipt,
  CloudStatus,
  ConsentWording,
  EngineChoice,
  HdFactor,
  Job,
  LinkOutcome,
} from "../../lib/backend";
import { FakePrivacy } from "./privacy";

export const DEFAULT_PACKS: CloudPack[] = [
  { packId: "pack_100", name: "Starter", credits: 100, amountCents: 500, currency: "EUR" },
  { packId: "pack_500", name: "Studio", credits: 500, amountCents: 2000, currency: "EUR" },
];

/** HD costs 12 credits and about 20 s on the cloud, about 4 min here; the cloud is recommended. */
export function makeEngineChoice(overrides: Partial<EngineChoice> = {}): EngineChoice {
  return {
    local: { available: true, seconds: 240, reason: null },
    cloud: {
      available: true,
      credits: 12,
      seconds: 20,
      quoteId: "quote_1",
      expiresAt: "2026-12-02T10:10:00Z",
      reason: null,
    },
    recommended: "cloud",
    ...overrides,
  };
}

const CLOUD_OFF: ApiError = { code: "cloud_off" };

export class FakeCloud extends FakePrivacy {
  cloud: CloudStatus = { enabled: false, serverUrl: "", signedIn: false, enabledAt: null };
  /** The arguments of each `enableCloud`. */
  cloudConsents: { serverUrl: string; wording: ConsentWording }[] = [];
  packs: CloudPack[] = DEFAULT_PACKS.map((pack) => ({ ...pack }));
  balance: CloudBalance = { credits: 0, held: 0 };
  /** Newest first, like the server. */
  ledger: CloudLedgerEntry[] = [];
  /** Newest first, like the server. */
  receipts: CloudReceipt[] = [];
  /** How the next checkout ends. */
  orderState: CloudOrderState = "paid";
  /** Set to hold `buyPack` as if the checkout window were still open. */
  checkoutWindow: Promise<void> | null = null;
  /** The `packId` of each `buyPack` and `buyPackInBrowser`. */
  packsBought: string[] = [];
  /** The orders whose checkout was opened in the browser, by id. */
  browserOrders = new Map<string, CloudOrder>();
  /** What the last `likeness://` link did, until `takeLinkOutcome`. */
  linkOutcome: LinkOutcome | null = null;
  #linkListeners = new Set<() => void>();
  engineChoice: EngineChoice = makeEngineChoice();
  /** The arguments of each `hdChoices`. */
  choicesAsked: { outputId: number; factor: HdFactor }[] = [];
  /** The arguments of each `enqueueCloudHd`. */
  cloudUpscaled: { outputId: number; factor: HdFactor; quoteId: string }[] = [];
  #nextOrder = 1;

  async cloudStatus(): Promise<CloudStatus> {
    return { ...this.cloud };
  }

  async enableCloud(serverUrl: string, wording: ConsentWording): Promise<CloudStatus> {
    this.throwFailNext();
    this.cloudConsents.push({ serverUrl, wording });
    this.cloud = { enabled: true, serverUrl, signedIn: true, enabledAt: new Date().toISOString() };
    return { ...this.cloud };
  }

  async disableCloud(): Promise<CloudStatus> {
    this.cloud = { ...this.cloud, enabled: false, enabledAt: null };
    return { ...this.cloud };
  }

  async cloudPacks(): Promise<CloudPack[]> {
    this.#requireCloud();
    return this.packs.map((pack) => ({ ...pack }));
  }

  async cloudBalance(): Promise<CloudBalance> {
    this.#requireCloud();
    return { ...this.balance };
  }

  async cloudLedger(): Promise<CloudLedgerEntry[]> {
    this.#requireCloud();
    return this.ledger.map((entry) => ({ ...entry }));
  }

  async cloudReceipts(): Promise<CloudReceipt[]> {
    this.#requireCloud();
    return this.receipts.map((receipt) => ({ ...receipt }));
  }

  async buyPack(packId: string): Promise<CloudOrder> {
    this.#requireCloud();
    this.packsBought.push(packId);
    const pack = this.#pack(packId);
    await this.checkoutWindow;
    this.throwFailNext();
    const order: CloudOrder = { orderId: `ord_${this.#nextOrder++}`, packId, state: this.orderState, credits: pack.credits };
    this.#settle(order, pack);
    return order;
  }

  async buyPackInBrowser(packId: string): Promise<CloudOrder> {
    this.#requireCloud();
    this.throwFailNext();
    this.packsBought.push(packId);
    const pack = this.#pack(packId);
    const order: CloudOrder = { orderId: `ord_${this.#nextOrder++}`, packId, state: "pending", credits: pack.credits };
    this.browserOrders.set(order.orderId, order);
    return { ...order };
  }

  async cloudOrder(orderId: string): Promise<CloudOrder> {
    this.#requireCloud();
    this.throwFailNext();
    const order = this.browserOrders.get(orderId);
    if (!order) throw { code: "not_found" } satisfies ApiError;
    if (order.state === "pending" && this.orderState !== "pending") {
      order.state = this.orderState;
      this.#settle(order, this.#pack(order.packId));
    }
    return { ...order };
  }

  async takeLinkOutcome(): Promise<LinkOutcome | null> {
    const outcome = this.linkOutcome;
    this.linkOutcome = null;
    return outcome;
  }

  async onLinkOpened(cb: () => void): Promise<() => void> {
    this.#linkListeners.add(cb);
    return () => this.#linkListeners.delete(cb);
  }

  /** The browser's checkout came back through its link: the order as the server then says. */
  async returnFromBrowser(orderId: string): Promise<void> {
    this.openLink({ kind: "order", order: await this.cloudOrder(orderId) });
  }

  /** The app handled a `likeness://` link with `outcome`, and tells the window. */
  openLink(outcome: LinkOutcome): void {
    this.linkOutcome = outcome;
    for (const cb of this.#linkListeners) cb();
  }

  #pack(packId: string): CloudPack {
    const pack = this.packs.find((p) => p.packId === packId);
    if (!pack) throw { code: "not_found" } satisfies ApiError;
    return pack;
  }

  /** A paid order grants its credits, with a receipt. */
  #settle(order: CloudOrder, pack: CloudPack): void {
    if (order.state === "paid") {
      this.balance.credits += pack.credits;
      this.#record("grant", pack.credits, { orderId: order.orderId });
      this.receipts.unshift({
        receiptId: `rcpt_${order.orderId}`,
        kind: "purchase",
        credits: pack.credits,
        amountCents: pack.amountCents,
        currency: pack.currency,
        orderId: order.orderId,
        jobId: null,
        issuedAt: new Date().toISOString(),
        valid: true,
      });
    }
  }

  async hdChoices(outputId: number, factor: HdFactor): Promise<EngineChoice> {
    this.throwFailNext();
    this.choicesAsked.push({ outputId, factor });
    return structuredClone(this.engineChoice);
  }

  async enqueueCloudHd(outputId: number, factor: HdFactor, quoteId: string): Promise<Job> {
    this.#requireCloud();
    this.throwFailNext();
    this.cloudUpscaled.push({ outputId, factor, quoteId });
    const needed = this.engineChoice.cloud.credits ?? 0;
    if (this.balance.credits < needed) {
      throw { code: "insufficient_credits" } satisfies ApiError;
    }
    this.balance.credits -= needed;
    this.balance.held += needed;
    const job = this.addHdJob(outputId, factor);
    this.#record("hold", needed, { jobId: `cjob_${job.id}` });
    return job;
  }

  #requireCloud(): void {
    if (!this.cloud.enabled) throw { ...CLOUD_OFF };
  }

  #record(kind: CloudLedgerKind, credits: number, ids: { orderId?: string; jobId?: string }): void {
    this.ledger.unshift({
      // After any entries a test put there itself, so the ledger's keys stay unique.
      entryId: Math.max(0, ...this.ledger.map((entry) => entry.entryId)) + 1,
      kind,
      credits,
      orderId: ids.orderId ?? null,
      jobId: ids.jobId ?? null,
      balanceAfter: this.balance.credits,
      at: new Date().toISOString(),
    });
  }
}
