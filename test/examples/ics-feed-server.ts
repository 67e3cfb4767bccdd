/** A real HTTP server on 127.0.0.1 serving ICS feeds by path; each feed's answers can be scripted. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedAnswer {
  status: number;
  body: string;
}

export interface IcsFeedServer {
  url(path: string): string;
  /** Serves `answer()` at `path` (called per request, so it can change over time). */
  serve(path: string, answer: () => FeedAnswer): void;
  requests(path: string): number;
  close(): Promise<void>;
}

export async function startIcsFeedServer(): Promise<IcsFeedServer> {
  const answers = new Map<string, () => FeedAnswer>();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const answer = answers.get(path)?.() ?? { status: 404, body: 'no such feed' };
    res.writeHead(answer.status, { 'content-type': 'text/calendar; charset=utf-8' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    serve: (path, answer) => void answers.set(path, answer),
    requests: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** An ICS document with CRLF lines, as feeds send them. */
export function icsFeed(
  events: { uid: string; start: string; end: string; summary: string; location?: string }[],
) {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//feed//EN'];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTART:${e.start}`,
      `DTEND:${e.end}`,
      `SUMMARY:${e.summary}`,
    );
    if (e.location) lines.push(`LOCATION:${e.location}`);
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
