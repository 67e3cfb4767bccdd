/**
 * The jobs the dashboard's browser tests run: `work` fails while `failing.on` for payloads with
 * `fail`, and while `gate.held` it waits for `gate.open()` before finishing (so a test sees the
 * job running, then the page change by itself when it completes).
 */
import { defineJob } from '../../src/index.ts';

export const failing = { on: true };

export const gate = {
  held: false,
  release: (): void => {},
  wait(): Promise<void> {
    return new Promise((resolve) => {
      gate.release = resolve;
    });
  },
  open(): void {
    gate.held = false;
    gate.release();
  },
};

export const workJob = defineJob({
  name: 'work',
  queue: 'work',
  defaults: { attempts: 1 },
  handler: async ({ payload }: { payload: { orderId: string; fail?: boolean } }) => {
    if (payload.fail && failing.on) throw new Error(`order ${payload.orderId}: card declined`);
    if (gate.held) await gate.wait();
    return { charged: payload.orderId };
  },
});

export const mailJob = defineJob({
  name: 'send-mail',
  queue: 'mail',
  handler: async ({ payload }: { payload: { to: string } }) => ({ sent: payload.to }),
});
