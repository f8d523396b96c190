import { describe, expect, it } from "vitest";
import {
  checkUpload,
  contentDisposition,
  etagMatches,
  extensionForType,
  type FileKind,
  parseRange,
  safeFilename,
  sniff,
  unicodeFilename,
} from "../../src/domain/files";

/* ---------------- sample heads: the first bytes of real files of each kind ---------------- */

const enc = new TextEncoder();
const bytes = (...parts: (string | number[])[]) => {
  const out: number[] = [];
  for (const part of parts) out.push(...(typeof part === "string" ? [...enc.encode(part)] : part));
  return new Uint8Array(out);
};
/** `n` filler bytes that match no signature. */
const pad = (n: number) => Array.from({ length: n }, (_, i) => 0x20 + (i % 50));

const HEADS = {
  pdf: bytes("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n"),
  // An EPUB is a zip whose first entry is the uncompressed file "mimetype": its name starts at offset 30.
  epub: bytes("PK", [0x03, 0x04, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00], pad(20), "mimetypeapplication/epub+zip", "META-INF/"),
  zip: bytes("PK", [0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00], pad(20), "word/document.xml", pad(20)),
  mp3Id3: bytes("ID3", [0x04, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x76], "TIT2", pad(20)),
  mp3Frame: bytes([0xff, 0xfb, 0x90, 0x64, 0x00, 0x00, 0x00], pad(20)), // MPEG-1 layer III
  mp3FrameMpeg2: bytes([0xff, 0xf3, 0x48, 0xc4], pad(20)), // MPEG-2 layer III
  aac: bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc], pad(20)), // ADTS, MPEG-4, no CRC
  aacMpeg2: bytes([0xff, 0xf9, 0x50, 0x80, 0x02, 0x1f, 0xfc], pad(20)), // ADTS, MPEG-2
  ogg: bytes("OggS", [0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0], pad(20)),
  wav: bytes("RIFF", [0x24, 0x08, 0x00, 0x00], "WAVEfmt ", [0x10, 0, 0, 0, 1, 0, 2, 0]),
  avi: bytes("RIFF", [0x24, 0x08, 0x00, 0x00], "AVI LIST", pad(20)),
  mp4Isom: bytes([0x00, 0x00, 0x00, 0x20], "ftypisom", [0, 0, 2, 0], "isomiso2avc1mp41"),
  mp4Mp42: bytes([0x00, 0x00, 0x00, 0x18], "ftypmp42", [0, 0, 0, 0], "mp42isom"),
  m4a: bytes([0x00, 0x00, 0x00, 0x20], "ftypM4A ", [0, 0, 0, 0], "M4A mp42isom", [0, 0, 0, 0]),
  webm: bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01], pad(20)),
  html: bytes("<!DOCTYPE html>\n<html><head><title>Not a PDF</title></head><body><script>alert(1)</script></body></html>"),
  text: bytes("Hare Krishna, this is a plain text file.\n"),
  json: bytes('{"url":"https://example.com/file.pdf"}'),
  flac: bytes("fLaC", pad(20)),
  empty: new Uint8Array(0),
};
type Head = keyof typeof HEADS;

describe("sniff", () => {
  it.each<[string, FileKind | null, Uint8Array]>([
    ["PDF", "pdf", HEADS.pdf],
    ["EPUB (zip with mimetype at offset 30)", "epub", HEADS.epub],
    ["MP3 with an ID3 tag", "mp3", HEADS.mp3Id3],
    ["MP3 starting with a bare MPEG-1 frame sync", "mp3", HEADS.mp3Frame],
    ["MP3 starting with a bare MPEG-2 frame sync", "mp3", HEADS.mp3FrameMpeg2],
    ["ADTS AAC (MPEG-4)", "aac", HEADS.aac],
    ["ADTS AAC (MPEG-2)", "aac", HEADS.aacMpeg2],
    ["OGG", "ogg", HEADS.ogg],
    ["WAV (RIFF…WAVE)", "wav", HEADS.wav],
    ["MP4 (ftyp isom)", "mp4", HEADS.mp4Isom],
    ["MP4 (ftyp mp42)", "mp4", HEADS.mp4Mp42],
    ["M4A (ftyp 'M4A ')", "m4a", HEADS.m4a],
    ["WebM (EBML)", "webm", HEADS.webm],
    ["HTML", null, HEADS.html],
    ["plain text", null, HEADS.text],
    ["JSON", null, HEADS.json],
    ["a zip that is not an EPUB", null, HEADS.zip],
    ["a RIFF that is not WAVE (AVI)", null, HEADS.avi],
    ["empty input", null, new Uint8Array(0)],
    ["a truncated PDF signature", null, bytes("%PD")],
    ["a truncated ID3 signature", null, bytes("ID")],
    ["a lone 0xFF", null, bytes([0xff])],
    ["a truncated EBML signature", null, bytes([0x1a, 0x45, 0xdf])],
    ["'RIFF' with no form type", null, bytes("RIFF", [0, 0, 0, 0])],
    ["an EPUB cut before its mimetype", null, HEADS.epub.subarray(0, 40)],
    ["0xFF followed by a non-sync byte", null, bytes([0xff, 0xd8, 0xff, 0xe0], "JFIF")], // JPEG
    ["ADTS with a CRC (MPEG-2): layer 00 is AAC, not MP3", "aac", bytes([0xff, 0xf8, 0x50, 0x80])],
    ["an MPEG frame sync with fewer than 11 set bits", null, bytes([0xff, 0xc0, 0x00, 0x00])],
  ])("%s → %s", (_name, kind, head) => {
    expect(sniff(head)).toBe(kind);
  });

  it("looks at the first bytes, not at a signature further in", () => {
    expect(sniff(bytes("  %PDF-1.7\n"))).toBeNull();
    expect(sniff(bytes("<html>", "%PDF-1.7"))).toBeNull();
  });
});

describe("checkUpload", () => {
  type Case = [material: string, declared: string, head: Head, expected: FileKind | string];
  const ok = (kind: FileKind) => kind;

  it.each<Case>([
    // Document: PDF, EPUB
    ["Document", "application/pdf", "pdf", ok("pdf")],
    ["Document", "application/epub+zip", "epub", ok("epub")],
    ["Document", "Application/PDF; charset=binary", "pdf", ok("pdf")],
    ["Document", "  application/pdf  ", "pdf", ok("pdf")],
    ["Document", "application/pdf", "html", "file_content_mismatch"],
    ["Document", "application/pdf", "text", "file_content_mismatch"],
    ["Document", "application/pdf", "epub", "file_content_mismatch"],
    ["Document", "application/pdf", "empty", "file_content_mismatch"],
    ["Document", "application/epub+zip", "zip", "file_content_mismatch"],
    ["Document", "application/epub+zip", "pdf", "file_content_mismatch"],
    ["Document", "text/html", "html", "unsupported_file_type"],
    ["Document", "application/zip", "epub", "unsupported_file_type"],
    ["Document", "application/octet-stream", "pdf", "unsupported_file_type"],
    ["Document", "video/mp4", "mp4Isom", "unsupported_file_type"],
    ["Document", "", "pdf", "unsupported_file_type"],
    // Audio: MP3, M4A/AAC, OGG, WAV
    ["Audio", "audio/mpeg", "mp3Id3", ok("mp3")],
    ["Audio", "audio/mpeg", "mp3Frame", ok("mp3")],
    ["Audio", "audio/mp4", "m4a", ok("m4a")],
    ["Audio", "audio/x-m4a", "m4a", ok("m4a")],
    ["Audio", "audio/aac", "aac", ok("aac")],
    ["Audio", "audio/aac", "m4a", ok("m4a")],
    ["Audio", "audio/ogg", "ogg", ok("ogg")],
    ["Audio", "audio/wav", "wav", ok("wav")],
    ["Audio", "audio/x-wav", "wav", ok("wav")],
    ["Audio", "audio/wave", "wav", ok("wav")],
    ["Audio", "AUDIO/MPEG", "mp3Id3", ok("mp3")],
    ["Audio", "audio/mpeg", "html", "file_content_mismatch"],
    ["Audio", "audio/mpeg", "wav", "file_content_mismatch"],
    ["Audio", "audio/mp4", "mp4Isom", "file_content_mismatch"], // a video is not an M4A
    ["Audio", "audio/ogg", "mp3Id3", "file_content_mismatch"],
    ["Audio", "audio/wav", "avi", "file_content_mismatch"],
    ["Audio", "audio/aac", "mp3Frame", "file_content_mismatch"],
    ["Audio", "video/mp4", "mp4Isom", "unsupported_file_type"],
    ["Audio", "application/pdf", "pdf", "unsupported_file_type"],
    ["Audio", "audio/flac", "flac", "unsupported_file_type"],
    // Video: MP4, WebM
    ["Video", "video/mp4", "mp4Isom", ok("mp4")],
    ["Video", "video/mp4", "mp4Mp42", ok("mp4")],
    ["Video", "video/webm", "webm", ok("webm")],
    ["Video", 'video/mp4; codecs="avc1.42E01E"', "mp4Isom", ok("mp4")],
    ["Video", "video/mp4", "html", "file_content_mismatch"],
    ["Video", "video/mp4", "webm", "file_content_mismatch"],
    ["Video", "video/webm", "mp4Isom", "file_content_mismatch"],
    ["Video", "audio/mpeg", "mp3Id3", "unsupported_file_type"],
    ["Video", "video/quicktime", "mp4Isom", "unsupported_file_type"],
    ["Video", "application/pdf", "pdf", "unsupported_file_type"],
    // Materials without files
    ["BookLink", "application/pdf", "pdf", "files_not_supported"],
    ["BookLink", "application/epub+zip", "epub", "files_not_supported"],
    ["RequirementTable", "application/pdf", "pdf", "files_not_supported"],
    ["RequirementTable", "video/mp4", "mp4Isom", "files_not_supported"],
  ])("%s declared %j with %s content → %s", (material, declared, head, expected) => {
    const verdict = checkUpload(material, declared, HEADS[head]);
    if (["pdf", "epub", "mp3", "m4a", "aac", "ogg", "wav", "mp4", "webm"].includes(expected)) {
      expect(verdict).toEqual({ kind: expected });
    } else {
      expect(verdict).toMatchObject({ status: 415, code: expected });
      expect((verdict as { detail: string }).detail).toEqual(expect.any(String));
    }
  });

  it("names what the file looks like when its content does not match", () => {
    const verdict = checkUpload("Document", "application/pdf", HEADS.mp4Isom);
    expect(verdict).toMatchObject({ status: 415, code: "file_content_mismatch" });
    expect((verdict as { detail: string }).detail).toContain("mp4");
  });
});

describe("parseRange", () => {
  const size = 10_000;
  it.each<[string | null | undefined, number, ReturnType<typeof parseRange>]>([
    [undefined, size, null],
    [null, size, null],
    ["", size, null],
    ["bytes=0-0", size, { offset: 0, length: 1 }],
    ["bytes=0-99", size, { offset: 0, length: 100 }],
    ["bytes=5000-5099", size, { offset: 5000, length: 100 }],
    ["bytes=100-", size, { offset: 100, length: 9_900 }],
    ["bytes=9999-", size, { offset: 9_999, length: 1 }],
    ["bytes=9999-9999", size, { offset: 9_999, length: 1 }],
    ["bytes=-100", size, { offset: 9_900, length: 100 }],
    ["bytes=-1", size, { offset: 9_999, length: 1 }],
    ["bytes=-10000", size, { offset: 0, length: 10_000 }],
    ["bytes=-20000", size, { offset: 0, length: 10_000 }], // suffix larger than the file: the whole file
    ["bytes=9990-20000", size, { offset: 9_990, length: 10 }], // end past the file: clamped
    ["bytes=0-99999999999999999999", size, { offset: 0, length: 10_000 }],
    [" bytes=0-9 ", size, { offset: 0, length: 10 }],
    ["bytes=10000-", size, "unsatisfiable"],
    ["bytes=10000-10005", size, "unsatisfiable"],
    ["bytes=20000-", size, "unsatisfiable"],
    ["bytes=50-10", size, "unsatisfiable"],
    ["bytes=-0", size, "unsatisfiable"],
    ["bytes=0-1,5-6", size, null], // several ranges: the whole file
    ["bytes=0-1, 5-6", size, null],
    ["bytes=-", size, null],
    ["bytes=a-b", size, null],
    ["bytes=1.5-3", size, null],
    ["bytes=--5", size, null],
    ["items=0-10", size, null],
    ["garbage", size, null],
    ["bytes 0-10", size, null],
    ["bytes=0-0", 0, "unsatisfiable"],
    ["bytes=0-", 0, "unsatisfiable"],
    ["bytes=-5", 0, "unsatisfiable"],
    [undefined, 0, null],
    ["bytes=0-0", 1, { offset: 0, length: 1 }],
    ["bytes=-5", 1, { offset: 0, length: 1 }],
  ])("%j of %d bytes → %j", (header, fileSize, expected) => {
    expect(parseRange(header, fileSize)).toEqual(expected);
  });
});

describe("safeFilename", () => {
  const SAFE = /^[A-Za-z0-9._-]+$/;

  it.each<[string, string | null, string]>([
    ["Lecture 1", "pdf", "Lecture_1.pdf"],
    ["Bhagavad-gita  As It Is", "epub", "Bhagavad-gita_As_It_Is.epub"],
    ["Intro", "mp4", "Intro.mp4"],
    ["Intro", null, "Intro"],
    ["Café résumé", "pdf", "Cafe_resume.pdf"],
    ["", "pdf", "file.pdf"],
    ["", null, "file"],
    ["日本語", "mp3", "file.mp3"],
    ["...", "pdf", "file.pdf"],
    ["/", "pdf", "file.pdf"],
  ])("%j (%s) → %j", (title, kind, expected) => {
    expect(safeFilename(title, kind)).toBe(expected);
  });

  it.each<[string, string]>([
    ["path separators", "../../etc/passwd"],
    ["backslashes", "..\\..\\Windows\\system32\\evil"],
    ["double quotes", 'a"; filename="evil.exe'],
    ["single quotes", "it's a 'quote'"],
    ["CR/LF (header injection)", "notes\r\nContent-Type: text/html\r\n\r\n<script>"],
    ["tabs and other controls", "a\tb\u0000c\u0007d"],
    ["semicolons and equals", "report; filename*=UTF-8''evil.html"],
    ["percent escapes", "%2e%2e%2fsecret"],
    ["unicode and emoji", "Śrīmad Bhāgavatam 🙏 第一"],
    ["a leading dot (hidden file)", ".htaccess"],
    ["a leading dash (option-like)", "-rf"],
  ])("strips %s", (_name, title) => {
    const name = safeFilename(title, "pdf");
    expect(name).toMatch(SAFE);
    expect(name.endsWith(".pdf")).toBe(true);
    expect(name).not.toMatch(/^[.-]/);
    expect(name).not.toContain("..");
    expect(name.length).toBeGreaterThan(".pdf".length);
  });

  it("keeps the readable part of a hostile title", () => {
    expect(safeFilename("../../etc/passwd", "pdf")).toBe("etcpasswd.pdf");
    expect(safeFilename("notes\r\nX-Evil: 1", "pdf")).toBe("notesX-Evil_1.pdf");
    expect(safeFilename("Śrīmad Bhāgavatam", "mp3")).toBe("Srimad_Bhagavatam.mp3");
  });

  it("cuts long titles to 80 characters and keeps the real extension", () => {
    const name = safeFilename("a".repeat(200), "pdf");
    expect(name).toBe(`${"a".repeat(80)}.pdf`);
    const words = safeFilename("word ".repeat(60), "webm");
    expect(words.length).toBeLessThanOrEqual(80 + ".webm".length);
    expect(words.endsWith(".webm")).toBe(true);
    expect(words).toMatch(SAFE);
  });

  it("never takes the extension from the title", () => {
    expect(safeFilename("malware.exe", "pdf").endsWith(".pdf")).toBe(true);
    expect(safeFilename("page.html", "pdf")).toBe("page.html.pdf");
  });
});

describe("download names (RFC 6266 / RFC 5987)", () => {
  it.each<[string, string, string | null, string]>([
    ["a Cyrillic title is transliterated for the fallback", "Введение", "pdf", "Vvedenie.pdf"],
    ["mixed Cyrillic and digits", "Лекция 1: Шри Чайтанья", "mp3", "Lektsiya_1_Shri_Chaytanya.mp3"],
    ["a title already ending in the extension", "Notes.pdf", "pdf", "Notes.pdf"],
    ["the extension in capitals", "Notes.PDF", "pdf", "Notes.pdf"],
    ["an MP4 title", "Intro.Mp4", "mp4", "Intro.mp4"],
    ["only the extension", ".pdf", "pdf", "file.pdf"],
    ["another extension is kept as part of the name", "page.html", "pdf", "page.html.pdf"],
    ["a script with no Latin form", "日本語", "mp3", "file.mp3"],
  ])("fallback: %s", (_name, title, kind, expected) => {
    expect(safeFilename(title, kind)).toBe(expected);
  });

  it.each<[string, string, string | null, string]>([
    ["keeps Cyrillic", "Введение", "pdf", "Введение.pdf"],
    ["keeps spaces and diacritics", "Śrīmad Bhāgavatam  1", "mp3", "Śrīmad Bhāgavatam 1.mp3"],
    ["does not double the extension", "Введение.pdf", "pdf", "Введение.pdf"],
    ["in any case", "Notes.PDF", "pdf", "Notes.pdf"],
    ["drops path separators and characters no file system takes", 'a/b\\c:d*e?"f"<g>|h', "pdf", "abcdefgh.pdf"],
    ["drops control and bidi-override characters", "abc\u202Egnp\r\n\u0000x", "pdf", "abcgnpx.pdf"],
    ["drops leading dots", "../.htaccess", "pdf", "htaccess.pdf"],
    ["an empty title", "", "pdf", "file.pdf"],
    ["no extension", "Intro", null, "Intro"],
  ])("UTF-8 name: %s", (_name, title, kind, expected) => {
    expect(unicodeFilename(title, kind)).toBe(expected);
  });

  it("cuts a long UTF-8 name by characters, never inside a surrogate pair", () => {
    const name = unicodeFilename("🙏".repeat(100), "pdf");
    expect(name).toBe(`${"🙏".repeat(80)}.pdf`);
    expect(() => encodeURIComponent(name)).not.toThrow();
  });

  it.each<[string, string, string | null, string]>([
    [
      "Cyrillic",
      "Введение",
      "pdf",
      `inline; filename="Vvedenie.pdf"; filename*=UTF-8''%D0%92%D0%B2%D0%B5%D0%B4%D0%B5%D0%BD%D0%B8%D0%B5.pdf`,
    ],
    ["ASCII with a space", "Lecture 1", "mp4", `inline; filename="Lecture_1.mp4"; filename*=UTF-8''Lecture%201.mp4`],
    // RFC 5987 attr-char excludes ' ( ) *, which encodeURIComponent leaves alone.
    [
      "characters encodeURIComponent keeps",
      "it's (part) one!",
      "pdf",
      `inline; filename="its_part_one.pdf"; filename*=UTF-8''it%27s%20%28part%29%20one%21.pdf`,
    ],
  ])("header: %s", (_name, title, kind, expected) => {
    expect(contentDisposition(title, kind)).toBe(expected);
  });

  it.each([
    'Week 1: "Notes" / ../secret\r\nX-Evil: 1',
    "report; filename*=UTF-8''evil.html",
    'a"; filename="evil.exe',
    "Введение\r\nContent-Type: text/html",
    "%2e%2e%2f",
    "\u0000\u0007\t",
  ])("keeps a hostile title inside its parameters: %j", (title) => {
    const header = contentDisposition(title, "pdf");
    const match = /^inline; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8''([A-Za-z0-9!#$&+^`|~%._-]+)$/.exec(header);
    expect(match, header).not.toBeNull();
    expect(match![1]!.endsWith(".pdf")).toBe(true);
    expect(match![2]!.endsWith(".pdf")).toBe(true);
    const decoded = decodeURIComponent(match![2]!);
    expect(decoded).not.toMatch(/[\u0000-\u001f\u007f"/\\]/);
    expect(decoded).not.toMatch(/^\./);
  });
});

describe("etagMatches", () => {
  const etag = '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"';
  it.each<[string | null | undefined, boolean]>([
    [etag, true],
    [`W/${etag}`, true],
    [`"other", ${etag}`, true],
    [`"other",${etag}`, true],
    [`"a", "b",   W/${etag}  `, true],
    ["*", true],
    ['"other"', false],
    ['"other", W/"another"', false],
    [etag.slice(1, -1), false], // unquoted
    [`"${etag}"`, false],
    ['"9f86d081"', false], // a prefix
    [null, false],
    [undefined, false],
    ["", false],
  ])("If-None-Match %j → %s", (header, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });
});

describe("extensionForType", () => {
  it.each([
    ["application/pdf", "pdf"],
    ["application/epub+zip", "epub"],
    ["audio/mpeg", "mp3"],
    ["audio/mp4", "m4a"],
    ["audio/x-m4a", "m4a"],
    ["audio/aac", "aac"],
    ["audio/ogg", "ogg"],
    ["audio/wave", "wav"],
    ["video/mp4", "mp4"],
    ["video/webm", "webm"],
    ["text/html", null],
    [null, null],
  ])("%s → %s", (type, ext) => {
    expect(extensionForType(type)).toBe(ext);
  });
});
