import { internalsOf } from '../../client/conveyor-internals.ts';
import { createEventHistory } from '../../events/event-history.ts';
import { safeError } from '../../log/safe-error.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { effectiveDatabaseUrl, openConveyor, serviceLogger } from '../cli-conveyor.ts';
import { type Command, showHelp } from '../command.ts';
import { loadConfig } from '../load-config.ts';
import { waitForStopSignal } from '../stop-signal.ts';
import { describeRedis, gatewaySettings } from './gateway-settings.ts';

const HELP = `Usage: conveyor gateway [--port N] [--host H]

Runs the realtime gateway (Socket.IO at /socket.io, GET /health) until SIGTERM or SIGINT: clients
connect with a JWT and receive their tenant's events as the relay publishes them to Redis
(docs/realtime.md). Settings come from the config's \`realtime\` section, then the environment.
With a database configured (databaseUrl, --database-url, DATABASE_URL or dataDir), a client that
reconnects with its last sequence gets what it missed from the outbox; without one, \`reset\`.
Logs are JSON on stdout (CONVEYOR_LOG_PRETTY=1 for readable ones); secrets are never logged.

Flags:
  --port <n>   port to listen on (default realtime.port, then $PORT, then 3001; 0 for any free port)
  --host <h>   address to bind (default realtime.host, then 0.0.0.0)

Environment:
  CONVEYOR_JWT_SECRET     HS256 secret (at least 32 bytes), unless realtime.auth sets a key
  CONVEYOR_JWKS_URL       or the identity provider's JWKS URL (RS256)
  CONVEYOR_JWT_ISSUER     expected issuer(s), comma-separated
  CONVEYOR_JWT_AUDIENCE   expected audience(s), comma-separated
  REDIS_URL               the Redis the relay publishes to (or realtime.redisUrl / redisUrl)
  CONVEYOR_EVENTS_PREFIX  the relay's channel prefix (default conveyor)`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'run the realtime gateway (Socket.IO) until SIGTERM/SIGINT',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('gateway', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    expectPositionals('gateway', positionals, [], 'conveyor gateway [--port N]');
    const { options } = await loadConfig(values.config, context.cwd, false);
    const settings = gatewaySettings(options, process.env, {
      port: intFlag('port', values.port),
      host: values.host,
    });
    const log = serviceLogger(process.env.CONVEYOR_LOG_PRETTY === '1');
    const stop = waitForStopSignal();
    // The outbox, read back for resuming clients, when a database is configured (never relayed
    // from here: the relay runs where the bus publishes).
    const databaseUrl = effectiveDatabaseUrl(options, values);
    context.useDatabaseUrl(databaseUrl);
    const conveyor =
      databaseUrl !== null || options.dataDir !== undefined ? openConveyor(options, values, log) : null;
    try {
      // Loaded here: no other command (a worker) ever loads socket.io or jose.
      const { startStandaloneGateway } = await import('../../realtime/standalone-gateway.ts');
      const history = conveyor ? createEventHistory(internalsOf(conveyor).store) : undefined;
      const running = await startStandaloneGateway({ ...settings, log, ...(history ? { history } : {}) });
      log.info(
        {
          port: running.port,
          host: settings.host,
          path: '/socket.io',
          redis: describeRedis(settings.redisUrl),
          prefix: settings.prefix,
          resume: history ? 'from the outbox' : 'reset (no database configured)',
          key:
            settings.auth.secret !== undefined
              ? 'HS secret'
              : settings.auth.jwksUrl !== undefined
                ? 'JWKS'
                : 'public key',
        },
        'realtime gateway listening',
      );
      const signal = await stop.signalled;
      log.info({ signal }, 'realtime gateway stopping');
      await running
        .close()
        .catch((error: unknown) => log.warn({ err: safeError(error) }, 'closing the gateway failed'));
      log.info('realtime gateway stopped');
    } finally {
      stop.dispose();
      await conveyor?.close().catch(() => {});
    }
    return 0;
  },
};
