// Prints a dev token signed with the local secret: npm run token -- --sub alice --role manager [--ttl 86400]
import { createHmac } from "node:crypto";
import { parseArgs } from "node:util";
import { localSecret } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    sub: { type: "string", default: "alice" },
    role: { type: "string", default: "participant" },
    ttl: { type: "string", default: "86400" },
  },
});
if (!["manager", "participant"].includes(values.role)) {
  console.error("--role must be manager or participant");
  process.exit(2);
}
const now = Math.floor(Date.now() / 1000);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: values.sub, role: values.role, iat: now, exp: now + Number(values.ttl) })}`;
const signature = createHmac("sha256", localSecret()).update(unsigned).digest("base64url");
console.log(`${unsigned}.${signature}`);
