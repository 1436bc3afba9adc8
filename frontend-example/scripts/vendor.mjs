// Copies the browser bundles that the supertokens-web-js npm package ships
// (bundle/*.js, plain <script> files that define globals) into vendor/,
// under stable names, so the example app needs no build step.
//
//   npm run vendor            refresh vendor/ from node_modules
//   node scripts/vendor.mjs --check   exit 1 if vendor/ differs (used by tests)
//
// The files are the package's published distributable (Apache-2.0); its
// LICENSE.md is copied next to them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'node_modules', 'supertokens-web-js');
const vendorDir = join(root, 'vendor');

// Load order matters: the website bundle holds the webpack runtime that the
// other two depend on (webpack "dependOn" in the package's webpack.config.js).
export const BUNDLES = [
  { prefix: 'website.', out: 'supertokens-website.js', global: 'supertokensWebsite' },
  { prefix: 'supertokens.', out: 'supertokens.js', global: 'supertokens' },
  { prefix: 'session.', out: 'supertokens-session.js', global: 'supertokensSession' },
];

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Returns [{out, source, bytes}] for the installed package, or throws. */
export function installedFiles() {
  if (!existsSync(pkgDir)) {
    throw new Error(`supertokens-web-js is not installed in ${pkgDir}: run "npm ci" in frontend-example/`);
  }
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  const names = readdirSync(join(pkgDir, 'bundle'));
  const files = BUNDLES.map((b) => {
    const hits = names.filter((n) => n.startsWith(b.prefix) && n.endsWith('.js'));
    if (hits.length !== 1) {
      throw new Error(`expected exactly one bundle/${b.prefix}*.js in supertokens-web-js@${version}, found ${hits.length}`);
    }
    return { out: b.out, source: `bundle/${hits[0]}`, bytes: readFileSync(join(pkgDir, 'bundle', hits[0])) };
  });
  files.push({ out: 'LICENSE.md', source: 'LICENSE.md', bytes: readFileSync(join(pkgDir, 'LICENSE.md')) });
  return { version, files };
}

/** The manifest that records where each vendored file came from. */
export function manifest(version, files) {
  return JSON.stringify({
    package: 'supertokens-web-js',
    version,
    refresh: 'npm run vendor',
    files: Object.fromEntries(files.map((f) => [f.out, { source: f.source, sha256: sha256(f.bytes) }])),
  }, null, 2) + '\n';
}

/** Lists every difference between vendor/ and the installed package. */
export function differences() {
  const { version, files } = installedFiles();
  const diffs = [];
  for (const f of files) {
    const p = join(vendorDir, f.out);
    if (!existsSync(p)) diffs.push(`vendor/${f.out} is missing`);
    else if (!readFileSync(p).equals(f.bytes)) diffs.push(`vendor/${f.out} differs from ${f.source} of supertokens-web-js@${version}`);
  }
  const m = join(vendorDir, 'MANIFEST.json');
  if (!existsSync(m) || readFileSync(m, 'utf8') !== manifest(version, files)) {
    diffs.push(`vendor/MANIFEST.json does not describe supertokens-web-js@${version}`);
  }
  return diffs;
}

function write() {
  const { version, files } = installedFiles();
  for (const f of files) writeFileSync(join(vendorDir, f.out), f.bytes);
  writeFileSync(join(vendorDir, 'MANIFEST.json'), manifest(version, files));
  console.log(`vendored supertokens-web-js@${version}: ${files.map((f) => f.out).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const diffs = differences();
    for (const d of diffs) console.error(d);
    process.exit(diffs.length ? 1 : 0);
  }
  write();
}
