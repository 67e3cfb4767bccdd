/**
 * `conveyor dashboard`: serves the dashboard (the web UI, at `/`) and the REST API (`/api/v1`) on its own
 * server, bound to 127.0.0.1 unless --host says otherwise. Requests need an API key (`conveyor keys
 * create`); --no-auth turns that off and is refused on any address but loopback.
 */
import { createApiServer, isLoopbackHost } from '../../api/api-server.ts';
import type { ApiTokenVerifier } from '../../api/principal.ts';
import type { JwtVerifierOptions } from '../../auth/jwt-verifier.ts';
import { createEventBus } from '../../events/event-bus.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { effectiveDatabaseUrl, openConveyor, serviceLogger } from '../cli-conveyor.ts';
import { UsageError } from '../cli-error.ts';
import { type Command, showHelp } from '../command.ts';
import { loadConfig } from '../load-config.ts';
import { printLine } from '../output.ts';
import { waitForStopSignal } from '../stop-signal.ts';

const HELP = `Usage: conveyor dashboard [--port N] [--host H] [--no-auth]

Serves the dashboard at http://<host>:<port>/ and the REST API at /api/v1 (OpenAPI document at
/api/v1/openapi.json). Log in to the dashboard with an API key; API requests need
Authorization: Bearer <API key>. Create one with \`conveyor keys create --role operator\`.
Uses the config's jobs when there is a config (enqueue by hand, payload checks), else none.
JWTs are accepted too when a token key is set, as for \`conveyor gateway\`: realtime.auth in the
config, or CONVEYOR_JWT_SECRET (HS256) / CONVEYOR_JWKS_URL, with CONVEYOR_JWT_ISSUER and
CONVEYOR_JWT_AUDIENCE; the token's \`role\` claim must be viewer, operator or admin.

Flags:
  --port <n>     port (default $PORT or 3000; 0 for any free port)
  --host <h>     address to bind (default 127.0.0.1)
  --no-auth      no credentials: every caller is an admin of every tenant. Loopback only`;

const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * The realtime gateway's JWT verifier when a token key is configured (the config's realtime.auth,
 * else the environment), loaded only then: jose is an optional peer. None: API keys only.
 */
async function jwtVerifier(
  fromConfig: JwtVerifierOptions | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ApiTokenVerifier | undefined> {
  const auth: JwtVerifierOptions = { ...fromConfig };
  if (auth.secret === undefined && auth.publicKey === undefined && auth.jwksUrl === undefined) {
    if (env.CONVEYOR_JWT_SECRET) auth.secret = env.CONVEYOR_JWT_SECRET;
    else if (env.CONVEYOR_JWKS_URL) auth.jwksUrl = env.CONVEYOR_JWKS_URL;
    else return undefined;
  }
  auth.issuer ??= list(env.CONVEYOR_JWT_ISSUER);
  auth.audience ??= list(env.CONVEYOR_JWT_AUDIENCE);
  const { JwtVerifier } = await import('../../auth/jwt-verifier.ts');
  return new JwtVerifier(auth, 'realtime.auth');
}

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve the dashboard and the REST API, with API-key auth',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('dashboard', context.args, {
      port: { type: 'string' },
      host: { type: 'string' },
      'no-auth': { type: 'boolean' },
    });
    if (values.help) return showHelp(HELP);
    expectPositionals('dashboard', positionals, [], 'conveyor dashboard --port 3000');
    const port = intFlag('port', values.port ?? process.env.PORT) ?? 3000;
    const host = values.host ?? '127.0.0.1';
    const noAuth = values['no-auth'] ?? false;
    if (noAuth && !isLoopbackHost(host)) {
      throw new UsageError(
        `--no-auth is refused on ${host}: anyone who reaches it would be an admin. Bind to 127.0.0.1, or create an API key (\`conveyor keys create --role admin\`) and leave --no-auth out`,
      );
    }
    context.useDatabaseUrl(effectiveDatabaseUrl(null, values));
    const { options } = await loadConfig(values.config, context.cwd, false);
    context.useDatabaseUrl(effectiveDatabaseUrl(options, values));
    const tokens = noAuth ? undefined : await jwtVerifier(options.realtime?.auth, process.env);
    const conveyor = openConveyor(options, values, serviceLogger(false));
    const stop = waitForStopSignal();
    // The events routes read the outbox and enqueue replays; this process never relays.
    const events = createEventBus({ conveyor, relay: false, localFanout: false, retention: false });
    const server = createApiServer({
      conveyor,
      events,
      auth: noAuth ? 'disabled' : tokens ? { tokens } : {},
      port,
      host,
    });
    try {
      await conveyor.ping();
      const { url } = await server.listen();
      const accepts = noAuth ? '; auth DISABLED' : tokens ? '; API keys and JWTs' : '; API keys';
      printLine(
        `conveyor dashboard: dashboard on ${url}/, API on ${url}/api/v1 (OpenAPI: ${url}/api/v1/openapi.json)${accepts}`,
      );
      await stop.signalled;
      return 0;
    } finally {
      await server.close();
      await server.handler.settled();
      stop.dispose();
      await conveyor.close().catch(() => {});
    }
  },
};
