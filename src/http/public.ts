/**
 * What answers without a token: `/health`, `/openapi.json`, `/docs` (and a 404 for the favicon browsers ask for).
 * They count against the client's address.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError, errorResponse } from "../lib/errors";
import type { createRouter } from "../lib/openapi";
import { API_DESCRIPTION, BEARER_DESCRIPTION, FILE_LINK_DESCRIPTION } from "../lib/openapi-descriptions";
import { completeDocument } from "../lib/openapi-document";
import { isPublicRead } from "../lib/public-reads";
import { clientAddress, countAgainst } from "../lib/rate-limit";

export const PUBLIC_PATHS = new Set(["/health", "/openapi.json", "/docs"]);

/**
 * Swagger UI's files (public/docs/, Workers static assets). wrangler.toml runs the Worker first for every path
 * (`run_worker_first`): an API request then never waits on an asset lookup and no file can shadow a route, and
 * under `wrangler dev` the asset router's lookup cost ≈ 0.5 ms of CPU on every request (docs/operations.md). So these
 * few paths are handed to the assets binding here: no token, not rate limited (a page load asks for three of them;
 * they are the same for everyone and cached by the browser).
 */
const STATIC_FILE = /^\/docs\/(init\.js|vendor\/[A-Za-z0-9._-]{1,64})$/;
export const isStaticFile = (method: string, path: string) => (method === "GET" || method === "HEAD") && STATIC_FILE.test(path);

/** Whether a request needs no token (it counts against the client's address instead, static files excepted). */
export function isPublic(method: string, path: string): boolean {
  if (PUBLIC_PATHS.has(path)) return true;
  return isStaticFile(method, path) || isPublicRead(method, path);
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Course/LMS API</title><link rel="icon" href="/docs/vendor/favicon-32x32.png">
<link rel="stylesheet" href="/docs/vendor/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/vendor/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;

/** The public paths count against the client address, before their routes. */
export const countPublic = createMiddleware<AppEnv>(async (c, next) => {
  const { method, path } = c.req;
  if (method !== "OPTIONS" && isPublic(method, path) && !isStaticFile(method, path)) await countAgainst(c, "anonymous", clientAddress(c));
  await next();
});

// The one public operation of the document: no security, and no `x-roles` (it needs no token at all).
const health = createRoute({
  operationId: "health",
  method: "get",
  path: "/health",
  tags: ["Service"],
  security: [],
  summary: "Liveness: the Worker answers and its database is reachable",
  description: "Needs no token; counts against the caller's address (`anonymous` rate limit). A database that cannot be reached is a 5xx.",
  responses: {
    200: {
      description: "Up",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }).openapi("Health") } },
    },
  },
});

export function mountPublic(app: ReturnType<typeof createRouter>) {
  app.openapi(health, async (c) => {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ status: "ok" as const }, 200);
  });

  // Browsers ask for it on every /docs load, without a token: a plain 404 (cached for a day) instead of a 401.
  app.get("/favicon.ico", (c) =>
    errorResponse(
      c,
      new ApiError(404, "route_not_found", "No route for GET /favicon.ico", undefined, { "cache-control": "public, max-age=86400" }),
    ),
  );

  // Generated from the same zod schemas that validate requests, once per isolate (not at import). Every
  // write also documents the 413/415 the middleware answers before validation.
  let document: object | undefined;
  app.get("/openapi.json", (c) => {
    document ??= completeDocument(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Course/LMS API",
          version: "1.0.0",
          description: API_DESCRIPTION,
          contact: { name: "LMS API maintainers" },
          license: { name: "Proprietary" },
        },
        // Relative: the document is served by the API itself, so "/" is wherever a client reached it.
        servers: [
          {
            url: "/",
            description: "This API, in whichever environment serves the document (production, staging or local)",
            "x-internal": false,
          },
        ],
        security: [{ Bearer: [] }],
      }),
    );
    return c.json(document);
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: BEARER_DESCRIPTION,
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "FileLink", {
    type: "apiKey",
    in: "query",
    name: "token",
    description: FILE_LINK_DESCRIPTION,
  });
  // Swagger UI from this origin only (its files are static assets under /docs/), so /docs works offline and
  // nothing else can run on the page.
  app.get("/docs", (c) =>
    c.html(DOCS_PAGE, 200, {
      "content-security-policy":
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    }),
  );

  // The static files, from the assets binding; a name it does not hold is this API's own 404. The response is copied:
  // a fetched response's headers are immutable, and every answer gets the request id and nosniff (observe).
  app.get("/docs/*", async (c) => {
    const file = c.env.ASSETS && isStaticFile(c.req.method, c.req.path) ? await c.env.ASSETS.fetch(c.req.raw) : null;
    if (!file || file.status === 404) {
      await file?.body?.cancel();
      return errorResponse(c, new ApiError(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`));
    }
    return new Response(file.body, file);
  });
}
