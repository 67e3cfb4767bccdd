/**
 * The bench's clients: real socket.io-client sockets (WebSocket transport), all in the runner's
 * process so that send and receive times come from one clock (performance.now()).
 */
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { BENCH_SECRET, type RealtimeContender } from './realtime-shared.ts';

const tokens = new Map<string, Promise<string>>();

function tokenFor(tenantId: string, userId: string): Promise<string> {
  const key = `${tenantId}/${userId}`;
  let token = tokens.get(key);
  if (!token) {
    token = new SignJWT({ sub: userId, tenantId })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(BENCH_SECRET));
    tokens.set(key, token);
  }
  return token;
}

/** Connects one client and resolves once the gateway says it is live (`connected`). */
export async function connectClient(
  contender: RealtimeContender,
  url: string,
  tenantId: string,
  userId: string,
): Promise<Socket> {
  const auth = contender === 'conveyor' ? { token: await tokenFor(tenantId, userId) } : { tenantId };
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client of ${tenantId} not live within 30 s`)), 30_000);
    socket.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return socket;
}

/** Connects `count` clients, `atOnce` at a time; client n goes to node n % urls and tenant pick(n). */
export async function connectMany(
  contender: RealtimeContender,
  urls: string[],
  count: number,
  tenantOf: (n: number) => string,
  atOnce = 100,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let start = 0; start < count; start += atOnce) {
    const batch = Array.from({ length: Math.min(atOnce, count - start) }, (_, k) => start + k);
    sockets.push(
      ...(await Promise.all(
        batch.map((n) => connectClient(contender, urls[n % urls.length]!, tenantOf(n), `u${n}`)),
      )),
    );
  }
  return sockets;
}

export async function disconnectAll(sockets: Socket[]): Promise<void> {
  for (const socket of sockets) socket.disconnect();
  // Let the servers see the closes before the next workload connects.
  await new Promise((resolve) => setTimeout(resolve, 500));
}
