// Prints a dev token signed with the local secret:
//   npm run token -- --sub alice --role manager|participant|staff [--ttl 86400] [--name "Alice Liddell"] [--email alice@example.org]
// (name and email are the claims a course certificate names its recipient by)
import { parseArgs } from "node:util";
import { devToken } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    sub: { type: "string", default: "alice" },
    role: { type: "string", default: "participant" },
    ttl: { type: "string", default: "86400" },
    name: { type: "string" },
    email: { type: "string" },
  },
});
if (!["manager", "participant", "staff"].includes(values.role)) {
  console.error("--role must be manager, participant or staff");
  process.exit(2);
}
const claims = Object.fromEntries(Object.entries({ name: values.name, email: values.email }).filter(([, v]) => v !== undefined));
console.log(devToken(values.sub, values.role, Number(values.ttl), claims));
