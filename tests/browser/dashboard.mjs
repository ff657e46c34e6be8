// SPDX-License-Identifier: ISC
// Drives the dashboard in Debian's headless Chromium like an owner would: pair, set a password, log in,
// read a sensor's chart, write a sharing policy and find it in the audit log. Screenshots go to $ARTIFACTS.
//
// env: HUB_URL (https://hearth.local[:port]), HUB_IP (where hearth.local is, for Chromium's resolver), SPKI_SHA256 (base64 SHA-256 of the hub's public key, so
// Chromium trusts exactly that key), SETUP_CODE (from the console), PASSWORD, SENSOR (reported by the
// test before), POLICY (text to save), ARTIFACTS (folder). Prints one "ok <step>" / "FAIL <step>: why"
// line per step and exits non-zero on the first failure.
import { chromium } from "playwright-core";
import path from "node:path";
import fs from "node:fs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing env ${name}`);
  return v;
};
const hub = env("HUB_URL"), artifacts = env("ARTIFACTS"), sensor = env("SENSOR");
fs.mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--ignore-certificate-errors-spki-list=${env("SPKI_SHA256")}`,
    `--host-resolver-rules=MAP hearth.local ${env("HUB_IP")}`],
});
let failed = false;
const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
const page = await context.newPage();
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.setDefaultTimeout(30000);

async function step(name, fn) {
  if (failed) return;
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${String(e.message || e).split("\n")[0]}`);
    await page.screenshot({ path: path.join(artifacts, `failed-${name.replace(/\W+/g, "-")}.png`), fullPage: true })
      .catch(() => {});
  }
}
// Chromium aborts a navigation with ERR_NETWORK_CHANGED when the machine's interfaces change under it (a
// test's fresh network namespace settling: IPv6 addresses appearing on the TAP); that is the host, not the
// hub, so such a navigation is tried again, a few times.
async function go(url) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.goto(url);
    } catch (e) {
      if (attempt >= 5 || !/ERR_NETWORK_CHANGED/.test(String(e.message))) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

await step("unauthenticated visit lands on the setup page", async () => {
  await go(hub + "/");
  await page.waitForURL(/\/login\.html/);
  await page.locator("#setup-form").waitFor({ state: "visible" });
  await shot("01-setup");
});

await step("pair with the console's setup code and set a password", async () => {
  await page.fill("#setup-code", env("SETUP_CODE"));
  await page.fill("#setup-password", env("PASSWORD"));
  await page.fill("#setup-confirm", env("PASSWORD"));
  await page.click("#setup-form button[type=submit]");
  await page.waitForURL((u) => !u.pathname.endsWith("/login.html"));
  await page.locator(`.card[data-sensor="${sensor}"]`).waitFor();
  await shot("02-sensors");
});

await step("log out, then log in with the password", async () => {
  await go(hub + "/#/settings");
  await page.click("text=Log out");
  await page.waitForURL(/\/login\.html/);
  await page.locator("#login-form").waitFor({ state: "visible" });
  await page.fill("#login-password", env("PASSWORD"));
  await page.click("#login-form button[type=submit]");
  await page.waitForURL((u) => !u.pathname.endsWith("/login.html"));
  await page.locator(`.card[data-sensor="${sensor}"]`).waitFor();
});

await step("the sensor's card shows its latest value", async () => {
  const text = await page.locator(`.card[data-sensor="${sensor}"] .value`).first().innerText();
  if (!/\d/.test(text)) throw new Error(`no value on the card: "${text}"`);
});

await step("the sensor's chart is drawn from the readings", async () => {
  await page.click(`.card[data-sensor="${sensor}"]`);
  await page.selectOption("select[aria-label=tier]", "raw");
  await page.locator("#chart canvas").waitFor();
  await page.waitForFunction(() => Number(document.getElementById("chart")?.dataset.points || 0) > 0);
  await shot("03-chart");
});

await step("a sharing policy is saved", async () => {
  await go(hub + "/#/sharing");
  await page.locator("#policy").waitFor();
  await page.fill("#policy", env("POLICY"));
  await page.click("#policy-save");
  await page.waitForFunction(() => /^Saved/.test(document.getElementById("policy-status")?.textContent || ""));
  await shot("04-policy");
});

await step("the audit log shows the policy change and the chain verifies", async () => {
  await go(hub + "/#/audit");
  await page.locator("#audit-table").waitFor();
  const table = await page.locator("#audit-table").innerText();
  if (!/policy/i.test(table)) throw new Error(`no policy entry in the audit table: ${table.slice(0, 200)}`);
  await page.click("#audit-verify");
  await page.waitForFunction(() => /Chain intact/.test(document.getElementById("audit-verdict")?.textContent || ""));
  await shot("05-audit");
});

await step("the settings page downloads the trace as Chrome/Perfetto JSON", async () => {
  await go(hub + "/#/settings");
  const href = await page.locator("#trace-download").getAttribute("href");
  // Fetched by the page itself, as the link would be: the session cookie goes along.
  const doc = await page.evaluate((u) => fetch(u, { credentials: "same-origin" }).then((r) => r.json()), href);
  const cats = new Set((doc.traceEvents || []).map((e) => e.cat));
  for (const want of ["net", "tcp", "tls", "http"])
    if (!cats.has(want)) throw new Error(`no ${want} events in the trace (${[...cats].join(", ")})`);
});

await step("the dashboard fits a phone screen", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await go(hub + "/#/");
  await page.locator(`.card[data-sensor="${sensor}"]`).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) throw new Error(`the page is ${overflow} px wider than the phone screen`);
  await shot("06-phone");
});

await step("no script errors in the page", async () => {
  const real = consoleErrors.filter((t) => !/401|Unauthorized/.test(t));
  if (real.length) throw new Error(real.join(" | "));
});

await browser.close();
process.exit(failed ? 1 : 0);
