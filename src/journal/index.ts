/**
 * The journal a change writes with itself: audit events (`audit`) and webhook events (`emit`), each a statement of
 * the change's own batch that lands only if the change did; `publishEvents` sends a request's events after it has
 * answered.
 */
export { audit, auditInsert, LAST_WRITE_LANDED, type AuditRecord, type Changes } from "./record";
export { emit, emitter, eventInsert, outboxWriter, type EventRecord, type EventWriter } from "./outbox";
export { enqueue, publish, publishEvents } from "./publish";
