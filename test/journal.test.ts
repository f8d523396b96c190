import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { auditInsert, type AuditRecord } from "../src/db/journal";
import * as schema from "../src/db/schema";
import { newId } from "../src/lib/ids";

const db = drizzle(env.DB, { schema });
const record = (entity_id: string): AuditRecord => ({
  id: newId(),
  at: new Date().toISOString(),
  actor_id: "journal-test",
  actor_role: "manager",
  action: "course.updated",
  entity_type: "course",
  entity_id,
  request_id: "req-journal-test",
  changes: { name: ["a", "b"] },
});
const eventsFor = (entityId: string) => db.select().from(schema.auditEvents).where(eq(schema.auditEvents.entity_id, entityId));

describe("audit journal in the database", () => {
  it("records a change only when the write before it in the batch landed", async () => {
    const id = newId();
    const stamp = new Date().toISOString();
    await db.insert(schema.courses).values({ id, name: "a", created_at: stamp, updated_at: stamp, created_by: "journal-test" });
    const rename = (from: string) =>
      db.update(schema.courses).set({ name: "b" }).where(sql`${schema.courses.id} = ${id} AND ${schema.courses.name} = ${from}`);
    await db.batch([rename("a"), auditInsert(db, record(id))]);
    expect(await eventsFor(id)).toHaveLength(1);
    // The same conditional write again matches nothing (the name is "b" now): no second event.
    await db.batch([rename("a"), auditInsert(db, record(id))]);
    expect(await eventsFor(id)).toHaveLength(1);
  });

  it("refuses UPDATE and DELETE of audit events (append-only triggers)", async () => {
    const id = newId();
    await db.batch([db.select().from(schema.auditEvents).limit(1), auditInsert(db, record(id), sql`1`)]);
    // Drizzle wraps the database's error: the trigger's message is its cause.
    const refusal = (write: Promise<unknown>) =>
      write.then(
        () => "written",
        (error: Error) => String(error.cause),
      );
    expect(
      await refusal(db.update(schema.auditEvents).set({ action: "course.deleted" }).where(eq(schema.auditEvents.entity_id, id))),
    ).toMatch(/append-only/);
    expect(await refusal(db.delete(schema.auditEvents).where(eq(schema.auditEvents.entity_id, id)))).toMatch(/append-only/);
    const [kept] = await eventsFor(id);
    expect(kept).toMatchObject({ action: "course.updated", changes: { name: ["a", "b"] } });
  });
});
