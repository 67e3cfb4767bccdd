/**
 * The in-process handoff (D5.5): a job enqueued by this process goes straight to an idle local
 * worker inside its insert, without a NOTIFY, a wake-up or a claim round trip.
 *
 *   1. Before the coalesced insert is sent, the batcher asks the local workers for a slot for each
 *      job due now (LocalWorkers.reserveHandoff). A worker offers one only if it is running, serves
 *      the job's queue and name, has a free slot counting the slots already reserved, holds nothing
 *      in its buffer and knows the queue has no pause, limit or group rule. The reservation counts
 *      against its claims until it settles. A claim in flight does not stop it: jobs that claim
 *      took are active, not ready, so none of them is "ahead" in the database's sense below, and at
 *      worst a few of them, charged by the claim for slots the handoff took, wait for a slot (a
 *      crash charges them an attempt unstarted, as it may any job charged by a claim).
 *   2. The insert (job-insert-many-handoff.sql) names that worker; the statement inserts the job already
 *      active under the worker's lease (attempt 1, started now, charged) only if the database
 *      agrees: the queue row has no pause, limit or group rule, and no job of the queue is ready,
 *      so none is ahead of it. Otherwise the job is inserted ready and claimed as usual.
 *   3. After the commit each reservation settles: with the job (HandedOffJob → the worker runs it
 *      exactly as a claimed job: job:active, metrics, outcome and run history are the same), or
 *      with null (not handed off, or the insert failed).
 *
 * Guarantees: the job is active under a lease from its commit on, so if the process dies the
 * rescuer returns it like any claimed job. An insert whose commit is ambiguous (the reply was lost)
 * settles with null; if it did commit, the job is held by a worker that does not know it, and the
 * lease keeper gives it back (two heartbeats, no claim or handoff in flight). Delayed jobs, jobs
 * with a unique key (and their batch), bulk enqueues and enqueues inside a caller's transaction are
 * never handed off.
 */
import type { NewJob } from '../core/enqueue-options.ts';
import type { ClaimedJob } from '../store/job-store.ts';

/** A slot a worker reserved for one job of an insert about to be sent. */
export interface HandoffSlot {
  /** The worker's id, written into the job's lease if the database agrees. */
  readonly workerId: string;
  /** After the insert: the job if it was handed off (the worker starts it), else null. */
  settle(job: ClaimedJob | null): void;
}

/**
 * The claimed job a handed-off insert amounts to: what a claim of that row would have returned.
 * Payload and metadata are copied through JSON, as the database round trip would have done, so
 * the handler never shares (or sees later changes to) the caller's objects.
 */
export function handedOffJob(job: NewJob, id: string, at: Date): ClaimedJob {
  return {
    id,
    queue: job.queue,
    name: job.name,
    payload: job.payload === null ? null : JSON.parse(JSON.stringify(job.payload)),
    priority: job.priority,
    attempt: 1,
    maxAttempts: job.maxAttempts,
    backoff: job.backoff,
    timeoutMs: job.timeoutMs,
    tenantId: job.tenantId,
    groupKey: job.groupKey,
    metadata: job.metadata === null ? null : JSON.parse(JSON.stringify(job.metadata)),
    createdAt: at,
    claimedAt: at,
    leaseSeq: null,
  };
}
