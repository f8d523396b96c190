/**
 * Moodle XML (Moodle's qformat_xml): `<quiz>` of `<question type="…">` elements, read and written as Moodle does.
 *
 * Parsing uses fast-xml-parser (pure JavaScript, no Node built-ins, so it runs in workerd; maintained; about 63 KB
 * minified in the Worker with its small dependencies). Its validator reports the line of a syntax error; a
 * DOCTYPE is refused before parsing (Moodle never writes one, and internal entities are an expansion risk).
 *
 * Read: `multichoice` with `<single>true</single>` (the default) and every `<answer fraction>` 0 or 100 → MCQ;
 * `truefalse` → MCQ with options "True", "False"; `essay` → THEORY (`<maxwordlimit>` → max_words); `category`
 * elements set the tags of the questions after them (path segments); `<name><text>`, `<questiontext><text>` (HTML
 * kept as written, whatever its format), `<defaultgrade>` → marks, `<tags><tag><text>` → tags. Feedback, hints,
 * penalties and files are dropped. Anything else is skipped with its `index`: the 0-based position among all the
 * file's `<question>` elements, category elements included.
 *
 * Written: the same elements Moodle's exporter writes for multichoice and essay, texts in CDATA when they hold
 * `<`, `>` or `&`, format "html" for texts that read as HTML and "moodle_auto_format" otherwise.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
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

type XNode = { [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Every element as an array, so one and many read alike; attributes as plain strings.
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  alwaysCreateTextNode: true,
  processEntities: true,
  // Character references (&#233;) are decoded only with HTML entities on.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const isNode = (v: unknown): v is XNode => typeof v === "object" && v !== null && !Array.isArray(v);
const children = (node: XNode | undefined, name: string): XNode[] => {
  const v = node?.[name];
  return Array.isArray(v) ? v.filter(isNode) : [];
};
const child = (node: XNode | undefined, name: string): XNode | undefined => children(node, name)[0];
const attr = (node: XNode | undefined, name: string): string | undefined => {
  const v = node?.[`@_${name}`];
  return typeof v === "string" ? v : undefined;
};
const textOf = (node: XNode | undefined): string => {
  const v = node?.["#text"];
  return typeof v === "string" ? v : "";
};
/** `<name><text>…</text></name>`: the text of a field's `<text>`. */
const fieldText = (node: XNode | undefined, name: string) => textOf(child(child(node, name), "text"));

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

const SKIP_REASONS: Record<string, string> = {
  shortanswer: "short-answer questions are not supported",
  numerical: "numerical questions are not supported",
  matching: "matching questions are not supported",
  cloze: "cloze (embedded answers) questions are not supported",
  description: "a description is not a question",
};

function parseDocument(text: string): XNode {
  const prolog = /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*/.exec(text)?.[0] ?? "";
  if (text.startsWith("<!DOCTYPE", prolog.length))
    throw new FormatError("a DOCTYPE is not allowed in Moodle XML", { line: lineOf(text, prolog.length) });
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line } = valid.err;
    // Tags still open at the end: the validator lists them as "Invalid '[…]' found." at line 1.
    const open = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(msg);
    if (open) {
      let names: string[] = [];
      try {
        names = JSON.parse(open[1] ?? "[]");
      } catch {}
      throw new FormatError(`the input ends with ${names.map((n) => `<${n}>`).join(", ") || "elements"} not closed`, {
        line: lineOf(text, text.length),
      });
    }
    throw new FormatError(`malformed XML: ${msg}`, { line });
  }
  const doc: unknown = parser.parse(text);
  const roots = isNode(doc) ? Object.keys(doc) : [];
  const quiz = isNode(doc) ? children(doc, "quiz") : [];
  if (roots.length !== 1 || quiz.length !== 1 || !quiz[0])
    throw new FormatError("the root element must be <quiz>", { line: lineOf(text, prolog.length) });
  return quiz[0];
}

function readQuestion(q: XNode, category: string[]): { draft: BankQuestionDraft } | { reason: string } {
  const name = cleanText(fieldText(q, "name")) || null;
  const question_text = cleanText(fieldText(q, "questiontext"));
  const grade = child(q, "defaultgrade");
  const marks = grade && textOf(grade).trim() !== "" ? normaliseMarks(Number(textOf(grade))) : 1;
  const ownTags = children(child(q, "tags"), "tag").map((t) => textOf(child(t, "text")));
  const base = { name, question_text, marks, tags: normaliseTags([...category, ...ownTags]) };
  const answers = children(q, "answer").map((a) => ({
    text: cleanText(textOf(child(a, "text")) || textOf(a)),
    fraction: Number(attr(a, "fraction") ?? 0),
  }));
  let draft: BankQuestionDraft;
  switch (attr(q, "type")) {
    case "multichoice": {
      const single = textOf(child(q, "single")).trim();
      if (child(q, "single") && (single === "false" || single === "" || single === "0"))
        return { reason: "multiple-answer questions (<single>false</single>: several may be chosen) are not supported" };
      if (answers.some((a) => a.fraction !== 0 && a.fraction !== 100))
        return { reason: "partial-credit answer fractions are not supported (only 100 or 0)" };
      draft = {
        ...base,
        question_type: "MCQ",
        options: answers.map((a) => ({ text: a.text, is_correct: a.fraction === 100 })),
        max_words: null,
      };
      break;
    }
    case "truefalse": {
      // As Moodle: the answers are matched by their text "true"/"false"; old files without it list true first.
      const named = (word: string) => answers.find((a) => a.text.toLowerCase() === word);
      const known = named("true") !== undefined || named("false") !== undefined;
      const t = known ? named("true") : answers[0];
      const f = known ? named("false") : answers[1];
      draft = {
        ...base,
        question_type: "MCQ",
        options: [
          { text: "True", is_correct: t?.fraction === 100 },
          { text: "False", is_correct: f?.fraction === 100 },
        ],
        max_words: null,
      };
      break;
    }
    case "essay": {
      const limit = textOf(child(q, "maxwordlimit")).trim();
      draft = { ...base, question_type: "THEORY", options: [], max_words: limit === "" ? null : normaliseMaxWords(Number(limit)) };
      break;
    }
    default:
      throw new Error("unreachable");
  }
  const problem = draftProblem(draft);
  return problem ? { reason: problem } : { draft };
}

/**
 * Reads a Moodle XML file. Supported questions come back as drafts in file order; the others are listed in
 * `skipped` with their 0-based `<question>` index. Throws FormatError (nothing to import) for XML that does not
 * parse (with the line), a root other than `<quiz>`, a DOCTYPE, or input over IMPORT_LIMITS' bytes or items.
 */
export function parseMoodleXml(xml: string): ImportResult {
  checkInputSize(xml);
  const text = xml.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const quiz = parseDocument(text);
  const questions: BankQuestionDraft[] = [];
  const skipped: Skipped[] = [];
  let category: string[] = [];
  let items = 0;
  children(quiz, "question").forEach((q, index) => {
    const type = attr(q, "type") ?? "";
    if (type === "category") {
      category = categoryTags(fieldText(q, "category"));
      return;
    }
    items++;
    if (items > IMPORT_LIMITS.items) throw new FormatError(`more than ${IMPORT_LIMITS.items} questions in one import`, { index });
    if (type !== "multichoice" && type !== "truefalse" && type !== "essay") {
      const reason = type === "" ? "a <question> without a type" : (SKIP_REASONS[type] ?? `'${type}' questions are not supported`);
      skipped.push({ index, type: type || "unknown", reason });
      return;
    }
    const read = readQuestion(q, category);
    if ("draft" in read) questions.push(read.draft);
    else skipped.push({ index, type, reason: read.reason });
  });
  return { questions, skipped };
}

/** Characters XML 1.0 cannot hold at all; dropped on export. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the control characters XML 1.0 forbids
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Element text: in CDATA when it holds markup characters (a "]]>" inside split across two sections), as Moodle writes it. */
function cdata(text: string): string {
  const clean = text.replace(NOT_XML, "");
  return /[<>&]/.test(clean) ? `<![CDATA[${clean.replace(/]]>/g, "]]]]><![CDATA[>")}]]>` : clean;
}

const textElement = (tag: string, text: string, format?: string, indent = "    ") =>
  `${indent}<${tag}${format ? ` format="${format}"` : ""}>\n${indent}  <text>${cdata(text)}</text>\n${indent}</${tag}>`;

/**
 * Writes questions as Moodle XML that parseMoodleXml reads back to the same drafts and Moodle's importer accepts:
 * MCQ as `multichoice` with `<single>true</single>` and fractions 100/0 (several right options each 100), THEORY as
 * `essay` with its `<maxwordlimit>`, marks as `<defaultgrade>`, tags as `<tags>`. A question without a name gets
 * an empty `<name>` (read back as none).
 */
export function toMoodleXml(questions: readonly BankQuestionDraft[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"];
  questions.forEach((q, i) => {
    const format = looksLikeHtml(q.question_text) || q.options.some((o) => looksLikeHtml(o.text)) ? "html" : "moodle_auto_format";
    const mcq = q.question_type === "MCQ";
    out.push(`<!-- question: ${i + 1} -->`, `  <question type="${mcq ? "multichoice" : "essay"}">`);
    out.push(
      textElement("name", q.name ?? ""),
      textElement("questiontext", q.question_text, format),
      textElement("generalfeedback", "", format),
    );
    out.push(
      `    <defaultgrade>${q.marks}</defaultgrade>`,
      `    <penalty>${mcq ? "0.3333333" : "0"}</penalty>`,
      "    <hidden>0</hidden>",
      "    <idnumber></idnumber>",
    );
    if (mcq) {
      out.push(
        "    <single>true</single>",
        "    <shuffleanswers>false</shuffleanswers>",
        "    <answernumbering>abc</answernumbering>",
        "    <showstandardinstruction>0</showstandardinstruction>",
        textElement("correctfeedback", "", format),
        textElement("partiallycorrectfeedback", "", format),
        textElement("incorrectfeedback", "", format),
      );
      for (const o of q.options) {
        out.push(
          `    <answer fraction="${o.is_correct ? 100 : 0}" format="${format}">`,
          `      <text>${cdata(o.text)}</text>`,
          textElement("feedback", "", format, "      "),
          "    </answer>",
        );
      }
    } else {
      out.push(
        "    <responseformat>editor</responseformat>",
        "    <responserequired>1</responserequired>",
        "    <responsefieldlines>15</responsefieldlines>",
        "    <minwordlimit></minwordlimit>",
        `    <maxwordlimit>${q.max_words ?? ""}</maxwordlimit>`,
        "    <attachments>0</attachments>",
        "    <attachmentsrequired>0</attachmentsrequired>",
        "    <maxbytes>0</maxbytes>",
        "    <filetypeslist></filetypeslist>",
        textElement("graderinfo", "", "html"),
        textElement("responsetemplate", "", "html"),
      );
    }
    if (q.tags.length) {
      out.push("    <tags>", ...q.tags.map((t) => `      <tag><text>${cdata(t)}</text></tag>`), "    </tags>");
    }
    out.push("  </question>");
  });
  out.push("</quiz>", "");
  return out.join("\n");
}
