import type { DrizzleD1Database } from "drizzle-orm/d1";

/**
 * The database handle every query takes: the query builder only. No relational schema is attached — drizzle would
 * rebuild its relational config on every request (11 % of the Worker's CPU on exam day, profiled), and no query uses
 * `db.query`.
 */
export type Db = DrizzleD1Database;

/** A keyset position: the sort key of the last row of a page (see lib/pagination). */
export type CursorValues = (string | number | null)[];
