/**
 * What answers without a token: `/health`, `/openapi.json`, `/docs` (and a 404 for the favicon browsers ask for).
 * They count against the client's address.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError, errorResponse } from "../lib/errors";
import type { createRouter } from "../lib/openapi";
import { completeDocument } from "../lib/openapi-document";
import { clientAddress, countAgainst } from "../lib/rate-limit";

export const PUBLIC_PATHS = new Set(["/health", "/openapi.json", "/docs"]);

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Course/LMS API</title><link rel="icon" href="/docs/vendor/favicon-32x32.png">
<link rel="stylesheet" href="/docs/vendor/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/vendor/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;

/** The public paths count against the client address, before their routes. */
export const countPublic = createMiddleware<AppEnv>(async (c, next) => {
  if (PUBLIC_PATHS.has(c.req.path) && c.req.method !== "OPTIONS") await countAgainst(c, "anonymous", clientAddress(c));
  await next();
});

export function mountPublic(app: ReturnType<typeof createRouter>) {
  app.get("/health", async (c) => {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ status: "ok" });
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
          description:
            "Courses, steps, materials, exams, submissions and requirement tables. The API notes (decisions where the original spec is silent) are in the repository's docs/api-notes.md.",
          contact: { name: "LMS API maintainers" },
          license: { name: "Proprietary" },
        },
        // Relative: the document is served by the API itself, so "/" is wherever a client reached it.
        servers: [{ url: "/", description: "This API" }],
        security: [{ Bearer: [] }],
      }),
    );
    return c.json(document);
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "FileLink", {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "A signed download link's token from POST /materials/{material_id}/file-link (valid ≤ 15 minutes)",
  });
  // Swagger UI from this origin only (its files are static assets under /docs/), so /docs works offline and
  // nothing else can run on the page.
  app.get("/docs", (c) =>
    c.html(DOCS_PAGE, 200, {
      "content-security-policy":
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    }),
  );
}
