// A shop that needs credentials: the kiosk asks for a kiosk key and then sells as it does on
// an open shop, seeing only the orders it placed; the console refuses the kiosk's key and takes
// an operator's.
import assert from "node:assert/strict";
import {after, before, test} from "node:test";

import {LANDSCAPE, launchBrowser, openPage, startShop} from "./support.mjs";

let shop;
let browser;
before(async () => {
  shop = await startShop([], {keys: ["admin", "kiosk", "operator"]});
  await shop.api("POST", "/api/products", {sku: "MUG", name: "Stoneware mug", price_cents: 1200,
                                           currency: "EUR", stock: 5, category: "Kitchen"}, shop.keys.admin);
  // The order module learns of the product from the inventory's message.
  await shop.api("GET", "/api/test/idle", undefined, shop.keys.admin);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await shop?.stop();
});

test("a kiosk signs in with its key, sells, and sees only the orders it placed", async () => {
  const other = await shop.api("POST", "/api/orders", {customer_id: "walk-in", items: [{sku: "MUG", quantity: 1}],
    shipping_address: {name: "A", line1: "B 1", city: "C", postal_code: "1", country: "DE"}, payment_token: "tok_ok"},
    shop.keys.admin);
  const page = await openPage(browser, LANDSCAPE);
  await page.goto(`${shop.url}/kiosk`);
  await page.getByTestId("sign-in-key").fill("shopd_not-a-key");
  await page.getByTestId("sign-in").click();
  await page.locator("#sign-in-error:not(:empty)").waitFor();
  await page.getByTestId("sign-in-key").fill(shop.keys.kiosk);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("attract").click();
  await page.locator('[data-sku="MUG"] [data-testid="add-to-cart"]').click();
  await page.getByRole("button", {name: /^Cart/}).click();
  await page.getByTestId("checkout").click();
  for (const [testId, value] of Object.entries({"address-name": "Ada", "address-line1": "Road 1",
    "address-city": "Berlin", "address-postal-code": "10115", "address-country": "DE"})) {
    await page.getByTestId(testId).fill(value);
  }
  await page.getByTestId("place-order").click();
  await page.locator('[data-testid="order-progress"][data-status="confirmed"]').waitFor();
  const mine = await page.locator('[data-testid="order-progress"]').getAttribute("data-order-id");
  const seen = await page.evaluate(async () => (await (await fetch("/api/orders")).json()).items.map((order) => order.id));
  assert.deepEqual(seen, [mine]);
  assert.notEqual(mine, other.id);
  // The 401 of the wrong key is the only failed request.
  assert.deepEqual(page.problems.filter((problem) => !problem.includes("/api/")), []);
  await page.context().close();
});

test("the console refuses a kiosk's key and serves an operator's", async () => {
  const page = await openPage(browser, LANDSCAPE);
  await page.goto(`${shop.url}/console`);
  await page.getByTestId("sign-in-key").fill(shop.keys.kiosk);
  await page.getByTestId("sign-in").click();
  await page.getByText("may not use the console").waitFor();
  await page.getByTestId("sign-in-key").fill(shop.keys.operator);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("order-row").first().waitFor();
  await page.getByTestId("module-graph").getByText("order").first().waitFor();
  await page.context().close();
});
