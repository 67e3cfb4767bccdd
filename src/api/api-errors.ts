/**
 * The API's own refusals, as ConveyorErrors the problem table (src/http/problem-response.ts) maps
 * to 404, 409 and 403. A record outside the caller's scope is NotFound, exactly as a missing one.
 */
import { ConveyorError } from '../core/errors.ts';

/** 404: absent, or outside the caller's tenant scope (never told apart). */
export class NotFoundError extends ConveyorError {
  constructor(what: string) {
    super('NOT_FOUND', `no ${what}`);
  }
}

/** 409: the record is in a state the action does not apply to. */
export class ConflictError extends ConveyorError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** 403: the credential is valid but its role or scope does not allow the call. */
export class ForbiddenError extends ConveyorError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}
