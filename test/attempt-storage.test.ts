/**
 * Attempts store their questions by reference: the same question shown anywhere is one stored version, attempts
 * shown the same list share one set, and old attempts (full copies) read the same and are moved by the cron.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { moveOldAttemptQuestions } from "../src/form-submissions/jobs";
import { call, makeCourse, makeForm, makeMaterial, makeStep, token, uniqueName } from "./helpers";

async function examWithParticipants(count: number, formOverrides: Record<string, unknown> = {}) {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const video = await makeMaterial(manager, step.id);
  const form = await makeForm(manager, { step_id: step.id, ...formOverrides });
  const attempts: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = uniqueName("p");
    const t = await token(sub, "participant");
    expect((await call("POST", `/courses/${course.id}/enroll?participant_id=${sub}`, { token: manager })).status).toBe(200);
    await call("POST", `/materials/${video.id}/complete`, { token: t });
    const start = await call("POST", `/steps/${step.id}/exam/start`, { token: t });
    expect(start.status, start.text).toBe(201);
    attempts.push(start.json.submission_id);
  }
  return { manager, form, attempts };
}

const stored = (ids: string[]) =>
  env.DB.prepare(
    `SELECT id, question_set, questions_snapshot IS NULL AS no_copy FROM form_submissions WHERE id IN (${ids.map(() => "?").join(", ")})`,
  )
    .bind(...ids)
    .all<{ id: string; question_set: string | null; no_copy: number }>()
    .then((r) => r.results);

describe("attempt questions stored once", () => {
  it("attempts of an exam that neither draws nor shuffles share one set, and copy nothing", async () => {
    const { attempts } = await examWithParticipants(3);
    const rows = await stored(attempts);
    expect(rows.every((r) => r.no_copy === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.question_set)).size).toBe(1);
  });

  it("an old attempt holding a full copy reads the same, and the cron moves it to the store", async () => {
    const { manager, attempts } = await examWithParticipants(2, { shuffle_options: true });
    const id = attempts[0] as string;
    const before = await call("GET", `/form-submissions/${id}`, { token: manager });
    // Make it an attempt from before the store: its questions copied in full, no set.
    const [set] = await stored([id]);
    const items = await env.DB.prepare("SELECT items FROM question_sets WHERE hash = ?").bind(set?.question_set).first<{ items: string }>();
    const copy = [];
    for (const [qid, hash] of JSON.parse(items?.items ?? "[]") as [string, string][]) {
      const v = await env.DB.prepare("SELECT body FROM question_versions WHERE hash = ?").bind(hash).first<{ body: string }>();
      copy.push({ ...JSON.parse(v?.body ?? "{}"), question_id: qid });
    }
    await env.DB.prepare("UPDATE form_submissions SET questions_snapshot = ?, question_set = NULL WHERE id = ?")
      .bind(JSON.stringify(copy), id)
      .run();
    // Its set goes too when no other attempt shares it: the move must write it again.
    await env.DB.prepare("DELETE FROM question_sets WHERE hash = ? AND NOT EXISTS (SELECT 1 FROM form_submissions WHERE question_set = ?)")
      .bind(set?.question_set, set?.question_set)
      .run();
    const asCopy = await call("GET", `/form-submissions/${id}`, { token: manager });
    expect(asCopy.json.questions).toEqual(before.json.questions);

    let moved = 0;
    for (let run = 0; run < 50 && (await stored([id]))[0]?.no_copy === 0; run++) moved += await moveOldAttemptQuestions(env, new Date());
    expect(moved).toBeGreaterThan(0);
    const [after] = await stored([id]);
    expect(after).toMatchObject({ no_copy: 1, question_set: set?.question_set });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM question_sets WHERE hash = ?").bind(set?.question_set).first("n")).toBe(1);
    expect((await call("GET", `/form-submissions/${id}`, { token: manager })).json.questions).toEqual(before.json.questions);
  });
});
