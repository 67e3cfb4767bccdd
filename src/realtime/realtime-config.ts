/**
 * The `realtime` section of a Conveyor config file, read by `conveyor gateway`. Plain types only
 * (no socket.io or jose types), so the root entry's types can name it without those packages
 * installed; each field has the shape createRealtimeGateway takes.
 *
 * Secrets belong in the environment: `CONVEYOR_JWT_SECRET` (HS256) or `CONVEYOR_JWKS_URL` fill
 * `auth` when the file leaves them out, and the command never logs either.
 */

export interface RealtimeLimitsConfig {
  /** Client events a socket may send per second, on average (default 20). */
  eventsPerSecond?: number;
  /** Client events a socket may send at once before the rate applies (default 40). */
  burst?: number;
  /** Largest client event, as JSON of its arguments, in bytes (default 4096). */
  maxEventBytes?: number;
  /** Sockets one tenant may hold on one node (default 10,000). */
  connectionsPerTenant?: number;
  /** Most events replayed to a resuming client; beyond it the client gets `reset` (default 1,000). */
  resumeWindow?: number;
}

export interface RealtimeConfig {
  /** Port of `conveyor gateway` (default: --port, then $PORT, then 3001). */
  port?: number;
  /** Address to bind (default 0.0.0.0: every socket authenticates). */
  host?: string;
  /** Redis of the fan-out (default: the config's redisUrl, then $REDIS_URL). */
  redisUrl?: string;
  /** Channel prefix of the fan-out, as the relay publishes (default $CONVEYOR_EVENTS_PREFIX, then `conveyor`). */
  prefix?: string;
  /** Token checks (see JwtVerifierOptions in conveyor-jobs/realtime). */
  auth?: {
    secret?: string;
    publicKey?: string;
    jwksUrl?: string;
    algorithms?: string[];
    issuer?: string | string[];
    audience?: string | string[];
    claims?: { userId?: string; tenantId?: string; role?: string };
    clockTolerance?: number;
  };
  /** Confirms a resource belongs to the socket's tenant before it joins the resource's room. */
  authorize?: (request: {
    kind: string;
    id: string;
    identity: { userId: string; tenantId: string; role: string | null; expiresAt: Date | null };
  }) => boolean | Promise<boolean>;
  /** Resource kinds clients may subscribe to (default ['loop']). */
  resourceKinds?: string[];
  limits?: RealtimeLimitsConfig;
  cors?: { origin: string | string[] | boolean; credentials?: boolean };
}
