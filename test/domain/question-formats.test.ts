import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BankQuestionDraft,
  FormatError,
  IMPORT_LIMITS,
  type ImportResult,
  normaliseTags,
  parseGift,
  parseMoodleXml,
  toGift,
  toMoodleXml,
} from "../../src/domain/question-formats";
import variedGift from "../fixtures/varied.gift?raw";
import variedXml from "../fixtures/varied-moodle.xml?raw";

/** A draft with the defaults an import gives (no name, 1 mark, no word limit, no tags). */
const mcq = (question_text: string, options: [string, boolean][], more: Partial<BankQuestionDraft> = {}): BankQuestionDraft => ({
  name: null,
  question_type: "MCQ",
  question_text,
  options: options.map(([text, is_correct]) => ({ text, is_correct })),
  marks: 1,
  max_words: null,
  tags: [],
  ...more,
});
const theory = (question_text: string, more: Partial<BankQuestionDraft> = {}): BankQuestionDraft => ({
  name: null,
  question_type: "THEORY",
  question_text,
  options: [],
  marks: 1,
  max_words: null,
  tags: [],
  ...more,
});
const trueFalse = (question_text: string, isTrue: boolean, more: Partial<BankQuestionDraft> = {}) =>
  mcq(
    question_text,
    [
      ["True", isTrue],
      ["False", !isTrue],
    ],
    more,
  );

const formats = [
  { format: "gift", parse: parseGift, write: toGift },
  { format: "moodle-xml", parse: parseMoodleXml, write: toMoodleXml },
] as const;

function formatError(run: () => unknown): FormatError {
  try {
    run();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error("expected a FormatError");
}

describe("the varied GIFT fixture", () => {
  const result = parseGift(variedGift);
  const ch1 = ["chapter-1"];
  const ch2 = ["chapter-2", "hard-questions"];
  const expected: BankQuestionDraft[] = [
    mcq(
      "Who's buried in Grant's tomb?",
      [
        ["Grant", false],
        ["no one", true],
        ["Napoleon", false],
        ["Churchill", false],
      ],
      { name: "Grant's tomb", tags: ch1 },
    ),
    mcq(
      "Grant is _____ in Grant's tomb.",
      [
        ["buried", false],
        ["entombed", true],
        ["living", false],
      ],
      { tags: ["chapter-1", "history", "easy"] },
    ),
    trueFalse("Grant was buried in a tomb in New York City.", true, { name: "TF true", tags: ch1 }),
    trueFalse("The sun rises in the west.", false, { name: "TF false", tags: ch1 }),
    theory("Write a short biography of Dag Hammarskjöld.", { name: "Essay", tags: ch1 }),
    mcq(
      "Is 1 = 1, a~b, #hash, {braces} and C:\\temp allowed?\nSecond line",
      [
        ["Yes = indeed", true],
        ["No: never", false],
      ],
      { name: "Escapes: every one", tags: [...ch2, "escapes"] },
    ),
    mcq(
      "<p>Which word is <b>bold</b> &amp; why?</p>",
      [
        ["<b>this</b>", true],
        ["<i>that</i>", false],
      ],
      { name: "HTML", tags: ch2 },
    ),
    mcq(
      "Which of these\nnames the capital of France?",
      [
        ["Paris", true],
        ["paris", true],
        ["London", false],
      ],
      { name: "Capital", tags: ch2 },
    ),
    mcq(
      "Какая столица России?",
      [
        ["Москва", true],
        ["Санкт-Петербург", false],
        ["Казань", false],
      ],
      { name: "Русский", tags: ["языки"] },
    ),
    mcq(
      "日本の首都はどこですか？",
      [
        ["東京", true],
        ["大阪", false],
      ],
      { tags: ["языки"] },
    ),
    theory("Discuss the causes of the First World War.", {
      name: "Long essay",
      marks: 2.5,
      max_words: 300,
      tags: ["языки", "essay-writing"],
    }),
  ];

  it("imports every supported item, in file order, exactly", () => {
    expect(result.questions).toEqual(expected);
  });

  it("skips every other kind, naming the line it starts on and why", () => {
    expect(result.skipped).toEqual([
      { line: 28, type: "shortanswer", reason: "short-answer questions are not supported" },
      { line: 30, type: "numerical", reason: "numerical questions are not supported" },
      { line: 32, type: "matching", reason: "matching questions are not supported" },
      {
        line: 39,
        type: "multichoice",
        reason: "multiple-answer questions (no '=' answer: several may be chosen, scored by weights) are not supported",
      },
      { line: 47, type: "multichoice", reason: "partial-credit answer weights are not supported (only right or wrong answers)" },
      { line: 53, type: "description", reason: "a description (text without an answer block) is not a question" },
      { line: 56, type: "cloze", reason: "several answer blocks in one question (embedded answers) are not supported" },
    ]);
  });

  it("reads the same with Windows line ends and a byte-order mark", () => {
    expect(parseGift(`\uFEFF${variedGift.replace(/\n/g, "\r\n")}`)).toEqual(result);
  });
});

describe("the varied Moodle XML fixture", () => {
  const result = parseMoodleXml(variedXml);
  const ch2 = ["chapter-2", "hard-questions/extra"];
  const expected: BankQuestionDraft[] = [
    mcq(
      "<p>Who's buried in <b>Grant's</b> tomb?</p>",
      [
        ["<p>Grant</p>", false],
        ["<p>No one</p>", true],
        ["Napoleon", false],
      ],
      { name: "Grant's tomb", marks: 2, tags: ["chapter-1", "history", "easy"] },
    ),
    trueFalse("The sun rises in the west.", false, { name: "Sun", tags: ["chapter-1"] }),
    theory("Write a short biography of Dag Hammarskjöld.\nMention the years he served.", {
      name: "Biography",
      marks: 5,
      max_words: 250,
      tags: ["chapter-1"],
    }),
    mcq(
      "Is 1 < 2 && café = café? Что выбрать? 日本語",
      [
        ["Да — yes", true],
        ["Nein ]]> & <no>", false],
      ],
      { name: "Entities & scripts", marks: 0.25, tags: [...ch2, "hard-questions", "языки"] },
    ),
    trueFalse("Water boils at 100 °C at sea level.", true, { name: "Old true/false", tags: ch2 }),
    theory("What did you learn?", { name: "Reflection", tags: ch2 }),
    mcq(
      "Which of these names the capital of France?",
      [
        ["Paris", true],
        ["paris", true],
        ["London", false],
      ],
      { name: "Capital", tags: ch2 },
    ),
  ];

  it("imports every supported question, in file order, exactly", () => {
    expect(result.questions).toEqual(expected);
  });

  it("skips every other kind, naming its 0-based <question> index (categories counted) and why", () => {
    expect(result.skipped).toEqual([
      { index: 3, type: "shortanswer", reason: "short-answer questions are not supported" },
      {
        index: 5,
        type: "multichoice",
        reason: "multiple-answer questions (<single>false</single>: several may be chosen) are not supported",
      },
      { index: 6, type: "multichoice", reason: "partial-credit answer fractions are not supported (only 100 or 0)" },
      { index: 7, type: "numerical", reason: "numerical questions are not supported" },
      { index: 8, type: "matching", reason: "matching questions are not supported" },
      { index: 9, type: "cloze", reason: "cloze (embedded answers) questions are not supported" },
      { index: 10, type: "description", reason: "a description is not a question" },
      { index: 13, type: "ddwtos", reason: "'ddwtos' questions are not supported" },
      { index: 17, type: "multichoice", reason: "fewer than 2 options" },
      { index: 18, type: "unknown", reason: "a <question> without a type" },
    ]);
  });

  it("reads the same with Windows line ends and a byte-order mark", () => {
    expect(parseMoodleXml(`\uFEFF${variedXml.replace(/\n/g, "\r\n")}`)).toEqual(result);
  });
});

describe("malformed input is a FormatError naming the line, nothing imported", () => {
  const cases: { format: "gift" | "moodle-xml"; name: string; input: string; line: number; message: string }[] = [
    {
      format: "gift",
      name: "an answer block still open at the blank line",
      input: "Q1 {=a ~b}\n\n::Q2:: text {\n=a\n~b\n\nQ3 {=c ~d}\n",
      line: 3,
      message: "line 3: '{' is never closed: an answer block needs its '}' before the next blank line",
    },
    {
      format: "gift",
      name: "an answer block open at the end of the file",
      input: "// comment\nLine one\nline two {=a\n~b",
      line: 3,
      message: "line 3: '{' is never closed: an answer block needs its '}' before the next blank line",
    },
    {
      format: "gift",
      name: "a closing brace without an opening one",
      input: "Q {=a ~b}\n\nText } more",
      line: 3,
      message: "line 3: '}' without an opening '{' (a literal brace is written \\})",
    },
    {
      format: "gift",
      name: "a brace inside an answer block",
      input: "Q {=a\n{~b}",
      line: 2,
      message: "line 2: '{' inside an answer block (a literal brace is written \\{)",
    },
    {
      format: "gift",
      name: "a name never closed",
      input: "\n\n::Name text {=a ~b}",
      line: 3,
      message: "line 3: the question name's '::' is never closed",
    },
    {
      format: "moodle-xml",
      name: "mismatched tags",
      input: "<quiz>\n<question type='essay'>\n<name></nam>\n</question>\n</quiz>",
      line: 3,
      message: "line 3: malformed XML: Expected closing tag 'name' (opened in line 3, col 1) instead of closing tag 'nam'.",
    },
    {
      format: "moodle-xml",
      name: "elements still open at the end",
      input: "<quiz>\n<question type='essay'>\n<name><text>x</text></name>\n",
      line: 4,
      message: "line 4: the input ends with <quiz>, <question> not closed",
    },
    {
      format: "moodle-xml",
      name: "a bare ampersand",
      input: "<quiz>\n<question type='essay'>\n<questiontext><text>a & b</text></questiontext></question></quiz>",
      line: 3,
      message: "line 3: malformed XML: char '&' is not expected.",
    },
    { format: "moodle-xml", name: "not XML", input: "hello", line: 1, message: "line 1: malformed XML: char 'h' is not expected." },
    { format: "moodle-xml", name: "empty input", input: "", line: 1, message: "line 1: malformed XML: Start tag expected." },
    {
      format: "moodle-xml",
      name: "a root other than <quiz>",
      input: '<?xml version="1.0"?>\n<questions/>',
      line: 2,
      message: "line 2: the root element must be <quiz>",
    },
    {
      format: "moodle-xml",
      name: "a DOCTYPE (entity expansion)",
      input: '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n<quiz>&a;</quiz>',
      line: 2,
      message: "line 2: a DOCTYPE is not allowed in Moodle XML",
    },
  ];
  it.each(cases)("$format: $name", ({ format, input, line, message }) => {
    const error = formatError(() => (format === "gift" ? parseGift(input) : parseMoodleXml(input)));
    expect({ line: error.line, message: error.message }).toEqual({ line, message });
  });

  it("a CDATA section may hold markup and the word DOCTYPE", () => {
    const xml =
      '<quiz><question type="essay"><questiontext format="html"><text><![CDATA[<!DOCTYPE html> & <b>]]></text></questiontext></question></quiz>';
    expect(parseMoodleXml(xml).questions.map((q) => q.question_text)).toEqual(["<!DOCTYPE html> & <b>"]);
  });
});

describe("input bounds", () => {
  const item = (i: number) => `Q${i} {=a ~b}`;
  const element = (i: number) => `<question type="essay"><questiontext><text>Q${i}</text></questiontext></question>`;

  it.each(formats)("$format: over the byte bound is a FormatError, counted in UTF-8 bytes", ({ format, parse }) => {
    // 500,001 two-byte characters: within the bound in UTF-16 units, over it in bytes.
    const filler = "é".repeat(IMPORT_LIMITS.bytes / 2 + 1);
    const input =
      format === "gift"
        ? `${filler} {}`
        : `<quiz><question type="essay"><questiontext><text>${filler}</text></questiontext></question></quiz>`;
    expect(formatError(() => parse(input)).message).toBe("input is larger than 1000000 bytes");
  });

  it("gift: 1000 questions import, the 1001st is a FormatError at its line", () => {
    const ok = Array.from({ length: IMPORT_LIMITS.items }, (_, i) => item(i)).join("\n\n");
    expect(parseGift(ok).questions).toHaveLength(1000);
    const error = formatError(() => parseGift(`$CATEGORY: x\n\n${ok}\n\n${item(1000)}`));
    expect({ line: error.line, message: error.message }).toEqual({
      line: 2003,
      message: "line 2003: more than 1000 questions in one import",
    });
  });

  it("moodle-xml: 1000 questions import, the 1001st is a FormatError at its index (categories are not questions)", () => {
    const ok = Array.from({ length: IMPORT_LIMITS.items }, (_, i) => element(i)).join("\n");
    const category = '<question type="category"><category><text>$course$/top/x</text></category></question>';
    expect(parseMoodleXml(`<quiz>${category}${ok}</quiz>`).questions).toHaveLength(1000);
    const error = formatError(() => parseMoodleXml(`<quiz>${category}${ok}${element(1000)}</quiz>`));
    expect({ index: error.index, message: error.message }).toEqual({
      index: 1001,
      message: "question element 1001: more than 1000 questions in one import",
    });
  });

  const base = mcq("What?", [
    ["a", true],
    ["b", false],
  ]);
  const textBounds: { name: string; draft: BankQuestionDraft; reason: string | null }[] = [
    { name: "question text at 5000", draft: { ...base, question_text: "x".repeat(5000) }, reason: null },
    {
      name: "question text over 5000",
      draft: { ...base, question_text: "x".repeat(5001) },
      reason: "question text longer than 5000 characters",
    },
    {
      name: "option text at 1000",
      draft: mcq("Q", [
        ["y".repeat(1000), true],
        ["n", false],
      ]),
      reason: null,
    },
    {
      name: "option text over 1000",
      draft: mcq("Q", [
        ["y".repeat(1001), true],
        ["n", false],
      ]),
      reason: "an option's text is longer than 1000 characters",
    },
    {
      name: "20 options",
      draft: mcq(
        "Q",
        Array.from({ length: 20 }, (_, i) => [`o${i}`, i === 0]),
      ),
      reason: null,
    },
    {
      name: "21 options",
      draft: mcq(
        "Q",
        Array.from({ length: 21 }, (_, i) => [`o${i}`, i === 0]),
      ),
      reason: "more than 20 options",
    },
    { name: "name at 200", draft: { ...base, name: "n".repeat(200) }, reason: null },
    { name: "name over 200", draft: { ...base, name: "n".repeat(201) }, reason: "name longer than 200 characters" },
    { name: "essay text over 5000", draft: theory("z".repeat(5001)), reason: "question text longer than 5000 characters" },
  ];
  for (const { format, parse, write } of formats) {
    it.each(textBounds)(`${format}: $name`, ({ draft, reason }) => {
      const result = parse(write([draft]));
      const where = format === "gift" ? { line: draft.tags.length || draft.marks !== 1 ? 2 : 1 } : { index: 0 };
      const type = draft.question_type === "MCQ" ? "multichoice" : "essay";
      expect(result).toEqual(
        reason === null ? { questions: [draft], skipped: [] } : { questions: [], skipped: [{ ...where, type, reason }] },
      );
    });
  }
});

describe("normalisation", () => {
  it("tags: trimmed, lower-case, inner whitespace as '-', at most 64 characters, each once, at most 20", () => {
    const many = Array.from({ length: 25 }, (_, i) => `t${i}`);
    expect(normaliseTags(["  Chapter   2 ", "chapter-2", "CHAPTER\t2", "", "   ", "Ünïcödé Tag", "x".repeat(70), ...many])).toEqual([
      "chapter-2",
      "ünïcödé-tag",
      "x".repeat(64),
      ...many.slice(0, 17),
    ]);
    // A cut never splits a surrogate pair.
    expect(normaliseTags([`${"a".repeat(63)}😀`])).toEqual(["a".repeat(63)]);
  });

  it("gift: tags from $CATEGORY: paths and [tag:] comments, Moodle's context markers and 'top' dropped", () => {
    const gift =
      "$CATEGORY: $course$/top/Unit  One/Part//Two\n\n// [tag: Easy ] [tag:Unit One] [tag:a\\]b] [id:Q-7]\n// question: 1\nQ {=a ~b}";
    expect(parseGift(gift).questions[0]?.tags).toEqual(["unit-one", "part/two", "easy", "a]b"]);
  });

  const grades: [string, number][] = [
    ["1.0000000", 1],
    ["2.5", 2.5],
    ["0.3", 0.25],
    ["0.4", 0.5],
    ["0", 0.25],
    ["-3", 0.25],
    ["20000", 10000],
    ["lots", 1],
    ["", 1],
  ];
  it.each(grades)("moodle-xml: <defaultgrade>%s</defaultgrade> gives %d marks", (grade, marks) => {
    const xml = `<quiz><question type="essay"><questiontext><text>Q</text></questiontext><defaultgrade>${grade}</defaultgrade></question></quiz>`;
    expect(parseMoodleXml(xml).questions[0]?.marks).toBe(marks);
  });

  const limits: [string, number | null][] = [
    ["250", 250],
    ["", null],
    ["0", null],
    ["12.5", null],
    ["100001", null],
  ];
  it.each(limits)("moodle-xml: <maxwordlimit>%s</maxwordlimit> gives max_words %s", (limit, maxWords) => {
    const xml = `<quiz><question type="essay"><questiontext><text>Q</text></questiontext><maxwordlimit>${limit}</maxwordlimit></question></quiz>`;
    expect(parseMoodleXml(xml).questions[0]?.max_words).toBe(maxWords);
  });
});

describe("round trips: parse(toX(questions)) gives the questions back", () => {
  const every = "~ = # { } : \\ and \\n and \\\\: ~=#{}: \\";
  const varied: BankQuestionDraft[] = [
    mcq(
      `Every escape: ${every}`,
      [
        [`Right ${every}`, true],
        ["Wrong = #no", false],
        ["{braces}", false],
      ],
      { name: `Name with ${every}`, tags: ["escapes", "chapter-2"] },
    ),
    mcq("Multi-line\n  indented line\n\nafter a blank line", [
      ["line one\nline two", true],
      ["x", false],
    ]),
    mcq(
      "[html] is written here, not meant as a format",
      [
        ["[plain] neither", true],
        ["%50% is not a weight", false],
        ["%-100% nor this", false],
        ["// not a comment", false],
        ["-> not matching", false],
      ],
      { name: "Markers" },
    ),
    mcq("// a question text that looks like a comment", [
      ["T", true],
      ["F", false],
    ]),
    mcq(
      "<p>Which is <b>bold</b> &amp; why?</p>",
      [
        ["<b>this</b>", true],
        ["<i>that</i>", false],
        ["]]> ends CDATA", false],
      ],
      { name: "HTML" },
    ),
    mcq(
      "Every option right",
      [
        ["one", true],
        ["two", true],
        ["%three", true],
      ],
      { marks: 0.25 },
    ),
    mcq("Two right, two wrong", [
      ["a", true],
      ["b", false],
      ["c", true],
      ["d", false],
    ]),
    trueFalse("TRUE", true, { name: "T" }),
    trueFalse("F", false),
    mcq(
      "Какая столица России? 日本の首都はどこですか？ ما هي عاصمة مصر؟ 😀",
      [
        ["Москва", true],
        ["東京", false],
        ["القاهرة", false],
        ["🙂 emoji", false],
      ],
      { name: "Ünïcödé — 名前", tags: ["языки", "日本語", "a]b", "t.with.dots"], marks: 10000 },
    ),
    theory("Explain chanting.", { name: "Essay", marks: 7.75, max_words: 200, tags: ["theory"] }),
    theory("An essay without a name or limit"),
    theory("$CATEGORY: not a category, ::not a name::"),
    mcq(
      "Twenty options",
      Array.from({ length: 20 }, (_, i): [string, boolean] => [`option ${i}`, i === 7]),
      { tags: Array.from({ length: 20 }, (_, i) => `tag-${i}`) },
    ),
  ];

  it.each(formats)("$format: a varied set", ({ parse, write }) => {
    expect(parse(write(varied))).toEqual({ questions: varied, skipped: [] });
  });

  it.each(formats)("$format: each question alone", ({ parse, write }) => {
    for (const q of varied) expect(parse(write([q]))).toEqual({ questions: [q], skipped: [] });
  });

  const fixtures: { name: string; result: () => ImportResult }[] = [
    { name: "the GIFT fixture", result: () => parseGift(variedGift) },
    { name: "the Moodle XML fixture", result: () => parseMoodleXml(variedXml) },
  ];
  for (const { format, parse, write } of formats) {
    it.each(fixtures)(`${format}: what $name imports`, ({ result }) => {
      const { questions } = result();
      expect(parse(write(questions))).toEqual({ questions, skipped: [] });
    });
  }

  it.each(formats)("$format: nothing", ({ parse, write }) => {
    expect(parse(write([]))).toEqual({ questions: [], skipped: [] });
  });
});

describe("exports follow Moodle's documented formats", () => {
  it("gift: tags and marks in a comment, ::name::, escapes, = right and ~ wrong one per line, {} essays", () => {
    const gift = toGift([
      mcq(
        "1 + 1 = {2}?",
        [
          ["2: two", true],
          ["3 # three", false],
        ],
        { name: "Sum", marks: 2, tags: ["maths", "easy"] },
      ),
      mcq("<p>All <b>right</b></p>", [
        ["a", true],
        ["b", true],
      ]),
      theory("Explain.", { max_words: 100 }),
    ]);
    expect(gift).toBe(
      [
        "// [tag:maths] [tag:easy] [marks:2]",
        "::Sum::1 + 1 \\= \\{2\\}? {",
        "\t=2\\: two",
        "\t~3 \\# three",
        "}",
        "",
        "[html]<p>All <b>right</b></p> {",
        "\t=a",
        "\t~%100%b",
        "}",
        "",
        "// [max_words:100]",
        "Explain. {}",
        "",
      ].join("\n"),
    );
  });

  it("moodle-xml: <quiz> of multichoice and essay questions with Moodle's elements, CDATA for markup", () => {
    const xml = toMoodleXml([
      mcq(
        "<p>Pick & choose</p>",
        [
          ["a < b", true],
          ["b", false],
        ],
        { name: "Pick", marks: 2.5, tags: ["x"] },
      ),
      theory("Explain.", { max_words: 100 }),
    ]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')).toBe(true);
    for (const part of [
      '<question type="multichoice">',
      "<name>\n      <text>Pick</text>\n    </name>",
      '<questiontext format="html">\n      <text><![CDATA[<p>Pick & choose</p>]]></text>',
      "<defaultgrade>2.5</defaultgrade>",
      "<single>true</single>",
      '<answer fraction="100" format="html">\n      <text><![CDATA[a < b]]></text>',
      '<answer fraction="0" format="html">\n      <text>b</text>',
      "<tags>\n      <tag><text>x</text></tag>\n    </tags>",
      '<question type="essay">',
      '<questiontext format="moodle_auto_format">\n      <text>Explain.</text>',
      "<maxwordlimit>100</maxwordlimit>",
    ])
      expect(xml).toContain(part);
  });
});

describe("round trips of generated questions", () => {
  // Every GIFT escape and marker character, markup, whitespace and line breaks, non-Latin letters and emoji.
  const chars = [..."aZ09 ~=#{}:\\[]%/<>&;-_.!?\n\t", "й", "Ж", "日", "本", "ع", "é", "😀", "—"];
  const text = (max: number) =>
    fc
      .array(fc.constantFrom(...chars), { minLength: 1, maxLength: max })
      .map((cs) => cs.join("").trim())
      .filter((t) => t !== "");
  const draft: fc.Arbitrary<BankQuestionDraft> = fc
    .record({
      name: fc.option(text(40), { nil: null }),
      theory: fc.boolean(),
      question_text: text(200),
      options: fc.array(fc.record({ text: text(40), is_correct: fc.boolean() }), { minLength: 2, maxLength: 20 }),
      marks: fc.integer({ min: 1, max: 40_000 }).map((n) => n / 4),
      max_words: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
      tags: fc.array(text(70), { maxLength: 25 }).map(normaliseTags),
    })
    .map(({ theory: isTheory, options, max_words, ...q }) =>
      isTheory
        ? { ...q, question_type: "THEORY" as const, options: [], max_words }
        : {
            ...q,
            question_type: "MCQ" as const,
            options: options.some((o) => o.is_correct) ? options : options.map((o, i) => ({ ...o, is_correct: i === 0 })),
            max_words: null,
          },
    );

  it.each(formats)("$format: parse(toX(questions)) equals the questions", ({ parse, write }) => {
    fc.assert(
      fc.property(fc.array(draft, { maxLength: 5 }), (questions) => {
        expect(parse(write(questions))).toEqual({ questions, skipped: [] });
      }),
      { numRuns: 300 },
    );
  });
});
