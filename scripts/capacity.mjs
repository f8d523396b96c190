// npm run capacity [-- --participants 200] — bytes per exam attempt as the API stores them, before and after
// attempts stored their questions by reference (docs/operations.md "Capacity", same method).
//
// Starts its own `wrangler dev` (fresh local D1), makes through the API one course with a 30-question exam
// (24 MCQ of 4 options, 6 THEORY; texts of bench length) — once plain, once with shuffled options — and has N
// participants each start and submit it (every MCQ answered, every THEORY answered with 300 characters). Then copies
// the D1 file twice: as stored (questions by reference: question_sets of question_versions) and rewritten the old
// way (each attempt's full question list copied into `questions_snapshot`, no set) — both VACUUMed and sized with
// SQLite's dbstat (`SUM(pgsize)` of form_submissions, question_sets, question_versions and their indexes).
import { copyFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { cleanUpOnExit, devToken, freePort, startWranglerDev } from "./lib.mjs";

const { values: args } = parseArgs({ options: { participants: { type: "string", default: "200" } } });
const N = Math.max(10, Number(args.participants));
const { DatabaseSync } = await import("node:sqlite");

const port = await freePort();
// Quiet: wrangler's own lines and the Worker's 4xx lines are not what this measures.
const { dev, state } = await startWranglerDev({
  name: "capacity",
  port,
  args: ["--log-level", "warn", "--var", "REQUEST_LOG_LEVEL:error"],
});
cleanUpOnExit(() => {
  try {
    process.kill(-dev.pid, "SIGTERM");
  } catch {}
});
const base = `http://127.0.0.1:${port}`;

async function api(method, url, token, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(base + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 429 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
      continue;
    }
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

const words = (n, seed) =>
  Array.from({ length: n }, (_, i) => ["dharma", "karma", "bhakti", "jnana", "atma", "yoga"][(i + seed) % 6]).join(" ");
const questions = Array.from({ length: 30 }, (_, i) =>
  i < 24
    ? {
        question_id: `q${i + 1}`,
        question_type: "MCQ",
        question_text: `Question ${i + 1}: ${words(14, i)}?`,
        options: ["a", "b", "c", "d"].map((id, j) => ({ option_id: id, text: `${words(3, i + j)} (${id})`, is_correct: j === 0 })),
        marks: 1,
      }
    : {
        question_id: `q${i + 1}`,
        question_type: "THEORY",
        question_text: `Explain in your words: ${words(16, i)}.`,
        marks: 5,
        max_words: 200,
      },
);

const manager = devToken("capacity-manager", "manager");
async function exam(shuffle) {
  const course = await api("POST", "/courses", manager, { name: `Capacity ${shuffle ? "shuffled" : "plain"}`, is_active: true });
  const step = await api("POST", "/steps", manager, { course_id: course.id, name: "Step 1" });
  const video = await api("POST", `/steps/${step.id}/materials`, manager, {
    material_type: "Video",
    title: "Lecture",
    content: { url: "https://example.com/v.mp4" },
  });
  await api("POST", "/forms", manager, {
    name: "Exam",
    step_id: step.id,
    duration_minutes: 60,
    questions,
    shuffle_options: shuffle,
  });
  for (let p = 0; p < N; p++) {
    const sub = `cap-${shuffle ? "s" : "p"}-${p}`;
    const token = devToken(sub, "participant");
    await api("POST", `/courses/${course.id}/enroll?participant_id=${sub}`, manager);
    await api("POST", `/materials/${video.id}/complete`, token);
    const start = await api("POST", `/steps/${step.id}/exam/start`, token);
    await api("POST", `/forms/submissions/${start.submission_id}/submit`, token, {
      mcq_answers: questions
        .filter((q) => q.question_type === "MCQ")
        .map((q, i) => ({ question_id: q.question_id, selected_option_id: "abcd"[i % 4] })),
      theory_answers: questions
        .filter((q) => q.question_type === "THEORY")
        .map((q) => ({ question_id: q.question_id, answer_text: words(300, 1).slice(0, 300) })),
    });
  }
}

const started = Date.now();
await exam(false);
await exam(true);
console.log(`${2 * N} attempts made through the API in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.kill(-dev.pid, "SIGTERM");
await new Promise((r) => setTimeout(r, 1500));

const dir = path.join(state, "v3", "d1", "miniflare-D1DatabaseObject");
const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
const tables = ["form_submissions", "question_sets", "question_versions"];

function measure(copy, kind, rewrite) {
  const db = new DatabaseSync(copy);
  // One kind of attempt at a time: the other's attempts go, with the sets and versions only they used.
  db.exec(`DELETE FROM form_submissions WHERE participant_id NOT LIKE '${kind === "shuffled" ? "cap-s-%" : "cap-p-%"}';
    DELETE FROM question_sets WHERE hash NOT IN (SELECT question_set FROM form_submissions WHERE question_set IS NOT NULL);
    DELETE FROM question_versions WHERE hash NOT IN (SELECT json_extract(i.value, '$[1]') FROM question_sets s, json_each(s.items) i);`);
  if (rewrite) {
    // The old way: every attempt its own full copy of the questions it was shown (as rebuilt by the reads).
    db.exec(`UPDATE form_submissions SET questions_snapshot = (
        SELECT json_group_array(json(q) ORDER BY k) FROM (
          SELECT i.key AS k, json_set(v.body, '$.question_id', json_extract(i.value, '$[0]')) AS q
          FROM question_sets s JOIN json_each(s.items) i JOIN question_versions v ON v.hash = json_extract(i.value, '$[1]')
          WHERE s.hash = form_submissions.question_set)), question_set = NULL WHERE question_set IS NOT NULL;
      DELETE FROM question_sets; DELETE FROM question_versions;`);
  }
  db.exec("VACUUM");
  const bytes = {};
  for (const table of tables) {
    const names = [
      table,
      ...db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
        .all(table)
        .map((r) => r.name),
    ];
    bytes[table] = names.reduce(
      (sum, name) => sum + Number(db.prepare("SELECT COALESCE(SUM(pgsize), 0) AS b FROM dbstat WHERE name = ?").get(name).b),
      0,
    );
  }
  const attempts = db.prepare("SELECT COUNT(*) AS n FROM form_submissions").get().n;
  db.close();
  const total = Object.values(bytes).reduce((x, y) => x + y, 0);
  return { bytes, attempts, perAttempt: Math.round(total / attempts) };
}

// A participant-year (docs/operations.md): 26 attempts, and 20,205 B of everything else (enrolments, completions,
// requirement tables: 241,803 B measured in total with 26 attempts of 8,523 B).
const OTHER_BYTES = 241_803 - 26 * 8_523;
console.log(`\nbytes per attempt (form_submissions + question_sets + question_versions, tables and indexes, after VACUUM):`);
console.log("| exam | attempts | full copy per attempt (before) | by reference (now) | participant-year before → now |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const kind of ["plain", "shuffled"]) {
  const row = {};
  for (const rewrite of [true, false]) {
    const copy = path.join(state, `${kind}-${rewrite ? "before" : "now"}.sqlite`);
    copyFileSync(path.join(dir, file), copy);
    row[rewrite ? "before" : "now"] = measure(copy, kind, rewrite);
    rmSync(copy, { force: true });
  }
  const year = (r) => (OTHER_BYTES + 26 * r.perAttempt).toLocaleString("en");
  console.log(
    `| ${kind === "plain" ? "fixed order" : "shuffled options"} | ${row.now.attempts} | ${row.before.perAttempt.toLocaleString("en")} | ${row.now.perAttempt.toLocaleString("en")} | ${year(row.before)} → ${year(row.now)} |`,
  );
}
process.exit(0);
