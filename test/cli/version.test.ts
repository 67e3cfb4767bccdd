/** `conveyor --version` / `-v` print the package's version (issue 12, defect 10). */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, REPO_ROOT, runCli } from './cli-process.ts';

afterAll(killAll);
const { version } = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string };

describe('conveyor --version', () => {
  it('prints the version and exits 0, as --version and as -v', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect(result, flag).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('lists the flag in the help', async () => {
    expect((await runCli(['--help'])).stdout).toContain('-v, --version');
  });
});
