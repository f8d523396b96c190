// node scripts/certificate-print-check.mjs — the certificate page and badge (src/certificates/render.ts) in headless
// Chromium, with the worst inputs the API accepts: each page prints to exactly one A4 and one US Letter sheet,
// loads nothing from anywhere (also under the handler's CSP), has a QR code that decodes to its own address and
// fits a phone's width; each badge is well-formed XML with the credential baked in first, and its text stays
// inside the medallion. Screenshots go to /tmp/certificate-*.png, the PDFs to /tmp/certificate-*.pdf. Uses
// Debian's chromium (CHROMIUM_PATH to point elsewhere). Prints `N passed, N failed` like .ci/run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import jsQR from "jsqr";
import { chromiumPath, launchChromium } from "./lib.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
chromiumPath();
/** What the certificate handler sends with the page: nothing may load, only inline styles and data: images. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  const shown = detail.length > 200 ? `${detail.slice(0, 200)}…` : detail;
  console.log(`${ok ? "✓" : "✗"} ${name}${shown ? ` — ${shown}` : ""}`);
}

// The page module is TypeScript with an npm import: bundled the way wrangler would, then imported.
const work = mkdtempSync(path.join(tmpdir(), "certificate-check-"));
const bundle = path.join(work, "render.mjs");
await build({
  entryPoints: [path.join(root, "src/certificates/render.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  outfile: bundle,
  logLevel: "error",
});
const { certificatePage, badgeSvg } = await import(pathToFileURL(bundle).href);

/** `text` repeated up to exactly `n` code points. */
const repeat = (text, n) =>
  Array.from(text.repeat(Math.ceil(n / Array.from(text).length)))
    .slice(0, n)
    .join("");
const words =
  "Advanced Safety Management for Industrial Maintenance Teams and Contractors, Including Lockout Tagout, Confined Spaces and Working at Height ";
const prose =
  "Participants learn to assess hazards, plan safe work, coordinate permits and lead a team through inspections.\n" +
  "Each module ends with a practical exercise reviewed by an instructor. ";
const base = {
  id: "cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E",
  issued_at: "2026-12-07T16:45:12Z",
  issuer_id: "did:web:lms-api.example-university.edu",
  verification_url: "https://lms-api.example-university.edu/certificates/cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E2F3G4H5J6K7M8N",
  badge_url: "https://lms-api.example-university.edu/certificates/cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E2F3G4H5J6K7M8N/badge.svg",
};
const worst = {
  ...base,
  course_name: repeat(words, 200),
  achievement_name: repeat(`Certified ${words}`, 200),
  description: repeat(prose, 2000),
  criteria: repeat("Complete every step of the course, pass each exam with at least 80 percent, and submit the final project. ", 2000),
  recipient_name: repeat("Maximiliana Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh ", 200),
  issuer_name: repeat("The International Academy of Occupational Health, Safety and Environmental Management ", 120),
};
const typical = {
  ...base,
  course_name: "Introduction to Data Protection",
  achievement_name: "Data Protection Practitioner",
  description:
    "Completed the course Introduction to Data Protection: lawful bases, data subject rights, breach response and records of processing.",
  criteria: "Complete every step of the course Introduction to Data Protection and pass its final exam.",
  recipient_name: "Amelia Hartley",
  issuer_name: "Northbridge Learning",
};
const revocation = { status: "revoked", revoked_at: "2027-01-15T09:00:00Z" };
const valid = { status: "valid", revoked_at: null };
const pages = [
  { name: "valid, worst-case lengths", view: { ...worst, ...valid }, shot: "/tmp/certificate-valid.png" },
  { name: "revoked, worst-case lengths", view: { ...worst, ...revocation }, shot: "/tmp/certificate-revoked.png" },
  { name: "valid, typical", view: { ...typical, ...valid }, shot: "/tmp/certificate-valid-typical.png" },
  { name: "revoked, typical", view: { ...typical, ...revocation }, shot: "/tmp/certificate-revoked-typical.png" },
  {
    name: "valid, long words, emoji, RTL, no recipient",
    view: {
      ...worst,
      ...valid,
      course_name: repeat("Pneumonoultramicroscopicsilicovolcanoconiosis", 200),
      achievement_name: repeat("🎓👩🏽‍🔬 شهادة إتمام الدورة ", 200),
      recipient_name: null,
      description: repeat("x", 2000),
      criteria: repeat("🧪", 2000),
    },
    shot: "/tmp/certificate-valid-unbroken.png",
  },
];
const jwt = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImRpZDp3ZWI6ZXhhbXBsZSNrZXktMSIsInR5cCI6IkpXVCJ9.${"eyJzdWIiOiJ4In0".repeat(40)}.${"c2lnbmF0dXJl".repeat(30)}`;
const badges = [
  { name: "badge, typical", view: { ...typical, ...valid }, shot: "/tmp/certificate-badge.png" },
  { name: "badge, revoked", view: { ...typical, ...revocation }, shot: "/tmp/certificate-badge-revoked.png" },
  { name: "badge, worst-case lengths", view: { ...worst, ...valid }, shot: "/tmp/certificate-badge-long.png" },
  {
    name: "badge, 300 emoji and 200 W",
    view: {
      ...worst,
      ...revocation,
      achievement_name: repeat("W", 200),
      recipient_name: repeat("🎓", 300),
      issuer_name: repeat("👩🏽‍🔬", 300),
    },
    shot: "/tmp/certificate-badge-emoji.png",
  },
  { name: "badge, no recipient", view: { ...typical, ...valid, recipient_name: null }, shot: "/tmp/certificate-badge-anonymous.png" },
];

/** Page objects in a PDF (`/Type /Page`, not the `/Type /Pages` tree nodes), and the page tree's own `/Count`. */
function pdfPages(pdf) {
  const text = Buffer.from(pdf).toString("latin1");
  const objects = (text.match(/\/Type\s*\/Page(?![A-Za-z])/g) ?? []).length;
  const counts = [...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)].map((m) =>
    Number(m[1] ?? m[2]),
  );
  return { objects, count: counts.length ? Math.max(...counts) : null };
}

let browser;
try {
  browser = await launchChromium();

  // Pixels of a PNG, read back through a canvas in a page of its own, for jsQR.
  const pixelPage = await browser.newPage();
  async function decodeQr(png) {
    const { width, height, data } = await pixelPage.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
      return { width: pixels.width, height: pixels.height, data: Array.from(pixels.data) };
    }, Buffer.from(png).toString("base64"));
    return jsQR(Uint8ClampedArray.from(data), width, height)?.data ?? null;
  }

  for (const { name, view, shot } of pages) {
    const html = certificatePage(view);
    const page = await browser.newPage();
    const requested = [];
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      requested.push(request.url());
      request.abort();
    });
    await page.setViewport({ width: 1000, height: 1200, deviceScaleFactor: 1 });
    await page.setContent(html, { waitUntil: "load" });

    for (const [format, label] of [
      ["A4", "A4"],
      ["Letter", "Letter"],
    ]) {
      const pdf = await page.pdf({ format, printBackground: true });
      const file = `/tmp/certificate-${shot.slice("/tmp/certificate-".length, -4)}-${label.toLowerCase()}.pdf`;
      writeFileSync(file, pdf);
      const { objects, count } = pdfPages(pdf);
      check(
        `${name}: prints to one ${label} page`,
        objects === 1 && (count === null || count === 1),
        `${objects} page object(s), /Count ${count}`,
      );
    }

    await page.screenshot({ path: shot, fullPage: true });
    const qr = await page.$("svg.qr");
    // A screen-sized rendering of the code, as a phone's camera would see it on a monitor.
    const decoded = qr ? await decodeQr(await qr.screenshot({ type: "png" })) : null;
    check(
      `${name}: the QR code decodes to the page's address`,
      decoded === view.verification_url,
      decoded ?? "no QR found or not decodable",
    );

    // biome-ignore lint/performance/useDomNodeTextContent: what the page shows, so the rendered text is the one to read
    const text = await page.evaluate(() => document.body.innerText);
    if (view.status === "revoked") {
      check(`${name}: says it is revoked`, /REVOKED/.test(text) && text.includes("Revoked on 15 January 2027") && !/✓ Valid/.test(text));
    } else {
      check(`${name}: says it is valid`, text.includes("✓ Valid") && !/revoked/i.test(text));
    }

    // A phone, in a page of its own (after page.pdf() the first one's screen metrics are not to be trusted):
    // nothing wider than the screen, no horizontal scrolling.
    const phone = await browser.newPage();
    await phone.setRequestInterception(true);
    phone.on("request", (request) => {
      requested.push(request.url());
      request.abort();
    });
    await phone.setViewport({ width: 375, height: 812, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.setContent(html, { waitUntil: "load" });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(`${name}: fits a 375 px phone screen`, overflow <= 0, overflow > 0 ? `${overflow}px too wide` : "");
    await phone.screenshot({ path: shot.replace(".png", "-phone.png"), fullPage: true });
    await phone.close();
    check(`${name}: requested nothing`, requested.length === 0, requested.join(", "));
    await page.close();

    // Served as the handler serves it, under its CSP: a violation would show as a console message.
    const served = await browser.newPage();
    const violations = [];
    served.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await served.setRequestInterception(true);
    served.on("request", (request) => {
      if (request.url() === view.verification_url) {
        request.respond({ status: 200, contentType: "text/html; charset=utf-8", headers: { "content-security-policy": CSP }, body: html });
      } else {
        violations.push(`requested ${request.url()}`);
        request.abort();
      }
    });
    await served.goto(view.verification_url, { waitUntil: "load" });
    const styled = await served.evaluate(() => getComputedStyle(document.querySelector(".frame")).borderTopStyle);
    check(
      `${name}: under the handler's CSP, styled and without violations`,
      styled === "double" && violations.length === 0,
      violations.join("; "),
    );
    await served.close();
  }

  for (const { name, view, shot } of badges) {
    const svg = badgeSvg(view, jwt);
    const page = await browser.newPage();
    const requested = [];
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (request.url().startsWith("data:")) return request.continue();
      requested.push(request.url());
      request.abort();
    });
    await page.setViewport({ width: 540, height: 540, deviceScaleFactor: 1 });
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
    await page.setContent(
      `<!DOCTYPE html><html><body style="margin:0;padding:20px;background:#f4f1ea"><img src="${src}" width="500" height="500" alt=""></body></html>`,
      {
        waitUntil: "load",
      },
    );
    // An <img> shows an SVG only if it is well-formed XML: a stray "&" or "<" from a name would break it.
    const loaded = await page.evaluate(() => document.querySelector("img").naturalWidth);
    check(`${name}: loads as an image`, loaded > 0);
    await page.screenshot({ path: shot });

    const structure = await page.evaluate((source) => {
      const doc = new DOMParser().parseFromString(source, "image/svg+xml");
      if (doc.querySelector("parsererror")) return { error: doc.querySelector("parsererror").textContent };
      const root = doc.documentElement;
      const first = root.firstElementChild;
      return {
        namespace: root.getAttribute("xmlns:openbadges"),
        first: first?.tagName,
        firstNamespace: first?.namespaceURI,
        verify: first?.getAttribute("verify"),
        credentials: root.getElementsByTagNameNS("https://purl.imsglobal.org/ob/v3p0", "credential").length,
      };
    }, svg);
    check(
      `${name}: credential baked first, once, in the OB 3.0 namespace`,
      structure.namespace === "https://purl.imsglobal.org/ob/v3p0" &&
        structure.first === "openbadges:credential" &&
        structure.firstNamespace === "https://purl.imsglobal.org/ob/v3p0" &&
        structure.verify === jwt &&
        structure.credentials === 1,
      JSON.stringify({ ...structure, verify: structure.verify === jwt ? "the JWT" : structure.verify }),
    );

    // Every straight line of text measured with the fonts this machine has: inside the medallion's inner circle.
    await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg.replace(/^<\?xml[^>]*>\s*/, "")}</body></html>`);
    const escapes = await page.evaluate(() => {
      const out = [];
      for (const tspan of document.querySelectorAll("svg > text tspan, svg > text:not(:has(tspan))")) {
        const box = tspan.getBBox();
        for (const [x, y] of [
          [box.x, box.y],
          [box.x + box.width, box.y],
          [box.x, box.y + box.height],
          [box.x + box.width, box.y + box.height],
        ]) {
          if (Math.hypot(x - 250, y - 250) > 204) out.push(`${tspan.textContent.slice(0, 30)}… at (${x.toFixed(0)}, ${y.toFixed(0)})`);
        }
      }
      return out;
    });
    check(`${name}: text stays inside the medallion`, escapes.length === 0, escapes.slice(0, 3).join("; "));
    check(`${name}: requested nothing`, requested.length === 0, requested.join(", "));
    await page.close();
  }
} catch (error) {
  check("the run finished", false, error?.stack ?? String(error));
} finally {
  await browser?.close().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
