/** Errors of the embedded data folder: they name the folder (never a secret) and say what to do. */
import { ConveyorError, DatabaseTransientError } from '../../core/errors.ts';

/** The folder can neither be held by this process nor reached through the process holding it. */
export class EmbeddedFolderError extends ConveyorError {
  readonly folder: string;
  constructor(folder: string, problem: string, fix: string, options?: { cause?: unknown }) {
    super('EMBEDDED_FOLDER_UNAVAILABLE', `embedded database folder ${folder}: ${problem}; ${fix}`, options);
    this.folder = folder;
  }
}

/**
 * A statement failed because the disk holding the folder is full (SQLSTATE 53100). Transient, as
 * the store classifies disk full on a server: writers retry, and succeed once there is room.
 */
export class EmbeddedDiskFullError extends DatabaseTransientError {
  readonly folder: string;
  constructor(folder: string, cause: unknown) {
    const databaseMessage = (cause as Error).message;
    super(
      `embedded database folder ${folder}: the disk is full (${databaseMessage}); nothing of this statement was written. Free space on that disk: Conveyor carries on by itself once there is room`,
      { code: '53100', databaseMessage },
      { cause },
    );
    this.folder = folder;
  }
}

/** The fix offered when the folder cannot be used at all. */
export const OTHER_FOLDER_FIX = 'choose another dataDir, or set DATABASE_URL to use a PostgreSQL server';
