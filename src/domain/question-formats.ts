/**
 * Question bank import and export formats, without I/O: GIFT (gift.ts) and Moodle XML (moodle-xml.ts) read into
 * bank question drafts and written back from them. This module holds what both share — the draft shape, the input
 * bounds, the error for malformed input, and how tags, marks and texts are normalised — and re-exports both formats.
 *
 * What is imported (both formats, as the issue asks): multiple choice with one right answer and true/false as MCQ
 * (true/false becomes the two options "True" and "False", in that order), essay as THEORY, names kept, categories and
 * tags → tags. "One right answer" is Moodle's single-response multiple choice (`<single>true</single>`, or a GIFT
 * answer block with an `=`): every option is fully right or fully wrong. Several fully right options in one
 * single-response question are kept (any of them scores, as this API's MCQ does); what is skipped is the
 * multiple-answer kind (checkboxes: `<single>false</single>`, or a GIFT block without `=`) and partial-credit
 * weights (`%50%`, fraction="50"), which this API's MCQ cannot score. Everything else — matching, numerical, short
 * answer, cloze/embedded answers, description items, any other question type — is skipped and reported.
 *
 * Round trip: `parseX(toX(questions))` gives back `questions` (name, type, text, options in order with
 * `is_correct`, marks, max_words, tags) for drafts as an import produces them (texts trimmed, tags normalised).
 */

export type BankQuestionDraft = {
  /** GIFT `::title::` / Moodle `<name><text>`; null when the item has none (or an empty one). */
  name: string | null;
  question_type: "MCQ" | "THEORY";
  /** The text as written: GIFT escapes undone, Moodle `<questiontext><text>` (HTML kept as is); trimmed, line ends "\n". */
  question_text: string;
  /** In the file's order; [] for THEORY. */
  options: { text: string; is_correct: boolean }[];
  /** Moodle `<defaultgrade>` (GIFT: a `// [marks:N]` comment, see gift.ts); default 1; 0.25 … 10,000 in quarters. */
  marks: number;
  /** THEORY only: Moodle's essay `<maxwordlimit>` (GIFT: `// [max_words:N]`); null when none. */
  max_words: number | null;
  /** Category path segments, then the item's own tags; normalised (see normaliseTags). */
  tags: string[];
};

/**
 * An item that was not imported. GIFT reports `line`: the 1-based line where the item's text starts (its first
 * line that is not a `//` comment). Moodle XML reports `index`: the 0-based position of the item among all the
 * file's `<question>` elements, category elements included (the first `<question>` is 0).
 * `type` is Moodle's name for the kind ("matching", "numerical", "shortanswer", "description", "cloze",
 * "multichoice", "truefalse", "essay", or whatever type a Moodle XML item declares).
 */
export type Skipped = { line?: number; index?: number; type: string; reason: string };
export type ImportResult = { questions: BankQuestionDraft[]; skipped: Skipped[] };

/**
 * Malformed input, or input over the size or item bounds: nothing may be imported. `line` (GIFT, and XML syntax
 * errors) or `index` (a Moodle XML `<question>` element, 0-based) says where; the message starts with it.
 */
export class FormatError extends Error {
  line?: number;
  index?: number;
  constructor(message: string, where: { line?: number; index?: number } = {}) {
    super(
      where.line !== undefined
        ? `line ${where.line}: ${message}`
        : where.index !== undefined
          ? `question element ${where.index}: ${message}`
          : message,
    );
    this.name = "FormatError";
    if (where.line !== undefined) this.line = where.line;
    if (where.index !== undefined) this.index = where.index;
  }
}

/**
 * Bounds of one import. Over `bytes` (UTF-8) or over `items` questions → FormatError, nothing imported. An item
 * over a text bound (characters as JavaScript counts them, UTF-16 units, as the API's own validation does) or
 * with more than `options` options is skipped with the reason.
 */
export const IMPORT_LIMITS = { bytes: 1_000_000, items: 1000, questionText: 5000, optionText: 1000, options: 20, name: 200 } as const;

export { normaliseTag, normaliseTags } from "./banks";

const MAX_WORDS_LIMIT = 100_000;

/**
 * The tags a Moodle category path gives: its segments, without Moodle's context markers (`$course$`, `$system$`,
 * `$module$`, `$cat1$` …) and the `top` category every context has. Moodle writes a "/" inside a category name as "//".
 */
export function categoryTags(path: string): string[] {
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < path.length; i++) {
    if (path[i] === "/" && path[i + 1] === "/") {
      current += "/";
      i++;
    } else if (path[i] === "/") {
      segments.push(current);
      current = "";
    } else current += path[i];
  }
  segments.push(current);
  return segments.map((s) => s.trim()).filter((s) => s !== "" && !/^\$[a-z0-9]+\$$/i.test(s) && s.toLowerCase() !== "top");
}

/** Marks in quarters, 0.25 … 10,000; anything that is not a number is the default 1. */
export function normaliseMarks(value: number): number {
  if (!Number.isFinite(value)) return 1;
  return Math.min(10_000, Math.max(0.25, Math.round(value * 4) / 4));
}

/** A word limit as the API keeps it: a positive whole number up to 100,000, otherwise none. */
export function normaliseMaxWords(value: number): number | null {
  return Number.isInteger(value) && value > 0 && value <= MAX_WORDS_LIMIT ? value : null;
}

/** Line ends as "\n", surrounding whitespace trimmed (Moodle trims every text it imports). */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, "\n").trim();
}

/** Whether a text reads as HTML (has a tag or an entity): exported with Moodle's html format, otherwise moodle_auto_format. */
export function looksLikeHtml(text: string): boolean {
  return /<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(text) || /&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(text);
}

/** Refuses input over the byte bound before any parsing (UTF-16 length ≤ UTF-8 length, so the cheap check goes first). */
export function checkInputSize(text: string): void {
  const tooBig = text.length > IMPORT_LIMITS.bytes || new TextEncoder().encode(text).length > IMPORT_LIMITS.bytes;
  if (tooBig) throw new FormatError(`input is larger than ${IMPORT_LIMITS.bytes} bytes`);
}

/** Why a parsed draft cannot be imported as it is (empty or over-long texts, option counts), or null when it can. */
export function draftProblem(draft: BankQuestionDraft): string | null {
  if (draft.name !== null && draft.name.length > IMPORT_LIMITS.name) return `name longer than ${IMPORT_LIMITS.name} characters`;
  if (draft.question_text === "") return "empty question text";
  if (draft.question_text.length > IMPORT_LIMITS.questionText) return `question text longer than ${IMPORT_LIMITS.questionText} characters`;
  if (draft.question_type === "MCQ") {
    if (draft.options.length < 2) return "fewer than 2 options";
    if (draft.options.length > IMPORT_LIMITS.options) return `more than ${IMPORT_LIMITS.options} options`;
    if (draft.options.some((o) => o.text === "")) return "an option has no text";
    if (draft.options.some((o) => o.text.length > IMPORT_LIMITS.optionText))
      return `an option's text is longer than ${IMPORT_LIMITS.optionText} characters`;
    if (!draft.options.some((o) => o.is_correct)) return "no option is right";
  }
  return null;
}

export { parseGift, toGift } from "./gift";
export { parseMoodleXml, toMoodleXml } from "./moodle-xml";
