// What a person sees of a certificate: the printable HTML page and the baked Open Badges 3.0 SVG badge.
// Pure string building, no I/O: the route handler fetches, signs and sends; this only presents.
import { encode } from "uqr";

export type CertificateView = {
  id: string;
  status: "valid" | "revoked";
  issued_at: string; // ISO 8601 UTC
  revoked_at: string | null;
  course_name: string;
  achievement_name: string;
  description: string;
  criteria: string;
  recipient_name: string | null;
  issuer_name: string;
  issuer_id: string; // did:web:...
  verification_url: string; // the page's own URL, B/certificates/{id}
  badge_url: string;
};

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * Drops what XML 1.0 forbids (C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF) and turns
 * lone surrogates into U+FFFD: one such character in a name would make the whole badge unparseable as XML, and
 * a lone surrogate cannot be encoded as UTF-8 at all.
 */
function clean(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 && unit !== 0x09 && unit !== 0x0a && unit !== 0x0d) continue;
    if (unit === 0xfffe || unit === 0xffff) continue;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text.slice(i, i + 2);
        i++;
      } else {
        out += "\uFFFD";
      }
      continue;
    }
    out += unit >= 0xdc00 && unit <= 0xdfff ? "\uFFFD" : text.charAt(i);
  }
  return out;
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Safe in HTML and XML text and in double- or single-quoted attributes alike. */
function esc(text: string): string {
  return clean(text).replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** "7 December 2026", read in UTC so the date does not depend on where the Worker runs. */
function humanDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** Code points, not UTF-16 units: cutting between the halves of a surrogate pair would leave an unencodable character. */
function codePoints(text: string): string[] {
  return Array.from(clean(text));
}

/**
 * Rough advance of one code point in em: SVG text does not wrap by itself, so the badge lays out its lines from
 * this estimate. Generous for wide letters (a name of 200 "W"s must still fit); East Asian wide characters and emoji
 * take a full em; combining marks, joiners and variation selectors none.
 */
function advance(cp: number): number {
  if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 1;
  }
  const ch = String.fromCodePoint(cp);
  if (cp === 0x20) return 0.3;
  if ("iljtfI.,:;'!|".includes(ch)) return 0.34;
  if (ch === "r") return 0.42;
  if (ch === "m" || ch === "w") return 0.85;
  if (ch === "M" || ch === "W") return 1;
  if (cp >= 0x41 && cp <= 0x5a) return 0.75;
  if (cp >= 0x61 && cp <= 0x7a) return 0.56;
  if (cp >= 0x30 && cp <= 0x39) return 0.6;
  return 0.7;
}

function widthOf(chars: string[]): number {
  let width = 0;
  for (const ch of chars) width += advance(ch.codePointAt(0) ?? 0);
  return width;
}

/** The longest prefix of `chars` that fits in `width`, never ending on a joiner that would dangle without its partner. */
function fitPrefix(chars: string[], width: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const ch of chars) {
    const w = advance(ch.codePointAt(0) ?? 0);
    if (used + w > width) break;
    out.push(ch);
    used += w;
  }
  while (out.length > 0 && out[out.length - 1] === "\u200D") out.pop();
  return out;
}

/**
 * Greedy word wrap into at most `maxLines` lines of `width` em; a word longer than a line is split by code point,
 * and what does not fit ends the last line with an ellipsis.
 */
function wrapLines(text: string, width: number, maxLines: number): string[] {
  const words = clean(text).split(/\s+/).filter(Boolean).map(codePoints);
  const lines: string[][] = [];
  let line: string[] = [];
  let overflow = false;
  const push = () => {
    if (lines.length === maxLines) overflow = true;
    else lines.push(line);
    line = [];
  };
  for (let word of words) {
    if (overflow) break;
    const gap = line.length > 0 ? 1 : 0;
    if (widthOf(line) + gap * advance(0x20) + widthOf(word) <= width) {
      if (gap) line.push(" ");
      line.push(...word);
      continue;
    }
    if (line.length > 0) push();
    while (!overflow && widthOf(word) > width) {
      const head = fitPrefix(word, width);
      if (head.length === 0) break;
      line = head;
      word = word.slice(head.length);
      push();
    }
    line = word;
  }
  if (line.length > 0) push();
  if (overflow) {
    const last = lines[lines.length - 1] ?? [];
    const cut = fitPrefix(last, width - 1.1);
    while (cut.length > 0 && cut[cut.length - 1] === " ") cut.pop();
    lines[lines.length - 1] = [...cut, "…"];
  }
  return lines.map((chars) => chars.join(""));
}

/** Shorter than `max` code points, with an ellipsis when cut: for the <title>, where nothing wraps. */
function truncate(text: string, max: number): string {
  const chars = codePoints(text);
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
}

/** Links only to web addresses: the URLs come from configuration, and a `javascript:` one must not become a link. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * The QR code of `text` as inline SVG, one path of horizontal runs (a few kB, not one rect per module). Level M
 * keeps a ~90-character address at version 5–6 (37–41 modules), large enough to scan from paper at 30 mm, and
 * boostEcc raises the level for free when the version has room. The 4-module quiet zone is what scanners expect.
 */
function qrSvg(text: string): string {
  const { data, size } = encode(text, { ecc: "M", boostEcc: true, border: 0 });
  const quiet = 4;
  const full = size + 2 * quiet;
  let d = "";
  data.forEach((row, y) => {
    let x = 0;
    while (x < size) {
      if (!row[x]) {
        x++;
        continue;
      }
      let end = x;
      while (end < size && row[end]) end++;
      d += `M${x + quiet},${y + quiet}h${end - x}v1h-${end - x}z`;
      x = end;
    }
  });
  return (
    `<svg class="qr" viewBox="0 0 ${full} ${full}" role="img" aria-label="QR code of the verification address" ` +
    `shape-rendering="crispEdges"><rect width="${full}" height="${full}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`
  );
}

/** A size class for a name by its length: long names get a smaller type so they stay within their lines. */
function lengthClass(text: string, long: number, longer: number): string {
  const n = codePoints(text).length;
  return n > longer ? " longer" : n > long ? " long" : "";
}

/** Points of a star with `spikes` spikes around (cx, cy), for the gold seal. */
function starPoints(cx: number, cy: number, spikes: number, outer: number, inner: number): string {
  const points: string[] = [];
  for (let i = 0; i < spikes * 2; i++) {
    const r = i % 2 === 0 ? outer : inner;
    const a = (Math.PI * i) / spikes - Math.PI / 2;
    points.push(`${(cx + r * Math.cos(a)).toFixed(2)},${(cy + r * Math.sin(a)).toFixed(2)}`);
  }
  return points.join(" ");
}

function seal(): string {
  return (
    `<svg class="seal" viewBox="0 0 120 120" aria-hidden="true">` +
    `<polygon points="${starPoints(60, 60, 30, 58, 50)}" fill="#b8913a"/>` +
    `<circle cx="60" cy="60" r="46" fill="#d4b463"/><circle cx="60" cy="60" r="41" fill="none" stroke="#8a6a22" stroke-width="1.2"/>` +
    `<circle cx="60" cy="60" r="37" fill="none" stroke="#8a6a22" stroke-width="0.6" stroke-dasharray="1.5 2"/>` +
    `<polygon points="${starPoints(60, 60, 5, 20, 8.5)}" fill="#8a6a22"/>` +
    `</svg>`
  );
}

const SERIF = `"Iowan Old Style","Palatino Linotype",Palatino,"Book Antiqua","URW Palladio L",P052,Georgia,Cambria,"Times New Roman","Liberation Serif","DejaVu Serif",serif`;
const SANS = `system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans","DejaVu Sans",sans-serif`;

// The print layout is sized for the smaller of A4 and US Letter in each dimension (210 mm wide, 279.4 mm tall),
// less the 12 mm margins: a fixed-height sheet that clips rather than flows, with long text clamped to a number of
// lines, so that no input can push anything onto a second page. On screen the sheet grows and shows every word.
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;padding:clamp(0px,3vw,40px);background:#e7e3da;color:#1c2541;font-family:${SANS};line-height:1.45}
.sheet{position:relative;max-width:210mm;margin:0 auto;background:#fffdf7;padding:clamp(8px,2.6vw,11mm);box-shadow:0 2px 18px rgba(28,37,65,.18)}
.frame{position:relative;border:5px double #a8842f;padding:clamp(18px,5vw,11mm) clamp(14px,5vw,12mm) clamp(14px,4vw,8mm);overflow:hidden}
.frame::before{content:"";position:absolute;inset:6px;border:1px solid #d9c28a;pointer-events:none}
.body{position:relative;text-align:center}
bdi,.wrap{overflow-wrap:anywhere}
.eyebrow{margin:0;font-size:.78rem;letter-spacing:.22em;text-transform:uppercase;color:#6b5a2e;font-weight:600}
h1{margin:.35em 0 0;font-family:${SERIF};font-weight:400;font-size:clamp(1.9rem,6.4vw,2.9rem);line-height:1.1;letter-spacing:.02em;color:#1c2541}
h1 small{display:block;margin-top:.3em;font-size:.42em;letter-spacing:.32em;text-transform:uppercase;color:#8a6a22}
.rule{width:38%;height:1px;margin:1.1rem auto;background:linear-gradient(90deg,transparent,#a8842f,transparent)}
.lead{margin:.7rem 0 .25rem;font-family:${SERIF};font-style:italic;font-size:1.05rem;color:#4a5168}
.recipient{margin:.1rem 0;font-family:${SERIF};font-size:clamp(1.6rem,5.6vw,2.4rem);line-height:1.2;color:#1c2541}
.recipient.unknown{font-size:clamp(1.2rem,4.4vw,1.6rem);font-style:italic;color:#39405a}
.recipient.long{font-size:clamp(1.25rem,4.4vw,1.7rem)}
.recipient.longer{font-size:clamp(1rem,3.6vw,1.25rem)}
.course{margin:.15rem 0;font-family:${SERIF};font-weight:600;font-size:clamp(1.25rem,4.4vw,1.65rem);line-height:1.25}
.course.long{font-size:clamp(1.05rem,3.8vw,1.3rem)}
.course.longer{font-size:clamp(.95rem,3.4vw,1.05rem)}
.achievement{margin:.15rem 0;font-family:${SERIF};font-size:clamp(1.05rem,3.8vw,1.3rem);font-style:italic;line-height:1.3;color:#1c2541}
.achievement.long,.achievement.longer{font-size:clamp(.95rem,3.4vw,1.05rem)}
.details{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.8rem 2rem;margin:1.4rem 0 0;text-align:left}
.details h2{margin:0 0 .25rem;font-size:.72rem;letter-spacing:.18em;text-transform:uppercase;color:#6b5a2e}
.details p{margin:0;font-size:.88rem;line-height:1.45;white-space:pre-line;overflow-wrap:anywhere;color:#2d3550}
.foot{display:grid;grid-template-columns:1fr auto 1fr;align-items:end;gap:1rem;margin-top:1.6rem}
.attest{text-align:left}
.attest dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;font-size:.86rem}
.attest dt{color:#6b5a2e;font-size:.72rem;letter-spacing:.14em;text-transform:uppercase;padding-top:.15em}
.attest dd{margin:0;overflow-wrap:anywhere}
.signature{margin:0;padding-bottom:.2rem;border-bottom:1px solid #1c2541;font-family:${SERIF};font-size:1.15rem;font-style:italic;overflow-wrap:anywhere}
.caption{margin:.15rem 0 .6rem;font-size:.68rem;letter-spacing:.14em;text-transform:uppercase;color:#6b5a2e}
.status{font-weight:700}
.valid .status{color:#1d6b3a}
.revoked .status{color:#b3261e}
.seal{display:block;width:27mm;height:27mm;margin:0 auto}
.verify{text-align:right}
.qr{display:inline-block;width:30mm;height:30mm;vertical-align:top}
.url{margin:.2rem 0 0;font-family:ui-monospace,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.7rem;line-height:1.3;overflow-wrap:anywhere}
.url a{color:inherit}
.how{margin:1.2rem 0 0;padding-top:.6rem;border-top:1px solid #e5d9b8;font-size:.72rem;line-height:1.4;color:#5b6275;text-align:left;overflow-wrap:anywhere}
.how code{font-family:ui-monospace,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.95em}
.links{margin:1rem auto 0;max-width:210mm;text-align:center;font-size:.85rem}
.links a{color:#1c2541}
.banner{margin:0 0 clamp(8px,2vw,5mm);padding:.8rem 1rem;background:#b3261e;color:#fff;text-align:center;font-size:1rem;line-height:1.35}
.banner strong{display:block;font-size:1.5rem;letter-spacing:.3em}
.revoked .frame{border-color:#9a9a9a}
.revoked .frame::before{border-color:#cfcfcf}
.revoked .body{color:#6e6e6e}
.revoked .eyebrow,.revoked .details h2,.revoked .attest dt,.revoked h1 small,.revoked .caption{color:#808080}
.revoked .signature{border-color:#9a9a9a}
.revoked h1,.revoked .recipient,.revoked .course,.revoked .achievement{color:#6e6e6e}
.revoked .body .status{color:#b3261e}
.revoked .details p,.revoked .attest dd,.revoked .lead{color:#6e6e6e}
.stamp{display:flex;align-items:center;justify-content:center;width:30mm;height:22mm;margin:0 auto;border:3px solid #b3261e;border-radius:6px;color:#b3261e;font-weight:800;letter-spacing:.18em;font-size:1rem;transform:rotate(-12deg)}
.watermark{position:absolute;top:50%;left:50%;transform:translate(-50%,-50%) rotate(-32deg);font-family:${SANS};font-weight:800;font-size:clamp(3.5rem,16vw,7.5rem);letter-spacing:.12em;color:rgba(179,38,30,.16);white-space:nowrap;pointer-events:none;z-index:1}
@media (max-width:560px){
  .foot{grid-template-columns:1fr;justify-items:center;gap:1.2rem}
  .attest{justify-self:stretch}
  .verify{text-align:center}
  .seal{width:22mm;height:22mm}
}
@page{margin:12mm}
@media print{
  html,body{background:#fff;padding:0;margin:0}
  body{font-size:10pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .links{display:none}
  .sheet{box-shadow:none;max-width:none;padding:0;height:252mm;overflow:hidden;display:flex;flex-direction:column;break-inside:avoid;page-break-inside:avoid}
  .banner{flex:none;margin-bottom:4mm;padding:2.5mm 4mm;font-size:10pt}
  .banner strong{font-size:16pt}
  .frame{flex:1 1 auto;min-height:0;display:flex;flex-direction:column;padding:11mm 12mm 6mm}
  .body{flex:1 1 auto;min-height:0;display:flex;flex-direction:column}
  .body>*{flex:none}
  .eyebrow{font-size:8pt}
  h1{font-size:32pt}
  .rule{margin:4mm auto}
  .lead{font-size:11pt;margin:3mm 0 1mm}
  .recipient{font-size:27pt}
  .recipient.unknown{font-size:16pt}
  .recipient.long{font-size:16pt}
  .recipient.longer{font-size:12pt}
  .course{font-size:18pt}
  .course.long{font-size:13pt}
  .course.longer{font-size:11pt}
  .achievement{font-size:13pt}
  .achievement.long,.achievement.longer{font-size:11pt}
  .body>.grow{flex:1 1 0;min-height:0}
  .body>.grow2{flex:2 1 0;min-height:0}
  .clamp{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden}
  .c2{-webkit-line-clamp:2;line-clamp:2}
  .c3{-webkit-line-clamp:3;line-clamp:3}
  .body>.details{flex:0 1 auto;min-height:0;overflow:hidden;grid-template-columns:1fr 1fr;align-content:start;gap:0 8mm;margin-top:6mm}
  .details p{font-size:8.5pt;line-height:1.4;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:var(--lines);line-clamp:var(--lines);overflow:hidden}
  .details .note{grid-column:1/-1;margin-top:1.5mm;font-size:7.5pt;font-style:italic;color:#5b6275}
  .foot{flex:none;grid-template-columns:1fr 30mm 1fr;margin-top:4mm}
  .attest dl{font-size:9pt}
  .signature{font-size:12pt}
  .signature.clamp{-webkit-line-clamp:2;line-clamp:2}
  .seal{width:26mm;height:26mm}
  .url{font-size:7pt}
  .url a{text-decoration:none}
  .how{flex:none;margin-top:4mm;padding-top:2mm;font-size:7pt}
  .watermark{font-size:96pt}
}
@media print and (min-height:290mm){.sheet{height:268mm}}
`;

/** A complete printable HTML document (one A4 or US Letter page when printed). */
export function certificatePage(view: CertificateView): string {
  const revoked = view.status === "revoked";
  const issued = humanDate(view.issued_at);
  const revokedOn = view.revoked_at ? humanDate(view.revoked_at) : null;
  const statusText = revoked ? (revokedOn ? `Revoked on ${revokedOn}` : "Revoked") : "Valid";
  const recipient = view.recipient_name?.trim() ? view.recipient_name : null;
  const url = esc(view.verification_url);
  const link = (href: string, text: string) => (isWebUrl(href) ? `<a href="${esc(href)}">${text}</a>` : text);
  const sameName = clean(view.achievement_name).trim() === clean(view.course_name).trim();

  // Long names take lines from the description and criteria, so that the printed page's total stays within one sheet.
  const nameLines =
    (lengthClass(view.course_name, 60, 120) ? 1 : 0) + (recipient && lengthClass(recipient, 40, 90) ? 1 : 0) + (sameName ? 0 : 1);
  const detailLines = 16 - 2 * nameLines - (revoked ? 5 : 0);
  const description = view.description.trim();
  const criteria = view.criteria.trim();
  const clipped = codePoints(description).length > detailLines * 45 || codePoints(criteria).length > detailLines * 45;

  const title = `${revoked ? "Revoked certificate" : "Certificate"}: ${truncate(view.achievement_name, 80)}${
    recipient ? ` — ${truncate(recipient, 60)}` : ""
  }`;

  const recipientBlock = recipient
    ? `<p class="lead">This certifies that</p>
<p class="recipient clamp c3${lengthClass(recipient, 40, 90)}"><bdi>${esc(recipient)}</bdi></p>
<p class="lead">has successfully completed the course</p>`
    : `<p class="recipient unknown">Awarded to the holder of this credential</p>
<p class="lead">for successfully completing the course</p>`;

  const details = [
    description ? `<div><h2>About this achievement</h2><p style="--lines:${detailLines}"><bdi>${esc(description)}</bdi></p></div>` : "",
    criteria ? `<div><h2>Criteria</h2><p style="--lines:${detailLines}"><bdi>${esc(criteria)}</bdi></p></div>` : "",
    clipped ? `<p class="note">The full text is part of the credential at the address below.</p>` : "",
  ].join("");

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="color-scheme" content="light">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body class="${revoked ? "revoked" : "valid"}">
<main class="sheet">
${
  revoked
    ? `<div class="banner" role="alert"><strong>REVOKED</strong>This certificate was revoked${revokedOn ? ` on ${esc(revokedOn)}` : ""} by its issuer and is no longer valid.</div>\n`
    : ""
}<article class="frame">
${revoked ? `<div class="watermark" aria-hidden="true">REVOKED</div>\n` : ""}<div class="body">
<header>
<p class="eyebrow wrap clamp c2"><bdi>${esc(view.issuer_name)}</bdi></p>
<h1>Certificate<small>of Completion</small></h1>
</header>
<div class="rule"></div>
<div class="grow"></div>
${recipientBlock}
<p class="course clamp c3${lengthClass(view.course_name, 60, 120)}"><bdi>${esc(view.course_name)}</bdi></p>
${
  sameName
    ? ""
    : `<p class="lead">and has earned the achievement</p>
<p class="achievement clamp c2${lengthClass(view.achievement_name, 60, 120)}"><bdi>${esc(view.achievement_name)}</bdi></p>`
}
<div class="grow"></div>
${details ? `<section class="details">${details}</section>` : ""}
<div class="grow2"></div>
<footer class="foot">
<div class="attest">
<p class="signature clamp"><bdi>${esc(view.issuer_name)}</bdi></p>
<p class="caption">Issuer</p>
<dl>
<dt>Issued</dt><dd><time datetime="${esc(view.issued_at)}">${esc(issued)}</time></dd>
<dt>Status</dt><dd class="status">${revoked ? "✗" : "✓"} ${esc(statusText)}</dd>
<dt>ID</dt><dd class="wrap">${esc(view.id)}</dd>
</dl>
</div>
${revoked ? `<div class="stamp" aria-hidden="true">REVOKED</div>` : seal()}
<div class="verify">
${qrSvg(view.verification_url)}
<p class="url">${link(view.verification_url, url)}</p>
</div>
</footer>
<p class="how"><strong>How to verify:</strong> this certificate is an Open Badges 3.0 verifiable credential (VC-JWT) signed by
<code class="wrap">${esc(view.issuer_id)}</code>. Scan the code or open the address above to see its current status; request the
same address with <code>Accept: application/json</code> for the signed credential, and check its signature against the issuer's DID
document.</p>
</div>
</article>
</main>
<p class="links">${link(view.badge_url, "Download the badge (SVG with the credential baked in)")}</p>
</body>
</html>
`;
}

/** Badge palette: gold and navy while valid; greys once revoked, so that only the red band has colour. */
const BADGE_COLOURS = {
  valid: { ring: "#b8913a", ringText: "#3b2c0a", field: "#1c2541", line: "#d4b463", text: "#ffffff", soft: "#d9c28a" },
  revoked: { ring: "#9b9b9b", ringText: "#3a3a3a", field: "#5e5e5e", line: "#c4c4c4", text: "#f2f2f2", soft: "#d0d0d0" },
};

/** `<text>` with one centered <tspan> per line, the block's middle at `centerY`. */
function textBlock(lines: string[], centerY: number, lineHeight: number, attrs: string): string {
  const top = centerY - ((lines.length - 1) * lineHeight) / 2;
  const spans = lines.map((line, i) => `<tspan x="250" y="${(top + i * lineHeight).toFixed(1)}">${esc(line)}</tspan>`).join("");
  return `<text ${attrs}>${spans}</text>`;
}

/** The badge image, with the VC-JWT baked in per Open Badges 3.0 §5.3.2 (SVG baking). */
export function badgeSvg(view: CertificateView, jwt: string): string {
  const revoked = view.status === "revoked";
  const c = revoked ? BADGE_COLOURS.revoked : BADGE_COLOURS.valid;
  const recipient = view.recipient_name?.trim() ? view.recipient_name : null;
  const serif = "Georgia,'Times New Roman','Liberation Serif','DejaVu Serif',serif";
  const sans = "'Helvetica Neue',Arial,'Liberation Sans','DejaVu Sans',sans-serif";

  // Line widths in em: the chord of the 192-unit circle at each block's height, over the font size there.
  const achievement = wrapLines(view.achievement_name, 9.6, 3);
  const recipientLines = recipient ? wrapLines(recipient, 15, 2) : [];
  const issuer = wrapLines(view.issuer_name, 18.5, 1);
  const date = humanDate(view.issued_at).toUpperCase();
  const label = `${view.achievement_name}${recipient ? `, awarded to ${recipient}` : ""}, issued by ${view.issuer_name} on ${humanDate(
    view.issued_at,
  )}${revoked ? " (revoked)" : ""}`;

  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>\n`,
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 500 500" width="500" height="500" role="img" aria-label="${esc(label)}">`,
    // OB 3.0 §5.3.2: the credential element comes first inside <svg>, the compact JWS in `verify`.
    `<openbadges:credential verify="${esc(jwt)}"></openbadges:credential>`,
    `<title>${esc(truncate(label, 300))}</title>`,
    `<defs><path id="top-arc" d="M 31,250 A 219,219 0 0 1 469,250"/><path id="bottom-arc" d="M 16,250 A 234,234 0 0 0 484,250"/></defs>`,
    `<circle cx="250" cy="250" r="246" fill="${c.ring}"/>`,
    `<circle cx="250" cy="250" r="240" fill="none" stroke="${c.ringText}" stroke-width="1.5" stroke-opacity=".55"/>`,
    `<circle cx="250" cy="250" r="208" fill="${c.field}"/>`,
    `<circle cx="250" cy="250" r="198" fill="none" stroke="${c.line}" stroke-width="1.5"/>`,
    `<g font-family="${sans}" font-size="15" font-weight="700" letter-spacing="4" fill="${c.ringText}" text-anchor="middle">`,
    `<text><textPath href="#top-arc" startOffset="50%">CERTIFICATE OF COMPLETION</textPath></text>`,
    `<text><textPath href="#bottom-arc" startOffset="50%">${esc(date)}</textPath></text>`,
    `</g>`,
    `<polygon points="${starPoints(250, 80, 5, 14, 6)}" fill="${c.line}"/>`,
    textBlock(achievement, 166, 31, `font-family="${serif}" font-size="27" font-weight="700" fill="${c.text}" text-anchor="middle"`),
    `<line x1="175" y1="222" x2="325" y2="222" stroke="${c.line}" stroke-width="1.5"/>`,
    recipient
      ? `<text x="250" y="250" font-family="${sans}" font-size="12" letter-spacing="3" fill="${c.soft}" text-anchor="middle">AWARDED TO</text>` +
        textBlock(
          recipientLines,
          recipientLines.length > 1 ? 293 : 284,
          26,
          `font-family="${serif}" font-size="23" font-style="italic" fill="${c.text}" text-anchor="middle"`,
        )
      : `<text x="250" y="276" font-family="${serif}" font-size="17" font-style="italic" fill="${c.soft}" text-anchor="middle">Awarded to the holder of this credential</text>`,
    `<text x="250" y="345" font-family="${sans}" font-size="11" letter-spacing="3" fill="${c.soft}" text-anchor="middle">ISSUED BY</text>`,
    textBlock(issuer, 367, 18, `font-family="${sans}" font-size="15" fill="${c.text}" text-anchor="middle"`),
  ];
  if (revoked) {
    parts.push(
      `<g transform="rotate(-24 250 250)">`,
      `<rect x="-10" y="212" width="520" height="76" fill="#b3261e"/>`,
      `<rect x="-10" y="218" width="520" height="64" fill="none" stroke="#ffffff" stroke-width="1.5" stroke-opacity=".7"/>`,
      `<text x="250" y="268" font-family="${sans}" font-size="50" font-weight="800" letter-spacing="10" fill="#ffffff" text-anchor="middle">REVOKED</text>`,
      `</g>`,
    );
  }
  parts.push(`</svg>\n`);
  return parts.join("");
}
