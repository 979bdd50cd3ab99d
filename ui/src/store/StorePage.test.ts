import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { CloudOrderState } from "../lib/backend";
import { applyLanguage } from "../lib/i18n";
import { FakeBackend, makeLedgerEntry, makeReceipt } from "../test/fake-backend";

async function openStore(backend: FakeBackend) {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Store" }));
  return user;
}

/** A Store with 100 credits bought and a 12-credit HD job charged, one receipt's signature broken. */
function storeWithHistory(): FakeBackend {
  const backend = new FakeBackend({ cloud: true });
  backend.balance = { credits: 76, held: 12 };
  const job = { orderId: null };
  backend.ledger = [
    makeLedgerEntry({
      ...job, entryId: 4, kind: "hold", credits: 12,
      jobId: "job_8", balanceAfter: 76, at: "2026-12-02T09:00:00Z",
    }),
    makeLedgerEntry({
      ...job, entryId: 3, kind: "charge", credits: 12,
      jobId: "job_7", balanceAfter: 88, at: "2026-12-01T12:00:00Z",
    }),
    makeLedgerEntry({
      ...job, entryId: 2, kind: "release", credits: 12,
      jobId: "job_6", balanceAfter: 88, at: "2026-12-01T11:00:00Z",
    }),
    makeLedgerEntry({ entryId: 1, kind: "grant", credits: 100, orderId: "ord_1", at: "2026-12-01T10:00:00Z" }),
  ];
  backend.receipts = [
    makeReceipt({
      receiptId: "rcpt_2", kind: "job", credits: 12, amountCents: null, currency: null,
      orderId: null, jobId: "job_7", issuedAt: "2026-12-01T12:00:00Z", valid: false,
    }),
    makeReceipt({ receiptId: "rcpt_1" }),
  ];
  return backend;
}

describe("Store", () => {
  it("sits between History and Privacy in the sidebar", async () => {
    await openStore(new FakeBackend());
    const labels = within(screen.getByRole("navigation")).getAllByRole("button").map((b) => b.textContent?.trim());
    expect(labels).toEqual(["Library", "Studio", "History", "Store", "Privacy", "Settings"]);
    expect(screen.getByRole("button", { name: "Store" })).toHaveAttribute("aria-current", "page");
  });

  it("explains that cloud is off and sends the user to Settings to turn it on", async () => {
    const backend = new FakeBackend();
    const user = await openStore(backend);

    const off = await screen.findByTestId("store-cloud-off");
    expect(off).toHaveTextContent("Likeness Cloud is off");
    expect(off).toHaveTextContent("nothing leaves this computer");
    expect(screen.queryByTestId("cloud-pack")).not.toBeInTheDocument();
    await user.click(within(off).getByRole("button", { name: "Open Settings" }));

    expect(await screen.findByTestId("cloud-section")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Settings" })).toHaveAttribute("aria-current", "page");
  });

  it("shows the balance with the held credits, and every pack with its price and a Buy button", async () => {
    await openStore(storeWithHistory());

    expect(await screen.findByTestId("cloud-balance")).toHaveTextContent("76 credits");
    expect(screen.getByTestId("cloud-held")).toHaveTextContent("12 credits held for jobs still running");
    const packs = await screen.findAllByTestId("cloud-pack");
    expect(packs.map((p) => p.textContent?.replace(/\s+/g, " ").trim())).toEqual([
      expect.stringMatching(/^100 credits €5\.00 Buy$/),
      expect.stringMatching(/^500 credits €20\.00 Buy$/),
    ]);
  });

  it("hides the held credits when none are held", async () => {
    const backend = new FakeBackend({ cloud: true });
    backend.balance = { credits: 3, held: 0 };
    await openStore(backend);

    expect(await screen.findByTestId("cloud-balance")).toHaveTextContent("3 credits");
    expect(screen.queryByTestId("cloud-held")).not.toBeInTheDocument();
    expect(screen.getByTestId("ledger-empty")).toHaveTextContent("No credits have moved yet.");
    expect(screen.getByTestId("receipts-empty")).toHaveTextContent("No receipts yet.");
  });

  it("lists the ledger newest first, each line in words with its signed credits and what it belongs to", async () => {
    await openStore(storeWithHistory());

    const rows = await screen.findAllByTestId("ledger-entry");
    const cells = rows.map((row) => within(row).getAllByRole("cell").slice(0, 4).map((c) => c.textContent?.trim()));
    expect(cells).toEqual([
      ["Held for a job", "−12", "Job job_8", "76"],
      ["Charged", "−12", "Job job_7", "88"],
      ["Refunded", "+12", "Job job_6", "88"],
      ["Bought", "+100", "Order ord_1", "100"],
    ]);
    expect(within(rows[3]).getByRole("cell", { name: /2026/ })).toBeInTheDocument();
  });

  it("shows every receipt, marking one whose signature is invalid as a warning instead of hiding it", async () => {
    await openStore(storeWithHistory());

    const receipts = await screen.findAllByTestId("receipt");
    expect(receipts).toHaveLength(2);
    const [job, purchase] = receipts;
    expect(job).toHaveTextContent("Job");
    expect(job).toHaveTextContent("12 credits");
    expect(within(job).getByTestId("receipt-signature")).toHaveTextContent("Signature INVALID");
    expect(job).toHaveClass("invalid");
    expect(purchase).toHaveTextContent("Purchase");
    expect(purchase).toHaveTextContent("€5.00");
    expect(purchase).toHaveTextContent("Order ord_1");
    expect(within(purchase).getByTestId("receipt-signature")).toHaveTextContent("Signature valid");
    expect(purchase).not.toHaveClass("invalid");
    expect(screen.getByTestId("receipts-invalid")).toHaveTextContent("One receipt's signature doesn't match");
  });

  it("waits for the checkout window, then says the credits were added and shows the new balance and ledger", async () => {
    const backend = new FakeBackend({ cloud: true });
    let closeCheckout = () => {};
    backend.checkoutWindow = new Promise((resolve) => (closeCheckout = resolve));
    const user = await openStore(backend);
    expect(await screen.findByTestId("cloud-balance")).toHaveTextContent("0 credits");

    await user.click(await screen.findByRole("button", { name: "Buy 100 credits" }));

    expect(await screen.findByTestId("checkout-waiting")).toHaveTextContent("Finish the purchase in the checkout window…");
    expect(backend.packsBought).toEqual(["pack_100"]);
    for (const buy of screen.getAllByRole("button", { name: /^Buy / })) expect(buy).toBeDisabled();
    closeCheckout();

    expect(await screen.findByTestId("order-outcome")).toHaveTextContent("100 credits added");
    expect(screen.queryByTestId("checkout-waiting")).not.toBeInTheDocument();
    expect(await screen.findByText("100 credits", { selector: "[data-testid=cloud-balance]" })).toBeInTheDocument();
    const [bought] = await screen.findAllByTestId("ledger-entry");
    expect(bought).toHaveTextContent("Bought");
    expect(bought).toHaveTextContent("+100");
    expect(await screen.findAllByTestId("receipt")).toHaveLength(1);
  });

  const UNPAID: [CloudOrderState, string][] = [
    ["processing", "Payment is processing; the credits arrive when it settles"],
    ["pending", "No payment was made"],
    ["failed", "The payment failed; nothing was charged"],
    ["expired", "The checkout was cancelled or ran out of time; nothing was charged"],
  ];

  it.each(UNPAID)("says so plainly when the checkout ends %s, and adds no credits", async (state, sentence) => {
    const backend = new FakeBackend({ cloud: true });
    backend.orderState = state;
    const user = await openStore(backend);

    await user.click(await screen.findByTestId("buy-pack_500"));

    expect(await screen.findByTestId("order-outcome")).toHaveTextContent(sentence);
    expect(screen.getByTestId("cloud-balance")).toHaveTextContent("0 credits");
    expect(backend.balance.credits).toBe(0);
  });

  it("shows a checkout that couldn't open as an error and lets the user try again", async () => {
    const backend = new FakeBackend({ cloud: true });
    backend.failNext = { code: "checkout_failed" };
    const user = await openStore(backend);

    await user.click(await screen.findByTestId("buy-pack_100"));

    expect(await screen.findByTestId("buy-error")).toHaveTextContent("The checkout couldn't be opened or finished.");
    expect(screen.getByTestId("buy-pack_100")).toBeEnabled();
    await user.click(screen.getByTestId("buy-pack_100"));
    expect(await screen.findByTestId("order-outcome")).toHaveTextContent("100 credits added");
    expect(screen.queryByTestId("buy-error")).not.toBeInTheDocument();
  });

  describe("paying in the web browser", () => {
    it("opens the checkout there, and adds the credits when its link comes back", async () => {
      const backend = new FakeBackend({ cloud: true });
      const user = await openStore(backend);

      await user.click(await screen.findByTestId("pay-in-browser"));
      await user.click(screen.getByTestId("buy-pack_100"));

      expect(await screen.findByTestId("browser-waiting")).toHaveTextContent("Finish the purchase in your browser");
      expect(screen.getByTestId("buy-pack_500")).toBeDisabled();
      expect(backend.balance.credits).toBe(0);
      const [orderId] = backend.browserOrders.keys();
      await backend.returnFromBrowser(orderId);

      expect(await screen.findByTestId("order-outcome")).toHaveTextContent("100 credits added");
      expect(screen.queryByTestId("browser-waiting")).not.toBeInTheDocument();
      expect(await screen.findByTestId("cloud-balance")).toHaveTextContent("100 credits");
    });

    it("says when Check now finds no payment yet, and shows it once it has arrived", async () => {
      const backend = new FakeBackend({ cloud: true });
      backend.orderState = "pending";
      const user = await openStore(backend);
      await user.click(await screen.findByTestId("pay-in-browser"));
      await user.click(screen.getByTestId("buy-pack_500"));

      await user.click(await screen.findByTestId("check-order"));
      expect(await screen.findByTestId("order-not-yet")).toHaveTextContent("No payment has arrived yet.");
      backend.orderState = "paid";
      await user.click(screen.getByTestId("check-order"));

      expect(await screen.findByTestId("order-outcome")).toHaveTextContent("500 credits added");
    });

    it("shows a refused link as a clear error, and keeps waiting for the real one", async () => {
      const backend = new FakeBackend({ cloud: true });
      const user = await openStore(backend);
      await user.click(await screen.findByTestId("pay-in-browser"));
      await user.click(screen.getByTestId("buy-pack_100"));
      await screen.findByTestId("browser-waiting");

      backend.openLink({ kind: "refused", error: { code: "bad_link" } });

      expect(await screen.findByTestId("buy-error")).toHaveTextContent("Likeness didn't use that link.");
      expect(screen.getByTestId("browser-waiting")).toBeInTheDocument();
      expect(backend.balance.credits).toBe(0);
    });

    it("opens the Store when a link comes back while another page is open", async () => {
      const backend = new FakeBackend({ cloud: true });
      const user = userEvent.setup();
      render(App, { props: { backend } });
      await user.click(await screen.findByRole("button", { name: "History" }));
      const order = await backend.buyPackInBrowser("pack_500");

      await backend.returnFromBrowser(order.orderId);

      expect(await screen.findByTestId("order-outcome")).toHaveTextContent("500 credits added");
      expect(screen.getByRole("button", { name: "Store" })).toHaveAttribute("aria-current", "page");
    });

    it("shows a link that came back before the Store was open as soon as it opens", async () => {
      const backend = new FakeBackend({ cloud: true });
      const order = await backend.buyPackInBrowser("pack_100");
      await backend.returnFromBrowser(order.orderId);

      await openStore(backend);

      expect(await screen.findByTestId("order-outcome")).toHaveTextContent("100 credits added");
    });
  });

  describe("in another language", () => {
    it("speaks German: headings, credits, prices, ledger and receipts, with German dates and money", async () => {
      const user = await openStore(storeWithHistory());
      await screen.findAllByTestId("ledger-entry");
      applyLanguage("de");
      await tick();

      expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Shop");
      expect(screen.getByRole("heading", { name: "Guthaben" })).toBeInTheDocument();
      expect(screen.getByTestId("cloud-balance")).toHaveTextContent("76 Credits");
      expect(screen.getByTestId("cloud-held")).toHaveTextContent("und 12 Credits für noch laufende Aufträge reserviert");
      const [starter] = screen.getAllByTestId("cloud-pack");
      expect(starter).toHaveTextContent(/^100 Credits\s*5,00\s€\s*Kaufen$/);

      const rows = screen.getAllByTestId("ledger-entry");
      expect(rows.map((row) => within(row).getAllByRole("cell")[0].textContent)).toEqual([
        "Für einen Auftrag reserviert",
        "Abgebucht",
        "Zurückerstattet",
        "Gekauft",
      ]);
      expect(rows[3]).toHaveTextContent("Bestellung ord_1");
      expect(within(rows[3]).getByRole("cell", { name: /^01\.12\.2026, \d\d:\d\d$/ })).toBeInTheDocument();
      const [job, purchase] = screen.getAllByTestId("receipt");
      expect(job).toHaveTextContent("Auftrag");
      expect(within(job).getByTestId("receipt-signature")).toHaveTextContent("Signatur UNGÜLTIG");
      expect(purchase).toHaveTextContent("5,00 €");
      expect(screen.getByTestId("receipts-invalid")).toHaveTextContent(
        "Die Signatur eines Belegs passt nicht zum Schlüssel von Likeness Cloud.",
      );

      await user.click(screen.getByRole("button", { name: "100 Credits kaufen" }));
      expect(await screen.findByTestId("order-outcome")).toHaveTextContent("100 Credits hinzugefügt");
    });

    it("speaks Japanese, with Japanese dates", async () => {
      const user = await openStore(storeWithHistory());
      await screen.findAllByTestId("ledger-entry");
      applyLanguage("ja");
      await tick();

      expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("ストア");
      expect(screen.getByRole("heading", { name: "クレジットを購入" })).toBeInTheDocument();
      expect(screen.getByTestId("cloud-balance")).toHaveTextContent("76クレジット");
      const [, , , bought] = screen.getAllByTestId("ledger-entry");
      expect(bought).toHaveTextContent("購入");
      expect(within(bought).getByRole("cell", { name: /^2026\/12\/01 \d{1,2}:\d\d$/ })).toBeInTheDocument();
      expect(screen.getByTestId("receipts-invalid")).toHaveTextContent("1件の領収書の署名");

      await user.click(screen.getByTestId("pay-in-browser"));
      await user.click(screen.getByTestId("buy-pack_100"));
      expect(await screen.findByTestId("browser-waiting")).toHaveTextContent("ブラウザで購入を完了してください。");
      expect(screen.getByRole("button", { name: "今すぐ確認" })).toBeInTheDocument();
    });
  });
});
