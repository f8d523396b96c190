/**
 * What the finished document derives from itself, so no route has to repeat it: the HEAD of a download (Hono
 * answers HEAD with the GET route, and the download handler answers it without reading the file), and each
 * integer's `format` from its own bounds.
 */
import type { OpenAPIObject, OperationObject } from "openapi3-ts/oas31";

/** HEAD beside every download GET (`x-signed-link`): its parameters, security, roles and headers, and no body. */
export function addDownloadHeads(doc: OpenAPIObject): void {
  for (const item of Object.values(doc.paths ?? {})) {
    const get: OperationObject | undefined = item.get;
    if (!get?.["x-signed-link"] || item.head) continue;
    const head: OperationObject = structuredClone(get);
    head.operationId = `${get.operationId ?? "download"}Head`;
    head.summary = "The download's headers without its body: size, type, ETag, ranges (a player's or cache's probe)";
    for (const response of Object.values(head.responses ?? {})) if (response && !("$ref" in response)) delete response.content;
    item.head = head;
  }
}

const INT32 = 2 ** 31;

/**
 * `int32` for an integer whose bounds fit 32 bits, else `int64`: the width a typed client should store it in.
 * Examples are values, not schemas, and are left alone.
 */
export function addIntegerFormats(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) addIntegerFormats(child);
    return;
  }
  if (!node || typeof node !== "object") return;
  const schema: Record<string, unknown> = { ...node };
  const type = schema.type;
  if ((type === "integer" || (Array.isArray(type) && type.includes("integer"))) && schema.format === undefined) {
    const { minimum, maximum } = schema;
    const fits = typeof minimum === "number" && typeof maximum === "number" && minimum >= -INT32 && maximum < INT32;
    Object.assign(node, { format: fits ? "int32" : "int64" });
  }
  for (const [key, child] of Object.entries(node)) if (key !== "example" && key !== "examples") addIntegerFormats(child);
}
