/** The job definitions an instance can enqueue and run, checked once at createConveyor. */
import { UnknownJobError, ValidationError } from '../core/errors.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';

export class JobRegistry {
  readonly #definitions: Map<string, AnyJobDefinition>;

  constructor(jobs: readonly AnyJobDefinition[]) {
    const definitions = new Map<string, AnyJobDefinition>();
    for (const [index, definition] of jobs.entries()) {
      if (!definition || typeof definition.handler !== 'function') {
        throw new ValidationError(`jobs[${index}]`, 'is not a job definition; create it with defineJob(...)');
      }
      if (definitions.has(definition.name)) {
        throw new ValidationError(`jobs[${index}].name`, `"${definition.name}" is registered twice`);
      }
      definitions.set(definition.name, definition);
    }
    this.#definitions = definitions;
  }

  /** The registered job definitions, by name. */
  get definitions(): ReadonlyMap<string, AnyJobDefinition> {
    return this.#definitions;
  }

  /** The queues of the registered jobs (a worker's default). */
  get queues(): readonly string[] {
    return [...new Set([...this.#definitions.values()].map((d) => d.queue))];
  }

  /**
   * Adds a definition after creation (the event bus registers one job per durable subscriber); a
   * worker started afterwards runs it. A name already registered to another definition is refused.
   */
  register(definition: AnyJobDefinition): void {
    const existing = this.#definitions.get(definition.name);
    if (existing === definition) return;
    if (existing) throw new ValidationError('name', `"${definition.name}" is registered twice`);
    this.#definitions.set(definition.name, definition);
  }

  /** The definition registered under `name` (CLI, HTTP, schedules), or an UnknownJobError. */
  byName(name: string): AnyJobDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new UnknownJobError(name, [...this.definitions.keys()]);
    return definition;
  }

  /** `job` itself if it is the definition registered under its name, or an UnknownJobError. */
  registered(job: AnyJobDefinition): AnyJobDefinition {
    if (this.definitions.get(job?.name) !== job) {
      throw new UnknownJobError(String(job?.name), [...this.definitions.keys()]);
    }
    return job;
  }
}
