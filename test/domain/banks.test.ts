import { describe, expect, it } from "vitest";
import {
  type Candidate,
  canonicalQuestion,
  checkSections,
  drawSections,
  editOutcome,
  inSection,
  normaliseTags,
  sectionMarks,
  seenCounts,
} from "../../src/domain/banks";

const question = (id: string, marks = 1) => ({
  question_id: id,
  question_type: "MCQ" as const,
  question_text: `Question ${id}`,
  options: [
    { option_id: "a", text: "A", is_correct: true },
    { option_id: "b", text: "B", is_correct: false },
  ],
  marks,
  max_words: null,
});
const candidate = (id: string, tags: string[], bank = "b1"): Candidate => ({
  id,
  bank_id: bank,
  version: 1,
  hash: `h-${id}`,
  tags,
  question: question(id),
});
/** A deterministic RandomInt: always the same value, so ties keep the order the pool was read in. */
const fixed = () => 0;

describe("tags", () => {
  it.each([
    [["Chapter 2", " chapter-2 ", "CHAPTER\t2"], ["chapter-2"]],
    [["", "  ", "a"], ["a"]],
    [["x".repeat(70)], ["x".repeat(64)]],
    [Array.from({ length: 25 }, (_, i) => `t${i}`), Array.from({ length: 20 }, (_, i) => `t${i}`)],
  ])("%j → %j", (input, expected) => expect(normaliseTags(input)).toEqual(expected));
});

describe("versions", () => {
  it("hashes content only: the id does not change the version, the marks do", () => {
    const { question_id: _a, ...one } = question("q1");
    const { question_id: _b, ...same } = question("q2");
    expect(canonicalQuestion({ ...one, question_text: "Same" })).toBe(canonicalQuestion({ ...same, question_text: "Same" }));
    expect(canonicalQuestion(one)).not.toBe(canonicalQuestion({ ...one, marks: 2 }));
  });
  it.each([
    [{ hash: "h1", used: false }, "h1", "unchanged"],
    [{ hash: "h1", used: true }, "h1", "unchanged"],
    [{ hash: "h1", used: false }, "h2", "in_place"],
    [{ hash: "h1", used: true }, "h2", "new_version"],
  ] as const)("%j edited to %s → %s", (current, next, outcome) => expect(editOutcome(current, next)).toBe(outcome));
});

describe("sections", () => {
  it.each([
    [{ bank_id: "b1", count: 1 }, ["x"], "b1", true],
    [{ bank_id: "b1", count: 1 }, ["x"], "b2", false],
    [{ bank_id: "b1", tags_all: ["x", "y"], count: 1 }, ["x"], "b1", false],
    [{ bank_id: "b1", tags_all: ["x", "y"], count: 1 }, ["y", "x", "z"], "b1", true],
    [{ bank_id: "b1", tags_any: ["x", "y"], count: 1 }, ["y"], "b1", true],
    [{ bank_id: "b1", tags_any: ["x", "y"], count: 1 }, ["z"], "b1", false],
    [{ bank_id: "b1", tags_all: ["a"], tags_any: ["x", "y"], count: 1 }, ["a", "x"], "b1", true],
    [{ bank_id: "b1", question_ids: ["q1", "q2"], count: 1 }, [], "b1", true],
    [{ bank_id: "b1", question_ids: ["q2"], count: 1 }, ["x"], "b1", false],
  ])("%j holds a question tagged %j in %s: %s", (section, tags, bank, expected) =>
    expect(inSection(section, { id: "q1", bank_id: bank, tags })).toBe(expected),
  );

  it("draws the least seen first, never one question twice across sections, and takes the section's marks", () => {
    const pool = ["q1", "q2", "q3", "q4"].map((id) => candidate(id, ["x"]));
    const seen = new Map([
      ["q1", 2],
      ["q2", 0],
      ["q3", 1],
    ]);
    const draw = drawSections(
      [
        { bank_id: "b1", count: 2, marks_each: 3 },
        { bank_id: "b1", count: 2 },
      ],
      pool,
      seen,
      fixed,
    );
    expect(draw.ok).toBe(true);
    if (!draw.ok) return;
    // Unseen q2 and q4 first, then q3 (once), then q1 (twice).
    expect(draw.questions.map((q) => q.question_id)).toEqual(["q2", "q4", "q3", "q1"]);
    expect(draw.questions.map((q) => q.marks)).toEqual([3, 3, 1, 1]);
    expect(draw.refs.map((r) => r.hash)).toEqual(["h-q2", "h-q4", "h-q3", "h-q1"]);
  });

  it("refuses a section its pool cannot fill, naming it and what it holds", () => {
    const pool = [candidate("q1", ["x"]), candidate("q2", ["y"])];
    expect(
      drawSections(
        [
          { bank_id: "b1", tags_all: ["x"], count: 1 },
          { bank_id: "b1", tags_all: ["x"], count: 1 },
        ],
        pool,
        new Map(),
        fixed,
      ),
    ).toEqual({
      ok: false,
      section: 1,
      available: 0,
      wanted: 1,
    });
  });

  it("counts what earlier attempts drew", () => {
    const ref = (id: string) => ({ question_id: id, bank_id: "b1", version: 1, hash: `h-${id}` });
    expect([...seenCounts([[ref("q1"), ref("q2")], null, [ref("q1")]])]).toEqual([
      ["q1", 2],
      ["q2", 1],
    ]);
  });

  it.each([
    [
      [{ bank_id: "b1", count: 2 }],
      [{ bank_live: 1, available: 3, min_marks: 2, max_marks: 2 }],
      { ok: true, sections: [{ bank_id: "b1", count: 2, marks_each: 2 }] },
    ],
    [
      [{ bank_id: "b1", count: 2, marks_each: 5 }],
      [{ bank_live: 1, available: 2, min_marks: 1, max_marks: 3 }],
      { ok: true, sections: [{ bank_id: "b1", count: 2, marks_each: 5 }] },
    ],
    [
      [{ bank_id: "b1", count: 2 }],
      [{ bank_live: 1, available: 2, min_marks: 1, max_marks: 3 }],
      { ok: false, kind: "marks_differ", section: 0 },
    ],
    [
      [{ bank_id: "b1", count: 4 }],
      [{ bank_live: 1, available: 3, min_marks: 1, max_marks: 1 }],
      { ok: false, kind: "pool_too_small", section: 0, available: 3, wanted: 4 },
    ],
    [
      [{ bank_id: "b9", count: 1 }],
      [{ bank_live: 0, available: 0, min_marks: null, max_marks: null }],
      { ok: false, kind: "bank_missing", section: 0, bank_id: "b9" },
    ],
  ])("checking %j against %j", (sections, stats, expected) => expect(checkSections(sections, stats)).toEqual(expected));

  it("sections add count × marks_each to every attempt", () => {
    expect(
      sectionMarks([
        { bank_id: "b1", count: 2, marks_each: 3 },
        { bank_id: "b2", count: 1, marks_each: 1 },
      ]),
    ).toEqual([3, 3, 1]);
    expect(sectionMarks(null)).toEqual([]);
  });
});
