/** The jobs the dashboard's browser tests run: `work` fails while `failing.on` for payloads with `fail`. */
import { defineJob } from '../../src/index.ts';

export const failing = { on: true };

export const workJob = defineJob({
  name: 'work',
  queue: 'work',
  defaults: { attempts: 1 },
  handler: async ({ payload }: { payload: { orderId: string; fail?: boolean } }) => {
    if (payload.fail && failing.on) throw new Error(`order ${payload.orderId}: card declined`);
    return { charged: payload.orderId };
  },
});

export const mailJob = defineJob({
  name: 'send-mail',
  queue: 'mail',
  handler: async ({ payload }: { payload: { to: string } }) => ({ sent: payload.to }),
});
