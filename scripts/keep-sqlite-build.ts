/**
 * For CI machines (`.ci/run` runs it after `npm ci`): keeps this machine's build of better-sqlite3 where
 * prebuild-install looks before it downloads — npm's cache, `_prebuilds/`, under the name of the download it stands
 * for (package version, Node ABI, platform, architecture) — so the next `npm ci` on this machine unpacks it instead of
 * compiling SQLite again (about 60 s on two cores). No prebuilt binary can be downloaded here (only the npm registry
 * is reachable), so the first install on a machine always compiles; a new better-sqlite3 or a new Node ABI is a new
 * name, compiled once again. prebuild-install loads what it unpacks before it accepts it.
 *
 *     node scripts/keep-sqlite-build.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
interface PrebuildUtil {
  getDownloadUrl(opts: object): string;
  cachedPrebuild(url: string): string;
}
const util = require('prebuild-install/util') as PrebuildUtil;
/** prebuild-install's own settings for a package (target ABI, platform, arch, libc, tag prefix), as it computes them. */
const settingsFor = require('prebuild-install/rc') as (pkg: object) => object;
const packageJson = require.resolve('better-sqlite3/package.json');
const root = dirname(packageJson);
const binary = join('build', 'Release', 'better_sqlite3.node');

const pkg = require(packageJson) as object;
const kept = util.cachedPrebuild(util.getDownloadUrl({ ...settingsFor(pkg), pkg }));

if (existsSync(kept)) {
  console.log(`better-sqlite3: this machine's build is kept at ${kept}`);
} else if (!existsSync(join(root, binary))) {
  console.log(`better-sqlite3: no build at ${join(root, binary)} to keep`);
} else {
  mkdirSync(dirname(kept), { recursive: true });
  const partial = `${kept}.${process.pid}.tmp`;
  const tar = spawnSync('tar', ['-czf', partial, '-C', root, binary], { stdio: 'inherit' });
  if (tar.status !== 0) process.exit(tar.status ?? 1);
  renameSync(partial, kept);
  console.log(`better-sqlite3: kept this machine's build at ${kept}; the next npm ci here unpacks it`);
}
