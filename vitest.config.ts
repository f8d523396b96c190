import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// @ts-expect-error — a plain .mjs script without types
import { copyDocsAssets } from "./scripts/copy-docs-assets.mjs";

export default defineConfig(async () => {
  // /docs serves these as static assets: the Worker's asset directory must hold them before it starts.
  copyDocsAssets();
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: "test-secret-do-not-use-in-production-0123456789",
            // Configured in tests so that iss/aud checking is exercised; tokens from helpers.token() carry both.
            JWT_ISSUER: "https://auth.lms.test",
            JWT_AUDIENCE: "lms-api",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
