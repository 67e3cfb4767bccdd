/**
 * What PostgreSQL can store of a JavaScript value, checked before the value is sent.
 *
 * PostgreSQL refuses, in jsonb and in text, the character U+0000 (SQLSTATE 22P05 inside JSON,
 * 22021 as text); it refuses in jsonb a lone surrogate, which JSON.stringify writes as an escape
 * such as `\ud800` (22P02); and its JSON parser refuses nesting past its stack (54001: PostgreSQL
 * 15 with the default 2 MB max_stack_depth parses 14,541 levels inside json_to_recordset and no
 * more; PGlite 0.5 parses a first statement 50,000 levels deep but never answers a second one 6,000
 * deep, while 5,000 passes 40 times in a row). JSON.stringify itself throws on a cycle, a BigInt,
 * or a `toJSON`/getter that throws. Batches travel as one JSON document per statement, so one such
 * value failed every job in its statement (issue 12, defects 2 and 3).
 *
 * Invariants:
 *   - A value that passes `storableJson` serializes and is accepted by jsonb on both PostgreSQL
 *     and PGlite: no U+0000, no lone surrogate (in strings or keys), at most MAX_JSON_DEPTH levels.
 *   - A value that fails gets a ValidationError whose field is the path of the first bad part, e.g.
 *     `result.items[3].name: contains U+0000, which PostgreSQL cannot store`.
 *   - The common case costs one JSON.stringify (which the size check needs anyway) and two
 *     substring searches of its text: JSON.stringify writes U+0000 as `\u0000` and a lone surrogate
 *     as `\udXXX` (lowercase), and a well-formed pair as the characters themselves. Only when one
 *     of those escapes appears (or JSON.stringify threw, or the text is long enough to nest past the
 *     limit) is the value walked, to find and name the path. A `\\u0000` in the text (an escaped
 *     backslash before "u0000") is a false alarm that the walk clears.
 */
import { ValidationError } from './errors.ts';
import { describeThrown } from './thrown-value.ts';

/**
 * Deepest nesting accepted in a stored JSON value: far below what PostgreSQL (14,541) and PGlite
 * (5,000 reliably) parse, and far beyond any real payload or result.
 */
export const MAX_JSON_DEPTH = 1_000;

/** Unpaired UTF-16 surrogates (no `u` flag: the pattern sees code units). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;
const SHOWN_KEY_CHARS = 40;

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** Why PostgreSQL cannot store this text, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) {
    return 'contains U+0000, which PostgreSQL cannot store; remove it, or encode binary data (e.g. base64)';
  }
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    return `contains a lone surrogate (U+${hex(lone[0].charCodeAt(0))} at index ${lone.index}), which PostgreSQL cannot store: the text is not valid Unicode (was it cut inside a surrogate pair?)`;
  }
  return null;
}

/** Throws a ValidationError naming `field` when PostgreSQL cannot store this text column value. */
export function assertStorableText(text: string, field: string): void {
  const problem = textProblem(text);
  if (problem) throw new ValidationError(field, problem);
}

/**
 * The text with what PostgreSQL cannot store (U+0000, lone surrogates) replaced by U+FFFD, cut to
 * `maxChars` (never inside a surrogate pair) with a marker saying how much was cut. Never throws.
 */
export function storableText(text: string, maxChars: number): string {
  let kept = text;
  let cut = 0;
  if (kept.length > maxChars) {
    let end = maxChars;
    const last = kept.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    cut = kept.length - end;
    kept = kept.slice(0, end);
  }
  if (kept.includes('\u0000')) kept = kept.replaceAll('\u0000', '\ufffd');
  if (LONE_SURROGATE.test(kept)) kept = kept.replace(LONE_SURROGATES, '\ufffd');
  return cut > 0 ? `${kept}… [${cut} more characters cut]` : kept;
}

function childPath(parent: string, key: string): string {
  if (PLAIN_KEY.test(key)) return `${parent}.${key}`;
  const shown = key.length > SHOWN_KEY_CHARS ? `${key.slice(0, SHOWN_KEY_CHARS)}…` : key;
  // JSON.stringify escapes U+0000 and lone surrogates, so the path itself is always storable.
  return `${parent}[${JSON.stringify(shown)}]`;
}

function reason(error: unknown): string {
  return storableText(describeThrown(error).message, 200);
}

interface Problem {
  path: string;
  message: string;
}

/** Walks `value` as JSON.stringify does and returns its first unstorable part. */
function findProblem(
  value: unknown,
  path: string,
  key: string,
  depth: number,
  open: Set<object>,
): Problem | null {
  let current = value;
  if ((typeof current === 'object' && current !== null) || typeof current === 'bigint') {
    let toJSON: unknown;
    try {
      toJSON = (current as { toJSON?: unknown }).toJSON;
    } catch (error) {
      return { path, message: `reading its toJSON threw: ${reason(error)}` };
    }
    if (typeof toJSON === 'function') {
      try {
        current = toJSON.call(current, key);
      } catch (error) {
        return { path, message: `its toJSON() threw: ${reason(error)}` };
      }
    }
  }
  if (typeof current === 'string') {
    const problem = textProblem(current);
    return problem ? { path, message: problem } : null;
  }
  if (typeof current === 'bigint') {
    return { path, message: 'is a BigInt, which JSON cannot represent; convert it to a string or a number' };
  }
  if (typeof current !== 'object' || current === null) return null;
  if (current instanceof String) return findProblem(String(current), path, key, depth, open);
  if (current instanceof Number || current instanceof Boolean) return null;
  if (Object.prototype.toString.call(current) === '[object BigInt]') {
    return { path, message: 'is a BigInt, which JSON cannot represent; convert it to a string or a number' };
  }
  if (depth >= MAX_JSON_DEPTH) {
    return { path, message: `nests deeper than ${MAX_JSON_DEPTH} levels, more than Conveyor stores` };
  }
  if (open.has(current)) {
    return { path, message: 'is a circular reference (it contains itself), which JSON cannot represent' };
  }
  open.add(current);
  try {
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index += 1) {
        let item: unknown;
        try {
          item = current[index];
        } catch (error) {
          return { path: `${path}[${index}]`, message: `reading it threw: ${reason(error)}` };
        }
        const found = findProblem(item, `${path}[${index}]`, String(index), depth + 1, open);
        if (found) return found;
      }
      return null;
    }
    for (const name of Object.keys(current)) {
      const at = childPath(path, name);
      const keyProblem = textProblem(name);
      if (keyProblem) return { path: at, message: `its key ${keyProblem}` };
      let item: unknown;
      try {
        item = (current as Record<string, unknown>)[name];
      } catch (error) {
        return { path: at, message: `reading it threw: ${reason(error)}` };
      }
      const found = findProblem(item, at, name, depth + 1, open);
      if (found) return found;
    }
    return null;
  } finally {
    open.delete(current);
  }
}

/** The first unstorable part of `value`, walked safely (a Proxy may throw on any trap). */
function problemIn(value: unknown, field: string): Problem | null {
  try {
    return findProblem(value, field, '', 0, new Set());
  } catch (error) {
    return { path: field, message: `cannot be read: ${reason(error)}` };
  }
}

/** Whether JSON text nests deeper than `max`: counts brackets outside strings. */
function nestsDeeperThan(text: string, max: number): boolean {
  // Cheap bound first: fewer opening brackets than the limit cannot nest past it.
  let openers = 0;
  for (const bracket of ['[', '{']) {
    for (let at = text.indexOf(bracket); at >= 0 && openers <= max; at = text.indexOf(bracket, at + 1)) {
      openers += 1;
    }
  }
  if (openers <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

function validationError(problem: Problem): ValidationError {
  return new ValidationError(problem.path, problem.message);
}

/**
 * The JSON text of `value` as it will be stored, or undefined for a value JSON omits (undefined, a
 * function, a symbol). Throws a ValidationError naming the path of the first part PostgreSQL
 * cannot store; `field` is the path's root (`payload`, `result`, `items[3].payload`…).
 */
export function storableJson(value: unknown, field: string): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw validationError(
      problemIn(value, field) ?? { path: field, message: `cannot be serialized as JSON: ${reason(error)}` },
    );
  }
  if (text === undefined) return undefined;
  const suspect =
    text.includes('\\u0000') ||
    text.includes('\\ud') ||
    (text.length > 2 * MAX_JSON_DEPTH && nestsDeeperThan(text, MAX_JSON_DEPTH));
  if (suspect) {
    const problem = problemIn(value, field);
    if (problem) throw validationError(problem);
  }
  return text;
}

/**
 * Checks an object as `storableJson` does, without serializing it when it is flat: a plain object
 * of strings, numbers, booleans and nulls (enqueue metadata such as a traceparent: 35 ns instead of
 * 150). Anything else takes the full check.
 */
export function assertStorableObject(value: Record<string, unknown>, field: string): void {
  if (isFlatAndStorable(value)) return;
  storableJson(value, field);
}

function isFlatAndStorable(value: Record<string, unknown>): boolean {
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key in value) {
      if (textProblem(key) !== null) return false;
      const item = value[key];
      if (typeof item === 'string') {
        if (textProblem(item) !== null) return false;
      } else if (!(typeof item === 'number' || typeof item === 'boolean' || item === null)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Like `storableJson`, but returns the error instead of throwing it (null when storable). */
export function storableJsonProblem(value: unknown, field: string): ValidationError | null {
  try {
    storableJson(value, field);
    return null;
  } catch (error) {
    return error instanceof ValidationError
      ? error
      : new ValidationError(field, `cannot be checked: ${reason(error)}`);
  }
}
