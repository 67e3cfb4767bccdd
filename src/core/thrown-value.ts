/**
 * Describes whatever was thrown, whatever it is, without throwing.
 *
 * A handler (or a listener, or a backoff function) can throw anything: an Error, a string, null,
 * a Symbol, a BigInt, a circular object, an object whose `toJSON` throws, an Error whose
 * `message`/`stack`/`name` getters throw, or a Proxy that throws on every trap. Reading such a
 * value the obvious way (`instanceof`, `.message`, `JSON.stringify`, `String`) can itself throw,
 * and did: the worker recorded a failed attempt with `JSON.stringify(thrown)`, and a circular
 * object or a BigInt crashed the process with an unhandled rejection (issue 12, defect 1). Every
 * read here is guarded; the result holds plain strings only. They are not yet storable (they may
 * hold U+0000 or be megabytes long): `storableText` does that where the text is stored.
 */

export interface ThrownDescription {
  /** The error's `name`, or `NonError` for a thrown value that is not an Error. */
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

const UNREADABLE = Symbol('unreadable');

function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function isErrorLike(value: object): boolean {
  return attempt(
    () => value instanceof Error || Object.prototype.toString.call(value) === '[object Error]',
    false,
  );
}

/** A property read as a string: strings as they are, finite numbers as text, anything else absent. */
function stringProperty(value: object, key: 'name' | 'message' | 'stack' | 'code'): string | undefined {
  const read = attempt<unknown>(() => (value as Record<string, unknown>)[key], undefined);
  if (typeof read === 'string') return read;
  if (typeof read === 'number' && Number.isFinite(read) && key === 'code') return String(read);
  return undefined;
}

/** A one-line text for any value; never throws. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${attempt(() => value.toString(), '?')}n`;
    case 'symbol':
      return attempt(() => value.toString(), 'Symbol()');
    case 'function':
      return `[function ${attempt(() => String(value.name || 'anonymous'), 'anonymous')}]`;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value === null) return 'null';
  const json = attempt<string | undefined>(() => JSON.stringify(value), undefined);
  if (typeof json === 'string') return json;
  const text = attempt<unknown>(() => String(value), undefined);
  if (typeof text === 'string') return text;
  const tag = attempt<unknown>(() => Object.prototype.toString.call(value), undefined);
  return typeof tag === 'string' ? tag : '[a value that cannot be read]';
}

/** Name, message, stack and code of anything thrown; never throws. */
export function describeThrown(thrown: unknown): ThrownDescription {
  if ((typeof thrown === 'object' || typeof thrown === 'function') && thrown !== null) {
    if (isErrorLike(thrown)) {
      const message = attempt<unknown>(() => (thrown as { message?: unknown }).message, UNREADABLE);
      const stack = stringProperty(thrown, 'stack');
      const code = stringProperty(thrown, 'code');
      return {
        name: stringProperty(thrown, 'name') || 'Error',
        message:
          typeof message === 'string'
            ? message
            : message === UNREADABLE
              ? '(its message could not be read)'
              : message === undefined
                ? ''
                : describeValue(message),
        ...(stack ? { stack } : {}),
        ...(code ? { code } : {}),
      };
    }
  }
  return { name: 'NonError', message: describeValue(thrown) };
}
