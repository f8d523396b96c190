// npm run deploy -- --env staging|production [wrangler deploy args…]
//   migration guard → docs assets → `wrangler d1 migrations apply DB --remote` → `wrangler deploy`, all for that env.
// npm run deploy -- --env production --dry-run   (npm run deploy:check)
//   migration guard → docs assets → `wrangler deploy --dry-run --outdir dist-<env>`: bundles only, no network,
//   remote D1 untouched.
// Any other argument goes to `wrangler deploy` (e.g. --message "…", --keep-vars).
import { checkMigrations } from "./check-migrations.mjs";
import { copyDocsAssets } from "./copy-docs-assets.mjs";
import { wrangler } from "./lib.mjs";

const PLACEHOLDER_ID = /^0{8}-0{4}-0{4}-0{4}-0{10}\d{2}$/;

function parseArgs(argv) {
  let env;
  let dryRun = false;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = /^(?:--env|-e)=(.*)$/.exec(arg);
    if (inline) env = inline[1];
    else if (arg === "--env" || arg === "-e") {
      env = argv[++i];
      if (env === undefined || env.startsWith("-")) throw new Error(`${arg} needs an environment name (staging, production)`);
    } else if (arg === "--dry-run") dryRun = true;
    else rest.push(arg);
  }
  return { env: env || undefined, dryRun, rest };
}

/** Refuses a real deploy whose D1 database_id is still wrangler.toml's placeholder. */
async function assertRealDatabase(env) {
  let readConfig;
  try {
    ({ unstable_readConfig: readConfig } = await import("wrangler"));
  } catch {}
  if (typeof readConfig !== "function") return; // wrangler's own error will name the database
  const config = readConfig({ config: "wrangler.toml", env });
  for (const db of config.d1_databases ?? [])
    if (PLACEHOLDER_ID.test(db.database_id ?? ""))
      throw new Error(
        `${env ? `env.${env}` : "the top-level config"}: D1 database "${db.database_name}" still has the placeholder ` +
          `database_id ${db.database_id}. Create it (npx wrangler d1 create ${db.database_name}) and paste its id ` +
          "into wrangler.toml.",
      );
}

async function main() {
  const { env, dryRun, rest } = parseArgs(process.argv.slice(2));
  const envArgs = env ? ["--env", env] : [];
  const target = env ?? "top-level (development)";
  if (!dryRun) await assertRealDatabase(env);

  console.log("\n▶ migration guard");
  if (!checkMigrations()) throw new Error("the migration guard refused a migration (see above); nothing was deployed");

  copyDocsAssets();

  if (dryRun) {
    const outdir =
      rest.includes("--outdir") || rest.some((a) => a.startsWith("--outdir=")) ? [] : ["--outdir", env ? `dist-${env}` : "dist"];
    console.log(`\n▶ wrangler deploy --dry-run (${target})`);
    wrangler(["deploy", "--dry-run", ...outdir, ...envArgs, ...rest], { interactive: true });
    console.log(`\n✓ ${target}: migrations pass the guard and the Worker bundles (dry run: nothing applied or deployed)`);
    return;
  }

  console.log(`\n▶ wrangler d1 migrations apply DB --remote (${target})`);
  wrangler(["d1", "migrations", "apply", "DB", "--remote", ...envArgs], { interactive: true });
  console.log(`\n▶ wrangler deploy (${target})`);
  wrangler(["deploy", ...envArgs, ...rest], { interactive: true });
  console.log(`\n✓ ${target}: migrations applied and Worker deployed`);
}

try {
  await main();
} catch (error) {
  console.error(`\ndeploy: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
