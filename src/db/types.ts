import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "./schema";

/** The database handle every query takes. */
export type Db = DrizzleD1Database<typeof schema>;

/** A keyset position: the sort key of the last row of a page (see lib/pagination). */
export type CursorValues = (string | number | null)[];
