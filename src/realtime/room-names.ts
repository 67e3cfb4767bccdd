/**
 * Socket.IO room names. Tenancy is enforced here, in one place: every room but the tenant's own is
 * named inside its tenant (`tenant:{t}:user:{u}`, `tenant:{t}:loop:{id}`), and a socket only ever
 * joins rooms built from its verified token's tenant. So a user or resource id that two tenants
 * share, or that one tenant guesses from another, never names the other tenant's room.
 *
 * Ids are used as given (any string): a `:` in an id cannot reach another tenant's room because
 * the tenant part comes first and comes from the token.
 */
import type { RealtimeAudience } from './gateway-options.ts';

export function tenantRoom(tenantId: string): string {
  return `tenant:${tenantId}`;
}

export function userRoom(tenantId: string, userId: string): string {
  return `tenant:${tenantId}:user:${userId}`;
}

export function resourceRoom(tenantId: string, kind: string, id: string): string {
  return `tenant:${tenantId}:${kind}:${id}`;
}

/** The rooms of a tenant an audience names. */
export function audienceRooms(tenantId: string, audience: RealtimeAudience): string[] {
  if (audience === 'tenant') return [tenantRoom(tenantId)];
  return [
    ...(audience.userIds ?? []).map((userId) => userRoom(tenantId, String(userId))),
    ...(audience.resources ?? []).map((resource) =>
      resourceRoom(tenantId, String(resource.kind), String(resource.id)),
    ),
  ];
}
