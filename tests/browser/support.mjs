// What the browser tests share: a real shopd started on a free port with the demo catalog, and
// Debian's Chromium driven by playwright-core.
import {execFileSync, spawn} from "node:child_process";
import {mkdtempSync, mkdirSync, readFileSync, rmSync} from "node:fs";
import {createRequire} from "node:module";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createInterface} from "node:readline";
import {chromium} from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const SHOPD = process.env.SHOPD_BINARY;
export const SCREENSHOTS = process.env.SHOPD_SCREENSHOTS;
export const PORTRAIT = {width: 1080, height: 1920};
export const LANDSCAPE = {width: 1920, height: 1080};

// The test's environment without its own SHOPD_* variables, which shopd would take for
// settings.
function shopEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SHOPD_")));
}

// Starts shopd as a test suite would and resolves once its ready line names the port. With
// `keys` (role names), the shop needs credentials: the keys are made in its data directory
// before it starts, their secrets returned as `keys`, and no demo catalog is seeded.
export async function startShop(extraArguments = [], {keys = []} = {}) {
  if (!SHOPD) throw new Error("SHOPD_BINARY names the shopd to test");
  const directory = mkdtempSync(join(tmpdir(), "shopd-browser-"));
  const readyFile = join(directory, "ready.json");
  const secrets = Object.fromEntries(keys.map((role) => [role, execFileSync(SHOPD,
    ["keys", "create", "--data-dir", join(directory, "data"), "--name", `${role}-1`, "--role", role],
    {encoding: "utf8", env: shopEnvironment()}).trim()]));
  const storage = keys.length ? ["--data-dir", join(directory, "data")] : ["--memory", "--demo"];
  const child = spawn(SHOPD, [...storage, "--listen", "127.0.0.1:0", "--ready-file", readyFile,
                              "--test-mode", "--set", "log.access=false", ...extraArguments],
                      {stdio: ["ignore", "pipe", "inherit"], env: shopEnvironment()});
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const ready = await new Promise((resolve, reject) => {
    const lines = createInterface({input: child.stdout});
    lines.once("line", (line) => resolve(JSON.parse(line)));
    child.once("exit", (code) => reject(new Error(`shopd exited with ${code} before it was ready`)));
  });
  const url = ready.url;
  return {
    url,
    keys: secrets,
    // As `key` when given (a secret of `keys`), as no one otherwise.
    async api(method, path, body, key) {
      const headers = body === undefined ? {} : {"Content-Type": "application/json"};
      if (key) headers.Authorization = `Bearer ${key}`;
      const response = await fetch(url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : {};
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(directory, {recursive: true, force: true});
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
}

// A page whose console errors (a blocked script or style, an exception) fail the test.
export async function openPage(browser, viewport, options = {}) {
  const context = await browser.newContext({viewport, ...options});
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      page.problems.push(message.text());
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) page.problems.push(`${response.status()} ${response.url()}`);
  });
  page.on("pageerror", (error) => page.problems.push(String(error)));
  return page;
}

export async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, {recursive: true});
  await page.screenshot({path: join(SCREENSHOTS, `${name}.png`)});
}

// Presses Tab until the element matching `selector` has the focus (at most 200 times).
export async function tabTo(page, selector) {
  for (let presses = 0; presses < 200; ++presses) {
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted), selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

// What axe-core finds serious or critical on the page as it stands (the page's context must
// bypass its CSP, so that axe's script may run).
export async function seriousViolations(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, {resultTypes: ["violations"]}));
  return results.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(" ")}`);
}
