// Loads a small demo course into the local D1 (ids are the spec's examples, so its requests work as written).
// Safe to run again: rows that exist are left alone. Usage: npm run seed
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { wrangler } from "./lib.mjs";

const now = new Date().toISOString();
const by = "demo-manager";
const q = (v) =>
  v === null ? "NULL" : typeof v === "number" ? String(v) : typeof v === "boolean" ? (v ? "1" : "0") : `'${String(v).replace(/'/g, "''")}'`;
const row = (table, values) =>
  `INSERT OR IGNORE INTO ${table} (${Object.keys(values).join(", ")}) VALUES (${Object.values(values).map(q).join(", ")});`;
const stamps = { created_at: now, updated_at: now, created_by: by };

const ids = {
  course: "507f1f77bcf86cd799439011",
  nextCourse: "507f1f77bcf86cd799439012",
  step1: "507f1f77bcf86cd799439013",
  exam: "507f1f77bcf86cd799439014",
  video: "507f1f77bcf86cd799439015",
  tracker: "507f1f77bcf86cd799439016",
  step2: "507f1f77bcf86cd799439017",
  book: "507f1f77bcf86cd799439018",
  table: "507f1f77bcf86cd799439025",
};

const questions = [
  {
    question_id: "q1",
    question_type: "MCQ",
    question_text: "What is Bhakti?",
    marks: 5,
    max_words: null,
    options: [
      { option_id: "a", text: "Devotion", is_correct: true },
      { option_id: "b", text: "Knowledge", is_correct: false },
      { option_id: "c", text: "Yoga", is_correct: false },
      { option_id: "d", text: "Meditation", is_correct: false },
    ],
  },
  {
    question_id: "q2",
    question_type: "THEORY",
    question_text: "Explain the importance of chanting",
    marks: 10,
    max_words: 200,
    options: [],
  },
];
const requirements = [
  { serial_number: 1, activity: "Chanting Rounds", target: 16, unit: "rounds" },
  { serial_number: 2, activity: "Reading Bhagavad-gita", target: 30, unit: "minutes" },
];

const sql = [
  row("courses", {
    id: ids.course,
    name: "Bhakti Shastri Course",
    description: "In-depth study of Bhagavad-gita",
    image_url: "https://example.com/image.jpg",
    previous_course_id: null,
    next_course_id: ids.nextCourse,
    default_step_id: ids.step1,
    order_index: 0,
    is_active: true,
    is_default: true,
    ...stamps,
  }),
  row("courses", {
    id: ids.nextCourse,
    name: "Bhakti Vaibhava Course",
    description: "The next course in the chain",
    image_url: null,
    previous_course_id: ids.course,
    next_course_id: null,
    default_step_id: null,
    order_index: 1,
    is_active: true,
    is_default: false,
    ...stamps,
  }),
  row("steps", {
    id: ids.step1,
    course_id: ids.course,
    name: "Step 1: Introduction",
    description: "Basic concepts",
    order_index: 0,
    previous_step_id: null,
    unlock_on_exam_pass: true,
    exam_id: ids.exam,
    ...stamps,
  }),
  row("steps", {
    id: ids.step2,
    course_id: ids.course,
    name: "Step 2: Advanced Concepts",
    description: "Deeper understanding",
    order_index: 1,
    previous_step_id: ids.step1,
    unlock_on_exam_pass: true,
    exam_id: null,
    ...stamps,
  }),
  row("forms", {
    id: ids.exam,
    name: "Step 1 Exam",
    description: "Test your knowledge",
    step_id: ids.step1,
    duration_minutes: 30,
    total_marks: 15,
    passing_marks: 9,
    max_attempts: 3,
    passing_percentage: 60,
    questions: JSON.stringify(questions),
    question_count: 2,
    ...stamps,
  }),
  row("requirement_tables", {
    id: ids.table,
    name: "Daily Sadhana Tracker",
    description: "Track your daily spiritual practices",
    step_id: ids.step1,
    requirements: JSON.stringify(requirements),
    requirement_count: 2,
    ...stamps,
  }),
  row("materials", {
    id: ids.video,
    step_id: ids.step1,
    material_type: "Video",
    title: "Introduction Video",
    description: "Watch this video first",
    content: JSON.stringify({ url: "https://youtube.com/watch?v=example" }),
    requirement_table_id: null,
    order_index: 0,
    is_mandatory: true,
    ...stamps,
  }),
  row("materials", {
    id: ids.tracker,
    step_id: ids.step1,
    material_type: "RequirementTable",
    title: "Daily Sadhana Tracker",
    description: "Track your progress",
    content: JSON.stringify({ requirement_table_id: ids.table }),
    requirement_table_id: ids.table,
    order_index: 1,
    is_mandatory: true,
    ...stamps,
  }),
  row("materials", {
    id: ids.book,
    step_id: ids.step2,
    material_type: "BookLink",
    title: "Bhagavad-gita As It Is",
    description: null,
    content: JSON.stringify({ url: "https://example.com/gita", title: "Bhagavad-gita As It Is" }),
    requirement_table_id: null,
    order_index: 0,
    is_mandatory: false,
    ...stamps,
  }),
];

const file = path.join(mkdtempSync(path.join(tmpdir(), "lms-seed-")), "seed.sql");
writeFileSync(file, sql.join("\n") + "\n");
wrangler(["d1", "execute", "DB", "--local", "--file", file], { capture: true });
console.log(`seeded the demo course ${ids.course} (Bhakti Shastri Course) into the local D1`);
