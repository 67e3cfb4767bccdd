/**
 * Preferences per user, per notification type, per channel (in_app, email, webhook).
 *
 * Invariant — the effective value of (tenant, user, type, channel), the same here and in
 * notify-fanout-insert.sql: mandatory (a type the code or the tenant's admin marks mandatory)
 * → on; else the user's own row; else the tenant's row (a per-tenant override of the default);
 * else the code's default (the seed's: in-app for all types; email for po_created, po_received,
 * stockout_warning, exception_alert, system_alert; webhook for exception_alert).
 * Webhooks are per tenant, so only tenant rows (and defaults) decide them.
 */
import { ValidationError } from '../core/errors.ts';
import type { NotificationChannel, NotificationStore, PreferenceRow } from '../store/notification-store.ts';

export const CHANNELS: readonly NotificationChannel[] = ['in_app', 'email', 'webhook'];

/** Per channel: the types on by default (`'all'`: every type). */
export type ChannelDefaults = Record<NotificationChannel, 'all' | readonly string[]>;

/** The seed's defaults (Arda, 003 "Notification Channels"). */
export const SEED_CHANNEL_DEFAULTS: ChannelDefaults = {
  in_app: 'all',
  email: ['po_created', 'po_received', 'stockout_warning', 'exception_alert', 'system_alert'],
  webhook: ['exception_alert'],
};

export function defaultsFor(defaults: ChannelDefaults, type: string): Record<NotificationChannel, boolean> {
  const on = (channel: NotificationChannel) => {
    const value = defaults[channel];
    return value === 'all' || value.includes(type);
  };
  return { in_app: on('in_app'), email: on('email'), webhook: on('webhook') };
}

export interface EffectivePreference {
  type: string;
  channel: NotificationChannel;
  enabled: boolean;
  /** What decided it. */
  source: 'mandatory' | 'user' | 'tenant' | 'default';
}

export interface PreferenceChange {
  type: string;
  channel: NotificationChannel;
  enabled: boolean;
}

export class NotificationPreferences {
  readonly #store: () => Promise<NotificationStore>;
  readonly #defaults: ChannelDefaults;
  readonly #mandatory: ReadonlySet<string>;
  readonly #types: readonly string[];
  readonly #now: () => Date;

  constructor(options: {
    store: () => Promise<NotificationStore>;
    defaults: ChannelDefaults;
    mandatory: readonly string[];
    types: readonly string[];
    now: () => Date;
  }) {
    this.#store = options.store;
    this.#defaults = options.defaults;
    this.#mandatory = new Set(options.mandatory);
    this.#types = options.types;
    this.#now = options.now;
  }

  isMandatory(type: string): boolean {
    return this.#mandatory.has(type);
  }

  defaultsFor(type: string): Record<NotificationChannel, boolean> {
    return defaultsFor(this.#defaults, type);
  }

  /** Every known type × channel as it applies to this user now. */
  async effective(tenantId: string, userId: string): Promise<EffectivePreference[]> {
    const rows = await (await this.#store()).notifyPreferenceList({ tenantId, userId });
    const key = (who: string, type: string, channel: string) => `${who}\u0000${type}\u0000${channel}`;
    const byKey = new Map(rows.map((r) => [key(r.userId, r.type, r.channel), r]));
    const out: EffectivePreference[] = [];
    for (const type of this.#types) {
      const defaults = this.defaultsFor(type);
      for (const channel of CHANNELS) {
        const tenant = byKey.get(key('', type, channel));
        const user = channel === 'webhook' ? undefined : byKey.get(key(userId, type, channel));
        if (this.#mandatory.has(type) || tenant?.mandatory) {
          out.push({ type, channel, enabled: true, source: 'mandatory' });
        } else if (user) out.push({ type, channel, enabled: user.enabled, source: 'user' });
        else if (tenant) out.push({ type, channel, enabled: tenant.enabled, source: 'tenant' });
        else out.push({ type, channel, enabled: defaults[channel], source: 'default' });
      }
    }
    return out;
  }

  /**
   * A user's own choices. Refuses (writing nothing) an unknown type or channel, the webhook channel
   * (per tenant), and switching off a mandatory type.
   */
  async setForUser(tenantId: string, userId: string, changes: readonly PreferenceChange[]): Promise<void> {
    const rows = this.#check(changes, 'changes', false);
    const tenantRows = await (await this.#store()).notifyPreferenceList({ tenantId, userId });
    rows.forEach((row, index) => {
      const tenantMandatory = tenantRows.some(
        (t) => t.userId === '' && t.type === row.type && t.channel === row.channel && t.mandatory,
      );
      if (!row.enabled && (this.#mandatory.has(row.type) || tenantMandatory)) {
        throw new ValidationError(
          `changes[${index}].enabled`,
          `"${row.type}" is mandatory on ${row.channel} and cannot be switched off; ask a tenant admin`,
        );
      }
    });
    await (await this.#store()).notifyPreferenceSetMany({
      tenantId,
      rows: rows.map((r) => ({ ...r, userId, mandatory: false })),
      now: this.#now(),
    });
  }

  /** A tenant admin's overrides of the defaults; `mandatory` forces a type on for every user. */
  async setForTenant(
    tenantId: string,
    changes: readonly (PreferenceChange & { mandatory?: boolean })[],
  ): Promise<void> {
    const rows = this.#check(changes, 'changes', true);
    await (await this.#store()).notifyPreferenceSetMany({
      tenantId,
      rows: rows.map((r, i) => ({ ...r, userId: '', mandatory: changes[i]?.mandatory === true })),
      now: this.#now(),
    });
  }

  #check(changes: unknown, field: string, tenant: boolean): Omit<PreferenceRow, 'userId' | 'mandatory'>[] {
    if (!Array.isArray(changes)) {
      throw new ValidationError(field, 'must be an array of { type, channel, enabled }');
    }
    return changes.map((change, index) => {
      const at = `${field}[${index}]`;
      const c = (change ?? {}) as Record<string, unknown>;
      if (typeof c.type !== 'string' || !this.#types.includes(c.type)) {
        throw new ValidationError(`${at}.type`, `must be one of ${this.#types.join(', ')}`);
      }
      if (!CHANNELS.includes(c.channel as NotificationChannel)) {
        throw new ValidationError(`${at}.channel`, `must be one of ${CHANNELS.join(', ')}`);
      }
      if (!tenant && c.channel === 'webhook') {
        throw new ValidationError(`${at}.channel`, 'webhooks are per tenant: a tenant admin sets them');
      }
      if (typeof c.enabled !== 'boolean') throw new ValidationError(`${at}.enabled`, 'must be true or false');
      return { type: c.type, channel: c.channel as NotificationChannel, enabled: c.enabled };
    });
  }
}
