import type { D1Migration } from "@cloudflare/vitest-plugin";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
    interface Env {
      DB: D1Database;
      FILES: R2Bucket;
      JWT_SECRET: string;
      JWT_ISSUER: string;
      JWT_AUDIENCE: string;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
