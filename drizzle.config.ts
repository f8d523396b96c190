import { defineConfig } from "drizzle-kit";

// Generates flat migrations/NNNN_name.sql files that `wrangler d1 migrations apply` and the
// test setup (readD1Migrations) both read. Review every generated file before committing it:
// a table-recreating migration on D1 can cascade-delete user data.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
