/**
 * What a log line may hold of an error (defect 9): type, code, message and stack, capped, and the
 * same of its cause. Never the rest of a driver error (pg's pool puts the whole Client on
 * `err.client`), never a throw from a hostile value.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { MAX_MESSAGE, MAX_STACK, safeError } from '../../src/log/safe-error.ts';

/** An error as pg-pool emits it for an idle connection: the client, with its secrets, attached. */
function poolError(): Error {
  const error = Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    client: {
      connectionParameters: { user: 'app', password: 'hunter2-secret', database: 'prod' },
      connection: {
        parsedStatements: { 'conveyor:job-claim': 'SELECT … FROM conveyor.jobs FOR UPDATE SKIP LOCKED' },
      },
    },
  });
  return error;
}

describe('safeError', () => {
  it('keeps type, code, message and stack only', () => {
    const fields = safeError(poolError());
    expect(Object.keys(fields).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(fields).toMatchObject({ type: 'Error', code: '57P01' });
    expect(JSON.stringify(fields)).not.toMatch(/hunter2|SKIP LOCKED|connectionParameters/);
  });

  it('caps message and stack, and follows causes two levels deep', () => {
    const inner = new Error('x'.repeat(100_000));
    const outer = new Error('outer', {
      cause: new Error('middle', { cause: new Error('inner', { cause: inner }) }),
    });
    const fields = safeError(inner);
    expect(fields.message.length).toBeLessThan(MAX_MESSAGE + 50);
    expect(fields.stack!.length).toBeLessThan(MAX_STACK + 50);
    const chain = safeError(outer);
    expect(chain.cause?.message).toBe('middle');
    expect(chain.cause?.cause?.message).toBe('inner');
    expect(chain.cause?.cause?.cause).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    const circular: Record<string, unknown> = { message: 'loop' };
    circular.cause = circular;
    for (const value of [
      hostile,
      circular,
      null,
      undefined,
      42n,
      Symbol('s'),
      'plain',
      Object.create(null),
    ]) {
      expect(() => safeError(value)).not.toThrow();
    }
    expect(safeError('plain')).toEqual({ type: 'string', message: 'plain' });
  });
});

describe("createLogger's err serializer", () => {
  it('writes only the safe fields of an error, even one logged as is', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      pretty: false,
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    logger.warn({ err: poolError() }, 'idle database connection lost');
    logger.warn({ err: 'a message as a string stays a string' }, 'string err');
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(Object.keys(first.err).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(lines[0]).not.toMatch(/hunter2|SKIP LOCKED|connectionParameters/);
    expect(second.err).toBe('a message as a string stays a string');
  });
});
