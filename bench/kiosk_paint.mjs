// How soon the kiosk paints and how much it weighs: a started shopd (--demo), Chromium loading
// /kiosk in a fresh context each round, first-contentful-paint as the page measures it from the
// request; and the page's own HTML, JS and CSS gzip-compressed, as a network would carry them.
// Prints one line: kiosk_paint rounds=N fcp_p50_ms=... fcp_p95_ms=... fcp_max_ms=...
// shell_gzip_bytes=... js_css_gzip_bytes=...
//
// usage: SHOPD_BINARY=build/release/shopd NODE_PATH=node_modules node bench/kiosk_paint.mjs [rounds]
import {gzipSync} from "node:zlib";

import {PORTRAIT, launchBrowser, startShop} from "../tests/browser/support.mjs";

const rounds = Number(process.argv[2] || 20);
const shop = await startShop();
const browser = await launchBrowser();
const paints = [];
try {
  for (let round = 0; round < rounds; ++round) {
    const context = await browser.newContext({viewport: PORTRAIT});
    const page = await context.newPage();
    await page.goto(`${shop.url}/kiosk`);
    await page.getByTestId("attract").waitFor();
    const paint = await page.evaluate(() => new Promise((resolve) => {
      const found = performance.getEntriesByName("first-contentful-paint")[0];
      if (found) return resolve(found.startTime);
      new PerformanceObserver((list) => resolve(list.getEntries()[0].startTime))
        .observe({type: "paint", buffered: true});
    }));
    paints.push(paint);
    await context.close();
  }
  const gzipped = async (path) => gzipSync(Buffer.from(await (await fetch(shop.url + path)).arrayBuffer()), {level: 9}).length;
  const jsCss = (await Promise.all(["/kiosk/kiosk.js", "/kiosk/kiosk.css", "/lib/shop.js"].map(gzipped)))
    .reduce((sum, size) => sum + size, 0);
  const shell = await gzipped("/kiosk");
  paints.sort((a, b) => a - b);
  const at = (q) => paints[Math.min(paints.length - 1, Math.floor(q * paints.length))];
  console.log(`kiosk_paint rounds=${rounds} fcp_p50_ms=${at(0.5).toFixed(1)} ` +
              `fcp_p95_ms=${at(0.95).toFixed(1)} fcp_max_ms=${paints.at(-1).toFixed(1)} ` +
              `shell_gzip_bytes=${shell} js_css_gzip_bytes=${jsCss}`);
} finally {
  await browser.close();
  await shop.stop();
}
