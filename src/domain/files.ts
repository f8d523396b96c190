/**
 * Material files: which types a material may hold, what a file really is (from its first bytes, not from
 * what the client declares), byte ranges, and the names a download gets. Pure.
 */
export type FileKind = "pdf" | "epub" | "mp3" | "m4a" | "aac" | "ogg" | "wav" | "mp4" | "webm";

/** Declared content types accepted per material type, and the kinds each may really be. */
export const ALLOWED_TYPES: Record<string, Record<string, readonly FileKind[]>> = {
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
    if (kinds) return kinds[0]!;
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
  if (head.length >= 2 && head[0] === 0xff) {
    const b = head[1]!;
    if ((b & 0xf6) === 0xf0) return "aac"; // ADTS sync word, layer 0
    if ((b & 0xe0) === 0xe0 && (b & 0x06) !== 0) return "mp3"; // MPEG audio frame sync, layer I–III
  }
  return null;
}

export type UploadRefusal = { status: 415; code: string; detail: string };

export function normaliseType(declared: string): string {
  return declared.split(";")[0]!.trim().toLowerCase();
}

/** The declared type must be allowed for the material type, and the bytes must be that type. */
export function checkUpload(materialType: string, declared: string, head: Uint8Array): { kind: FileKind } | UploadRefusal {
  const allowed = ALLOWED_TYPES[materialType];
  if (!allowed) return { status: 415, code: "files_not_supported", detail: `A ${materialType} material has no file` };
  const type = normaliseType(declared);
  const kinds = allowed[type];
  if (!kinds)
    return { status: 415, code: "unsupported_file_type", detail: `A ${materialType} takes ${Object.keys(allowed).join(", ")}; got ${type || "no type"}` };
  const kind = sniff(head);
  if (kind === null || !kinds.includes(kind))
    return { status: 415, code: "file_content_mismatch", detail: `The file's content is not ${type}${kind ? ` (it looks like ${kind})` : ""}` };
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
  const [, startText, endText] = match as unknown as [string, string, string];
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

/** A download name a browser cannot misread: the title reduced to safe characters, plus the real extension. */
export function safeFilename(title: string, kind: string | null): string {
  const base = title
    .normalize("NFKD")
    .replace(/[^\w.\- ]+/g, "")
    .replace(/\s+/g, "_")
    .replace(/^[.\-_]+/, "")
    .slice(0, 80);
  const ext = kind ? `.${kind}` : "";
  return `${base || "file"}${ext}`;
}

/** ETags match by value, with weak comparison, and `*` matches anything. */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === "*" || t === etag;
  });
}
