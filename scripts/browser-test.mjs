// npm run test:browser — a participant's and a manager's journey in headless Chromium against `wrangler dev`.
//
// A static page on a second local origin (test/browser/, bundled with the typed client) calls the API across
// origins, as a deployed frontend does: CORS preflights, a Video played through a signed link (ranges answered
// 206), an exam autosaved, the page refreshed mid-exam and the same attempt resumed, a submit, a manager's grade
// and approval, and the course progress shown. Uses Debian's chromium (CHROMIUM_PATH to point elsewhere); no
// browser is downloaded. Prints `N passed, N failed` like .ci/run.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { build } from "esbuild";
import { copyDocsAssets } from "./copy-docs-assets.mjs";
import { chromiumPath, devToken, launchChromium, root, startWranglerDev } from "./lib.mjs";

const API_PORT = Number(process.env.BROWSER_TEST_API_PORT ?? 8788);
const PAGE_PORT = Number(process.env.BROWSER_TEST_PAGE_PORT ?? 8790);
const api = `http://127.0.0.1:${API_PORT}`;
const pageOrigin = `http://127.0.0.1:${PAGE_PORT}`;
chromiumPath();

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`${ok ? "✓" : "✗"} ${name}${detail ? ` — ${detail}` : ""}`);
}

const children = [];
let browser;
let pageServer;
async function cleanUp() {
  await browser?.close().catch(() => {});
  pageServer?.close();
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid, "SIGTERM");
}

async function json(method, urlPath, bearer, body, headers = {}) {
  const res = await fetch(`${api}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body && !(body instanceof Uint8Array) ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body instanceof Uint8Array ? body : body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

try {
  // A fresh local D1 and R2 of its own, so the run does not depend on (or disturb) `npm run dev`'s data.
  copyDocsAssets();
  const server = await startWranglerDev({ name: "browser-test", port: API_PORT, args: ["--var", `CORS_ORIGINS:${pageOrigin}`] });
  children.push(server.dev);

  // Authoring, as a manager's tools would do it: a course, a step with a Video (a real WebM) and an exam.
  const runId = Date.now().toString(36);
  const participantId = `browser-participant-${runId}`;
  const manager = devToken(`browser-manager-${runId}`, "manager", 3600);
  const participant = devToken(participantId, "participant", 3600);
  const course = await json("POST", "/courses", manager, { name: `Browser course ${runId}` });
  await json("PUT", `/courses/${course.id}/set-default`, manager);
  const step = await json("POST", "/steps", manager, { course_id: course.id, name: "Step 1: Watch and answer" });
  const video = await json("POST", `/steps/${step.id}/materials`, manager, {
    material_type: "Video",
    title: "Introduction",
    content: { url: "https://example.com/placeholder.webm" },
  });
  const clip = new Uint8Array(readFileSync(path.join(root, "test", "browser", "fixtures", "clip.webm")));
  await json("PUT", `/materials/${video.id}/file`, manager, clip, {
    "content-type": "video/webm",
    "content-length": String(clip.byteLength),
  });
  await json("POST", "/forms", manager, {
    name: "Step 1 exam",
    step_id: step.id,
    duration_minutes: 30,
    // The tests' own sample exam: one MCQ (a is right), one THEORY question.
    questions: JSON.parse(readFileSync(path.join(root, "test", "fixtures", "sample-questions.json"), "utf8")),
  });

  // The frontend: index.html and the client bundled for the browser, served from another origin.
  const bundle = await build({
    entryPoints: [path.join(root, "test", "browser", "app.ts")],
    bundle: true,
    format: "esm",
    target: "chrome120",
    write: false,
  });
  const files = {
    "/": { type: "text/html", body: readFileSync(path.join(root, "test", "browser", "index.html")) },
    "/app.js": { type: "text/javascript", body: bundle.outputFiles[0].contents },
    "/config.json": { type: "application/json", body: JSON.stringify({ api, tokens: { participant, manager } }) },
  };
  pageServer = createServer((req, res) => {
    const file = files[new URL(req.url, pageOrigin).pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(file.body);
  });
  await new Promise((resolve) => pageServer.listen(PAGE_PORT, "127.0.0.1", resolve));

  browser = await launchChromium(["--disable-quic", "--autoplay-policy=no-user-gesture-required"]);
  const page = await browser.newPage();
  const seen = [];
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => message.type() === "error" && pageErrors.push(`${message.text()} (${message.location().url})`));
  page.on("response", (response) => {
    const request = response.request();
    seen.push({
      method: request.method(),
      url: response.url(),
      status: response.status(),
      type: request.resourceType(),
      range: request.headers().range ?? null,
      authorization: Boolean(request.headers().authorization),
      contentRange: response.headers()["content-range"] ?? null,
    });
  });
  const lms = (fn, ...args) => page.evaluate((name, list) => window.lms[name](...list), fn, args);
  const ready = async (url) => {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("status")?.textContent?.startsWith("Ready"));
  };

  await ready(`${pageOrigin}/?as=participant`);
  const enrolment = await lms("enrol");
  check("the participant enrols in the default course", enrolment.course_id === course.id);
  const preflights = seen.filter((r) => r.method === "OPTIONS" && r.url.startsWith(api));
  check(
    "a cross-origin call from the frontend's origin passes its CORS preflight",
    preflights.length > 0 && preflights.every((r) => r.status === 204),
    `${preflights.length} preflight(s), statuses ${[...new Set(preflights.map((r) => r.status))].join(",")}`,
  );

  const opened = await lms("openStep", step.id);
  check("the participant opens the step and sees its materials", opened.materials.length === 1 && !opened.is_locked);

  // A slow connection, so the seek lands past what is buffered and the player must ask for a later range.
  await page.emulateNetworkConditions({ download: 100 * 1024, upload: 100 * 1024, latency: 20 });
  const played = await lms("playVideo", video.id, 15);
  await page.emulateNetworkConditions(null);
  check(
    "the Video plays through its signed link: duration known, currentTime advances",
    Math.abs(played.duration - 20) < 0.5 && played.playedTo > 0.3 && played.mediaError === null,
    `duration ${played.duration.toFixed(2)} s, played to ${played.playedTo.toFixed(2)} s`,
  );
  check("a seek lands where asked and playback goes on", played.afterSeek > 15.2, `after seek ${played.afterSeek.toFixed(2)} s`);
  const media = seen.filter((r) => r.type === "media");
  const startOf = (r) => Number(/^bytes=(\d+)-/.exec(r.range ?? "")?.[1] ?? -1);
  // The player reads the Cues at the file's tail, then jumps to the cluster before the seek target; a range it
  // already holds it revalidates with If-Range/If-None-Match, which the ETag answers 304.
  const seekRequest = media.find((r) => r.status === 206 && startOf(r) > 0 && startOf(r) < clip.byteLength - 65_536);
  check(
    "the player's seek is a ranged request past the start, answered 206 with Content-Range",
    seekRequest !== undefined && media.every((r) => (r.status === 206 && r.contentRange?.startsWith("bytes ")) || r.status === 304),
    media.map((r) => `${r.range} → ${r.status}${r.contentRange ? ` ${r.contentRange}` : ""}`).join("; "),
  );
  check(
    "a ranged request from the page gets exactly that part (206, readable Content-Range)",
    played.range.status === 206 && played.range.bytes === 1000 && played.range.contentRange === `bytes 1000-1999/${clip.byteLength}`,
    `${played.range.status} ${played.range.contentRange}`,
  );
  check(
    "the media element is authorised by the signed link alone (?token=, no Authorization header)",
    played.url.includes("token=") && media.every((r) => !r.authorization),
  );

  const started = await lms("startExam", step.id);
  check("the exam starts (201)", !started.resumed && typeof started.submission_id === "string");
  await page.click("#q1-a");
  await page.type("#q2", "Chanting purifies the heart");
  await page.waitForFunction(() => /^Saved/.test(document.getElementById("save-status")?.textContent ?? ""), { timeout: 10_000 });
  await page.waitForNetworkIdle({ idleTime: 400, timeout: 10_000 });

  await ready(`${pageOrigin}/?as=participant`);
  const resumed = await lms("startExam", step.id);
  const restored = await page.evaluate(() => ({
    mcq: document.querySelector("#q1-a")?.checked ?? false,
    text: document.querySelector("#q2")?.value ?? "",
  }));
  check(
    "after a refresh the same attempt resumes with its autosaved answers",
    resumed.resumed && resumed.submission_id === started.submission_id && restored.mcq && restored.text === "Chanting purifies the heart",
    `attempt ${resumed.submission_id === started.submission_id ? "same" : "different"}, radio ${restored.mcq}, text "${restored.text}"`,
  );
  const submitted = await lms("submitExam");
  check("the participant submits; the MCQ is scored at once", submitted.submission_status === "Submitted" && submitted.mcq_score === 5);

  const managerPage = await browser.newPage();
  await managerPage.goto(`${pageOrigin}/?as=manager`);
  await managerPage.waitForFunction(() => document.getElementById("status")?.textContent?.startsWith("Ready"));
  const queue = await managerPage.evaluate((id) => window.lms.pending(id), course.id);
  check(
    "the manager sees the submission in the review queue",
    queue.length === 1 && queue[0].submission_id === started.submission_id && queue[0].participant_id === participantId,
  );
  const review = await managerPage.evaluate((id) => window.lms.gradeAndApprove(id, 8), started.submission_id);
  check(
    "the manager grades the THEORY answer and approves",
    review.graded.theory_score === 8 && review.approved.course_completed === true,
    `theory ${review.graded.theory_score}, course_completed ${review.approved.course_completed}`,
  );

  const progress = await lms("showProgress", course.id);
  const shown = await page.$eval("#progress", (el) => el.textContent);
  check(
    "the participant's page shows the course progress",
    progress.is_completed && shown === "1 of 1 steps complete — course completed",
    JSON.stringify(shown),
  );
  check("no page errors", pageErrors.length === 0, pageErrors.join(" | "));

  // /docs: Swagger UI from the Worker itself, every operation rendered, Authorize + Try it out against the API.
  const docs = await browser.newPage();
  const docsRequests = [];
  const docsErrors = [];
  docs.on("request", (request) => docsRequests.push(request.url()));
  docs.on("pageerror", (error) => docsErrors.push(String(error)));
  await docs.goto(`${api}/docs`);
  const published = await json("GET", "/openapi.json", manager);
  const operations = Object.values(published.paths).flatMap((item) =>
    Object.keys(item).filter((key) => ["get", "head", "put", "post", "delete", "patch"].includes(key)),
  ).length;
  await docs.waitForFunction((n) => document.querySelectorAll(".opblock").length === n, { timeout: 30_000 }, operations);
  await docs.click("button.authorize");
  await docs.waitForSelector(".auth-container input");
  await docs.type(".auth-container input", manager);
  await docs.click(".auth-container .auth-btn-wrapper button.authorize");
  await docs.click(".auth-container .auth-btn-wrapper button.btn-done, .modal-ux .close-modal");
  const listCourses = await docs.waitForSelector("[id$='-listCourses'] .opblock-summary-control");
  await listCourses.click();
  await docs.waitForSelector("[id$='-listCourses'] .try-out__btn");
  await docs.click("[id$='-listCourses'] .try-out__btn");
  await docs.click("[id$='-listCourses'] .execute");
  const tried = await docs.waitForSelector("[id$='-listCourses'] .live-responses-table tr.response .response-col_status", {
    timeout: 15_000,
  });
  const triedStatus = (await tried.evaluate((el) => el.textContent ?? "")).trim();
  const docsOtherHosts = docsRequests.filter((url) => !url.startsWith(api) && !url.startsWith("data:"));
  check(
    "/docs renders every operation, loads nothing from another host, and Authorize + Try it out answers 200",
    docsOtherHosts.length === 0 && triedStatus.startsWith("200") && docsErrors.length === 0,
    `${operations} operations, ${docsRequests.length} requests, ${docsOtherHosts.length} elsewhere, try-it-out ${triedStatus}${docsErrors.length ? `, errors: ${docsErrors.join(" | ")}` : ""}`,
  );

  // A certificate (issue #28): the participant completes a course that issues them; the public page is opened as
  // anyone would open its link, printed, and its badge opened.
  const certifiedCourse = await json("POST", "/courses", manager, {
    name: `Certified course ${runId}`,
    description: "A short course that issues an Open Badges 3.0 certificate",
    certificate: { enabled: true, achievement_name: "Browser Graduate" },
  });
  const certifiedStep = await json("POST", "/steps", manager, { course_id: certifiedCourse.id, name: "The only step" });
  const lesson = await json("POST", `/steps/${certifiedStep.id}/materials`, manager, {
    material_type: "Video",
    title: "Lesson",
    content: { url: "https://example.com/lesson.mp4" },
  });
  await json("POST", `/courses/${certifiedCourse.id}/enroll?participant_id=${participantId}`, manager);
  const named = devToken(participantId, "participant", 3600, { name: "Ana Gómez", email: "ana@example.org" });
  await json("POST", `/materials/${lesson.id}/complete`, named);
  const [certificate] = await json("GET", "/participants/me/certificates", named);
  const credential = await json("GET", `/certificates/${certificate.id}`, named);
  const certPage = await browser.newPage();
  const certRequests = [];
  const certErrors = [];
  certPage.on("request", (request) => certRequests.push(request.url()));
  certPage.on("pageerror", (error) => certErrors.push(String(error)));
  certPage.on("console", (message) => message.type() === "error" && certErrors.push(message.text()));
  await certPage.setViewport({ width: 1000, height: 1300 });
  const pageOpened = await certPage.goto(`${api}/certificates/${certificate.id}`);
  const heading = await certPage.evaluate(() => document.body.textContent ?? "");
  await certPage.screenshot({ path: process.env.CERTIFICATE_SCREENSHOT ?? "/tmp/certificate-page.png", fullPage: true });
  const pages = async (format) =>
    (
      Buffer.from(await certPage.pdf({ format, printBackground: true }))
        .toString("latin1")
        .match(/\/Type\s*\/Page(?!s)/g) ?? []
    ).length;
  const a4 = await pages("A4");
  const letter = await pages("Letter");
  const certElsewhere = certRequests.filter((url) => !url.startsWith(api) && !url.startsWith("data:"));
  check(
    "a certificate's link opens its printable page: recipient and status shown, one page on A4 and on Letter, nothing from another host",
    pageOpened?.headers()["content-type"]?.startsWith("text/html") &&
      heading.includes("Ana Gómez") &&
      heading.includes("Browser Graduate") &&
      /valid/i.test(heading) &&
      a4 === 1 &&
      letter === 1 &&
      certElsewhere.length === 0 &&
      certErrors.length === 0,
    `A4 ${a4} page(s), Letter ${letter}, ${certRequests.length} request(s), ${certElsewhere.length} elsewhere${certErrors.length ? `, errors: ${certErrors.join(" | ")}` : ""}`,
  );
  const badge = await certPage.goto(`${api}/certificates/${certificate.id}/badge.svg`);
  const baked = await certPage.evaluate(() => {
    const element = document.documentElement.querySelector("*");
    return { root: document.documentElement.localName, first: element?.localName, verify: element?.getAttribute("verify") ?? null };
  });
  await certPage.screenshot({ path: process.env.BADGE_SCREENSHOT ?? "/tmp/certificate-badge-browser.png" });
  check(
    "its badge opens as an SVG image whose first element is the baked credential (Open Badges 3.0 §5.3.2)",
    badge?.headers()["content-type"]?.startsWith("image/svg+xml") &&
      baked.root === "svg" &&
      baked.first === "credential" &&
      baked.verify === credential.credential.jwt,
    JSON.stringify({ ...baked, verify: baked.verify?.slice(0, 20) }),
  );
  await json("POST", `/certificates/${certificate.id}/revoke`, manager, { reason: "Browser test" });
  // The page may be cached for a minute (Cache-Control): a reader who reloads after that sees the revocation.
  await certPage.setCacheEnabled(false);
  await certPage.goto(`${api}/certificates/${certificate.id}`);
  const revokedText = await certPage.evaluate(() => document.body.textContent ?? "");
  check("once revoked, the page says so", /revoked/i.test(revokedText), revokedText.slice(0, 80).replace(/\s+/g, " "));

  const otherHosts = seen.filter((r) => !r.url.startsWith(api) && !r.url.startsWith(pageOrigin));
  check("the page talked to no other host", otherHosts.length === 0, otherHosts.map((r) => r.url).join(", "));
} catch (error) {
  check("the journey ran to its end", false, error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await cleanUp();
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
