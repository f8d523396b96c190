/**
 * The journal a change writes with itself: audit events (`audit`) and webhook events (`emit`), each a statement of
 * the change's own batch that lands only if the change did; `publishEvents` sends a request's events after it has
 * answered.
 */

export { type EventRecord, type EventWriter, emit, emitter, eventInsert, outboxWriter } from "./outbox";
export { enqueue, publish, publishEvents } from "./publish";
export { type AuditRecord, audit, auditInsert, type Changes, LAST_WRITE_LANDED } from "./record";
