import { prefers } from "./accept";
/**
 * CSV as spreadsheets read it back: RFC 4180 (CRLF line ends, a field quoted when it holds a comma, a quote, CR or
 * LF, quotes doubled), UTF-8, and a cell that a spreadsheet would run as a formula neutralised the way OWASP's
 * "CSV Injection" page says: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
 * leading `'` (and is then quoted). Numbers are written as numbers, so a negative score stays a number.
 */
export type Cell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const formula = FORMULA_START.test(value);
  const text = formula ? `'${value}` : value;
  return formula || NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: readonly Cell[]) => `${cells.map(csvCell).join(",")}\r\n`;

/** U+FEFF: Excel reads a file as UTF-8 only when it starts with this mark (`?bom=true`). */
export const BOM = "\uFEFF";

/**
 * `Content-Disposition` for a download (RFC 6266): an ASCII `filename` for old clients and the exact name as
 * RFC 8187 `filename*`, so a course called "Física" downloads as Física-….csv where the client can.
 */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A file name from free text: letters and digits kept (any script), runs of anything else one dash, at most 60. */
export function fileStem(text: string): string {
  const words = text
    .normalize("NFC")
    // Marks stay with their letters: Hindi or Thai words are letters and combining marks.
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  // Cut by code points, not UTF-16 units: half a character outside the basic plane would make the name unencodable.
  const stem = Array.from(words).slice(0, 60).join("").replace(/-+$/, "");
  return stem || "export";
}

/**
 * Whether an `Accept` header asks for CSV rather than JSON: `text/csv` with a q above 0 and at least the q of
 * `application/json` (wildcards never choose CSV). `text/csv;q=0, application/json` is JSON.
 */
export const prefersCsv = (accept: string | undefined) => prefers(accept, "text/csv");
