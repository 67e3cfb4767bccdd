/**
 * The email channel: each email (one notification, or one digest) is a Conveyor job
 * (`<rule set>:email`, e.g. `notifications:email`), retried with backoff and dead-lettered like any job, and sent with nodemailer
 * (an optional peer dependency loaded only here, on first send). The sender address is per tenant
 * (`from` may be a function of the tenant). With `unsubscribe` configured, every email carries
 * RFC 8058 one-click headers: `List-Unsubscribe: <url?token=…>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, the token signed (unsubscribe-token.ts).
 *
 * Invariant: nothing logged here carries an address, a token or the transport's credentials.
 */
import { ConveyorError, ValidationError } from '../../core/errors.ts';
import { type AnyJobDefinition, defineJob } from '../../core/job-definition.ts';
import { signUnsubscribeToken } from '../unsubscribe-token.ts';
import {
  type DigestContent,
  type EmailNotification,
  type EmailTemplate,
  renderDigestEmail,
  renderNotificationEmail,
} from './email-templates.ts';

/** What nodemailer's transporter offers and we use. */
export interface MailTransport {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
  close?(): void;
}

export interface EmailOptions {
  /** nodemailer SMTP transport options (`{ host, port, secure, auth }`), or a transporter of your own. */
  transport: Record<string, unknown> | MailTransport;
  /** The sender, or the sender per tenant. */
  from: string | ((tenantId: string) => string | Promise<string>);
  /** Per notification type: subject, text and html. */
  templates?: Record<string, EmailTemplate>;
  /** One-click unsubscribe: the URL your app serves (POST) and the secret its tokens are signed with. */
  unsubscribe?: { url: string; secret: string };
  /** The product's name in digest subjects (default `Conveyor`). */
  appName?: string;
  /** The inbox link in digests. */
  inboxUrl?: string;
  /** Digest summary lines, e.g. (po_created, 3) → "3 new purchase orders created". */
  typeLabel?: (type: string, count: number) => string;
}

export type EmailJobPayload =
  | { kind: 'notification'; tenantId: string; userId: string; to: string; notification: EmailNotification }
  | { kind: 'digest'; tenantId: string; userId: string; to: string; digest: DigestContent };

/** The email job's name for a rule set (`notifications:email`). */
export const emailJobName = (ruleSet: string): string => `${ruleSet}:email`;

export function assertEmailOptions(options: unknown, field: string): EmailOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (!o.transport || typeof o.transport !== 'object') {
    throw new ValidationError(`${field}.transport`, 'must be SMTP options { host, port } or a transporter');
  }
  if (typeof o.from !== 'string' && typeof o.from !== 'function') {
    throw new ValidationError(
      `${field}.from`,
      'must be an address ("Arda <no-reply@arda.cards>") or (tenantId) => address',
    );
  }
  const unsubscribe = o.unsubscribe as Record<string, unknown> | undefined;
  if (unsubscribe !== undefined) {
    if (typeof unsubscribe.url !== 'string' || !/^https?:\/\//.test(unsubscribe.url)) {
      throw new ValidationError(`${field}.unsubscribe.url`, 'must be an http(s) URL your app serves');
    }
    if (typeof unsubscribe.secret !== 'string' || unsubscribe.secret.length < 16) {
      throw new ValidationError(`${field}.unsubscribe.secret`, 'must be a secret of at least 16 characters');
    }
  }
  return options as EmailOptions;
}

async function createTransport(options: EmailOptions['transport']): Promise<MailTransport> {
  if (typeof (options as MailTransport).sendMail === 'function') return options as MailTransport;
  let nodemailer: { createTransport(options: unknown): MailTransport };
  try {
    const loaded = (await import('nodemailer')) as unknown as {
      default?: typeof nodemailer;
    } & typeof nodemailer;
    nodemailer = loaded.default ?? loaded;
  } catch (error) {
    throw new ConveyorError(
      'MISSING_DEPENDENCY',
      'the email channel needs nodemailer: npm install nodemailer',
      { cause: error },
    );
  }
  return nodemailer.createTransport(options);
}

/** The email job (`<rule set>:email`): renders and sends one email. */
export function emailJob(
  options: EmailOptions,
  queue: string,
  name: string,
): { job: AnyJobDefinition; close(): void } {
  let transport: Promise<MailTransport> | null = null;
  const typeLabel = options.typeLabel ?? ((type: string, count: number) => `${count} × ${type}`);
  const job = defineJob<EmailJobPayload>({
    name,
    queue,
    defaults: { attempts: 5, backoff: { type: 'exponential', delay: '10s' }, timeout: '60s' },
    async handler({ payload }) {
      transport ??= createTransport(options.transport);
      const sender = await transport;
      const rendered =
        payload.kind === 'digest'
          ? renderDigestEmail(payload.digest, {
              appName: options.appName ?? 'Conveyor',
              inboxUrl: options.inboxUrl ?? null,
              typeLabel,
            })
          : renderNotificationEmail(payload.notification, options.templates?.[payload.notification.type]);
      const from = typeof options.from === 'function' ? await options.from(payload.tenantId) : options.from;
      const headers: Record<string, string> = {};
      if (options.unsubscribe) {
        const token = signUnsubscribeToken(options.unsubscribe.secret, {
          tenantId: payload.tenantId,
          userId: payload.userId,
          type: payload.kind === 'digest' ? '*' : payload.notification.type,
        });
        const url = new URL(options.unsubscribe.url);
        url.searchParams.set('token', token);
        headers['List-Unsubscribe'] = `<${url.toString()}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      }
      await sender.sendMail({ from, to: payload.to, ...rendered, headers });
      return { sent: true, kind: payload.kind };
    },
  }) as unknown as AnyJobDefinition;
  return {
    job,
    close() {
      void transport?.then((t) => t.close?.()).catch(() => undefined);
    },
  };
}
