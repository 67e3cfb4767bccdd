/** `conveyor keys create|list|revoke`: API keys of the REST API (`conveyor-jobs/api`), stored hashed. */
import { createApiKey } from '../../api/api-keys.ts';
import { isApiRole } from '../../api/principal.ts';
import { internalsOf } from '../../client/conveyor-internals.ts';
import { expectPositionals, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { formatTable, printJson, printLine, printNote } from '../output.ts';

const CREATE_HELP = `Usage: conveyor keys create --role viewer|operator|admin [--tenant T] [--name N] [--json]

Creates an API key and prints it once: only its hash is stored, so it cannot be shown again.
A viewer reads; an operator also retries, cancels, pauses and triggers; an admin also manages
keys, limits and deletes. With --tenant the key sees and touches that tenant's data only.

Flags:
  --role <role>    viewer, operator or admin (required)
  --tenant <id>    scope the key to one tenant
  --name <text>    who or what uses it (default: the role)`;

const LIST_HELP = `Usage: conveyor keys list [--revoked] [--json]

API keys: id, name, role, tenant, created, revoked (never their secrets).`;

const REVOKE_HELP = `Usage: conveyor keys revoke <id>

Revokes an API key; requests with it get 401 from then on.`;

const setup = { requireConfig: false, logger: commandLogger() };

export const keysCreateCommand: Command = {
  name: 'keys create',
  summary: 'create an API key (printed once) with a role and optionally a tenant',
  help: CREATE_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('keys create', context.args, {
      role: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
    });
    if (values.help) return showHelp(CREATE_HELP);
    expectPositionals('keys create', positionals, [], 'conveyor keys create --role viewer');
    if (!isApiRole(values.role)) {
      throw new UsageError('--role must be viewer, operator or admin (e.g. --role viewer)');
    }
    const role = values.role;
    const created = await withConveyor(context, values, setup, async (conveyor) =>
      createApiKey(
        await internalsOf(conveyor).store(),
        { name: values.name ?? role, role, tenantId: values.tenant ?? null },
        new Date(),
      ),
    );
    if (values.json) {
      printJson(created);
      return 0;
    }
    printLine(created.key);
    printNote(
      `key ${created.id} (${created.role}${created.tenantId ? `, tenant ${created.tenantId}` : ', every tenant'}): ` +
        'shown once, store it now; send it as Authorization: Bearer <key>',
    );
    return 0;
  },
};

export const keysListCommand: Command = {
  name: 'keys list',
  summary: 'list API keys (never their secrets)',
  help: LIST_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('keys list', context.args, { revoked: { type: 'boolean' } });
    if (values.help) return showHelp(LIST_HELP);
    expectPositionals('keys list', positionals, [], 'conveyor keys list');
    const keys = await withConveyor(context, values, setup, async (conveyor) =>
      (await internalsOf(conveyor).store()).apiKeyList({ includeRevoked: values.revoked ?? false }),
    );
    if (values.json) {
      printJson(keys);
      return 0;
    }
    if (keys.length === 0) {
      printLine('no API keys (create one with `conveyor keys create --role admin`)');
      return 0;
    }
    printLine(
      formatTable(
        ['id', 'name', 'role', 'tenant', 'created', 'revoked'],
        keys.map((k) => [
          k.id,
          k.name,
          k.role,
          k.tenantId ?? '(all)',
          k.createdAt.toISOString(),
          k.revokedAt?.toISOString() ?? '-',
        ]),
      ),
    );
    return 0;
  },
};

export const keysRevokeCommand: Command = {
  name: 'keys revoke',
  summary: 'revoke an API key',
  help: REVOKE_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('keys revoke', context.args, {});
    if (values.help) return showHelp(REVOKE_HELP);
    const [id] = expectPositionals('keys revoke', positionals, ['id'], 'conveyor keys revoke <id>');
    if (!/^[0-9a-f]{16}$/.test(id!)) {
      throw new UsageError(
        `${JSON.stringify(id)} is not a key id (16 hex digits; see \`conveyor keys list\`)`,
      );
    }
    const row = await withConveyor(context, values, setup, async (conveyor) =>
      (await internalsOf(conveyor).store()).apiKeyRevoke({ id: id!, now: new Date() }),
    );
    if (!row)
      throw new CliError('KEY_NOT_FOUND', `no active API key ${id} (see \`conveyor keys list --revoked\`)`);
    if (values.json) printJson(row);
    else printLine(`revoked key ${row.id} (${row.name}, ${row.role})`);
    return 0;
  },
};

export const keysCommands: Command[] = [keysCreateCommand, keysListCommand, keysRevokeCommand];
