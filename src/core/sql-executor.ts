/** Anything that runs a parameterized statement: pg Client/PoolClient, a Kysely or Prisma adapter… */
export interface SqlExecutor {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] } | unknown[]>;
}
