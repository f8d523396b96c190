// Migration guard: refuses any statement in migrations/*.sql that would drop or rewrite a table holding
// participant data (or history that points at it). Run by `npm run check:migrations` and first thing by
// `npm run deploy`; `--self-test` checks the checker against inline SQL.
//
// Refused on a protected table: DROP TABLE; ALTER TABLE … RENAME TO (either side); ALTER TABLE … DROP COLUMN;
// drizzle-kit's table-recreate pattern (CREATE TABLE __new_<t> / INSERT INTO __new_<t>); DELETE FROM and
// UPDATE without a WHERE of their own (a WHERE inside a subquery does not count; WHERE 1 / true / 1=1 neither),
// also inside trigger bodies. Comments and string literals are ignored.
//
// A reviewed exception is one line in the migration file, covering that table for the whole file:
//   -- migration-guard: allow <table> <reason>
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Tables the guard protects (src/db/schema.ts), each with why. */
export const PROTECTED_TABLES = {
  // Participant data: written by the participant journey and by managers' reviews of it.
  enrollments: "participant data: who is enrolled in which course, where they started, when they finished",
  material_completions: "participant data: each participant's progress through materials",
  form_submissions: "participant data: exam attempts, answers, scores, grades and review decisions",
  requirement_submissions: "participant data: each participant's requirement-table submission and its approval",
  requirement_rows: "participant data: the filled requirement rows and their approvals",
  certificates: "participant data: issued course certificates, their recipients and revocations",
  // Authored content is archived, never erased, once a participant has touched it: submissions, grades and
  // progress join to it. Recreating one of these also silently drops migration 0005's structure_version
  // triggers, which the progress cache depends on.
  courses: "authored content participant history points at; carries 0005's structure_version triggers",
  steps: "authored content participant history points at; carries 0005's structure_version triggers",
  materials: "authored content participant history points at; carries 0005's structure_version triggers",
  forms: "authored content participant history points at; carries 0005's structure_version triggers",
  requirement_tables: "authored content participant history points at; carries 0005's structure_version triggers",
  // Who decided what: append-only by 0008's triggers, which a recreate would silently drop.
  audit_events: "the audit log: append-only history; carries 0008's no-update/no-delete triggers",
  webhooks: "webhook subscriptions and their signing secrets",
  webhook_events: "the webhook outbox: events not yet delivered would be lost",
  webhook_deliveries: "the record of every webhook delivery",
};
// Not protected: idempotency_keys — replay records of recent requests, expired by age; not participant data,
// and losing them costs only the replay protection of requests still being retried.

const ALLOW = /^\s*--\s*migration-guard:\s*allow\b(.*)$/gim;

/** Tokens of a SQL text: words, quoted identifiers, numbers, strings and punctuation; comments dropped. */
function tokenize(sql) {
  const tokens = [];
  let i = 0;
  let line = 1;
  const push = (type, value, start, startLine) => tokens.push({ type, value, start, end: i, line: startLine });
  while (i < sql.length) {
    const c = sql[i];
    const start = i;
    const startLine = line;
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      const stop = close === -1 ? sql.length : close + 2;
      for (; i < stop; i++) if (sql[i] === "\n") line++;
    } else if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let value = "";
      i++;
      while (i < sql.length) {
        if (sql[i] === close && c !== "[" && sql[i + 1] === close) {
          value += close;
          i += 2;
        } else if (sql[i] === close) {
          i++;
          break;
        } else {
          if (sql[i] === "\n") line++;
          value += sql[i++];
        }
      }
      push(c === "'" ? "string" : "ident", c === "'" ? value : value.toLowerCase(), start, startLine);
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i])) i++;
      push("word", sql.slice(start, i).toLowerCase(), start, startLine);
    } else if (/[0-9]/.test(c)) {
      while (i < sql.length && /[0-9.eE]/.test(sql[i])) i++;
      push("number", sql.slice(start, i), start, startLine);
    } else {
      const two = sql.slice(i, i + 2);
      i += ["<=", ">=", "<>", "!=", "==", "||"].includes(two) ? 2 : 1;
      push("punct", sql.slice(start, i), start, startLine);
    }
  }
  return tokens;
}

/** Top-level statements; a CREATE TRIGGER … BEGIN … END is one statement, with its body statements inside. */
function statements(tokens) {
  const result = [];
  let current = [];
  let inTrigger = false;
  let inBody = false;
  let caseDepth = 0;
  for (const token of tokens) {
    if (current.length === 0 && token.type === "punct" && token.value === ";") continue;
    current.push(token);
    if (current.length <= 3 && token.type === "word" && token.value === "trigger" && current[0].value === "create") inTrigger = true;
    if (inTrigger && token.type === "word") {
      if (token.value === "begin") inBody = true;
      else if (inBody && token.value === "case") caseDepth++;
      else if (inBody && token.value === "end") {
        if (caseDepth > 0) caseDepth--;
        else inBody = inTrigger = false;
      }
    }
    if (token.type === "punct" && token.value === ";" && !inBody) {
      result.push(current.slice(0, -1));
      current = [];
      inTrigger = false;
    }
  }
  if (current.length) result.push(current);
  return result;
}

const is = (token, ...words) => token !== undefined && token.type === "word" && words.includes(token.value);
const isName = (token) => token !== undefined && (token.type === "ident" || token.type === "word");

/** A possibly schema-qualified table name at tokens[i]: its bare lower-case name and the index after it. */
function tableName(tokens, i) {
  if (!isName(tokens[i])) return { name: undefined, next: i };
  if (tokens[i + 1]?.value === "." && isName(tokens[i + 2])) return { name: tokens[i + 2].value, next: i + 3 };
  return { name: tokens[i].value, next: i + 1 };
}

/** Index of the first WHERE at the statement's own level (not in a subquery) from `from` on, or -1. */
function ownWhere(tokens, from) {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.value === "(") depth++;
    else if (t.value === ")") depth--;
    else if (depth === 0 && is(t, "where")) return i;
  }
  return -1;
}

/** WHERE followed by nothing but a constant truth: 1, true, 1=1, 'a'='a'. */
function trivialWhere(tokens, where) {
  const rest = tokens
    .slice(where + 1)
    .filter((t) => !(t.type === "punct" && (t.value === "(" || t.value === ")")))
    .map((t) => `${t.type}:${t.value}`);
  const constant = (v) => v.startsWith("number:") || v.startsWith("string:");
  if (rest.length === 1) return rest[0] === "word:true" || /^number:0*[1-9]/.test(rest[0]);
  return rest.length === 3 && (rest[1] === "punct:=" || rest[1] === "punct:==") && rest[0] === rest[2] && constant(rest[0]);
}

/** Violations of one statement (token list) as { table, what }. */
function inspect(tokens) {
  const found = [];
  const first = tokens[0];
  if (first === undefined) return found;
  // CREATE [TEMP] TRIGGER … BEGIN body END: inspect each body statement.
  const begin = tokens.findIndex((t) => is(t, "begin"));
  if (is(first, "create") && tokens.slice(1, 3).some((t) => is(t, "trigger")) && begin !== -1) {
    const body = statements(tokens.slice(begin + 1, tokens.length - 1));
    for (const statement of body) for (const v of inspect(statement)) found.push({ ...v, what: `${v.what} (in a trigger body)` });
    return found;
  }
  // Skip a leading WITH … (CTEs sit in parentheses) to the statement's own verb.
  let v = 0;
  if (is(first, "with")) {
    let depth = 0;
    for (v = 1; v < tokens.length; v++) {
      if (tokens[v].value === "(") depth++;
      else if (tokens[v].value === ")") depth--;
      else if (depth === 0 && is(tokens[v], "insert", "replace", "update", "delete", "select")) break;
    }
  }
  const at = (k) => tokens[v + k];
  const recreated = (name) => (name?.startsWith("__new_") ? name.slice("__new_".length) : undefined);

  if (is(at(0), "drop") && is(at(1), "table")) {
    let i = v + 2;
    if (is(tokens[i], "if") && is(tokens[i + 1], "exists")) i += 2;
    const { name } = tableName(tokens, i);
    found.push({ table: name, what: "DROP TABLE" });
  } else if (is(at(0), "alter") && is(at(1), "table")) {
    const { name, next } = tableName(tokens, v + 2);
    if (is(tokens[next], "rename") && is(tokens[next + 1], "to")) {
      const target = tableName(tokens, next + 2).name;
      found.push({ table: name, what: `ALTER TABLE … RENAME TO ${target}` });
      found.push({ table: target, what: `ALTER TABLE ${name} RENAME TO …` });
      if (recreated(name)) found.push({ table: recreated(name), what: `ALTER TABLE ${name} RENAME TO … (table recreate)` });
    } else if (is(tokens[next], "drop")) {
      const column = tableName(tokens, is(tokens[next + 1], "column") ? next + 2 : next + 1).name;
      found.push({ table: name, what: `ALTER TABLE … DROP COLUMN ${column}` });
    }
  } else if (is(at(0), "create")) {
    let i = v + 1;
    if (is(tokens[i], "temp", "temporary")) i++;
    if (is(tokens[i], "table")) {
      i++;
      if (is(tokens[i], "if") && is(tokens[i + 1], "not") && is(tokens[i + 2], "exists")) i += 3;
      const { name } = tableName(tokens, i);
      if (recreated(name)) found.push({ table: recreated(name), what: `CREATE TABLE ${name} (table recreate)` });
    }
  } else if (is(at(0), "insert", "replace")) {
    let i = v + 1;
    if (is(tokens[i], "or")) i += 2;
    if (is(tokens[i], "into")) i++;
    const { name } = tableName(tokens, i);
    if (recreated(name)) found.push({ table: recreated(name), what: `INSERT INTO ${name} (table recreate)` });
  } else if (is(at(0), "delete") && is(at(1), "from")) {
    const { name, next } = tableName(tokens, v + 2);
    const where = ownWhere(tokens, next);
    if (where === -1) found.push({ table: name, what: "DELETE FROM without WHERE" });
    else if (trivialWhere(tokens, where)) found.push({ table: name, what: "DELETE FROM with an always-true WHERE" });
  } else if (is(at(0), "update")) {
    let i = v + 1;
    if (is(tokens[i], "or")) i += 2;
    const { name, next } = tableName(tokens, i);
    const where = ownWhere(tokens, next);
    if (where === -1) found.push({ table: name, what: "UPDATE without WHERE" });
    else if (trivialWhere(tokens, where)) found.push({ table: name, what: "UPDATE with an always-true WHERE" });
  }
  return found;
}

/**
 * Checks one migration's SQL. Returns { violations, allowed, problems }: violations on protected tables not
 * covered by an allow line, the allow lines that were used, and malformed allow lines.
 */
export function checkSql(sql, file = "<sql>") {
  const allowed = new Map();
  const problems = [];
  for (const match of sql.matchAll(ALLOW)) {
    const [table, ...reason] = match[1].trim().split(/\s+/);
    if (!table || reason.join(" ").trim() === "")
      problems.push(`${file}: "${match[0].trim()}" needs a table and a reason: -- migration-guard: allow <table> <reason>`);
    else allowed.set(table.replace(/[`"[\]]/g, "").toLowerCase(), reason.join(" "));
  }
  const violations = [];
  const used = new Set();
  for (const statement of statements(tokenize(sql))) {
    const text = sql.slice(statement[0].start, statement[statement.length - 1].end).replace(/\s+/g, " ");
    const reported = new Set();
    for (const { table, what } of inspect(statement)) {
      if (table === undefined || !Object.hasOwn(PROTECTED_TABLES, table) || reported.has(table)) continue;
      reported.add(table);
      if (allowed.has(table)) {
        used.add(table);
        continue;
      }
      violations.push({ file, line: statement[0].line, table, what, statement: text });
    }
  }
  return { violations, allowed: [...used].map((table) => ({ file, table, reason: allowed.get(table) })), problems };
}

/** Checks every migrations/*.sql; prints the outcome and returns true when nothing is refused. */
export function checkMigrations(dir = path.join(root, "migrations")) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  let ok = true;
  for (const file of files) {
    const { violations, allowed, problems } = checkSql(
      readFileSync(path.join(dir, file), "utf8"),
      path.relative(root, path.join(dir, file)),
    );
    for (const p of problems) console.error(`migration guard: ${p}`);
    for (const a of allowed) console.log(`migration guard: ${a.file}: allowed on ${a.table} (reviewed: ${a.reason})`);
    for (const v of violations) {
      const shown = v.statement.length > 300 ? `${v.statement.slice(0, 300)} …` : v.statement;
      console.error(`migration guard: ${v.file}:${v.line}: ${v.what} on protected table "${v.table}" (${PROTECTED_TABLES[v.table]})`);
      console.error(`  statement: ${shown}`);
    }
    if (violations.length || problems.length) ok = false;
  }
  if (ok) console.log(`migration guard: ${files.length} migration(s) checked, nothing drops or rewrites a protected table`);
  else
    console.error(
      "migration guard: refused. Rewrite the migration (add columns, backfill with a WHERE), or after review add\n" +
        "  -- migration-guard: allow <table> <reason>\n" +
        "to the migration file. A drizzle-kit table recreate also drops the table's triggers: recreate them in the same file.",
    );
  return ok;
}

function selfTest() {
  const recreate = (t) => `PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE \`__new_${t}\` (\`id\` text PRIMARY KEY NOT NULL);--> statement-breakpoint
INSERT INTO \`__new_${t}\`("id") SELECT "id" FROM \`${t}\`;--> statement-breakpoint
DROP TABLE \`${t}\`;--> statement-breakpoint
ALTER TABLE \`__new_${t}\` RENAME TO \`${t}\`;--> statement-breakpoint
PRAGMA foreign_keys=ON;`;
  // [name, sql, expected number of violations]
  const cases = [
    ["drop table", "DROP TABLE `enrollments`;", 1],
    ["drop table if exists, schema-qualified", 'DROP TABLE IF EXISTS main."form_submissions";', 1],
    ["drop unprotected table", "DROP TABLE idempotency_keys;", 0],
    ["drop index", "DROP INDEX `form_submissions_open_deadline`;", 0],
    ["rename table away", "ALTER TABLE requirement_rows RENAME TO old_rows;", 1],
    ["rename column", "ALTER TABLE enrollments RENAME COLUMN completed_at TO finished_at;", 0],
    ["add column", "ALTER TABLE `materials` ADD `file_key` text;", 0],
    ["drop column", "ALTER TABLE material_completions DROP COLUMN step_id;", 1],
    ["drizzle recreate", recreate("form_submissions"), 4],
    ["drizzle recreate of an unprotected table", recreate("idempotency_keys"), 0],
    [
      "recreate, allowed",
      `-- migration-guard: allow form_submissions reviewed in #99, copies every column\n${recreate("form_submissions")}`,
      0,
    ],
    ["allow without reason (malformed line + the drop)", `-- migration-guard: allow enrollments\nDROP TABLE enrollments;`, 2],
    ["allow covers only its table", `-- migration-guard: allow enrollments reviewed\nDROP TABLE enrollments; DROP TABLE steps;`, 1],
    ["delete without where", "DELETE FROM `material_completions`;", 1],
    ["delete with where", "DELETE FROM material_completions WHERE material_id = 'x';", 0],
    ["delete with trivial where", "DELETE FROM requirement_rows WHERE 1=1;", 1],
    ["delete with constant string where", "DELETE FROM requirement_rows WHERE ('a' = 'a');", 1],
    ["delete with column comparison", "DELETE FROM requirement_rows WHERE approved = approved_by;", 0],
    ["update without where", "UPDATE form_submissions SET feedback = NULL;", 1],
    ["update, where only in a subquery", "UPDATE enrollments SET completed_at = (SELECT max(x) FROM t WHERE t.y = 1);", 1],
    ["update with where", "UPDATE OR IGNORE enrollments SET completed_at = NULL WHERE id = 'a';", 0],
    ["update with trivial where", "UPDATE courses SET is_active = 1 WHERE true;", 1],
    ["CTE update without where", "WITH x AS (SELECT id FROM steps WHERE 1) UPDATE steps SET name = 'a';", 1],
    [
      "trigger body with where",
      "CREATE TRIGGER t AFTER UPDATE ON steps BEGIN UPDATE `courses` SET v = v + 1 WHERE id = NEW.course_id; END;",
      0,
    ],
    [
      "trigger body without where",
      "CREATE TRIGGER t AFTER INSERT ON steps BEGIN SELECT CASE WHEN 1 THEN 1 END; UPDATE courses SET v = v + 1; END;",
      1,
    ],
    ["statement after a trigger", "CREATE TRIGGER t AFTER INSERT ON steps BEGIN DELETE FROM x WHERE 1 = 0; END; DROP TABLE steps;", 1],
    [
      "text in comments and strings",
      "-- DROP TABLE enrollments;\n/* DELETE FROM forms; */ INSERT INTO notes VALUES ('DROP TABLE enrollments;');",
      0,
    ],
  ];
  let failed = 0;
  for (const [name, sql, expected] of cases) {
    const { violations, problems } = checkSql(sql, name);
    const got = violations.length + problems.length;
    if (got !== expected) {
      failed++;
      console.error(`✗ ${name}: expected ${expected} refusal(s), got ${got}`, violations, problems);
    } else console.log(`✓ ${name}`);
  }
  console.log(`${cases.length - failed} passed, ${failed} failed`);
  return failed === 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ok = process.argv.includes("--self-test") ? selfTest() : checkMigrations();
  process.exit(ok ? 0 : 1);
}
