/**
 * `conveyor-jobs/notify`: notifications on the event bus — rules, fan-out, the in-app inbox, email
 * (nodemailer, an optional peer dependency loaded only here) and Standard Webhooks, preferences
 * and time-zone digests (docs/notifications.md).
 */

export type {
  DigestFrequency,
  NotificationChannel,
  NotificationRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from '../store/notification-store.ts';
export type { EmailOptions, MailTransport } from './channels/email-channel.ts';
export type { DigestContent, EmailNotification, EmailTemplate } from './channels/email-templates.ts';
export type { WebhookEndpointsApi } from './channels/webhook-channel.ts';
export type { DigestRunReport } from './digest-runner.ts';
export { type DigestSettings, nextDigestAt } from './digest-schedule.ts';
export { notificationCreated, notificationUnreadChanged } from './notification-events.ts';
export type { FanoutReport } from './notification-fanout.ts';
export type { Inbox, InboxListOptions, InboxPage, InboxScope } from './notification-inbox.ts';
export {
  type ChannelDefaults,
  type EffectivePreference,
  type PreferenceChange,
  SEED_CHANNEL_DEFAULTS,
} from './notification-preferences.ts';
export {
  type NotificationRule,
  type RecipientsOption,
  renderTemplate,
  type TextTemplate,
} from './notification-rules.ts';
export { createNotifier, type Notifier, type NotifierOptions, type NotifyUser } from './notifier.ts';
export type { UnsubscribeScope } from './unsubscribe-token.ts';
export {
  generateWebhookSecret,
  type SignedWebhookHeaders,
  signWebhook,
  verifyStandardWebhook,
} from './webhook-signer.ts';
