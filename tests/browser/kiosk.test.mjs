// The kiosk in Chromium against the real binary: buying to the receipt, a declined card, a
// hanging payment ended by the shop clock, a reload in the middle of the saga, the return to
// the attract screen, a checkout by keyboard alone, and the screens' accessibility.
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";

import {LANDSCAPE, PORTRAIT, launchBrowser, openPage, screenshot, seriousViolations, startShop, tabTo} from "./support.mjs";

const ADDRESS = {
  "address-name": "Ada Lovelace",
  "address-line1": "Marktstraße 1",
  "address-city": "Berlin",
  "address-postal-code": "10115",
  "address-country": "DE",
};
const progress = '[data-testid="order-progress"]';

let shop;
let browser;
before(async () => {
  shop = await startShop();
  // Business time moves only when a test moves it: a hanging payment waits for the test.
  await shop.api("POST", "/api/test/clock", {freeze: true});
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await shop?.stop();
});

async function toCatalog(page) {
  await page.goto(`${shop.url}/kiosk`);
  await page.getByTestId("attract").click();
  await page.locator('[data-testid="product-card"]').first().waitFor();
}

async function buy(page, sku, card) {
  await toCatalog(page);
  await page.locator(`[data-testid="product-card"][data-sku="${sku}"] [data-testid="add-to-cart"]`).click();
  assert.equal(await page.getByTestId("cart-count").textContent(), "1");
  await page.getByRole("button", {name: /^Cart/}).click();
  await page.getByTestId("checkout").click();
  for (const [testId, value] of Object.entries(ADDRESS)) {
    await page.getByTestId(testId).fill(value);
  }
  await page.getByTestId(card).check();
  await page.getByTestId("place-order").click();
  await page.locator(`${progress}[data-order-id]`).waitFor();
  return page.locator(progress).getAttribute("data-order-id");
}

async function statusIs(page, status) {
  await page.locator(`${progress}[data-status="${status}"]`).waitFor();
}

describe("kiosk", () => {
  test("a card that approves leads to a receipt with the order's tracking number", async () => {
    const page = await openPage(browser, PORTRAIT);
    await page.goto(`${shop.url}/kiosk`);
    await page.getByTestId("attract").waitFor();
    await screenshot(page, "kiosk-attract-portrait");
    const id = await buy(page, "COF-ESP", "pay-approves");
    await statusIs(page, "confirmed");
    await page.getByTestId("receipt").waitFor();
    const order = await shop.api("GET", `/api/orders/${id}`);
    assert.ok(order.tracking_number);
    assert.match(await page.getByTestId("receipt").textContent(), new RegExp(order.tracking_number));
    await screenshot(page, "kiosk-receipt-portrait");
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test("a card that declines ends cancelled with its reason and the stock given back", async () => {
    const page = await openPage(browser, LANDSCAPE);
    const id = await buy(page, "TEA-GRN", "pay-declines");
    await statusIs(page, "cancelled");
    assert.match(await page.locator("#outcome").textContent(), /declined/);
    await page.getByText("Stock given back").waitFor();
    assert.equal((await shop.api("GET", `/api/orders/${id}`)).cancel_reason, "payment_declined");
    await screenshot(page, "kiosk-cancelled-landscape");
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test("a hanging payment is ended by the shop clock, and a reload mid-saga shows its progress", async () => {
    const page = await openPage(browser, PORTRAIT);
    const id = await buy(page, "KIT-MUG", "pay-hangs");
    await page.locator(".steps li.done", {hasText: "Stock reserved"}).waitFor();
    await statusIs(page, "pending");
    await page.reload();
    await page.locator(`${progress}[data-order-id="${id}"]`).waitFor();
    await page.locator(".steps li.done", {hasText: "Stock reserved"}).waitFor();
    await statusIs(page, "pending");
    await shop.api("POST", "/api/test/clock", {advance_ms: 24 * 3600 * 1000});
    await statusIs(page, "cancelled");
    assert.match(await page.locator("#outcome").textContent(), /too long/);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test("without a touch for kiosk.idle_timeout_ms the kiosk drops the cart and shows the attract screen", async () => {
    const page = await openPage(browser, LANDSCAPE);
    await page.clock.install();
    await toCatalog(page);
    await page.locator('[data-testid="add-to-cart"]:not([disabled])').first().click();
    assert.equal(await page.getByTestId("cart-count").textContent(), "1");
    const {idle_timeout_ms: idle} = await shop.api("GET", "/api/kiosk/settings");
    await page.clock.fastForward(idle - 1000);
    assert.equal(await page.getByTestId("attract").isVisible(), false);
    await page.clock.fastForward(2000);
    await page.getByTestId("attract").waitFor();
    assert.equal(await page.getByTestId("cart-count").textContent(), "0");
    await page.context().close();
  });

  test("a checkout by keyboard alone reaches the receipt", async () => {
    const page = await openPage(browser, PORTRAIT);
    await page.goto(`${shop.url}/kiosk`);
    await tabTo(page, "#start");
    await page.keyboard.press("Enter");
    await tabTo(page, '[data-sku="SNK-CKE"] [data-testid="add-to-cart"]');
    await page.keyboard.press("Enter");
    await tabTo(page, "#open-cart");
    await page.keyboard.press("Enter");
    await tabTo(page, '[data-testid="checkout"]');
    await page.keyboard.press("Enter");
    for (const [testId, value] of Object.entries(ADDRESS)) {
      await tabTo(page, `[data-testid="${testId}"]`);
      await page.keyboard.type(value);
    }
    await tabTo(page, '[data-testid="pay-approves"]');
    await page.keyboard.press("Space");
    await tabTo(page, '[data-testid="place-order"]');
    await page.keyboard.press("Enter");
    await statusIs(page, "confirmed");
    await page.getByTestId("receipt").waitFor();
    await page.context().close();
  });

  test("the API's refusal of an address field is shown at that field", async () => {
    const page = await openPage(browser, LANDSCAPE);
    await toCatalog(page);
    await page.locator('[data-sku="TEA-BLK"] [data-testid="add-to-cart"]').click();
    await page.getByRole("button", {name: /^Cart/}).click();
    await page.getByTestId("checkout").click();
    await page.getByTestId("place-order").click();
    assert.equal(await page.getByTestId("address-name").getAttribute("aria-invalid"), "true");
    for (const [testId, value] of Object.entries(ADDRESS)) {
      await page.getByTestId(testId).fill(value);
    }
    await page.getByTestId("address-country").fill("D1");
    await page.getByTestId("place-order").click();
    assert.match(await page.locator("#address-country-error").textContent(), /Two capital letters/);
    await screenshot(page, "kiosk-checkout-landscape");
    await page.context().close();
  });

  test("at 200 % zoom and at both kiosk sizes no screen has a serious or critical accessibility violation", async () => {
    // 200 % zoom of the portrait screen: half the CSS pixels, each drawn twice as large.
    for (const [viewport, name, scale] of [[PORTRAIT, "portrait", 1], [LANDSCAPE, "landscape", 1],
                                           [{width: 540, height: 960}, "zoomed", 2]]) {
      const page = await openPage(browser, viewport, {bypassCSP: true, deviceScaleFactor: scale});
      await page.goto(`${shop.url}/kiosk`);
      await page.getByTestId("attract").waitFor();
      assert.deepEqual(await seriousViolations(page), [], `attract, ${name}`);
      await page.getByTestId("attract").click();
      await page.locator('[data-testid="product-card"]').first().waitFor();
      await page.locator("img").first().evaluate((image) => image.decode());
      assert.deepEqual(await seriousViolations(page), [], `catalog, ${name}`);
      await screenshot(page, `kiosk-catalog-${name}`);
      await page.locator('[data-testid="add-to-cart"]:not([disabled])').first().click();
      await page.getByRole("button", {name: /^Cart/}).click();
      await page.getByTestId("checkout").click();
      assert.deepEqual(await seriousViolations(page), [], `checkout, ${name}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `no sideways scrolling, ${name}`);
      await page.context().close();
    }
  });
});
