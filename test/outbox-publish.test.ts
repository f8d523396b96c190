/**
 * Webhook events leave after the response. An event insert returns its row, so the request knows which events its
 * batch wrote: one nobody subscribes to is not looked for again, and the request makes no D1 call after answering;
 * one a webhook subscribes to is read, put on the Queue and stamped, as before.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setD1FaultInjector } from "../src/lib/d1";
import { call, enrolled, examAnswers, makeCourse, makeForm, makeStep, token, uniqueName } from "./helpers";

afterEach(() => setD1FaultInjector(null));

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("publishing a request's webhook events", () => {
  it("no subscriber: nothing is read after the response; a subscriber: the event is read, queued and stamped", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const hooks = await call("GET", "/webhooks", { token: manager });
    expect((hooks.json as { events: string[] }[]).some((h) => h.events.includes("submission.submitted"))).toBe(false);
    const course = await makeCourse(manager);
    const step = await makeStep(manager, course.id);
    await makeForm(manager, { step_id: step.id, max_attempts: 3 });
    const sit = async () => {
      const p = await enrolled(manager, course.id);
      const start = await call("POST", `/steps/${step.id}/exam/start`, { token: p.participant });
      expect(start.status, start.text).toBe(201);
      const statements: string[] = [];
      setD1FaultInjector((sql) => {
        statements.push(sql);
        return null;
      });
      const done = await call("POST", `/forms/submissions/${start.json.submission_id}/submit`, {
        token: p.participant,
        body: examAnswers(),
      });
      expect(done.status, done.text).toBe(200);
      await settle();
      setD1FaultInjector(null);
      return statements;
    };
    const unheard = await sit();
    expect(unheard.length).toBeGreaterThan(0);
    expect(unheard.filter((s) => /from "webhook_events"/i.test(s) && /^select/i.test(s.trim()))).toEqual([]);

    const hook = await call("POST", "/webhooks", {
      token: manager,
      body: { url: "https://hooks.example.org/outbox-publish", events: ["submission.submitted"] },
    });
    expect(hook.status, hook.text).toBe(201);
    try {
      const heard = await sit();
      expect(heard.filter((s) => /from "webhook_events"/i.test(s) && /^select/i.test(s.trim())).length).toBe(1);
      const stamped = await env.DB.prepare(
        "SELECT COUNT(*) AS n FROM webhook_events WHERE type = 'submission.submitted' AND enqueued_at IS NOT NULL",
      ).first<{ n: number }>();
      expect(stamped?.n).toBeGreaterThan(0);
    } finally {
      await call("DELETE", `/webhooks/${hook.json.id}`, { token: manager });
    }
  });
});
