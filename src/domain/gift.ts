/**
 * GIFT, Moodle's text format for questions, read and written as Moodle's own importer (qformat_gift) does.
 *
 * Why this parser is written here rather than taken from npm: the one maintained GIFT parser, gift-pegjs
 * (PEG.js 0.10 output, CommonJS, with pegjs as a runtime dependency), returns questions without their line
 * numbers — and the import must report every skipped item by the line it starts on, and every malformed one by the
 * line at fault. It also folds the newlines of a multi-line question into spaces (Moodle keeps them, and so must a
 * round trip), rejects the whole file on the first construct it does not know, and turns a multiple choice whose
 * answers are all right into a short answer. GIFT is line based and small (Moodle's reader is a few hundred lines),
 * so it is read here, in the same steps as Moodle's reader.
 *
 * The format, as Moodle reads it:
 * - Items are separated by blank lines; lines are trimmed; a line starting with `//` is a comment.
 * - `$CATEGORY: a/b/c` switches the category of the items after it (its path segments become their tags).
 * - An item is `::name::` (optional), a `[html]`/`[moodle]`/`[plain]`/`[markdown]` format marker (optional), the
 *   text, and one answer block `{…}`; text after the block makes a "missing word" question (the block's place
 *   becomes "_____"). `\~ \= \# \{ \} \: \\` are literal characters and `\n` a line break.
 * - `{}` essay; `{T}`/`{TRUE}`/`{F}`/`{FALSE}` true/false; a block with `~` multiple choice (`=` right, `~` wrong,
 *   `~%50%` weighted, `#` feedback, `####` general feedback); `{#…}` numerical; `{=a -> b …}` matching; any other
 *   block short answer; no block at all a description.
 *
 * What Moodle's GIFT has no place for is carried in `//` comments, which Moodle's importer skips (tags it reads):
 * - tags: `// [tag:chapter-2] [tag:easy]` — Moodle's own GIFT syntax for a question's tags (since Moodle 3.6),
 *   a `]` inside a tag written `\]`. Export writes each question's tags this way rather than as `$CATEGORY:` lines:
 *   a category is one path, tags are a set, and a Moodle import of `$CATEGORY: a/b` would make nested categories.
 * - marks and word limit: `// [marks:2.5]`, `// [max_words:300]` (this API's own markers; Moodle ignores them and
 *   gives the question its default mark).
 * Feedback and general feedback are read past and dropped; export writes none.
 */
import {
  type BankQuestionDraft,
  categoryTags,
  checkInputSize,
  cleanText,
  draftProblem,
  FormatError,
  IMPORT_LIMITS,
  type ImportResult,
  looksLikeHtml,
  normaliseMarks,
  normaliseMaxWords,
  normaliseTags,
  type Skipped,
} from "./question-formats";

type Line = { no: number; text: string };
type Item = { draft: BankQuestionDraft } | { skip: Omit<Skipped, "line"> };

const FORMAT_MARKER = /^\[(html|moodle|plain|markdown)\]/;
const TF_ANSWERS = new Set(["T", "TRUE", "F", "FALSE"]);

/** Positions where `token` starts outside an escape (`\x` is one escaped character). */
function unescapedPositions(s: string, token: string, from = 0): number[] {
  const out: number[] = [];
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") {
      i++;
      continue;
    }
    if (s.startsWith(token, i)) out.push(i);
  }
  return out;
}

const firstUnescaped = (s: string, token: string, from = 0) => unescapedPositions(s, token, from)[0] ?? -1;

/** GIFT escapes undone: `\\` `\~` `\=` `\#` `\{` `\}` `\:` give the character, `\n` a line break; any other `\` stays. */
function giftUnescape(s: string): string {
  return s.replace(/\\([\\~=#{}:n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** Text as GIFT writes it: the reserved characters and the backslash escaped, line breaks as `\n` (as Moodle's exporter). */
function giftEscape(s: string): string {
  return s.replace(/[\\~=#{}:]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");
}

/** A text part as read: format marker dropped, escapes undone, trimmed. */
const readText = (raw: string) => cleanText(giftUnescape(raw.trim().replace(FORMAT_MARKER, "")));

/** The tags, marks and word limit an item's `//` comments carry. */
function readComments(comments: string[]) {
  const all = comments.join("\n");
  const tags = [...all.matchAll(/\[tag:((?:\\\]|[^\]\n])+)\]/g)].map((m) => (m[1] ?? "").replace(/\\\]/g, "]"));
  const marks = /\[marks:\s*([^\]\s]+)\s*\]/.exec(all)?.[1];
  const maxWords = /\[max_words:\s*([^\]\s]+)\s*\]/.exec(all)?.[1];
  return {
    tags,
    marks: marks === undefined ? 1 : normaliseMarks(Number(marks)),
    maxWords: maxWords === undefined ? null : normaliseMaxWords(Number(maxWords)),
  };
}

/** Splits a multiple-choice block into its answers, each with its mark (`=` or `~`); text before the first mark is a wrong answer, as in Moodle. */
function splitChoices(block: string): { mark: "=" | "~"; body: string }[] {
  const cuts = [...unescapedPositions(block, "="), ...unescapedPositions(block, "~")].sort((a, b) => a - b);
  const out: { mark: "=" | "~"; body: string }[] = [];
  const lead = block.slice(0, cuts[0] ?? block.length).trim();
  if (lead) out.push({ mark: "~", body: lead });
  cuts.forEach((at, k) => {
    out.push({ mark: block[at] === "=" ? "=" : "~", body: block.slice(at + 1, cuts[k + 1] ?? block.length).trim() });
  });
  return out;
}

function readItem(lines: Line[], comments: string[], category: string[]): Item {
  const joined = lines.map((l) => l.text).join("\n");
  const lineAt = (offset: number) => lines[joined.slice(0, offset).split("\n").length - 1]?.no ?? lines[0]?.no;

  let name: string | null = null;
  let body = 0;
  if (joined.startsWith("::")) {
    const end = firstUnescaped(joined, "::", 2);
    if (end < 0) throw new FormatError("the question name's '::' is never closed", { line: lineAt(0) });
    name = cleanText(giftUnescape(joined.slice(2, end))) || null;
    body = end + 2;
  }

  const blocks: { open: number; close: number }[] = [];
  let open = -1;
  for (let i = body; i < joined.length; i++) {
    const c = joined[i];
    if (c === "\\") i++;
    else if (c === "{") {
      if (open >= 0) throw new FormatError("'{' inside an answer block (a literal brace is written \\{)", { line: lineAt(i) });
      open = i;
    } else if (c === "}") {
      if (open < 0) throw new FormatError("'}' without an opening '{' (a literal brace is written \\})", { line: lineAt(i) });
      blocks.push({ open, close: i });
      open = -1;
    }
  }
  if (open >= 0)
    throw new FormatError("'{' is never closed: an answer block needs its '}' before the next blank line", { line: lineAt(open) });

  const [block] = blocks;
  if (!block) return { skip: { type: "description", reason: "a description (text without an answer block) is not a question" } };
  if (blocks.length > 1)
    return { skip: { type: "cloze", reason: "several answer blocks in one question (embedded answers) are not supported" } };

  const before = joined.slice(body, block.open);
  const after = joined.slice(block.close + 1);
  const question_text = readText(after.trim() === "" ? before : `${before}_____${after}`);
  let answer = joined.slice(block.open + 1, block.close);
  const general = unescapedPositions(answer, "####").at(-1);
  if (general !== undefined) answer = answer.slice(0, general);
  answer = answer.trim();

  const meta = readComments(comments);
  const base = { name, question_text, marks: meta.marks, tags: normaliseTags([...category, ...meta.tags]) };
  let draft: BankQuestionDraft;
  let type: string;

  if (answer === "") {
    type = "essay";
    draft = { ...base, question_type: "THEORY", options: [], max_words: meta.maxWords };
  } else if (answer.startsWith("#")) {
    return { skip: { type: "numerical", reason: "numerical questions are not supported" } };
  } else if (firstUnescaped(answer, "~") >= 0) {
    type = "multichoice";
    const choices = splitChoices(answer).map(({ mark, body }) => {
      const weight = /^%(-?\d+(?:\.\d*)?)%/.exec(body);
      const text = weight ? body.slice(weight[0].length) : body;
      const feedback = firstUnescaped(text, "#");
      return {
        weight: weight ? Number(weight[1]) : mark === "=" ? 100 : 0,
        text: readText(feedback >= 0 ? text.slice(0, feedback) : text),
      };
    });
    if (!choices.length || firstUnescaped(answer, "=") < 0)
      return {
        skip: {
          type,
          reason: "multiple-answer questions (no '=' answer: several may be chosen, scored by weights) are not supported",
        },
      };
    if (choices.some((c) => c.weight !== 0 && c.weight !== 100))
      return { skip: { type, reason: "partial-credit answer weights are not supported (only right or wrong answers)" } };
    draft = {
      ...base,
      question_type: "MCQ",
      options: choices.map((c) => ({ text: c.text, is_correct: c.weight === 100 })),
      max_words: null,
    };
  } else if (firstUnescaped(answer, "=") >= 0 && answer.includes("->")) {
    return { skip: { type: "matching", reason: "matching questions are not supported" } };
  } else {
    const feedback = firstUnescaped(answer, "#");
    const tf = (feedback >= 0 ? answer.slice(0, feedback) : answer).trim();
    if (!TF_ANSWERS.has(tf)) return { skip: { type: "shortanswer", reason: "short-answer questions are not supported" } };
    type = "truefalse";
    const isTrue = tf.startsWith("T");
    draft = {
      ...base,
      question_type: "MCQ",
      options: [
        { text: "True", is_correct: isTrue },
        { text: "False", is_correct: !isTrue },
      ],
      max_words: null,
    };
  }
  const problem = draftProblem(draft);
  return problem ? { skip: { type, reason: problem } } : { draft };
}

/**
 * Reads a GIFT file. Supported items come back as drafts in file order; the others are listed in `skipped` with the
 * line their text starts on. Throws FormatError (nothing to import) for malformed input — an answer block never
 * closed, a stray brace, a name never closed — or input over IMPORT_LIMITS' bytes or items.
 */
export function parseGift(input: string): ImportResult {
  checkInputSize(input);
  const rows = input.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const questions: BankQuestionDraft[] = [];
  const skipped: Skipped[] = [];
  let category: string[] = [];
  let items = 0;
  let lines: Line[] = [];
  let comments: string[] = [];

  const flush = () => {
    let block = lines;
    const itemComments = comments;
    lines = [];
    comments = [];
    const first = block[0];
    if (!first) return;
    if (first.text.startsWith("$CATEGORY:")) {
      category = categoryTags(giftUnescape(first.text.slice("$CATEGORY:".length)));
      block = block.slice(1);
    }
    const start = block[0];
    if (!start) return;
    items++;
    if (items > IMPORT_LIMITS.items) throw new FormatError(`more than ${IMPORT_LIMITS.items} questions in one import`, { line: start.no });
    const item = readItem(block, itemComments, category);
    if ("draft" in item) questions.push(item.draft);
    else skipped.push({ line: start.no, ...item.skip });
  };

  rows.forEach((row, i) => {
    const text = row.trim();
    if (text === "") flush();
    else if (text.startsWith("//")) comments.push(text);
    else lines.push({ no: i + 1, text });
  });
  flush();
  return { questions, skipped };
}

/** A text part as written: escaped, behind a format marker when it reads as HTML or would otherwise be misread. */
function writeText(text: string, marker: string, always: boolean): string {
  const escaped = giftEscape(text);
  return always || /^(\[|\/\/|%)/.test(escaped) ? marker + escaped : escaped;
}

/**
 * Writes questions as GIFT that parseGift reads back to the same drafts and Moodle's importer accepts: tags,
 * marks other than 1 and a word limit in a `//` comment line before each question, `::name::` when there is one,
 * `[html]` when the question reads as HTML, multiple choice with `=` right and `~` wrong answers one per line
 * (several right answers after the first as `~%100%` when no wrong one is left to make it multiple choice), essays
 * as `{}`. Questions are separated by blank lines.
 */
export function toGift(questions: readonly BankQuestionDraft[]): string {
  const out: string[] = [];
  for (const q of questions) {
    // A "]" in a tag is written as backslash-"]"; a tag ending in a backslash gets a space (trimmed on reading) so that its "]" still closes it.
    const meta = q.tags.map((t) => `[tag:${t.replace(/\]/g, "\\]")}${t.endsWith("\\") ? " " : ""}]`);
    if (q.marks !== 1) meta.push(`[marks:${q.marks}]`);
    if (q.question_type === "THEORY" && q.max_words !== null) meta.push(`[max_words:${q.max_words}]`);
    if (meta.length) out.push(`// ${meta.join(" ")}`);

    const html = looksLikeHtml(q.question_text) || q.options.some((o) => looksLikeHtml(o.text));
    const marker = html ? "[html]" : "[moodle]";
    const head = (q.name !== null ? `::${giftEscape(q.name)}::` : "") + writeText(q.question_text, marker, html);
    if (q.question_type === "THEORY") {
      out.push(`${head} {}`, "");
      continue;
    }
    out.push(`${head} {`);
    const anyWrong = q.options.some((o) => !o.is_correct);
    let right = 0;
    for (const o of q.options) {
      const mark = !o.is_correct ? "~" : right++ === 0 || anyWrong ? "=" : "~%100%";
      out.push(`\t${mark}${writeText(o.text, marker, false)}`);
    }
    out.push("}", "");
  }
  return out.join("\n");
}
