/**
 * `conveyor-jobs/realtime`: the Socket.IO realtime gateway (docs/realtime.md). A separate entry so
 * that a worker never loads socket.io or jose; both are optional peer dependencies.
 * Everything not exported here is internal.
 */

export {
  type ClaimMapping,
  InvalidTokenError,
  JwtVerifier,
  type JwtVerifierOptions,
  type TokenIdentity,
  type TokenVerifier,
} from '../auth/jwt-verifier.ts';
export type {
  RealtimeAudience,
  RealtimeGatewayOptions,
  RealtimeLimits,
  RoomRequest,
} from './gateway-options.ts';
export {
  createRealtimeGateway,
  type RealtimeGateway,
  type RealtimeGatewayStats,
} from './realtime-gateway.ts';
export { resourceRoom, tenantRoom, userRoom } from './room-names.ts';
