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
  const stem = text
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return stem || "export";
}
