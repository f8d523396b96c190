// npm run bench:certificates -- [--n 500] — what certificates cost, on the built Worker in workerd (as `npm run bench`):
// - completing a course with certificates on vs off (the completing request's latency: issuance adds one statement);
// - signing: the first read of each certificate (RS256, 2048-bit) against a later read, in wall time and workerd CPU;
// - the status list: its size as served, empty and with 1% and 10% of its certificates revoked, and its serving time.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cleanUpOnExit, devTokenWith, startBuiltWorker } from "./lib.mjs";

const { values: args } = parseArgs({ options: { n: { type: "string", default: "500" } } });
const N = Math.max(10, Number(args.n));
const SECRET = "certificates-secret";
const cleanUps = [];
cleanUpOnExit(() => {
  for (const fn of cleanUps.splice(0)) fn();
});

const key = JSON.stringify({ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "bench" });
const { base, workerdPid } = await startBuiltWorker({
  name: "certificates",
  bindings: { JWT_SECRET: SECRET, CERT_SIGNING_KEY: key },
  cleanUps,
  namespaceBase: 9300,
});
const cpu = () => {
  const fields = readFileSync(`/proc/${workerdPid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const manager = devTokenWith(SECRET, "bench-manager", "manager");

async function call(method, path, token, body, accept) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
      ...(accept ? { accept } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text;
}
const json = async (...a) => JSON.parse(await call(...a));

/** Runs `fn` over items, `width` at a time; answers each call's wall milliseconds. */
async function timed(items, fn, width = 4) {
  const times = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++];
        const t = performance.now();
        await fn(item);
        times.push(performance.now() - t);
      }
    }),
  );
  return times;
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x) => `${x.toFixed(1)} ms`;

async function courseWith(certificate) {
  const course = await json("POST", "/courses", manager, {
    name: `bench ${certificate ? "on" : "off"}`,
    ...(certificate ? { certificate: { enabled: true } } : {}),
  });
  const step = await json("POST", "/steps", manager, { course_id: course.id, name: "only" });
  const video = await json("POST", `/steps/${step.id}/materials`, manager, {
    material_type: "Video",
    title: "v",
    content: { url: "https://example.com/v.mp4" },
  });
  return { course, video };
}

const rows = [];
const people = Array.from({ length: N }, (_, i) => ({
  sub: `bench-p${i}`,
  token: devTokenWith(SECRET, `bench-p${i}`, "participant", { name: `Participant ${i}`, email: `p${i}@example.org` }),
}));
const completions = {};
for (const on of [false, true]) {
  const { course, video } = await courseWith(on);
  await timed(people, (p) => call("POST", `/courses/${course.id}/enroll?participant_id=${p.sub}`, manager));
  completions[on] = await timed(people, (p) => call("POST", `/materials/${video.id}/complete`, p.token));
}
rows.push(["completing request, certificates off", ms(mean(completions.false)), ms(p95(completions.false))]);
rows.push(["completing request, certificates on (issues one)", ms(mean(completions.true)), ms(p95(completions.true))]);

const ids = await Promise.all(people.map(async (p) => (await json("GET", "/participants/me/certificates", p.token))[0].id));
let before = cpu();
const first = await timed(ids, (id) => call("GET", `/certificates/${id}`));
const signCpu = ((cpu() - before) / N) * 1000;
before = cpu();
const later = await timed(ids, (id) => call("GET", `/certificates/${id}`));
const readCpu = ((cpu() - before) / N) * 1000;
rows.push(["first read of a certificate (signs it)", ms(mean(first)), ms(p95(first)), `${signCpu.toFixed(1)} ms CPU`]);
rows.push(["a later read (stored)", ms(mean(later)), ms(p95(later)), `${readCpu.toFixed(1)} ms CPU`]);
const jwtBytes = (await call("GET", `/certificates/${ids[0]}`, null, null, "text/plain")).length;

const sample = await json("GET", `/certificates/${ids[0]}`);
const listPath = new URL(sample.credential.payload.credentialStatus.statusListCredential).pathname;
const lists = new Set(
  await Promise.all(
    ids
      .slice(0, 50)
      .map(
        async (id) => new URL((await json("GET", `/certificates/${id}`)).credential.payload.credentialStatus.statusListCredential).pathname,
      ),
  ),
);
async function listSize(label) {
  const times = await timed(
    Array.from({ length: 20 }, (_, i) => i),
    () => call("GET", listPath, null, null, "application/vc+jwt"),
    1,
  );
  const jwt = await call("GET", listPath, null, null, "application/vc+jwt");
  const payload = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url"));
  rows.push([
    `status list, ${label}`,
    ms(mean(times)),
    ms(p95(times)),
    `${jwt.length} B served, encodedList ${payload.credentialSubject.encodedList.length} chars`,
  ]);
}
await listSize("0 revoked");
const revokeShare = async (share, from) => {
  const chosen = ids.slice(from, from + Math.round(N * share));
  await timed(chosen, (id) => call("POST", `/certificates/${id}/revoke`, manager, { reason: "bench" }));
  return from + chosen.length;
};
let at = await revokeShare(0.01, 0);
await listSize(`${at} of ${N} revoked`);
at = await revokeShare(0.09, at);
await listSize(`${at} of ${N} revoked`);

console.log(`\n${N} participants, one RSA-2048 key, lists in use: ${lists.size}; a certificate's VC-JWT is ${jwtBytes} bytes\n`);
console.log("| what | mean | p95 | |\n| --- | ---: | ---: | --- |");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
for (const fn of cleanUps.splice(0)) fn();
process.exit(0);
