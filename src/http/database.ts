/**
 * The request's database and clock. Reads go to the nearest replica and writes to the primary (D1 Sessions API).
 * The bookmark travels in `x-d1-bookmark`: a client that sends back the last one it got always reads its own
 * writes. With `D1_STATS=true` (the benchmarks) responses carry what the request cost in D1, and with `sql` also the
 * statements run.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { now } from "../lib/clock";
import { type D1Stats, openDb } from "../lib/d1";
import { ApiError } from "../lib/errors";
import { base64UrlEncode } from "../lib/jwt";

const BOOKMARK = /^[A-Za-z0-9-]{1,256}$/;

export const database = createMiddleware<AppEnv>(async (c, next) => {
  c.set("now", now());
  const bookmark = c.req.header("x-d1-bookmark");
  // An empty header is "no bookmark yet": a client that sends back the last one it got starts with none.
  if (bookmark !== undefined && bookmark !== "" && !BOOKMARK.test(bookmark))
    throw new ApiError(400, "invalid_bookmark", "x-d1-bookmark must be a bookmark this API returned");
  const session = c.env.DB.withSession(bookmark || "first-unconstrained");
  const stats: D1Stats | null =
    c.env.D1_STATS === "true" || c.env.D1_STATS === "sql"
      ? { calls: 0, rows_read: 0, rows_written: 0, statements: 0, sql_ms: 0, sql: [] }
      : null;
  c.set("db", openDb(session, stats, c.get("d1Trips")));
  c.set("bookmark", () => session.getBookmark());
  await next();
  // A request whose write another request made (a grouped autosave) answers that write's bookmark itself.
  const latest = session.getBookmark();
  if (latest) c.header("x-d1-bookmark", latest);
  if (stats) {
    c.header(
      "x-d1-stats",
      `calls=${stats.calls}; rows_read=${stats.rows_read}; rows_written=${stats.rows_written}; statements=${stats.statements}; sql_ms=${stats.sql_ms.toFixed(3)}`,
    );
    // The statements themselves only when asked (`sql`: the load bench explains their plans); encoding them costs.
    if (c.env.D1_STATS === "sql") c.header("x-d1-sql", base64UrlEncode(JSON.stringify(stats.sql)));
  }
});
