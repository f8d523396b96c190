import { forEveryone, forManagers } from "../lib/policy";
import { createRoute, z } from "@hono/zod-openapi";
import { errors, jsonResponse, security } from "../lib/openapi";
import { MaterialParams, MaterialSchema } from "./schemas";

const tags = ["Material files"];
const binary = { schema: z.string().openapi({ type: "string", format: "binary" }) };

export const FileLinkSchema = z.object({ url: z.string(), expires_at: z.string().openapi({ format: "date-time" }) }).openapi("FileLink");

export const uploadFile = createRoute({
  ...forManagers,
  method: "put",
  path: "/materials/{material_id}/file",
  tags,
  security,
  summary: "Upload the material's file; the body is the file, streamed to R2",
  description:
    "Document: PDF, EPUB. Audio: MP3, M4A/AAC, OGG, WAV. Video: MP4, WebM. The type is checked from the file's first bytes. Content-Type and Content-Length are required; the size cap is MAX_UPLOAD_BYTES (default 100 MB).",
  request: {
    params: MaterialParams,
    body: {
      required: true,
      content: Object.fromEntries(
        [
          "application/pdf",
          "application/epub+zip",
          "audio/mpeg",
          "audio/mp4",
          "audio/aac",
          "audio/ogg",
          "audio/wav",
          "video/mp4",
          "video/webm",
        ].map((t) => [t, binary]),
      ),
    },
  },
  responses: {
    200: jsonResponse(MaterialSchema, "The material with content.file"),
    ...errors(400, 401, 403, 404, 409),
    411: { description: "Content-Length missing" },
    413: { description: "File larger than the cap" },
    415: { description: "Type not allowed, or content not of the declared type" },
  },
});

export const downloadFile = createRoute({
  ...forEveryone,
  method: "get",
  path: "/materials/{material_id}/file",
  tags,
  security,
  summary: "Download or stream the material's file (Range, ETag); `?token=` from file-link replaces the header",
  request: { params: MaterialParams, query: z.object({ token: z.string().max(2000).optional() }) },
  responses: {
    200: { description: "The file", content: { "application/octet-stream": binary } },
    206: { description: "A byte range of the file" },
    304: { description: "Not modified (If-None-Match)" },
    ...errors(400, 401, 403, 404),
    416: { description: "Range not satisfiable" },
  },
});

export const fileLink = createRoute({
  ...forEveryone,
  method: "post",
  path: "/materials/{material_id}/file-link",
  tags,
  security,
  summary: "A short-lived signed download URL for <video>/<audio> tags (≤ 15 minutes)",
  request: { params: MaterialParams },
  responses: { 200: jsonResponse(FileLinkSchema, "The link"), ...errors(400, 401, 403, 404) },
});

export const deleteFile = createRoute({
  ...forManagers,
  method: "delete",
  path: "/materials/{material_id}/file",
  tags,
  security,
  summary: "Remove the material's file",
  request: { params: MaterialParams },
  responses: { 204: { description: "Removed" }, ...errors(400, 401, 403, 404, 409) },
});
