// Copies the store's .sql files next to the compiled JavaScript, which loads them at run time.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['store/postgres/migrations', 'store/postgres/queries']) {
  if (existsSync(`src/${dir}`)) cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
