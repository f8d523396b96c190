/** /docs works offline: Swagger UI's pinned files come from this origin, and the page may load nothing else. */
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("/docs", () => {
  it("is a page that loads only same-origin files, under a same-origin Content-Security-Policy", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const refs = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) expect(ref.startsWith("/")).toBe(true);
    expect(res.text).not.toMatch(/<script>[^<]/);
  });
});
