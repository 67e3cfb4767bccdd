/**
 * Loads the store's SQL files (queries, numbered migrations, function definitions) once per schema.
 * Files name the schema `conveyor`; it is replaced by the configured (validated) schema
 * identifier, so one set of files serves every schema.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ValidationError } from '../../core/errors.ts';

/**
 * The folder holding queries/, migrations/ and functions/: beside this module (src/, or the
 * per-file compiled dist/store/postgres/), or dist/store/postgres/ when this module was bundled
 * into dist/index.js or a chunk in dist/chunks/ (scripts/bundle.mjs).
 */
const SQL_DIR =
  [
    new URL('./', import.meta.url),
    new URL('./store/postgres/', import.meta.url),
    new URL('../store/postgres/', import.meta.url),
  ].find((dir) => existsSync(new URL('./queries/', dir))) ?? new URL('./', import.meta.url);
const QUERIES_DIR = new URL('./queries/', SQL_DIR);
const MIGRATIONS_DIR = new URL('./migrations/', SQL_DIR);
const FUNCTIONS_DIR = new URL('./functions/', SQL_DIR);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A SQL function's definition: one `CREATE OR REPLACE FUNCTION` per file in `functions/`. */
export interface FunctionFile {
  /** The file name without `.sql` (the function's name). */
  name: string;
  sql: string;
  /** sha256 of the file as written (before the schema is substituted), so it is the same in every schema. */
  checksum: string;
}

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ValidationError(
      'schema',
      `${JSON.stringify(schema)} is not a valid schema name; use lowercase letters, digits and "_"`,
    );
  }
}

function withSchema(sql: string, schema: string): string {
  return schema === 'conveyor' ? sql : sql.replace(/\bconveyor(?=[.;])/g, `"${schema}"`);
}

const cache = new Map<string, Map<string, string>>();

/**
 * The text of `queries/<name>.sql` for `schema`, read when first asked for. Reading the whole
 * folder (131 files, 540 kB) at the first query took 12 ms; a cold worker needs about ten of them
 * (cold_start_ms, issue 17).
 */
export function querySql(schema: string, name: string): string {
  let files = cache.get(schema);
  if (!files) {
    files = new Map();
    cache.set(schema, files);
  }
  let sql = files.get(name);
  if (sql === undefined) {
    let text: string;
    try {
      text = readFileSync(new URL(`${name}.sql`, QUERIES_DIR), 'utf8');
    } catch {
      throw new Error(`missing SQL file queries/${name}.sql`);
    }
    sql = withSchema(text, schema);
    files.set(name, sql);
  }
  return sql;
}

/** Every migration, in version order, for `schema`. */
export function migrations(schema: string): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: withSchema(readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'), schema),
    }));
}

/** Every function file, in name order, for `schema`. */
export function functionFiles(schema: string): FunctionFile[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, FUNCTIONS_DIR), 'utf8');
      return {
        name: file.slice(0, -4),
        sql: withSchema(text, schema),
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
}
