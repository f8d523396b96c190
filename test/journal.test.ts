import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import * as schema from "../src/db/schema";
import type { WebhookEventType } from "../src/domain/vocabulary";
import type { Bindings } from "../src/env";
import { type AuditRecord, auditInsert, eventInsert, publish } from "../src/journal";
import { newId } from "../src/lib/ids";

const db = drizzle(env.DB);
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
    // Nor can a REPLACE (whose implicit delete fires no DELETE trigger) or an upsert overwrite one.
    const replace = env.DB.prepare(
      "INSERT OR REPLACE INTO audit_events SELECT id, at, actor_id, actor_role, 'course.deleted', entity_type, entity_id, request_id, '{}' FROM audit_events WHERE entity_id = ?",
    ).bind(id);
    expect(
      await replace.run().then(
        () => "written",
        (error: Error) => error.message,
      ),
    ).toMatch(/append-only/);
    expect(
      await refusal(
        db
          .insert(schema.auditEvents)
          .values({ ...record(id), id: (await eventsFor(id))[0]!.id, action: "course.deleted" })
          .onConflictDoUpdate({ target: schema.auditEvents.id, set: { action: "course.deleted" } }),
      ),
    ).toMatch(/append-only/);
    const [kept] = await eventsFor(id);
    expect(kept).toMatchObject({ action: "course.updated", changes: { name: ["a", "b"] } });
  });

  it("writes an outbox event only while a live webhook subscribes to its type", async () => {
    // A type of this test's own, so no other test's webhook can subscribe to it.
    const type = `test.${newId()}` as WebhookEventType;
    const outboxOf = async () => db.select().from(schema.webhookEvents).where(eq(schema.webhookEvents.type, type));
    const write = () =>
      db.batch([db.select().from(schema.webhooks).limit(1), eventInsert(db, { id: newId(), type, data: {}, created_at: "now" }, sql`1`)]);
    await write();
    expect(await outboxOf()).toHaveLength(0);
    const hook = { id: newId(), url: "https://x.example", events: [type], secret: "whsec_x", created_by: "t", created_at: "now" };
    await db.insert(schema.webhooks).values(hook);
    await write();
    expect(await outboxOf()).toHaveLength(1);
    // A deleted webhook subscribes to nothing.
    await db.update(schema.webhooks).set({ deleted_at: "now" }).where(eq(schema.webhooks.id, hook.id));
    await write();
    expect(await outboxOf()).toHaveLength(1);
  });

  it("publishes only outbox rows that exist and are unsent, in slices a D1 statement and a Queue batch can hold", async () => {
    const real = (env as unknown as Bindings).WEBHOOK_QUEUE!;
    const sent: number[] = [];
    // The real Queue, counted: how many messages each sendBatch carried.
    const counting = {
      ...env,
      WEBHOOK_QUEUE: {
        send: real.send.bind(real),
        sendBatch: (messages: Iterable<MessageSendRequest<{ event_id: string }>>) => {
          const list = [...messages];
          sent.push(list.length);
          return real.sendBatch(list);
        },
      },
    } as unknown as Bindings;
    // Events of a type no webhook subscribes to: the consumer that receives them acks them and calls no one.
    const type = `test.${newId()}` as WebhookEventType;
    const stamp = new Date().toISOString();
    const ids = Array.from({ length: 150 }, () => newId());
    for (let i = 0; i < ids.length; i += 20)
      await db.insert(schema.webhookEvents).values(ids.slice(i, i + 20).map((id) => ({ id, type, data: {}, created_at: stamp })));

    // Ids never written (their change did not land): nothing is sent.
    await publish(counting, db, [newId(), newId()], new Date());
    expect(sent).toEqual([]);

    await publish(counting, db, [...ids, newId()], new Date());
    expect(sent).toEqual([99, 51]);
    const unsent = await db.select().from(schema.webhookEvents).where(sql`${schema.webhookEvents.type} = ${type} AND enqueued_at IS NULL`);
    expect(unsent).toEqual([]);

    // Already sent: not sent again.
    await publish(counting, db, ids, new Date());
    expect(sent).toEqual([99, 51]);
  });
});
