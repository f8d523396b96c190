import { XMLParser, XMLValidator } from "fast-xml-parser";
import { encode } from "uqr";
import { describe, expect, it } from "vitest";
import { badgeSvg, type CertificateView, certificatePage } from "../../src/certificates/render";

const URL_ = "https://lms-api.example.edu/certificates/cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E2F3G4H5J6K7M8N9P0Q1R2S3T4V5W6";
const view = (overrides: Partial<CertificateView> = {}): CertificateView => ({
  id: "cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E",
  status: "valid",
  issued_at: "2026-12-07T23:59:59Z",
  revoked_at: null,
  course_name: "Introduction to Data Protection",
  achievement_name: "Data Protection Practitioner",
  description: "Completed the course Introduction to Data Protection.",
  criteria: "Complete every step of the course Introduction to Data Protection.",
  recipient_name: "Amelia Hartley",
  issuer_name: "Northbridge Learning",
  issuer_id: "did:web:lms-api.example.edu",
  verification_url: URL_,
  badge_url: `${URL_}/badge.svg`,
  ...overrides,
});
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJkaWQ6d2ViOmV4YW1wbGUifQ.c2lnbmF0dXJl";
const revoked = { status: "revoked", revoked_at: "2027-01-15T09:00:00Z" } as const;

/** A UTF-16 unit of a surrogate pair without its other half: text that cannot be encoded as UTF-8. */
function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
/** Visible text of the markup: tags dropped, the five entities the renderer writes read back. */
function textOf(markup: string): string {
  return markup
    .replace(/<style>[\s\S]*?<\/style>/, "")
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}
/** The lines of the badge's wrapped text, one <tspan> each. */
function badgeLines(svg: string): string[] {
  return [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => textOf(m[1] ?? "").trim());
}
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)> & "quoted" 'single' </title></style>`;
/** Each field, and whether the badge shows it (the badge has room for a few names, not for the texts). */
const hostileFields: [keyof CertificateView, boolean][] = [
  ["course_name", false],
  ["achievement_name", true],
  ["description", false],
  ["criteria", false],
  ["recipient_name", true],
  ["issuer_name", true],
  ["issuer_id", false],
  ["id", false],
];

describe("certificatePage and badgeSvg: every interpolated value is escaped", () => {
  it.each(hostileFields)("a hostile %s stays text", (field, inBadge) => {
    const v = view({ [field]: hostile });
    const html = certificatePage(v);
    const svg = badgeSvg(v, JWT);
    // With attribute values emptied (they cannot hold a raw quote), what is left is markup: no tag or attribute of theirs.
    for (const markup of [html, svg])
      expect(markup.replace(/"[^"]*"/g, '""')).not.toMatch(/<script|<img|<[a-z][^>]*\sonerror=|<\/title><\/style>/i);
    expect(html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;",
    );
    expect(XMLValidator.validate(svg)).toBe(true);
    // Wrapped over lines (and into the label), but read back as the same characters.
    if (inBadge) expect(badgeLines(svg).join("").replace(/\s/g, "")).toContain(`<script>alert("x")</script><img`);
  });

  it.each<[string, string, string]>([
    ["emoji", "Zoë 🎓👩🏽‍🔬", "Zoë 🎓👩🏽‍🔬"],
    ["right-to-left text", "شهادة إتمام", "شهادة إتمام"],
    ["XML-forbidden control characters are dropped", "Ada\u0000\u0008\u001B Lovelace", "Ada Lovelace"],
    ["a lone surrogate becomes U+FFFD", "Ada \uD83C Lovelace", "Ada \uFFFD Lovelace"],
  ])("a name with %s", (_, name, shown) => {
    const v = view({ recipient_name: name });
    const svg = badgeSvg(v, JWT);
    expect(textOf(certificatePage(v))).toContain(shown);
    expect(badgeLines(svg)).toContain(shown);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(hasLoneSurrogate(certificatePage(v) + svg)).toBe(false);
  });

  it("the JWT is escaped in the verify attribute as well", () => {
    const svg = badgeSvg(view(), `${JWT}"><script>`);
    expect(svg).not.toContain("<script>");
    expect(XMLValidator.validate(svg)).toBe(true);
  });
});

describe("badgeSvg: Open Badges 3.0 baking (§5.3.2)", () => {
  it.each<[string, CertificateView]>([
    ["valid", view()],
    ["revoked", view(revoked)],
    ["no recipient", view({ recipient_name: null })],
  ])("%s: the XML declaration, the namespace, one credential element directly after <svg ...>", (_, v) => {
    const svg = badgeSvg(v, JWT);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const open = /<svg\s[^>]*>/.exec(svg);
    expect(open?.[0]).toContain('xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"');
    expect(open?.[0]).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(open?.[0]).toMatch(/viewBox="0 0 \d+ \d+"/);
    expect(svg.match(/<openbadges:credential/g)).toHaveLength(1);
    expect(svg.slice((open?.index ?? 0) + (open?.[0].length ?? 0))).toMatch(
      new RegExp(`^<openbadges:credential verify="${JWT.replace(/\./g, "\\.")}"></openbadges:credential>`),
    );
    expect(XMLValidator.validate(svg)).toBe(true);
    // The verify attribute as an XML parser reads it: the JWT unchanged.
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(svg);
    expect(parsed.svg["openbadges:credential"].verify).toBe(JWT);
  });

  it("is self-contained: no script, no foreignObject, no external reference", () => {
    for (const v of [view(), view(revoked), view({ recipient_name: null })]) {
      const svg = badgeSvg(v, JWT);
      expect(svg).not.toMatch(/<script|<foreignObject|<image|<use|@import|url\(/i);
      for (const [, target] of svg.matchAll(/\b(?:href|src)="([^"]*)"/g)) expect(target).toMatch(/^#/);
    }
  });

  it.each<[string, CertificateView, string[], string[]]>([
    [
      "valid",
      view(),
      ["Data Protection", "Practitioner", "AWARDED TO", "Amelia Hartley", "ISSUED BY", "Northbridge Learning", "7 DECEMBER 2026"],
      ["REVOKED"],
    ],
    ["revoked", view(revoked), ["REVOKED", "Amelia Hartley", "7 DECEMBER 2026"], []],
    ["no recipient", view({ recipient_name: null }), ["Awarded to the holder of this credential"], ["AWARDED TO"]],
    ["a blank recipient is no recipient", view({ recipient_name: "  " }), ["Awarded to the holder of this credential"], ["AWARDED TO"]],
  ])("%s: shows what it should", (_, v, shown, absent) => {
    const text = textOf(badgeSvg(v, JWT));
    for (const s of shown) expect(text).toContain(s);
    for (const s of absent) expect(text).not.toContain(s);
  });

  it.each<[string, string]>([
    ["300 emoji", "🎓".repeat(300)],
    ["300 emoji with skin tone and joiner", "👩🏽‍🔬".repeat(300)],
    ["one 300-letter word", "W".repeat(300)],
    ["long words", "Konstantinopoulou-Featherstonehaugh ".repeat(10)],
    ["Han characters", "資格認定証明書".repeat(40)],
  ])("%s: wrapped into a few lines, cut by code point with an ellipsis", (_, name) => {
    const svg = badgeSvg(view({ achievement_name: name, recipient_name: name, issuer_name: name }), JWT);
    expect(hasLoneSurrogate(svg)).toBe(false);
    expect(XMLValidator.validate(svg)).toBe(true);
    const lines = badgeLines(svg);
    expect(lines.length).toBeLessThanOrEqual(3 + 2 + 1);
    expect(lines.filter((line) => line.endsWith("…"))).toHaveLength(3);
    for (const line of lines) {
      expect(line.length).toBeGreaterThan(0);
      // Every line is a run of the name's own code points (plus the ellipsis): nothing half-cut.
      for (const ch of Array.from(line.replace(/…$/, ""))) expect(name.includes(ch)).toBe(true);
      // At most ~10 em at 27 px and ~18.5 em at 15 px: no line is longer than 40 code points of any kind.
      expect(Array.from(line).length).toBeLessThanOrEqual(40);
    }
  });

  it("short names are neither cut nor given an ellipsis", () => {
    const lines = badgeLines(badgeSvg(view(), JWT));
    expect(lines.join(" ")).toBe("Data Protection Practitioner Amelia Hartley Northbridge Learning");
  });
});

describe("certificatePage: wording", () => {
  it.each<[string, CertificateView, string[], RegExp[]]>([
    [
      "valid",
      view(),
      [
        "✓ Valid",
        "This certifies that",
        "Amelia Hartley",
        "Introduction to Data Protection",
        "Data Protection Practitioner",
        "Northbridge Learning",
      ],
      [/revoked/i],
    ],
    [
      "revoked",
      view(revoked),
      ["REVOKED", "This certificate was revoked on 15 January 2027 by its issuer and is no longer valid.", "✗ Revoked on 15 January 2027"],
      [/✓|\bValid\b/],
    ],
    ["revoked without a date", view({ status: "revoked", revoked_at: null }), ["✗ Revoked", "was revoked by its issuer"], [/Revoked on/]],
    ["no recipient", view({ recipient_name: null }), ["Awarded to the holder of this credential"], [/This certifies that/]],
    [
      "the achievement named like the course is not repeated",
      view({ achievement_name: "Introduction to Data Protection" }),
      ["Introduction to Data Protection"],
      [/has earned the achievement/],
    ],
  ])("%s", (_, v, shown, absent) => {
    const text = textOf(certificatePage(v));
    for (const s of shown) expect(text).toContain(s);
    for (const re of absent) expect(text).not.toMatch(re);
  });

  it("the revoked page is unmistakable: a banner, a watermark, the stamp instead of the seal, the <title>", () => {
    const html = certificatePage(view(revoked));
    expect(html).toContain('<body class="revoked">');
    expect(html).toMatch(/<div class="banner" role="alert"><strong>REVOKED<\/strong>/);
    expect(html).toContain('<div class="watermark" aria-hidden="true">REVOKED</div>');
    expect(html).toContain('<div class="stamp" aria-hidden="true">REVOKED</div>');
    expect(html).not.toContain('class="seal"');
    expect(html).toMatch(/<title>Revoked certificate: /);
    const valid = certificatePage(view());
    expect(valid).not.toMatch(/class="(banner|watermark|stamp)"/);
    expect(valid).toContain('class="seal"');
  });

  it.each<[string, string]>([
    ["2026-12-07T23:59:59Z", "7 December 2026"],
    ["2027-01-01T00:00:00Z", "1 January 2027"],
    ["2026-12-31T23:30:00-02:00", "1 January 2027"],
    ["2028-02-29T12:00:00.000Z", "29 February 2028"],
  ])("issued %s: shown as %s, in UTC", (issued, shown) => {
    expect(textOf(certificatePage(view({ issued_at: issued })))).toContain(`Issued ${shown}`);
  });

  it("a complete document with a title, a language, UTF-8, a viewport and print rules for one page", () => {
    const html = certificatePage(view());
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("<title>Certificate: Data Protection Practitioner — Amelia Hartley</title>");
    expect(html).toMatch(/@page\{margin:12mm\}/);
    expect(html).toMatch(/@media print\{[\s\S]*\.sheet\{[^}]*height:252mm;overflow:hidden/);
    expect(html).toContain('verifiable credential (VC-JWT) signed by\n<code class="wrap">did:web:lms-api.example.edu</code>');
    expect(html).toContain("<code>Accept: application/json</code>");
  });
});

describe("certificatePage: nothing external", () => {
  it.each<[string, CertificateView]>([
    ["valid", view()],
    ["revoked", view(revoked)],
    [
      "hostile names",
      view({ course_name: hostile, recipient_name: "https://evil.example/x.png", issuer_name: "url(https://evil.example)" }),
    ],
  ])("%s: no script, no external resource, links only to the certificate's own addresses", (_, v) => {
    const html = certificatePage(v);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|@font-face/i);
    // CSS may not load anything: the only url( would be a name written as text, which is escaped out of <style>.
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    expect(css).not.toMatch(/url\(|https?:/);
    const targets = [...html.matchAll(/\b(?:href|src|srcset|action|poster|data)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect([v.verification_url, v.badge_url]).toContain(target);
    expect(html).toContain(`>${v.verification_url}</a>`);
  });

  it("a verification address that is not a web address is shown but not linked", () => {
    const html = certificatePage(view({ verification_url: "javascript:alert(1)", badge_url: "javascript:alert(2)" }));
    expect(html).not.toMatch(/href=/);
    expect(html).toContain("javascript:alert(1)");
  });
});

describe("certificatePage: the QR code", () => {
  /** The modules the <svg class="qr"> paints, read back from its path of horizontal runs. */
  function drawnMatrix(html: string): { size: number; quiet: number; modules: boolean[][] } {
    const svg = /<svg class="qr" viewBox="0 0 (\d+) \1"[^>]*>([\s\S]*?)<\/svg>/.exec(html);
    if (!svg) throw new Error("no QR code");
    const full = Number(svg[1]);
    const d = /<path fill="#000" d="([^"]*)"/.exec(svg[2] ?? "")?.[1] ?? "";
    const painted = Array.from({ length: full }, () => Array.from({ length: full }, () => false));
    const runs = [...d.matchAll(/M(\d+),(\d+)h(\d+)v1h-(\d+)z/g)];
    expect(runs.map((m) => m[0]).join("")).toBe(d);
    for (const [, x, y, w] of runs) for (let i = 0; i < Number(w); i++) painted[Number(y)]![Number(x) + i] = true;
    // The quiet zone: the leading empty columns of the finder pattern's row.
    const quiet = painted.findIndex((row) => row.some(Boolean));
    const size = full - 2 * quiet;
    return { size, quiet, modules: painted.slice(quiet, quiet + size).map((row) => row.slice(quiet, quiet + size)) };
  }

  it.each<[string, string]>([
    ["a typical ~90-character address", "https://lms-api.example.edu/certificates/cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E2F3G4H5J6K7M8N9P0Q"],
    ["a long address", URL_],
    ["a local one", "http://localhost:8787/certificates/abc"],
  ])("%s: the painted modules are the QR code of the verification URL, with a 4-module quiet zone", (_, url) => {
    const { size, quiet, modules } = drawnMatrix(certificatePage(view({ verification_url: url })));
    expect(quiet).toBe(4);
    const expected = encode(url, { ecc: "M", boostEcc: true, border: 0 });
    expect(size).toBe(expected.size);
    expect(modules).toEqual(expected.data);
    // Finder patterns in three corners: the picture is a QR code, not just any squares.
    for (const [r, c] of [
      [0, 0],
      [0, size - 7],
      [size - 7, 0],
    ] as const) {
      expect(modules[r]!.slice(c, c + 7).every(Boolean)).toBe(true);
      expect(modules[r + 1]!.slice(c, c + 7)).toEqual([true, false, false, false, false, false, true]);
    }
  });

  it("a ~90-character address stays a small code (version 6 or lower: 41 modules) that scans from paper at 30 mm", () => {
    const url = "https://lms-api.example.edu/certificates/cert_01JF3Z8Q9W4X5Y6Z7A8B9C0D1E2F3G4H5J6K7M8N9P0Q";
    expect(url.length).toBeGreaterThanOrEqual(88);
    expect(drawnMatrix(certificatePage(view({ verification_url: url }))).size).toBeLessThanOrEqual(41);
    expect(certificatePage(view({ verification_url: url }))).toMatch(/\.qr\{[^}]*width:30mm;height:30mm/);
  });
});

describe("certificatePage: long text", () => {
  const long = (unit: string, n: number) => Array.from(unit.repeat(n)).slice(0, n).join("");
  it.each<[string, Partial<CertificateView>]>([
    [
      "200-character names, 2,000-character texts",
      {
        course_name: long("Safety ", 200),
        recipient_name: long("Maximiliana ", 200),
        description: long("Lorem ipsum ", 2000),
        criteria: long("Dolor sit ", 2000),
      },
    ],
    ["300 emoji everywhere", { course_name: "🎓".repeat(300), recipient_name: "👩🏽‍🔬".repeat(300), achievement_name: "🎓".repeat(300) }],
  ])("%s: every word kept on screen, clamped in print, the <title> cut by code point", (_, overrides) => {
    const v = view(overrides);
    const html = certificatePage(v);
    expect(hasLoneSurrogate(html)).toBe(false);
    const text = textOf(html);
    for (const field of ["course_name", "recipient_name", "description", "criteria"] as const) {
      const value = v[field] ?? "";
      expect(text).toContain(value.trim());
    }
    expect(html).toMatch(/<p class="course clamp c3 longer">/);
    const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
    expect(Array.from(textOf(title)).length).toBeLessThanOrEqual(170);
    expect(title).toContain("…");
  });

  it("long description and criteria: a note says where the full text is", () => {
    const clipped = certificatePage(view({ description: "word ".repeat(400) }));
    expect(clipped).toContain("The full text is part of the credential at the address below.");
    expect(certificatePage(view())).not.toContain("The full text is part");
  });
});
