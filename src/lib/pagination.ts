import { z } from "@hono/zod-openapi";
import type { CursorValues } from "../db/types";
import { badRequest } from "./errors";
import { base64UrlEncode, decodeBase64Url } from "./jwt";
import { DECIMAL_ONLY, decimalInt, origin } from "./openapi";

/**
 * Keyset pagination for every list: `?limit=` (default 50, max 200) and an opaque `?cursor=`. The body stays
 * the spec's array; the next page is announced in `Link: <…>; rel="next"`. A page reads limit + 1 rows along
 * an index, so its cost does not grow with how deep the page is.
 */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export const pageQuery = {
  limit: decimalInt(1, MAX_LIMIT)
    .optional()
    .openapi({ description: `Page size (default ${DEFAULT_LIMIT}, max ${MAX_LIMIT}). ${DECIMAL_ONLY}` }),
  cursor: z.string().min(1).max(500).optional().openapi({ description: "Opaque cursor from the previous page's Link header" }),
};

export type { CursorValues };

export function encodeCursor(values: CursorValues): string {
  return base64UrlEncode(JSON.stringify(values));
}

/** The cursor's values, checked against the shape the list expects; a tampered cursor is a 400. */
export function decodeCursor(cursor: string | undefined, shape: ("string" | "number" | "nullable-string")[]): CursorValues | null {
  if (cursor === undefined) return null;
  try {
    const bytes = decodeBase64Url(cursor);
    if (!bytes) throw new Error();
    const values = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (!Array.isArray(values) || values.length !== shape.length) throw new Error();
    shape.forEach((kind, i) => {
      const v = values[i];
      const ok =
        kind === "number"
          ? typeof v === "number" && Number.isFinite(v)
          : kind === "string"
            ? typeof v === "string"
            : v === null || typeof v === "string";
      if (!ok) throw new Error();
    });
    return values as CursorValues;
  } catch {
    throw badRequest("invalid_cursor", "The cursor is not one this API issued");
  }
}

/** Cuts the extra row off a page and, when there is more, sets the Link header for the next one. */
export function page<T>(
  c: { req: { url: string }; env?: { PUBLIC_BASE_URL?: string }; header: (name: string, value: string) => void },
  rows: T[],
  limit: number,
  keyOf: (row: T) => CursorValues,
): T[] {
  if (rows.length <= limit) return rows;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (last === undefined) throw new RangeError(`page limit ${limit}: a page holds at least one row`);
  nextPage(c, limit, keyOf(last));
  return items;
}

/** Announces the next page, after the row whose key is `after` (for lists that know there is more without the extra row). */
export function nextPage(c: Parameters<typeof page>[0], limit: number, after: CursorValues): void {
  const next = new URL(c.req.url);
  next.searchParams.set("cursor", encodeCursor(after));
  next.searchParams.set("limit", String(limit));
  c.header("link", `<${origin(c)}${next.pathname}${next.search}>; rel="next"`);
}

export const limitOf = (limit: number | undefined) => limit ?? DEFAULT_LIMIT;
