/**
 * A handler that reads a row in one round trip and writes in the next must answer for the row being gone by then
 * (another request deleted it in between) the way it answers for a row that was never there: a 404 naming it,
 * not a 500. The other request is made to land exactly between the two round trips: the request's database
 * runs it just before the first batch that holds the write.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { call, enrolled, makeCourse, makeForm, makeStep, token, twoStepCourse, uniqueName } from "./helpers";

const app = createApp();

/** `env` whose D1 runs `meanwhile` once, before sending the first batch with a statement whose SQL matches `write`. */
function interleaved(write: RegExp, meanwhile: () => Promise<unknown>): Cloudflare.Env {
  let armed = false;
  let done = false;
  const session = (inner: D1DatabaseSession): D1DatabaseSession => ({
    prepare(sql: string) {
      if (!done && write.test(sql)) armed = true;
      return inner.prepare(sql);
    },
    async batch<T>(statements: D1PreparedStatement[]) {
      if (armed && !done) {
        done = true;
        await meanwhile();
      }
      return inner.batch<T>(statements);
    },
    getBookmark: () => inner.getBookmark(),
  });
  const db: D1Database = {
    prepare: (sql) => env.DB.prepare(sql),
    batch: (statements) => env.DB.batch(statements),
    exec: (query) => env.DB.exec(query),
    dump: () => env.DB.dump(),
    withSession: (constraint) => session(env.DB.withSession(constraint)),
  };
  return { ...env, DB: db };
}

async function send(testEnv: Cloudflare.Env, method: string, path: string, bearer: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const ctx = createExecutionContext();
  const init: RequestInit = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  const res = await app.fetch(new Request(`http://api.test${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe("a row deleted between a handler's read and its write", () => {
  it("PUT /steps/{id}/exam: the step deleted meanwhile is step_not_found (404)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const form = await makeForm(manager);
    const deleteStep = async () => expect((await call("DELETE", `/steps/${step.id}`, { token: manager })).status).toBe(204);
    const testEnv = interleaved(/^update "steps" set "exam_id"/i, deleteStep);
    const res = await send(testEnv, "PUT", `/steps/${step.id}/exam?form_id=${form.id}`, manager);
    expect(res).toMatchObject({ status: 404, json: { code: "step_not_found" } });
    expect((await call("GET", `/steps/${step.id}`, { token: manager })).status).toBe(404);
  });

  it("PUT /forms/{id}: the form deleted meanwhile is form_not_found (404)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const form = await makeForm(manager);
    const deleteForm = async () => expect((await call("DELETE", `/forms/${form.id}`, { token: manager })).status).toBe(204);
    const testEnv = interleaved(/^update "forms" set "name"/i, deleteForm);
    const res = await send(testEnv, "PUT", `/forms/${form.id}`, manager, { name: uniqueName("renamed") });
    expect(res).toMatchObject({ status: 404, json: { code: "form_not_found" } });
    expect((await call("GET", `/forms/${form.id}`, { token: manager })).status).toBe(404);
  });

  it("PUT /forms/{id} moving the exam to another step: a form archived meanwhile is form_not_found and links to nothing", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const w = await twoStepCourse(manager);
    // An attempt: deleting the form now archives it (its attempts keep pointing at it) instead of erasing it.
    const who = await enrolled(manager, w.course.id);
    expect((await call("POST", `/materials/${w.video.id}/complete`, { token: who.participant })).status).toBe(200);
    expect((await call("POST", `/steps/${w.step1.id}/exam/start`, { token: who.participant })).status).toBe(201);
    const deleteForm = async () => expect((await call("DELETE", `/forms/${w.exam.id}`, { token: manager })).status).toBe(204);
    const testEnv = interleaved(/^update "forms" set "name"/i, deleteForm);
    const res = await send(testEnv, "PUT", `/forms/${w.exam.id}`, manager, { name: uniqueName("moved"), step_id: w.step2.id });
    expect(res).toMatchObject({ status: 404, json: { code: "form_not_found" } });
    // The other step did not gain an archived exam, nor did the archived form gain a step.
    expect((await call("GET", `/steps/${w.step2.id}`, { token: manager })).json.exam_id).toBeNull();
    const { results } = await env.DB.prepare("SELECT step_id, archived_at FROM forms WHERE id = ?").bind(w.exam.id).all();
    expect(results[0]).toMatchObject({ step_id: null, archived_at: expect.any(String) });
  });

  it("without the other request in between, both writes answer 200 (the interleaving is what the tests above add)", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    const form = await makeForm(manager);
    const untouched = interleaved(/^$/, async () => undefined);
    expect((await send(untouched, "PUT", `/steps/${step.id}/exam?form_id=${form.id}`, manager)).status).toBe(200);
    expect((await send(untouched, "PUT", `/forms/${form.id}`, manager, { name: uniqueName("renamed") })).status).toBe(200);
  });
});
