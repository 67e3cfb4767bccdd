/**
 * Arda's event-to-notification mapping (seed 003, "Event-to-Notification Mapping") as Conveyor
 * notification rules, row by row and in the seed's order — the first matching rule wins, so "PO
 * sent" is tried before "PO (other)". Recipients: every active user of the event's tenant (the
 * seed's distribution). test/notify/arda-mapping.test.ts checks each row.
 *
 * const notifier = await createNotifier({ conveyor, bus, rules: ardaNotificationRules, email: { … } });
 */
import type { NotificationRule } from '../../src/notify/index.ts';

const isPurchaseOrder = (p: Record<string, unknown>) => p.orderType === 'purchase_order';
const orderTypeName = (p: Record<string, unknown>) => String(p.orderType ?? 'order').replace(/_/g, ' ');

export const ardaNotificationRules: NotificationRule[] = [
  {
    event: 'card.transition',
    when: (p) => ['triggered', 'received', 'restocked'].includes(String(p.toStage)),
    type: 'card_triggered',
    title: 'Kanban card moved to {toStage}',
    link: '/kanban/cards/{cardId}',
  },
  {
    event: 'order.created',
    type: 'po_created',
    title: (p) => `New ${orderTypeName(p)} created`,
    body: '{orderNumber}',
    link: '/orders/{orderId}',
  },
  {
    event: 'order.status_changed',
    when: (p) => isPurchaseOrder(p) && p.toStatus === 'sent',
    type: 'po_sent',
    title: 'Purchase order sent',
    body: '{orderNumber} was sent',
    link: '/orders/{orderId}',
  },
  {
    event: 'order.status_changed',
    when: (p) => isPurchaseOrder(p) && p.toStatus === 'received',
    type: 'po_received',
    title: 'Purchase order received',
    body: '{orderNumber} was received',
    link: '/orders/{orderId}',
  },
  {
    event: 'order.status_changed',
    when: (p) => isPurchaseOrder(p) && p.toStatus === 'partially_received',
    type: 'po_received',
    title: 'Purchase order partially received',
    body: '{orderNumber} was partially received',
    link: '/orders/{orderId}',
  },
  {
    event: 'order.status_changed',
    when: (p) => isPurchaseOrder(p),
    type: 'system_alert',
    title: 'Purchase order status updated',
    body: '{orderNumber}: {fromStatus} → {toStatus}',
    link: '/orders/{orderId}',
  },
  {
    event: 'order.status_changed',
    when: (p) => p.orderType === 'work_order',
    type: 'wo_status_change',
    title: 'Work order status updated',
    body: '{orderNumber}: {fromStatus} → {toStatus}',
    link: '/orders/{orderId}',
  },
  {
    event: 'order.status_changed',
    when: (p) => p.orderType === 'transfer_order',
    type: 'transfer_status_change',
    title: 'Transfer order status updated',
    body: '{orderNumber}: {fromStatus} → {toStatus}',
    link: '/orders/{orderId}',
  },
  {
    event: 'relowisa.recommendation',
    type: 'relowisa_recommendation',
    title: 'New ReLoWiSa recommendation',
    body: 'Confidence {confidenceScore}%',
    link: '/loops/{loopId}/recommendations/{recommendationId}',
  },
];

/** The seed's complete list of notification types (some come from Arda's scheduled jobs, not rules). */
export const ardaNotificationTypes = [
  'card_triggered',
  'po_created',
  'po_sent',
  'po_received',
  'stockout_warning',
  'relowisa_recommendation',
  'exception_alert',
  'wo_status_change',
  'transfer_status_change',
  'system_alert',
];

/** Digest summary lines in the seed's words ("3 new purchase orders created"). */
export function ardaTypeLabel(type: string, count: number): string {
  const s = count === 1 ? '' : 's';
  const labels: Record<string, string> = {
    card_triggered: `${count} card${s} triggered`,
    po_created: `${count} new purchase order${s} created`,
    po_sent: `${count} purchase order${s} sent`,
    po_received: `${count} purchase order${s} received`,
    stockout_warning: `${count} stockout warning${s}`,
    relowisa_recommendation: `${count} ReLoWiSa recommendation${s}`,
    exception_alert: `${count} overdue order alert${s}`,
    wo_status_change: `${count} work order update${s}`,
    transfer_status_change: `${count} transfer order update${s}`,
    system_alert: `${count} system alert${s}`,
  };
  return labels[type] ?? `${count} ${type}`;
}
