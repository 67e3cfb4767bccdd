/**
 * Reads an envelope off the wire (a Redis message, a NOTIFY payload). The channel is shared with
 * whatever else publishes on it, so a message is checked before any listener sees it: the fields a
 * consumer routes and resumes by must be there with their types. Unknown fields are kept (the
 * envelope only ever gains fields).
 */
import type { EventEnvelope } from '../event-envelope.ts';

/** The envelope, or null when the message is not one. Never throws. */
export function parseWireEnvelope(message: string): EventEnvelope | null {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const event = value as Record<string, unknown>;
  const valid =
    typeof event.id === 'string' &&
    typeof event.type === 'string' &&
    event.type.length > 0 &&
    Number.isSafeInteger(event.schemaVersion) &&
    Number.isSafeInteger(event.sequence) &&
    (event.sequence as number) > 0 &&
    (event.tenantId === null || typeof event.tenantId === 'string') &&
    typeof event.occurredAt === 'string' &&
    'payload' in event;
  return valid ? (event as unknown as EventEnvelope) : null;
}
