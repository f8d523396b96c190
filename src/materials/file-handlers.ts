import { and, eq, isNull } from "drizzle-orm";
import { batch } from "../db/batch";
import { materials } from "../db/schema";
import { changesBetween, MATERIAL_FILE_FIELDS } from "../domain/audit";
import { checkUpload, contentDisposition, etagMatches, extensionForType, normaliseType, parseRange, SNIFF_BYTES } from "../domain/files";
import type { AppContext, Caller } from "../env";
import { audit } from "../journal";
import { examClock } from "../lib/clock";
import { ApiError, forbidden, notFound, unauthorized } from "../lib/errors";
import { hex } from "../lib/hash";
import { type Handler, origin } from "../lib/openapi";
import { clientAddress, countAgainst } from "../lib/rate-limit";
import { releaseStream } from "../lib/request-body";
import { MAX_LINK_SECONDS, signLink, verifyLink } from "../lib/signed-links";
import { courseOfMaterial, progressQuery, stepRefusal } from "../progress";
import { type MaterialRow, toMaterial } from "../shared/materials";
import { courseVisible } from "../visibility";
import { courseOf, grantOf } from "../visibility/grants";
import type * as routes from "./file-routes";
import { findMaterial } from "./queries";

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
const LINK_SECONDS = 10 * 60;

function maxUploadBytes(configured: string | undefined): number {
  const n = Number(configured);
  return configured && Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_UPLOAD_BYTES;
}

const randomHex = (bytes: number) => hex(crypto.getRandomValues(new Uint8Array(bytes)));

/**
 * Reads just enough of a stream to recognise the file, and returns a stream that replays those bytes and
 * then the rest: the body is never held whole in memory.
 */
async function peek(body: ReadableStream<Uint8Array>, want: number): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let have = 0;
  while (have < want) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    have += value.byteLength;
  }
  const head = new Uint8Array(have);
  let at = 0;
  for (const chunk of chunks) {
    head.set(chunk, at);
    at += chunk.byteLength;
  }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head: head.subarray(0, Math.min(have, want)), stream };
}

/**
 * A participant may fetch a material's file when enrolled in its course with its step unlocked; managers and the
 * course's staff (whose grant the route checked) whenever it is there.
 */
async function authorise(c: AppContext, materialId: string, caller: Caller): Promise<MaterialRow> {
  const db = c.get("db");
  if (caller.role !== "participant") {
    // A signed link skips the route's grant check (it carries no bearer token): a staff member's grant is read
    // again here, in the same round trip, so a link outlives no revoked grant.
    const read = await batch(db, {
      material: findMaterial(db, materialId),
      grant: caller.role === "staff" ? grantOf(db, caller.id, courseOf("material", materialId)) : null,
    });
    const [material] = read.material;
    if (!material || read.grant?.length === 0) throw notFound("Material", materialId);
    return material;
  }
  const query = progressQuery(db, caller.id, courseOfMaterial(materialId), examClock(c));
  const read = await batch(db, { material: findMaterial(db, materialId), own: query.own });
  const [material] = read.material;
  const progress = material ? (await query.finish(read.own)).first() : undefined;
  if (!material || !progress || !courseVisible(caller, progress.course)) throw notFound("Material", materialId);
  if (stepRefusal(progress, material.step_id))
    throw forbidden("Enrol in the course and unlock this step to open its files", "file_forbidden");
  return material;
}

/**
 * A refusal before the body is read (411, 413, 415, 404…) leaves the body to the app's releaseRequestBody
 * (src/lib/request-body.ts): read while it arrives up to 16 MB, so the refusal reaches the client through
 * `wrangler dev`'s proxy; declared larger, cancelled, so a 413 for a 200 MB upload answers at once.
 */
export const uploadFile: Handler<typeof routes.uploadFile> = async (c) => {
  const { material_id } = c.req.valid("param");
  const lengthHeader = c.req.header("content-length");
  if (!lengthHeader) throw new ApiError(411, "length_required", "Content-Length is required");
  const length = Number(lengthHeader);
  if (!Number.isSafeInteger(length) || length < 0) throw new ApiError(400, "invalid_length", "Content-Length must be a byte count");
  const cap = maxUploadBytes(c.env.MAX_UPLOAD_BYTES);
  if (length > cap) throw new ApiError(413, "file_too_large", `Files are limited to ${cap} bytes`);
  if (length === 0 || !c.req.raw.body) throw new ApiError(400, "empty_file", "The request body is the file; it is empty");
  const declared = c.req.header("content-type");
  if (!declared) throw new ApiError(415, "unsupported_file_type", "Content-Type is required");

  const db = c.get("db");
  const [material] = await findMaterial(db, material_id);
  if (!material) throw notFound("Material", material_id);
  const { head, stream } = await peek(c.req.raw.body, SNIFF_BYTES);
  const verdict = checkUpload(material.material_type, declared, head);
  if ("status" in verdict) {
    // The peeked stream holds the body now, so it is released here as the middleware would release it.
    await releaseStream(stream, length);
    throw new ApiError(verdict.status, verdict.code, verdict.detail);
  }

  // Stream to R2 under a key the server makes, hashing on the way; FixedLengthStream holds the body to
  // exactly Content-Length bytes, so a short or long body fails the put and nothing is stored.
  const key = `materials/${material_id}/${randomHex(12)}`;
  const digest = new crypto.DigestStream("SHA-256");
  const digestWriter = digest.getWriter();
  const hashing = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      await digestWriter.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await digestWriter.close();
    },
  });
  const fixed = new FixedLengthStream(length);
  const type = normaliseType(declared);
  try {
    await Promise.all([
      stream.pipeThrough(hashing).pipeTo(fixed.writable),
      c.env.FILES.put(key, fixed.readable, { httpMetadata: { contentType: type }, customMetadata: { material_id } }),
    ]);
  } catch {
    await c.env.FILES.delete(key);
    throw new ApiError(400, "length_mismatch", "The body did not match Content-Length");
  }
  const sha256 = hex(await digest.digest);

  // Attach only if nobody replaced the file meanwhile; the old object goes only after the new one is stored.
  const stamp = c.get("now").toISOString();
  const file = { file_size: length, file_content_type: type, file_sha256: sha256 };
  // The event records the file's size, type and digest — never its bytes — and only if the attach landed.
  const written = await batch(db, {
    attached: db
      .update(materials)
      .set({ file_key: key, ...file, file_uploaded_at: stamp, updated_at: stamp })
      .where(
        and(
          eq(materials.id, material_id),
          isNull(materials.archived_at),
          material.file_key === null ? isNull(materials.file_key) : eq(materials.file_key, material.file_key),
        ),
      )
      .returning(),
    audited: audit(
      c,
      "material.file_uploaded",
      { type: "material", id: material_id },
      changesBetween(material, file, MATERIAL_FILE_FIELDS),
    ),
  });
  const [row] = written.attached;
  if (!row) {
    await c.env.FILES.delete(key);
    throw new ApiError(409, "conflict", "The material changed while uploading; try again");
  }
  if (material.file_key) await c.env.FILES.delete(material.file_key);
  return c.json(toMaterial(row, origin(c)), 200);
};

const linksUnavailable = () => new ApiError(503, "file_links_unavailable", "Signed file links need JWT_SECRET to be configured");

/** The caller of a download: the bearer token's, or a signed link's (media tags cannot send headers). */
async function downloader(c: AppContext, materialId: string, token: string | undefined): Promise<Caller> {
  if (token === undefined) return c.get("caller");
  if (!c.env.JWT_SECRET) throw linksUnavailable();
  const result = await verifyLink(token, materialId, c.env.JWT_SECRET, c.get("now"));
  if (typeof result === "string") {
    // A refused link is a refused credential: it counts against the address, as a bad token does (lib/auth.ts).
    // The per-link counter (app.ts) cannot stop guessing, since every guessed string gets a counter of its own.
    await countAgainst(c, "anonymous", clientAddress(c));
    throw unauthorized(`Invalid file link: ${result}`);
  }
  return result;
}

export const downloadFile: Handler<typeof routes.downloadFile> = async (c) => {
  const { material_id } = c.req.valid("param");
  const caller = await downloader(c, material_id, c.req.valid("query").token);
  const material = await authorise(c, material_id, caller);
  if (!material.file_key || material.file_size === null) throw new ApiError(404, "file_not_found", "This material has no file");
  const etag = `"${material.file_sha256}"`;
  const headers = new Headers({
    etag,
    "accept-ranges": "bytes",
    "cache-control": "private, max-age=0, must-revalidate",
    "x-content-type-options": "nosniff",
    "content-type": material.file_content_type ?? "application/octet-stream",
    "content-disposition": contentDisposition(material.title, extensionForType(material.file_content_type)),
    // The sniffing at upload checks how a file starts, not all of it: a "%PDF-" file can carry HTML further in.
    // Should a browser ever render it as a page on the API's origin, it gets a unique opaque origin: no
    // scripts, no cookies or storage of the API, no forms or popups.
    "content-security-policy": "sandbox",
  });
  if (etagMatches(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  const size = material.file_size;
  // If-Range naming another version of the file: the client's partial copy is stale, send the whole file.
  const ifRange = c.req.header("if-range");
  const range = ifRange !== undefined && ifRange.trim() !== etag ? null : parseRange(c.req.header("range"), size);
  const head = c.req.method === "HEAD";
  if (range === "unsatisfiable") {
    throw new ApiError(416, "range_not_satisfiable", `Range not satisfiable for ${size} bytes`, undefined, {
      "content-range": `bytes */${size}`,
      "content-security-policy": "sandbox",
    });
  }
  // HEAD answers the same headers without reading the object's body.
  const object = head ? await c.env.FILES.head(material.file_key) : await c.env.FILES.get(material.file_key, range ? { range } : undefined);
  if (!object) throw new ApiError(404, "file_not_found", "The file is missing from storage");
  const body = head || !("body" in object) ? null : (object as R2ObjectBody).body;
  if (range) {
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`);
    headers.set("content-length", String(range.length));
    return new Response(body, { status: 206, headers });
  }
  headers.set("content-length", String(size));
  return new Response(body, { status: 200, headers });
};

export const fileLink: Handler<typeof routes.fileLink> = async (c) => {
  const caller = c.get("caller");
  const { material_id } = c.req.valid("param");
  const material = await authorise(c, material_id, caller);
  if (!material.file_key) throw new ApiError(404, "file_not_found", "This material has no file");
  if (!c.env.JWT_SECRET) throw linksUnavailable();
  const expires = Math.floor(c.get("now").getTime() / 1000) + Math.min(LINK_SECONDS, MAX_LINK_SECONDS);
  const token = await signLink(material_id, caller, expires, c.env.JWT_SECRET);
  return c.json(
    {
      url: `${origin(c)}/materials/${material_id}/file?token=${encodeURIComponent(token)}`,
      expires_at: new Date(expires * 1000).toISOString(),
    },
    200,
  );
};

export const deleteFile: Handler<typeof routes.deleteFile> = async (c) => {
  const { material_id } = c.req.valid("param");
  const db = c.get("db");
  const [material] = await findMaterial(db, material_id);
  if (!material) throw notFound("Material", material_id);
  if (!material.file_key) throw new ApiError(404, "file_not_found", "This material has no file");
  const written = await batch(db, {
    detached: db
      .update(materials)
      .set({
        file_key: null,
        file_size: null,
        file_content_type: null,
        file_sha256: null,
        file_uploaded_at: null,
        updated_at: c.get("now").toISOString(),
      })
      .where(and(eq(materials.id, material_id), eq(materials.file_key, material.file_key)))
      .returning({ id: materials.id }),
    audited: audit(c, "material.file_deleted", { type: "material", id: material_id }, changesBetween(material, null, MATERIAL_FILE_FIELDS)),
  });
  const [row] = written.detached;
  if (!row) throw new ApiError(409, "conflict", "The file changed meanwhile; reload and try again");
  await c.env.FILES.delete(material.file_key);
  return c.body(null, 204);
};
