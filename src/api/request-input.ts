/**
 * Reading a route's input with its zod schemas: path parameters, query parameters (a name given
 * twice is refused, not silently reduced to one) and a JSON body read up to a byte bound. Every
 * refusal is a ValidationError naming the field as `path.id`, `query.limit`, `body.payload.x`…
 */
import type { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import { readBodyText } from '../http/request-body.ts';

export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: 'path' | 'query' | 'body'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const path =
    issue?.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('') ?? '';
  const field = `${where}${path}`.replace('.[', '[');
  const extra =
    result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
  let message = issue?.message ?? 'is invalid';
  if (issue?.code === 'unrecognized_keys') {
    message = `has unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling (see /openapi.json)`;
  }
  throw new ValidationError(field, `${message}${extra}`);
}

export function queryObject(url: string): Record<string, string> {
  const params = new URL(url).searchParams;
  const result: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in result) throw new ValidationError(`query.${key}`, 'is given more than once; give it once');
    result[key] = value;
  }
  return result;
}

export async function jsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const text = await readBodyText(request, maxBytes);
  if (text.trim() === '') throw new ValidationError('body', 'is required: send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'is not valid JSON');
  }
}
