/** Reads an analytics filter from URL query parameters: since, until, queue, job, tenant, limit, bucket. */
import { ValidationError } from '../core/errors.ts';
import type { AnalyticsFilter } from '../observe/analytics.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function instant(value: string, field: string): Date {
  const date = new Date(value);
  if (!ISO_DATE.test(value) || Number.isNaN(date.getTime()))
    throw new ValidationError(
      field,
      `${JSON.stringify(value)} is not an ISO date (e.g. 2026-01-15T09:30:00Z)`,
    );
  return date;
}

export interface QueryFilter extends AnalyticsFilter {
  limit?: number;
  bucket?: string;
}

/** `since` is an ISO date or a duration back from `until` (`15m`, `24h`, `7d`). */
export function filterFromQuery(params: URLSearchParams): QueryFilter {
  const filter: QueryFilter = {};
  const since = params.get('since');
  if (since) filter.since = ISO_DATE.test(since) ? instant(since, 'since') : since;
  const until = params.get('until');
  if (until) filter.until = instant(until, 'until');
  const queue = params.get('queue');
  if (queue) filter.queue = queue;
  const name = params.get('job') ?? params.get('name');
  if (name) filter.name = name;
  const tenant = params.get('tenant') ?? params.get('tenantId');
  if (tenant) filter.tenantId = tenant;
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d+$/.test(limit))
      throw new ValidationError('limit', `must be a whole number, got ${JSON.stringify(limit)}`);
    filter.limit = Number(limit);
  }
  const bucket = params.get('bucket');
  if (bucket) filter.bucket = bucket;
  return filter;
}
