/**
 * Errors the command line raises itself. Each carries the process exit code it ends with; errors
 * from the engine are mapped to exit codes in `exit-codes.ts`.
 */
import { ExitCode } from './exit-codes.ts';

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode: number = ExitCode.failure) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage: unknown command or flag, a missing or malformed value. Exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('USAGE', message, ExitCode.usage);
  }
}
