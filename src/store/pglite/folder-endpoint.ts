/**
 * Where the process holding an embedded data folder listens: a Unix socket named
 * `.s.PGSQL.5432` inside the folder, so node-postgres reaches it with `host=<folder>`. A Unix
 * socket path is limited to about 104 bytes (macOS; 108 on Linux), so for a longer folder path the
 * socket goes to `<os.tmpdir()>/conveyor-<hash of the folder's real path>/`, a name every process
 * derives alike (as long as they agree on TMPDIR). On Windows the lock is a named pipe and the
 * folder is not shared (node-postgres cannot connect to a pipe).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** The longest socket path used as is: under macOS's 104-byte limit, with room for the NUL. */
const MAX_SOCKET_PATH = 100;

export interface FolderEndpoint {
  /** The data folder's real path. */
  folder: string;
  /** The Unix socket (or Windows pipe) whose listener is the folder's holder. */
  socketPath: string;
  /** False on Windows: a second process fails instead of connecting. */
  shareable: boolean;
  /** node-postgres connection string that reaches the holder over the socket. */
  connectionString: string;
  /** The file where the holder records its pid (for messages when it does not answer). */
  holderFile: string;
}

/** Creates the folder if missing and says where its holder listens. */
export function folderEndpoint(
  dataDir: string,
  platform: NodeJS.Platform = process.platform,
): FolderEndpoint {
  mkdirSync(dataDir, { recursive: true });
  const folder = realpathSync(dataDir);
  const hash = createHash('sha256').update(folder).digest('hex').slice(0, 16);
  const holderFile = join(folder, '.conveyor-holder.json');
  if (platform === 'win32') {
    return {
      folder,
      socketPath: `\\\\.\\pipe\\conveyor-${hash}`,
      shareable: false,
      connectionString: '',
      holderFile,
    };
  }
  let socketDir = folder;
  if (Buffer.byteLength(join(folder, SOCKET_NAME)) > MAX_SOCKET_PATH) {
    socketDir = join(tmpdir(), `conveyor-${hash}`); // created by the holder (folder-lock.ts)
  }
  const connectionString = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=${SOCKET_PORT}`;
  return { folder, socketPath: join(socketDir, SOCKET_NAME), shareable: true, connectionString, holderFile };
}
