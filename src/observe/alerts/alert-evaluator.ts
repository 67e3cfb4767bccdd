/**
 * Evaluates alert rules and keeps incidents in `alert_incidents`: each rule's firing subjects open
 * an incident unless one is open (insert … on conflict do nothing), and open incidents whose
 * subject no longer fires are resolved. Both statements return only the rows they changed, so with
 * several processes evaluating, each incident is delivered (log + webhooks) exactly once when it
 * opens and once when it resolves. Delivery failures are logged, never thrown into the engine.
 */
import type { Logger } from 'pino';
import { type Duration, parseDuration } from '../../core/duration.ts';
import { safeError } from '../../log/safe-error.ts';
import { PeriodicTask } from '../../maintenance/periodic-task.ts';
import type { Service } from '../../runtime/service.ts';
import type { Store } from '../../store/store.ts';
import type { Incident, IncidentInput } from '../run-history-types.ts';
import { firingSubjects } from './alert-conditions.ts';
import { type AlertRule, type ResolvedRule, resolveRules } from './alert-rules.ts';
import { deliverWebhook, type WebhookTarget } from './webhook.ts';

export interface AlertOptions {
  rules: AlertRule[];
  webhooks?: WebhookTarget[];
  /** How often rules are evaluated while a worker runs (default 30s). */
  interval?: Duration;
  /** Called for every opened or resolved incident (after it is stored), e.g. to page someone. */
  onIncident?: (event: AlertEvent) => void;
}

export interface AlertEvent {
  type: 'alert.firing' | 'alert.resolved';
  incident: Incident;
}

export interface AlertEvaluation {
  opened: Incident[];
  resolved: Incident[];
}

export class AlertEvaluator implements Service {
  readonly name = 'alert-evaluator';
  readonly #store: () => Promise<Store>;
  readonly #rules: ResolvedRule[];
  readonly #options: AlertOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #firstSeen = new Map<string, Date>();
  readonly #task: PeriodicTask;
  readonly #intervalMs: number;
  readonly #deliveries = new Set<Promise<void>>();

  constructor(store: () => Promise<Store>, options: AlertOptions, log: Logger, now: () => Date) {
    this.#store = store;
    this.#rules = resolveRules(options.rules ?? []);
    this.#options = options;
    this.#log = log;
    this.#now = now;
    this.#intervalMs = parseDuration(options.interval ?? '30s', 'alerts.interval');
    this.#task = new PeriodicTask(
      'alerts',
      async () => {
        await this.evaluate(this.#now());
        return this.#intervalMs;
      },
      log,
    );
  }

  get rules(): readonly ResolvedRule[] {
    return this.#rules;
  }

  async start(): Promise<void> {
    if (this.#rules.length > 0) this.#task.start(this.#intervalMs);
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.settled();
  }

  /** Resolves when every delivery started so far has finished (tests). */
  async settled(): Promise<void> {
    while (this.#deliveries.size > 0) await Promise.all([...this.#deliveries]);
  }

  /** Evaluates every rule at `now`, stores incidents, and delivers (awaited) what changed. */
  async evaluate(now: Date = this.#now()): Promise<AlertEvaluation> {
    const store = await this.#store();
    const firstSeen = (ruleId: string): Date => {
      if (!this.#firstSeen.has(ruleId)) this.#firstSeen.set(ruleId, now);
      return this.#firstSeen.get(ruleId)!;
    };
    const firing: IncidentInput[] = [];
    const evaluated: string[] = [];
    for (const rule of this.#rules) {
      try {
        for (const f of await firingSubjects(rule, { store, now, firstSeen })) {
          firing.push({ rule: rule.id, kind: rule.kind, severity: rule.severity, ...f });
        }
        evaluated.push(rule.id);
      } catch (error) {
        // A rule that cannot be read keeps its incidents as they are (no false resolve).
        this.#log.warn({ err: safeError(error), rule: rule.id }, 'alert rule could not be evaluated');
      }
    }
    const opened = await store.analyticsIncidentOpen({ incidents: firing, now });
    const resolved = await store.analyticsIncidentResolve({
      rules: evaluated,
      firing: firing.map(({ rule, subject }) => ({ rule, subject })),
      now,
    });
    const delivery = Promise.all([
      ...opened.map((incident) => this.#deliver({ type: 'alert.firing', incident })),
      ...resolved.map((incident) => this.#deliver({ type: 'alert.resolved', incident })),
    ]).then(() => undefined);
    this.#deliveries.add(delivery);
    await delivery.finally(() => this.#deliveries.delete(delivery));
    return { opened, resolved };
  }

  async #deliver(event: AlertEvent): Promise<void> {
    const { incident } = event;
    const fields = {
      alert: event.type,
      rule: incident.rule,
      kind: incident.kind,
      subject: incident.subject,
      severity: incident.severity,
      incidentId: incident.id,
      details: incident.details,
    };
    if (event.type === 'alert.firing') this.#log.warn(fields, `alert firing: ${incident.message}`);
    else this.#log.info(fields, `alert resolved: ${incident.message}`);
    try {
      this.#options.onIncident?.(event);
    } catch (error) {
      this.#log.error({ err: safeError(error) }, 'alerts.onIncident threw');
    }
    const body = { type: event.type, incident };
    await Promise.all(
      (this.#options.webhooks ?? []).map((target) =>
        deliverWebhook(target, body).then(
          (status) => {
            if (status >= 300)
              this.#log.warn(
                { status, webhook: new URL(target.url).host },
                'alert webhook refused the alert',
              );
          },
          (error: unknown) =>
            this.#log.error(
              { err: safeError(error), webhook: new URL(target.url).host },
              'alert webhook unreachable',
            ),
        ),
      ),
    );
  }
}
