import { describe, expect, it } from "vitest";
import { call, makeCourse, makeForm, makeStep, makeTable, token, uniqueName } from "./helpers";

/** Follows Link rel="next" to the end, returning every page. */
async function allPages(path: string, bearer: string) {
  const pages: any[][] = [];
  let next: string | null = path;
  while (next) {
    const page: string = next;
    const res = await call("GET", page, { token: bearer });
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json)).toBe(true);
    pages.push(res.json);
    const link = res.headers.get("link");
    next = link
      ? new URL(/<([^>]+)>; rel="next"/.exec(link)![1]!).pathname + new URL(/<([^>]+)>; rel="next"/.exec(link)![1]!).search
      : null;
    if (pages.length > 50) throw new Error("pagination does not end");
  }
  return pages;
}

describe("pagination", () => {
  it("walks GET /courses in order with no gaps or repeats, 3 per page", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await makeCourse(manager, { order_index: 700_000 + (i % 3) }));
    const pages = await allPages("/courses?limit=3", manager);
    const ids = pages.flat().map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of made) expect(ids).toContain(c.id);
    expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
    const keys = pages.flat().map((c) => [c.order_index, c.id]);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    expect(keys).toEqual(sorted);
  });

  it("defaults to 50, caps at 200, refuses bad limits and foreign cursors", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    expect((await call("GET", "/courses?limit=201", { token: manager })).status).toBe(400);
    expect((await call("GET", "/courses?limit=0", { token: manager })).status).toBe(400);
    const bad = await call("GET", "/courses?cursor=not-a-cursor!", { token: manager });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_cursor");
    const wrongShape = await call("GET", `/courses?cursor=${btoa(JSON.stringify(["x"]))}`, { token: manager });
    expect(wrongShape.status).toBe(400);
  });

  it("pages forms and requirement tables of a step, and pending exam submissions", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    for (let i = 0; i < 5; i++) await makeTable(manager, { step_id: step.id });
    for (let i = 0; i < 3; i++) await makeForm(manager);
    const tables = await allPages(`/requirement-tables?step_id=${step.id}&limit=2`, manager);
    expect(tables.map((p) => p.length)).toEqual([2, 2, 1]);
    const forms = await allPages("/forms?limit=2", manager);
    expect(new Set(forms.flat().map((f) => f.id)).size).toBe(forms.flat().length);
  });

  it("the last page has no Link header", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    await makeTable(manager, { step_id: step.id });
    const res = await call("GET", `/requirement-tables?step_id=${step.id}&limit=1`, { token: manager });
    expect(res.json).toHaveLength(1);
    expect(res.headers.get("link")).toBeNull();
  });
});
