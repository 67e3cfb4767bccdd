/**
 * Seed 003's event-to-notification mapping, row by row, through the reference rules in
 * examples/arda: each source event and condition gives its notification type and title, and an
 * event no row maps gives nothing.
 */
import { describe, expect, it } from 'vitest';
import { ardaNotificationRules } from '../../examples/arda/notification-rules.ts';
import type { EventEnvelope } from '../../src/index.ts';
import { matchRule } from '../../src/notify/notification-rules.ts';

function envelope(type: string, payload: Record<string, unknown>): EventEnvelope {
  return {
    id: '0190a000-0000-7000-8000-000000000001',
    type,
    schemaVersion: 1,
    source: 'test',
    tenantId: 'acme',
    sequence: 1,
    correlationId: null,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload,
  } as unknown as EventEnvelope;
}

const po = { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-0042', fromStatus: 'draft' };

const rows: [string, string, Record<string, unknown>, string | null, string | null][] = [
  [
    'card triggered',
    'card.transition',
    { cardId: 'c1', toStage: 'triggered' },
    'card_triggered',
    'Kanban card moved to triggered',
  ],
  [
    'card received',
    'card.transition',
    { cardId: 'c1', toStage: 'received' },
    'card_triggered',
    'Kanban card moved to received',
  ],
  [
    'card restocked',
    'card.transition',
    { cardId: 'c1', toStage: 'restocked' },
    'card_triggered',
    'Kanban card moved to restocked',
  ],
  ['card ordered (not in the list)', 'card.transition', { cardId: 'c1', toStage: 'ordered' }, null, null],
  [
    'order created (PO)',
    'order.created',
    { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-1' },
    'po_created',
    'New purchase order created',
  ],
  [
    'order created (WO, always)',
    'order.created',
    { orderType: 'work_order', orderId: 'o2', orderNumber: 'WO-1' },
    'po_created',
    'New work order created',
  ],
  ['PO sent', 'order.status_changed', { ...po, toStatus: 'sent' }, 'po_sent', 'Purchase order sent'],
  [
    'PO received',
    'order.status_changed',
    { ...po, toStatus: 'received' },
    'po_received',
    'Purchase order received',
  ],
  [
    'PO partially received',
    'order.status_changed',
    { ...po, toStatus: 'partially_received' },
    'po_received',
    'Purchase order partially received',
  ],
  [
    'PO other status',
    'order.status_changed',
    { ...po, toStatus: 'cancelled' },
    'system_alert',
    'Purchase order status updated',
  ],
  [
    'WO any status',
    'order.status_changed',
    { orderType: 'work_order', orderNumber: 'WO-15', toStatus: 'in_progress' },
    'wo_status_change',
    'Work order status updated',
  ],
  [
    'TO any status',
    'order.status_changed',
    { orderType: 'transfer_order', orderNumber: 'TO-3', toStatus: 'sent' },
    'transfer_status_change',
    'Transfer order status updated',
  ],
  [
    'ReLoWiSa recommendation',
    'relowisa.recommendation',
    { loopId: 'L1', recommendationId: 'r1', confidenceScore: 87 },
    'relowisa_recommendation',
    'New ReLoWiSa recommendation',
  ],
  ['unmapped event', 'loop.parameters_changed', { loopId: 'L1' }, null, null],
];

describe("Arda's event-to-notification mapping (seed 003)", () => {
  it.each(rows)('%s', (_name, type, payload, expectedType, expectedTitle) => {
    const matched = matchRule(ardaNotificationRules, envelope(type, payload));
    if (expectedType === null) {
      expect(matched).toBeNull();
      return;
    }
    expect(matched?.content.type).toBe(expectedType);
    expect(matched?.content.title).toBe(expectedTitle);
    expect(matched?.recipients).toBeNull(); // every active user of the tenant
  });

  it('renders bodies and links from the payload', () => {
    const matched = matchRule(
      ardaNotificationRules,
      envelope('order.status_changed', { ...po, toStatus: 'sent' }),
    );
    expect(matched?.content).toMatchObject({ body: 'PO-0042 was sent', link: '/orders/o1' });
  });
});
