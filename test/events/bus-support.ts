/** Shared pieces of the event bus tests: Arda-like event definitions and waiting helpers. */
import { z } from 'zod';
import { defineEvent, type EventEnvelope } from '../../src/index.ts';

export const cardTransition = defineEvent({
  type: 'card.transition',
  version: 1,
  schema: z.object({
    cardId: z.string().min(1),
    loopId: z.string().min(1),
    toStage: z.enum(['created', 'triggered', 'ordered', 'in_transit', 'received', 'restocked']),
  }),
});

export const orderCreated = defineEvent({
  type: 'order.created',
  version: 1,
  schema: z.object({ orderId: z.string(), orderNumber: z.string() }),
});

/** Collects envelopes; `until(n)` resolves once n have arrived. */
export class Received {
  readonly events: EventEnvelope[] = [];
  #waiters: { n: number; resolve: () => void }[] = [];

  readonly push = (event: EventEnvelope): void => {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (this.events.length >= waiter.n) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  until(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.events.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${n} events, got ${this.events.length}`)),
        timeoutMs,
      );
      this.#waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** Retries `check` until it stops throwing (for effects that follow a signal, like a counter). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
