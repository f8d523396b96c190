/**
 * Material files: which types a material may hold, what a file really is (from its first bytes, not from
 * what the client declares), byte ranges, and the names a download gets. Pure.
 */
export type FileKind = "pdf" | "epub" | "mp3" | "m4a" | "aac" | "ogg" | "wav" | "mp4" | "webm";

/** The kinds a declared type may really be: never none, the first is its download extension. */
type Kinds = readonly [FileKind, ...FileKind[]];

/** Declared content types accepted per material type, and the kinds each may really be. */
export const ALLOWED_TYPES: Record<string, Record<string, Kinds>> = {
  Document: { "application/pdf": ["pdf"], "application/epub+zip": ["epub"] },
  Audio: {
    "audio/mpeg": ["mp3"],
    "audio/mp4": ["m4a"],
    "audio/x-m4a": ["m4a"],
    "audio/aac": ["aac", "m4a"],
    "audio/ogg": ["ogg"],
    "audio/wav": ["wav"],
    "audio/x-wav": ["wav"],
    "audio/wave": ["wav"],
  },
  Video: { "video/mp4": ["mp4", "m4a"], "video/webm": ["webm"] },
};

/** The file extension a stored (allow-listed) content type downloads with: its first kind. */
export function extensionForType(contentType: string | null): string | null {
  if (!contentType) return null;
  for (const types of Object.values(ALLOWED_TYPES)) {
    const kinds = types[contentType];
    if (kinds) return kinds[0];
  }
  return null;
}

/** Bytes needed to recognise every kind above. */
export const SNIFF_BYTES = 64;

const ascii = (bytes: Uint8Array, at: number, text: string) => {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

const AUDIO_BRANDS = new Set(["M4A ", "M4B ", "M4P "]);

export function sniff(head: Uint8Array): FileKind | null {
  if (ascii(head, 0, "%PDF-")) return "pdf";
  if (ascii(head, 0, "PK\u0003\u0004") && ascii(head, 30, "mimetypeapplication/epub+zip")) return "epub";
  if (ascii(head, 0, "OggS")) return "ogg";
  if (ascii(head, 0, "RIFF") && ascii(head, 8, "WAVE")) return "wav";
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "webm";
  if (ascii(head, 4, "ftyp")) {
    const brand = String.fromCharCode(...head.subarray(8, 12));
    return AUDIO_BRANDS.has(brand) ? "m4a" : "mp4";
  }
  if (ascii(head, 0, "ID3")) return "mp3";
  const b = head[1]; // present when head.length >= 2
  if (head[0] === 0xff && b !== undefined) {
    if ((b & 0xf6) === 0xf0) return "aac"; // ADTS sync word, layer 0
    if ((b & 0xe0) === 0xe0 && (b & 0x06) !== 0) return "mp3"; // MPEG audio frame sync, layer I–III
  }
  return null;
}

export type UploadRefusal = {
  status: 415;
  code: "files_not_supported" | "unsupported_file_type" | "file_content_mismatch";
  detail: string;
};

export function normaliseType(declared: string): string {
  const semicolon = declared.indexOf(";");
  return (semicolon === -1 ? declared : declared.slice(0, semicolon)).trim().toLowerCase();
}

/** The declared type must be allowed for the material type, and the bytes must be that type. */
export function checkUpload(materialType: string, declared: string, head: Uint8Array): { kind: FileKind } | UploadRefusal {
  const allowed = ALLOWED_TYPES[materialType];
  if (!allowed) return { status: 415, code: "files_not_supported", detail: `A ${materialType} material has no file` };
  const type = normaliseType(declared);
  const kinds = allowed[type];
  if (!kinds)
    return {
      status: 415,
      code: "unsupported_file_type",
      detail: `A ${materialType} takes ${Object.keys(allowed).join(", ")}; got ${type || "no type"}`,
    };
  const kind = sniff(head);
  if (kind === null || !kinds.includes(kind))
    return {
      status: 415,
      code: "file_content_mismatch",
      detail: `The file's content is not ${type}${kind ? ` (it looks like ${kind})` : ""}`,
    };
  return { kind };
}

export type ByteRange = { offset: number; length: number };

/**
 * A single `bytes=` range against a file of `size` bytes: the range, "unsatisfiable", or null to serve the
 * whole file (no header, several ranges, or a header we do not understand — all allowed by RFC 9110).
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!match) return null;
  const [, startText = "", endText = ""] = match;
  if (startText === "" && endText === "") return null;
  if (startText === "") {
    const suffix = Number(endText);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(startText);
  if (start >= size) return "unsatisfiable";
  const end = endText === "" ? size - 1 : Math.min(Number(endText), size - 1);
  if (end < start) return "unsatisfiable";
  return { offset: start, length: end - start + 1 };
}

/**
 * Cyrillic has no decomposition to Latin (NFKD leaves it alone), so without this a Russian title would reach
 * clients that only read `filename=` (curl -J, old browsers) as a bare "file.pdf".
 */
const CYRILLIC: Record<string, string> = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "y",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
  і: "i",
  ї: "yi",
  є: "ye",
  ґ: "g",
};

const transliterate = (text: string) =>
  text.replace(/[\u0400-\u04ff]/g, (ch) => {
    const lower = ch.toLowerCase();
    const latin = CYRILLIC[lower];
    if (latin === undefined) return ch;
    return ch === lower || latin === "" ? latin : latin.charAt(0).toUpperCase() + latin.slice(1);
  });

/**
 * The title without the extension the download gets anyway: "Notes.PDF" with kind pdf is "Notes", so the name
 * does not become "Notes.PDF.pdf". Any other extension stays part of the name ("page.html" → "page.html.pdf"):
 * the extension always comes from the stored, allow-listed type.
 */
function withoutExtension(title: string, kind: string | null): string {
  const trimmed = title.trim();
  if (kind && trimmed.toLowerCase().endsWith(`.${kind.toLowerCase()}`)) return trimmed.slice(0, -(kind.length + 1));
  return trimmed;
}

const MAX_NAME = 80;

/**
 * The `filename=` fallback: only [A-Za-z0-9._-], so it needs no quoting or escaping and cannot end the header
 * parameter, inject a header or name a path; plus the real extension.
 */
export function safeFilename(title: string, kind: string | null): string {
  const base = transliterate(withoutExtension(title, kind))
    .normalize("NFKD")
    .replace(/[^\w.\- ]+/g, "")
    .replace(/\s+/g, "_")
    .replace(/^[.\-_]+/, "")
    .slice(0, MAX_NAME)
    .replace(/[._]+$/, "");
  const ext = kind ? `.${kind}` : "";
  return `${base || "file"}${ext}`;
}

/**
 * The `filename*=` name: the title as people wrote it, minus what no file system or header should carry —
 * control and format characters (CR/LF, NUL, bidi overrides that make "…gnp.pdf" display as "…fdp.png"), path
 * separators and the characters Windows refuses — and never starting with a dot.
 */
export function unicodeFilename(title: string, kind: string | null): string {
  const cleaned = withoutExtension(title.normalize("NFC"), kind)
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\u2028\u2029]/gu, "")
    .replace(/[<>:"/\\|?*]/g, "")
    .replace(/\s+/g, " ")
    .replace(/^[.\s]+/, "");
  // Cut by code points, so a character outside the BMP is never split into a lone surrogate.
  const base = [...cleaned]
    .slice(0, MAX_NAME)
    .join("")
    .replace(/[.\s]+$/, "");
  const ext = kind ? `.${kind}` : "";
  return `${base || "file"}${ext}`;
}

/** RFC 5987 attr-char excludes ' ( ) * and !, which encodeURIComponent leaves as they are. */
const encodeRfc5987 = (value: string) =>
  encodeURIComponent(value).replace(/['()*!]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `Content-Disposition` for a download (RFC 6266): an ASCII `filename=` for clients that read only that, and
 * `filename*=UTF-8''…` (RFC 8187) with the real title, which browsers prefer when both are present.
 */
export function contentDisposition(title: string, kind: string | null): string {
  return `inline; filename="${safeFilename(title, kind)}"; filename*=UTF-8''${encodeRfc5987(unicodeFilename(title, kind))}`;
}

/** ETags match by value, with weak comparison, and `*` matches anything. */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === "*" || t === etag;
  });
}
