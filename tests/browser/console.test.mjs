// The console in Chromium against the real binary: orders found by their filters, an order's
// live timeline, the module graph, a dead letter (a capture that failed past its attempts)
// replayed from the page until its order confirms, and an order stuck while a message retries.
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";

import {LANDSCAPE, PORTRAIT, launchBrowser, openPage, screenshot, seriousViolations, startShop} from "./support.mjs";

const ADDRESS = {name: "Grace Hopper", line1: "1 Navy Way", city: "Arlington", postal_code: "22201", country: "US"};

let shop;
let browser;
const orders = {};

async function place(token, customer) {
  const placed = await shop.api("POST", "/api/orders", {
    customer_id: customer, items: [{sku: "TEA-BLK", quantity: 1}], shipping_address: ADDRESS, payment_token: token});
  return placed.id;
}

// Waits, through the API, until `done` holds of what `path` answers.
async function until(path, done) {
  for (;;) {
    const answer = await shop.api("GET", path);
    if (done(answer)) return answer;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  // Two attempts, then the delivery is parked; tok_fail_2 fails exactly twice.
  // The parked order waits for its replay, however long the test takes.
  shop = await startShop(["--set", "delivery.max_attempts=2", "--set", "delivery.retry_base_ms=5",
                          "--set", "order.step_timeout_ms=3600000"]);
  browser = await launchBrowser();
  orders.confirmed = await place("tok_ok", "alice");
  orders.declined = await place("tok_decline", "bob");
  orders.parked = await place("tok_fail_2", "carol");
  await until("/api/admin/dead-letters", (answer) => answer.items.length === 1);
  await until(`/api/orders/${orders.declined}`, (order) => order.status === "cancelled");
  await until(`/api/orders/${orders.confirmed}`, (order) => order.status === "confirmed");
});
after(async () => {
  await browser?.close();
  await shop?.stop();
});

const row = (id) => `[data-testid="order-row"][data-order-id="${id}"]`;

describe("console", () => {
  test("orders are found by status, reason and customer, and one's timeline is shown live", async () => {
    const page = await openPage(browser, LANDSCAPE);
    await page.goto(`${shop.url}/console`);
    for (const id of Object.values(orders)) await page.locator(row(id)).waitFor();
    await page.getByTestId("filter-status").selectOption("cancelled");
    await page.locator(row(orders.confirmed)).waitFor({state: "detached"});
    assert.equal(await page.getByTestId("order-row").count(), 1);
    await page.locator(row(orders.declined)).waitFor();
    await page.getByTestId("filter-status").selectOption("");
    await page.getByTestId("filter-reason").selectOption("payment_declined");
    await page.locator(row(orders.parked)).waitFor({state: "detached"});
    assert.equal(await page.getByTestId("order-row").count(), 1);
    await page.getByTestId("filter-reason").selectOption("");
    await page.getByTestId("filter-customer").fill("alice");
    await page.locator(row(orders.declined)).waitFor({state: "detached"});
    await page.locator(`${row(orders.confirmed)} button`).click();
    await page.locator('[data-testid="order-timeline"] [data-testid="timeline-entry"]', {hasText: "status: confirmed"}).waitFor();
    assert.ok(await page.getByTestId("timeline-entry").count() >= 5);
    await page.getByTestId("module-graph").getByText("payment.capture_payment").first().waitFor();
    const another = await place("tok_ok", "erin");
    await page.getByTestId("message-feed").getByText(another.slice(-12)).first().waitFor();
    await screenshot(page, "console-landscape");
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test("a dead letter is replayed from the page and its order confirms", async () => {
    const page = await openPage(browser, PORTRAIT);
    await page.goto(`${shop.url}/console`);
    await page.locator(`${row(orders.parked)} button`).click();
    await page.locator("#deliveries", {hasText: "parked"}).waitFor();
    const letter = page.getByTestId("dead-letter-row").filter({hasText: orders.parked});
    await letter.getByTestId("replay").click();
    await letter.waitFor({state: "detached"});
    await until(`/api/orders/${orders.parked}`, (order) => order.status === "confirmed");
    await page.locator('[data-testid="timeline-entry"]', {hasText: "status: confirmed"}).waitFor();
    await screenshot(page, "console-portrait");
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test("the console has no serious or critical accessibility violation", async () => {
    const page = await openPage(browser, LANDSCAPE, {bypassCSP: true});
    await page.goto(`${shop.url}/console`);
    await page.locator(row(orders.confirmed)).waitFor();
    await page.locator(`${row(orders.confirmed)} button`).click();
    await page.getByTestId("timeline-entry").first().waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.context().close();
  });

  test("an order whose message is being retried is stuck until the retry succeeds", async () => {
    // With the shop clock frozen the retry of tok_fail_1's failed capture never comes due.
    await shop.api("POST", "/api/test/clock", {freeze: true});
    const retrying = await place("tok_fail_1", "dave");
    await until(`/api/admin/deliveries?correlation_id=${retrying}`,
                (answer) => answer.items.some((delivery) => delivery.state === "retrying" && delivery.attempts > 0));
    const page = await openPage(browser, LANDSCAPE);
    await page.goto(`${shop.url}/console`);
    await page.locator(row(orders.confirmed)).waitFor();
    await page.getByTestId("filter-stuck").check();
    await page.locator(row(orders.confirmed)).waitFor({state: "detached"});
    await page.locator(row(retrying)).waitFor();
    assert.equal(await page.getByTestId("order-row").count(), 1);
    await shop.api("POST", "/api/test/clock", {freeze: false});
    await until(`/api/orders/${retrying}`, (order) => order.status === "confirmed");
    await page.locator(row(retrying)).waitFor({state: "detached"});
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
});
