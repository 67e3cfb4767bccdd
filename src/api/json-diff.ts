/**
 * The difference between two JSON values as a list of changes by path (`a.b[2]`), for the audit
 * record of a payload edit. Objects are compared key by key and arrays index by index; anything
 * else that differs is one change. Bounded: past `max` changes the list ends with a `…` entry.
 */

export interface JsonChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function jsonDiff(before: unknown, after: unknown, max = 100): JsonChange[] {
  const changes: JsonChange[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (changes.length > max) return;
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const child = path === '' ? key : `${path}.${key}`;
        if (!(key in b)) changes.push({ path: child, before: a[key] });
        else if (!(key in a)) changes.push({ path: child, after: b[key] });
        else walk(a[key], b[key], child);
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const child = `${path}[${i}]`;
        if (i >= b.length) changes.push({ path: child, before: a[i] });
        else if (i >= a.length) changes.push({ path: child, after: b[i] });
        else walk(a[i], b[i], child);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ path: path || '$', before: a, after: b });
  };
  walk(before, after, '');
  if (changes.length > max) return [...changes.slice(0, max), { path: '…' }];
  return changes;
}
