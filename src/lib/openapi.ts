import { OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { badRequest, ERROR_CODES, type ErrorCode } from "./errors";
import { ID_PATTERN } from "./ids";

/** Every router validates with the same hook, so every validation failure has one shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        // An unknown key is reported at its own path, so clients can point at the offending field.
        const errors = result.error.issues.slice(0, 20).flatMap((issue) => {
          const base = issue.path.map(String);
          if (issue.code === "unrecognized_keys")
            return issue.keys.map((key) => ({ path: [...base, key].join("."), message: `unknown field '${key}'` }));
          return [{ path: base.join("."), message: issue.message }];
        });
        const first = errors[0];
        const where = result.target === "json" ? "body" : result.target;
        throw badRequest(
          "validation_error",
          first ? `Invalid ${where}: ${first.path ? `${first.path}: ` : ""}${first.message}` : `Invalid ${where}`,
          errors,
        );
      }
    },
  });
}

export type Handler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

export const ErrorSchema = z
  .object({
    detail: z.string().openapi({ example: "Course '507f1f77bcf86cd799439011' not found" }),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).openapi({
      example: "course_not_found",
      description:
        "Stable, closed list: switch on it. Each operation's error responses narrow it to the codes that operation answers with that status (`x-defensive-codes`: safeguards no ordinary request triggers).",
    }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    request_id: z.string().openapi({ description: "This request's id, as in the `x-request-id` header" }),
  })
  .openapi("Error");

export const objectId = (name: string) =>
  z
    .string()
    .regex(ID_PATTERN, `${name} must be a 24-character hex id`)
    .openapi({ example: "507f1f77bcf86cd799439011", minLength: 24, maxLength: 24 });

/**
 * An integer in a query string or path: plain decimal digits, no sign, no leading zero. `Number()` (and so
 * `z.coerce.number()`) also reads `1e2`, `0x10`, `+5`, ` 5` and `5.0`, which gave one value several spellings.
 * Documented as an OpenAPI `integer` with its bounds.
 */
/**
 * A JSON Schema integer says nothing of how it is spelled in a URL, and a validating proxy reads `05` or `1e2` as
 * one: the one spelling this API accepts is said in words on every such parameter.
 */
export const DECIMAL_ONLY = "Written in plain decimal digits: no sign, leading zero, exponent or fraction (`05`, `+5`, `1e2`, `5.0` → 400)";
export const decimalInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, "must be an integer written in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: "integer", minimum: min, maximum: max, description: DECIMAL_ONLY });

/** `"true"`/`"false"` query flags: checked strictly, converted by `flag()`. */
export const boolQuery = z.enum(["true", "false"]);
export const flag = (value: "true" | "false" | undefined) => (value === undefined ? undefined : value === "true");

/**
 * A participant's id (their token's `sub`): 1–200 characters, and never a word a path gives its own meaning: `me`
 * names the caller in `/participants/me/…` (as an id it would make one path mean two people), and `.`/`..` are
 * removed from a URL by its normalisation before any server sees them, so they could never be named in a path.
 */
export const participantId = () =>
  z
    .string()
    .min(1)
    .max(200)
    .regex(/^(?!(me|\.|\.\.)$)/, "'me', '.' and '..' are reserved: /participants/me/… names the caller, dot segments name no one");

/** Accepted for compatibility with the spec; identity comes from the token (see auth.ts). */
export const participantIdQuery = participantId().optional().openapi({
  description: "Optional. Defaults to the caller; a participant may only name themself.",
});
export const managerIdQuery = z.string().min(1).max(200).optional().openapi({
  description: "Optional. Must match the authenticated manager when given.",
});

/** Reads: `?participant_id=` defaults to the caller (see `actingParticipant`). */
export const participantQuery = z.object({ participant_id: participantIdQuery });
/** Writes for a participant: optional for participants, required when a manager acts for one (`participantFor`). */
export const actingForQuery = z.object({
  participant_id: participantId().optional().openapi({
    description: "Optional for participants (must be their own id); required when a manager acts for a participant.",
  }),
});
export const managerQuery = z.object({ manager_id: managerIdQuery });

export const security = [{ Bearer: [] }];

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const MessageSchema = z.object({ message: z.string() }).openapi("Message");

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Shared field bounds, so every resource refuses the same oversized input the same way. */
export const fields = {
  name: () => z.string().trim().min(1).max(200),
  description: () => z.string().max(5000).nullable(),
  url: () => z.string().max(2048).refine(isHttpUrl, "must be an http(s) URL").openapi({ format: "uri", example: "https://example.com/x" }),
  orderIndex: () => z.number().int().min(0).max(1_000_000),
  timestamp: () => z.string().openapi({ format: "date-time", example: "2024-01-15T10:30:00Z" }),
  /** A time a client sends: ISO 8601 in UTC (`Z`), e.g. an exam window's end. */
  utcTime: () => z.iso.datetime({ offset: false }).max(40).openapi({ format: "date-time", example: "2026-12-14T18:00:00Z" }),
};

/** A valid PUBLIC_BASE_URL without its trailing slash, or null; each value is parsed once per isolate. */
const publicBases = new Map<string, string | null>();

function publicBase(configured: string): string | null {
  let base = publicBases.get(configured);
  if (base !== undefined) return base;
  base = null;
  try {
    const url = new URL(configured);
    // A query or fragment would end up in the middle of every URL built on it; credentials would be handed out.
    if (
      (url.protocol === "https:" || url.protocol === "http:") &&
      url.hostname &&
      !url.username &&
      !url.password &&
      !url.search &&
      !url.hash
    )
      base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    base = null;
  }
  // A typo in one variable should not take every request down with it: URLs fall back to the request's origin
  // (what they were before the variable existed), and the misconfiguration is logged once per isolate.
  if (base === null)
    console.error("PUBLIC_BASE_URL is not an http(s) URL without query or credentials; using the request's origin:", configured);
  publicBases.set(configured, base);
  return base;
}

/**
 * The base of URLs the API hands out (file URLs, signed links, Link rel=next): PUBLIC_BASE_URL when set, so
 * they do not depend on the Host header a client sent; otherwise the origin the request reached.
 */
/** PUBLIC_BASE_URL when it is set to a valid base, else null (no fallback to the request's origin). */
export function configuredBase(c: { env?: { PUBLIC_BASE_URL?: string } }): string | null {
  const configured = c.env?.PUBLIC_BASE_URL;
  return configured ? publicBase(configured) : null;
}

export function origin(c: { req: { url: string }; env?: { PUBLIC_BASE_URL?: string } }): string {
  const configured = c.env?.PUBLIC_BASE_URL;
  return (configured && publicBase(configured)) || new URL(c.req.url).origin;
}
