import type { Registry } from "prom-client";
import type { ZodType } from "zod";
import type { Config } from "../config/env";
import type { DbHandle } from "../db/client";
import type { Logger } from "../lib/logger";
import type { CacheManager } from "../redis/types";
import type { MonitoredQueue } from "./metrics";
import type { JobName, QueueName } from "./queues";

// One shape for a job whatever runs it: a BullMQ worker (worker process) or the in-process runner
// (embedded mode). Processors (src/processors/) see only this.

export interface JobContext<T> {
  id: string;
  name: JobName;
  data: T;
  /** Attempts that failed before this one. */
  attemptsMade: number;
  updateProgress(progress: object): Promise<void>;
  /** True once the process is shutting down: a long job stops at a safe point (throw JobPausedError). */
  shouldStop(): boolean;
  logger: Logger;
}

export interface ProcessorDeps {
  config: Config;
  logger: Logger;
  db: DbHandle;
  cache: CacheManager;
  metrics: Registry;
  jobs: JobDispatcher;
}

export interface JobDefinition<T = unknown> {
  queue: QueueName;
  name: JobName;
  payload: ZodType<T>;
  run(job: JobContext<T>, deps: ProcessorDeps): Promise<unknown>;
  /** After the last attempt failed (or the job stalled too often): leave the domain state honest. */
  onFinalFailure?(data: T, error: Error, deps: ProcessorDeps): Promise<void>;
}

/**
 * Thrown by a processor that stopped at a safe point because the process is shutting down. The job
 * goes back to the queue without using up an attempt, and resumes from its checkpoint.
 */
export class JobPausedError extends Error {
  constructor() {
    super("paused for shutdown");
    this.name = "JobPausedError";
  }
}

export interface FailedJobInfo {
  id: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  failedAt: string | null;
}

export interface QueueReport {
  name: string;
  counts: Record<string, number>;
  failed: FailedJobInfo[];
  schedulers: {
    id: string;
    name: string;
    pattern: string | null;
    every: number | null;
    next: string | null;
  }[];
}

export type ImportJobState =
  | { state: "missing" | "pending" | "completed" }
  | { state: "failed"; reason: string };

/** Where the API and processors send jobs: BullMQ queues, or the in-process runner. */
export interface JobDispatcher {
  readonly mode: "bullmq" | "in-process";
  /** Idempotent per batch run. */
  enqueueImport(batchId: number, run: number): Promise<void>;
  enqueue(name: JobName, data: object): Promise<void>;
  /**
   * Asks for a run of the measure refresh (imports.rollups.ts). Deduplicated while waiting: any number
   * of requests before a run starts make one run; a request during a run makes one more after it.
   */
  enqueueMeasuresRefresh(): Promise<void>;
  /** Where the job of a batch run stands (the recovery sweep settles batches whose job was lost). */
  importJobState(batchId: number, run: number): Promise<ImportJobState>;
  /** For health and metrics (queue depth). */
  queues(): readonly MonitoredQueue[];
  /** Counts by state, recent failures with reasons, schedulers: the queue admin view. */
  report(failedLimit: number): Promise<QueueReport[]>;
  close(): Promise<void>;
}

/** A definition of any payload (run and onFinalFailure are methods, so the payload type is bivariant). */
export type AnyJobDefinition = JobDefinition<unknown>;
