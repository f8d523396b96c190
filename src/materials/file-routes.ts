import { createRoute, z } from "@hono/zod-openapi";
import { ALLOWED_TYPES } from "../domain/files";
import { ErrorSchema, jsonResponse, security } from "../lib/openapi";
import { expensive, inPath, withGrant } from "../lib/policy";
import { MaterialSchema } from "../shared/materials";
import { MaterialParams } from "./schemas";

const tags = ["Material files"];
const binary = { schema: z.string().openapi({ type: "string", format: "binary" }) };

export const FileLinkSchema = z.object({ url: z.string(), expires_at: z.string().openapi({ format: "date-time" }) }).openapi("FileLink");

export const uploadFile = createRoute({
  operationId: "uploadFile",
  ...expensive(withGrant("author", inPath("material", "material_id"))),
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
    411: { description: "Content-Length missing" },
    413: { description: "File larger than the cap" },
    415: { description: "Type not allowed, or content not of the declared type" },
  },
});

const fileContent = Object.fromEntries(
  [...new Set(Object.values(ALLOWED_TYPES).flatMap((types) => Object.keys(types)))].map((type) => [type, binary]),
);
const fileHeaders = {
  ETag: z.string().openapi({ description: "The quoted SHA-256 of the file" }),
  "Accept-Ranges": z.string().openapi({ description: "`bytes`" }),
  "Content-Disposition": z.string().openapi({ description: "`inline` with the title as filename (RFC 6266)" }),
  "Cache-Control": z.string().openapi({ description: "`private`" }),
  "Content-Length": z.string().openapi({ description: "Bytes in this response" }),
};
const contentRange = (description: string) => z.string().openapi({ description });

export const downloadFile = createRoute({
  operationId: "downloadFile",
  ...withGrant("read", inPath("material", "material_id"), { participants: true }),
  method: "get",
  path: "/materials/{material_id}/file",
  tags,
  security,
  // A bearer token, or the signed link from file-link (`?token=`) for media tags that cannot send headers:
  // the document lists the FileLink scheme beside Bearer (lib/openapi-document.ts).
  "x-signed-link": true,
  summary: "Download or stream the material's file (Range, ETag); `?token=` from file-link replaces the header",
  request: { params: MaterialParams, query: z.object({ token: z.string().max(2000).optional() }) },
  responses: {
    200: { description: "The file", headers: z.object(fileHeaders), content: fileContent },
    206: {
      description: "A byte range of the file",
      headers: z.object({ ...fileHeaders, "Content-Range": contentRange("`bytes start-end/size`") }),
      content: fileContent,
    },
    304: { description: "Not modified (If-None-Match)", headers: z.object({ ETag: fileHeaders.ETag }) },
    416: {
      description: "Range not satisfiable",
      headers: z.object({ "Content-Range": contentRange("`bytes */size`") }),
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

export const fileLink = createRoute({
  operationId: "fileLink",
  ...withGrant("read", inPath("material", "material_id"), { participants: true }),
  method: "post",
  path: "/materials/{material_id}/file-link",
  tags,
  security,
  summary: "A short-lived signed download URL for <video>/<audio> tags (≤ 15 minutes)",
  request: { params: MaterialParams },
  responses: { 200: jsonResponse(FileLinkSchema, "The link") },
});

export const deleteFile = createRoute({
  operationId: "deleteFile",
  ...withGrant("author", inPath("material", "material_id")),
  method: "delete",
  path: "/materials/{material_id}/file",
  tags,
  security,
  summary: "Remove the material's file",
  request: { params: MaterialParams },
  responses: { 204: { description: "Removed" } },
});
