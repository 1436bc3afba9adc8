// The vendored SDK bundles must be exactly the files the pinned npm package
// ships: a stale or edited copy fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exampleDir } from './harness.mjs';

test('vendor/ matches the installed supertokens-web-js package', () => {
  assert.ok(existsSync(join(exampleDir, 'node_modules', 'supertokens-web-js')), 'run npm ci in frontend-example (make test does)');
  const res = spawnSync(process.execPath, ['scripts/vendor.mjs', '--check'], { cwd: exampleDir, encoding: 'utf8' });
  assert.equal(res.status, 0, `vendor check failed:\n${res.stdout}${res.stderr}`);
});
