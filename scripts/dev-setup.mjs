// Runs before `npm run dev`: a local secret, the local D1 migrated, and demo content when it is empty.
import { copyDocsAssets } from "./copy-docs-assets.mjs";
import { localSecret, wrangler } from "./lib.mjs";

localSecret();
copyDocsAssets();
wrangler(["d1", "migrations", "apply", "DB", "--local"], { capture: true });
console.log("local D1 migrations applied");
const out = wrangler(["d1", "execute", "DB", "--local", "--json", "--command", "SELECT COUNT(*) AS n FROM courses"], { capture: true });
const count = JSON.parse(out)[0]?.results?.[0]?.n ?? 0;
if (count === 0) await import("./seed.mjs");
console.log("tokens: npm run token -- --sub alice --role manager   |   npm run token -- --sub bob --role participant");
