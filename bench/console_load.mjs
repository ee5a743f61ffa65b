// Whether the console stays responsive with many orders and a busy bus: a started shopd
// (--demo) holding N orders placed through the API, the console loaded in Chromium, then orders
// placed at a steady rate (about 11 messages each) while the page's filter is changed again and
// again. Prints one line: console_load orders=N first_rows_ms=... messages_per_s=...
// filter_p50_ms=... filter_max_ms=... longest_task_ms=...
//
// usage: SHOPD_BINARY=build/release/shopd NODE_PATH=node_modules node bench/console_load.mjs [orders] [orders_per_s]
import {LANDSCAPE, launchBrowser, startShop} from "../tests/browser/support.mjs";

const total = Number(process.argv[2] || 10000);
const rate = Number(process.argv[3] || 18);
const ADDRESS = {name: "Load", line1: "1 Road", city: "Town", postal_code: "1", country: "DE"};
const shop = await startShop(["--set", "log.access=false"]);
await shop.api("POST", "/api/products/TEA-BLK/stock", {delta: 10_000_000});
const place = (index) => shop.api("POST", "/api/orders", {customer_id: `customer-${index % 500}`,
  items: [{sku: "TEA-BLK", quantity: 1}], shipping_address: ADDRESS, payment_token: "tok_ok"});
let placed = 0;
await Promise.all(Array.from({length: 32}, async () => {
  while (placed < total) await place(placed++);
}));
while (!(await shop.api("GET", "/api/test/idle")).idle) await new Promise((resolve) => setTimeout(resolve, 50));

const browser = await launchBrowser();
try {
  const page = await (await browser.newContext({viewport: LANDSCAPE})).newPage();
  await page.addInitScript(() => {
    window.longestTask = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longestTask = Math.max(window.longestTask, entry.duration);
    }).observe({type: "longtask", buffered: true});
  });
  const started = Date.now();
  await page.goto(`${shop.url}/console`);
  await page.getByTestId("order-row").first().waitFor();
  const firstRows = Date.now() - started;

  let stop = false;
  let loaded = 0;
  const load = (async () => {
    const began = Date.now();
    while (!stop) {
      await place(total + loaded++);
      const due = began + (loaded * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    }
  })();
  const filters = [];
  const feedStart = Date.now();
  // The newest message's number, in the feed's first row.
  const newest = () => page.evaluate(() => Number(document.querySelector("#messages tr td")?.textContent || 0));
  const seenAtStart = await newest();
  for (let round = 0; round < 20; ++round) {
    const status = round % 2 ? "confirmed" : "";
    const t0 = Date.now();
    const answered = page.waitForResponse((response) => response.url().includes("/api/orders?"));
    await page.getByTestId("filter-status").selectOption(status);
    await answered;
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
    filters.push(Date.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  const seenAtEnd = await newest();
  const seconds = (Date.now() - feedStart) / 1000;
  stop = true;
  await load;
  filters.sort((a, b) => a - b);
  const longest = await page.evaluate(() => window.longestTask);
  console.log(`console_load orders=${total + loaded} first_rows_ms=${firstRows} ` +
              `messages_per_s=${((seenAtEnd - seenAtStart) / seconds).toFixed(0)} ` +
              `filter_p50_ms=${filters[Math.floor(filters.length / 2)]} filter_max_ms=${filters.at(-1)} ` +
              `longest_task_ms=${longest.toFixed(0)}`);
} finally {
  await browser.close();
  await shop.stop();
}
