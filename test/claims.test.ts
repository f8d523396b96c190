import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { call, enrolled, examAnswers, submittedTable, token, twoStepCourse, uniqueName } from "./helpers";

afterEach(() => setClock(null));

const manager = async () => {
  const id = uniqueName("manager");
  return { id, token: await token(id, "manager") };
};

/** An open exam attempt (MCQ + THEORY) and the manager who authored its course. */
async function startedExam() {
  const author = await manager();
  const c = await twoStepCourse(author.token);
  const who = await enrolled(author.token, c.course.id);
  expect((await call("POST", `/materials/${c.video.id}/complete`, { token: who.participant })).status).toBe(200);
  const started = await call("POST", `/steps/${c.step1.id}/exam/start`, { token: who.participant });
  expect(started.status, started.text).toBe(201);
  return { author, c, who, id: started.json.submission_id as string, deadlineAt: started.json.deadline_at as string };
}

/** A submitted exam attempt, awaiting review. */
async function submittedExam() {
  const exam = await startedExam();
  const submitted = await call("POST", `/forms/submissions/${exam.id}/submit`, { token: exam.who.participant, body: examAnswers() });
  expect(submitted.status, submitted.text).toBe(200);
  return exam;
}

/** A submitted requirement table (two rows filled), awaiting approval, and the manager who authored it. */
async function submittedTableWithAuthor(submit = true) {
  const author = await manager();
  return { author, ...(await submittedTable(author.token, { submit })) };
}

/** The audit events of one submission and action, as a manager reads them. */
const auditRows = async (entityId: string, action: string) => {
  const res = await call("GET", `/audit-events?${new URLSearchParams({ entity_id: entityId, action })}`, {
    token: await token(uniqueName("auditor"), "manager"),
  });
  expect(res.status, res.text).toBe(200);
  return res.json;
};

const minutesFrom = (iso: string, from: Date) => (Date.parse(iso) - from.getTime()) / 60_000;

describe("review claims on exam submissions", () => {
  const claim = (id: string, tok: string) => call("POST", `/form-submissions/${id}/claim`, { token: tok });
  const release = (id: string, tok: string, query = "") => call("DELETE", `/form-submissions/${id}/claim${query}`, { token: tok });

  it("an attempt whose time ran out unseen is closed by the claim, as grading would close it, and then claimed", async () => {
    const { author, id, deadlineAt } = await startedExam();
    // Still open: not claimable.
    expect((await claim(id, author.token)).json.code).toBe("not_reviewable");
    // Past its deadline and grace, and nobody has read it since.
    const later = new Date(Date.parse(deadlineAt) + 5 * 60_000);
    setClock(() => later);
    const claimed = await claim(id, author.token);
    expect(claimed.status, claimed.text).toBe(200);
    expect(claimed.json.claimed_by).toBe(author.id);
    const detail = await call("GET", `/form-submissions/${id}`, { token: author.token });
    expect(detail.json).toMatchObject({ submission_status: "Submitted", auto_submitted: true });
  });

  it("gives a 15-minute lease, renewed by the claimant, refused to another manager who is told who holds it", async () => {
    const { id } = await submittedExam();
    const [a, b] = [await manager(), await manager()];
    const at = new Date();
    setClock(() => at);
    const first = await claim(id, a.token);
    expect(first.status, first.text).toBe(200);
    expect(first.json.claimed_by).toBe(a.id);
    expect(minutesFrom(first.json.claim_expires_at, at)).toBe(15);

    const later = new Date(at.getTime() + 10 * 60_000);
    setClock(() => later);
    const renewed = await claim(id, a.token);
    expect(renewed.status).toBe(200);
    expect(minutesFrom(renewed.json.claim_expires_at, later)).toBe(15);

    const refused = await claim(id, b.token);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: "claimed_by_other" });
    expect(refused.json.detail).toContain(a.id);
    expect(refused.json.errors).toContainEqual({ path: "claimed_by", message: a.id });
  });

  it("refuses every decision by another manager while the lease lives, and allows them once it has expired", async () => {
    const { id } = await submittedExam();
    const [a, b] = [await manager(), await manager()];
    const at = new Date();
    setClock(() => at);
    expect((await claim(id, a.token)).status).toBe(200);
    const grade = { theory_grades: [{ question_id: "q2", marks_awarded: 8 }] };
    for (const [path, body] of [
      ["grade", grade],
      ["approve", {}],
      ["reject", { feedback: "no" }],
      ["request-retake", { reason: "again" }],
    ] as const) {
      const res = await call("POST", `/form-submissions/${id}/${path}`, { token: b.token, body });
      expect(res.status, `${path}: ${res.text}`).toBe(409);
      expect(res.json.code).toBe("claimed_by_other");
    }
    // Nothing changed, and nothing was recorded.
    const detail = await call("GET", `/form-submissions/${id}`, { token: a.token });
    expect(detail.json.submission_status).toBe("Submitted");
    expect(await auditRows(id, "submission.graded")).toHaveLength(0);

    // The claimant grades (the claim stays: approving comes next), then the lease runs out and anyone may decide.
    expect((await call("POST", `/form-submissions/${id}/grade`, { token: a.token, body: grade })).status).toBe(200);
    setClock(() => new Date(at.getTime() + 15 * 60_000 + 1000));
    const approved = await call("POST", `/form-submissions/${id}/approve`, { token: b.token, body: {} });
    expect(approved.status, approved.text).toBe(200);
    // A decided submission cannot be claimed.
    const late = await claim(id, a.token);
    expect(late.status).toBe(409);
    expect(late.json.code).toBe("not_reviewable");
  });

  it("an unclaimed submission is decided by any manager, as before claims existed", async () => {
    const { id } = await submittedExam();
    const res = await call("POST", `/form-submissions/${id}/reject`, { token: (await manager()).token, body: { feedback: "Try again" } });
    expect(res.status, res.text).toBe(200);
  });

  it("a decision by the claimant ends the claim", async () => {
    const { id, author } = await submittedExam();
    const a = await manager();
    expect((await claim(id, a.token)).status).toBe(200);
    expect((await call("POST", `/form-submissions/${id}/request-retake`, { token: a.token, body: { reason: "again" } })).status).toBe(200);
    const [row] = (await env.DB.prepare("SELECT claimed_by, claim_expires_at FROM form_submissions WHERE id = ?").bind(id).all()).results;
    expect(row).toEqual({ claimed_by: null, claim_expires_at: null });
    void author;
  });

  it("of 20 managers claiming at once exactly one gets it", async () => {
    const { id } = await submittedExam();
    const managers = await Promise.all(Array.from({ length: 20 }, manager));
    const results = await Promise.all(managers.map((m) => claim(id, m.token)));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.json.code === "claimed_by_other")).toHaveLength(19);
    // Every loser is told the one winner.
    const winner = won[0]!.json.claimed_by;
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.errors).toContainEqual({ path: "claimed_by", message: winner });
  });

  it("is released by the claimant; by another manager only with force=true, which is audited", async () => {
    const { id } = await submittedExam();
    const [a, b] = [await manager(), await manager()];
    expect((await claim(id, a.token)).status).toBe(200);
    const refused = await release(id, b.token);
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe("claimed_by_other");
    expect(await auditRows(id, "submission.claim_forced")).toHaveLength(0);

    expect((await release(id, b.token, "?force=true")).status).toBe(204);
    const [forced] = await auditRows(id, "submission.claim_forced");
    expect(forced).toMatchObject({ actor_id: b.id, actor_role: "manager", entity_type: "form_submission" });
    expect(forced?.changes.claimed_by).toEqual([a.id, null]);

    // b may claim it now; b's own release is not audited; releasing nothing succeeds.
    expect((await claim(id, b.token)).status).toBe(200);
    expect((await release(id, b.token)).status).toBe(204);
    expect((await release(id, b.token)).status).toBe(204);
    expect(await auditRows(id, "submission.claim_forced")).toHaveLength(1);
  });

  it("is for managers only, and 404 for a submission that does not exist", async () => {
    const { id, who } = await submittedExam();
    expect((await claim(id, who.participant)).status).toBe(403);
    expect((await claim("0123456789abcdef01234567", (await manager()).token)).status).toBe(404);
  });

  it("pending lists show live claims and filter by ?claimed=mine|others|none", async () => {
    const first = await submittedExam();
    const second = await submittedExam();
    const third = await submittedExam();
    const [a, b] = [await manager(), await manager()];
    expect((await claim(first.id, a.token)).status).toBe(200);
    expect((await claim(second.id, b.token)).status).toBe(200);
    const ours = new Set([first.id, second.id, third.id]);
    const list = async (query: string) => {
      const res = await call("GET", `/form-submissions/pending?limit=100${query}`, { token: a.token });
      expect(res.status, res.text).toBe(200);
      return (res.json as { submission_id: string; claimed_by: string | null; claim_expires_at: string | null }[]).filter((s) =>
        ours.has(s.submission_id),
      );
    };
    const all = await list("");
    expect(all.map((s) => [s.submission_id, s.claimed_by])).toEqual([
      [first.id, a.id],
      [second.id, b.id],
      [third.id, null],
    ]);
    expect(all[2]!.claim_expires_at).toBeNull();
    expect((await list("&claimed=mine")).map((s) => s.submission_id)).toEqual([first.id]);
    expect((await list("&claimed=others")).map((s) => s.submission_id)).toEqual([second.id]);
    expect((await list("&claimed=none")).map((s) => s.submission_id)).toEqual([third.id]);
    // An expired claim shows as none.
    setClock(() => new Date(Date.now() + 16 * 60_000));
    const later = await list("&claimed=none");
    expect(later.map((s) => s.submission_id)).toEqual([first.id, second.id, third.id]);
    expect(later.every((s) => s.claimed_by === null)).toBe(true);
    expect((await call("GET", "/form-submissions/pending?claimed=somebody", { token: a.token })).status).toBe(400);
  });
});

describe("review claims on requirement-table submissions", () => {
  const claim = (id: string, tok: string) => call("POST", `/requirement-tables/submissions/${id}/claim`, { token: tok });
  const release = (id: string, tok: string, query = "") =>
    call("DELETE", `/requirement-tables/submissions/${id}/claim${query}`, { token: tok });

  it("refuses row approvals and approve-all by another manager while the lease lives", async () => {
    const { id } = await submittedTableWithAuthor();
    const [a, b] = [await manager(), await manager()];
    const taken = await claim(id, a.token);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.json.claimed_by).toBe(a.id);
    expect((await claim(id, b.token)).json.code).toBe("claimed_by_other");

    const row = await call("POST", `/requirement-tables/submissions/${id}/rows/1/approve`, { token: b.token, body: { approved: true } });
    expect(row.status).toBe(409);
    expect(row.json.code).toBe("claimed_by_other");
    const all = await call("POST", `/requirement-tables/submissions/${id}/approve`, { token: b.token, body: {} });
    expect(all.status).toBe(409);
    expect(all.json.code).toBe("claimed_by_other");
    expect(await auditRows(id, "requirement_submission.row_approved")).toHaveLength(0);

    const mine = await call("POST", `/requirement-tables/submissions/${id}/rows/1/approve`, { token: a.token, body: { approved: true } });
    expect(mine.status, mine.text).toBe(200);
    const done = await call("POST", `/requirement-tables/submissions/${id}/approve`, { token: a.token, body: {} });
    expect(done.status, done.text).toBe(200);
    expect(done.json.is_approved).toBe(true);
    // Approved: no longer pending, so no longer claimable.
    expect((await claim(id, a.token)).json.code).toBe("not_submitted");
  });

  it("a table not yet submitted cannot be claimed", async () => {
    const { author, id } = await submittedTableWithAuthor(false);
    const res = await claim(id, author.token);
    expect(res.status).toBe(409);
    expect(res.json.code).toBe("not_submitted");
  });

  it("pending list shows claims and filters them; a forced release is audited", async () => {
    const first = await submittedTableWithAuthor();
    const second = await submittedTableWithAuthor();
    const [a, b] = [await manager(), await manager()];
    expect((await claim(first.id, a.token)).status).toBe(200);
    const list = async (query: string) => {
      const res = await call("GET", `/requirement-tables/submissions/pending?limit=100${query}`, { token: b.token });
      expect(res.status, res.text).toBe(200);
      return (res.json as { submission_id: string; claimed_by: string | null }[]).filter((s) =>
        [first.id, second.id].includes(s.submission_id),
      );
    };
    expect((await list("")).map((s) => s.claimed_by)).toEqual([a.id, null]);
    expect((await list("&claimed=others")).map((s) => s.submission_id)).toEqual([first.id]);
    expect((await list("&claimed=mine")).map((s) => s.submission_id)).toEqual([]);
    expect((await list("&claimed=none")).map((s) => s.submission_id)).toEqual([second.id]);

    expect((await release(first.id, b.token)).status).toBe(409);
    expect((await release(first.id, b.token, "?force=true")).status).toBe(204);
    const [forced] = await auditRows(first.id, "requirement_submission.claim_forced");
    expect(forced).toMatchObject({ actor_id: b.id, entity_type: "requirement_submission" });
    expect((await list("&claimed=none")).map((s) => s.submission_id)).toEqual([first.id, second.id]);
  });

  it("of 20 managers claiming at once exactly one gets it", async () => {
    const { id } = await submittedTableWithAuthor();
    const managers = await Promise.all(Array.from({ length: 20 }, manager));
    const results = await Promise.all(managers.map((m) => claim(id, m.token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
  });
});
