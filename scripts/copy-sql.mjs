// Copies the store's .sql files next to the compiled JavaScript, which loads them at run time.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['store/postgres/migrations', 'store/postgres/queries', 'store/postgres/functions']) {
  if (existsSync(`src/${dir}`)) cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
