/**
 * For CI machines (`.ci/run` runs it after `npm ci`): keeps this machine's build of better-sqlite3 where
 * prebuild-install looks before it downloads — npm's cache, `_prebuilds/`, under the name of the download it stands
 * for (package version, Node ABI, platform, architecture) — so the next `npm ci` on this machine unpacks it instead of
 * compiling SQLite again (about 60 s on two cores). No prebuilt binary can be downloaded here (only the npm registry
 * is reachable), so the first install on a machine always compiles; a new better-sqlite3 or a new Node ABI is a new
 * name, compiled once again. prebuild-install loads what it unpacks before it accepts it, and compiles when that
 * fails; an install that compiled replaces what was kept, so a build that stopped loading (a system upgrade) is not
 * kept forever. Only a speed-up: whatever goes wrong here is said and ignored.
 *
 *     npm_config_cache="$(npm config get cache)" node scripts/keep-sqlite-build.ts
 *
 * (npm gives install scripts its settings as npm_config_* variables; the cache folder is the one prebuild-install
 * reads, so this script is given the same.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface PrebuildUtil {
  getDownloadUrl(opts: object): string;
  cachedPrebuild(url: string): string;
}

function keep(): string {
  const packageJson = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  // prebuild-install as better-sqlite3 itself resolves it (a nested copy of another version would name files otherwise).
  const fromPackage = createRequire(packageJson);
  const util = fromPackage('prebuild-install/util') as PrebuildUtil;
  /** prebuild-install's own settings for a package (target ABI, platform, arch, libc, tag prefix), as it computes them. */
  const settingsFor = fromPackage('prebuild-install/rc') as (pkg: object) => object;
  const root = dirname(packageJson);
  const binary = join('build', 'Release', 'better_sqlite3.node');
  const pkg = fromPackage(packageJson) as object;
  const kept = util.cachedPrebuild(util.getDownloadUrl({ ...settingsFor(pkg), pkg }));

  // An unpacked prebuild holds the binary alone; node-gyp leaves its object files beside it.
  const compiledNow = existsSync(join(root, 'build', 'Release', 'obj.target'));
  if (existsSync(kept) && !compiledNow) return `this machine's build is kept at ${kept} and was used`;
  if (!existsSync(join(root, binary))) return `no build at ${join(root, binary)} to keep`;
  mkdirSync(dirname(kept), { recursive: true });
  const partial = `${kept}.${process.pid}.tmp`;
  try {
    const tar = spawnSync('tar', ['-czf', partial, '-C', root, binary], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`tar exited with ${tar.status ?? tar.signal}`);
    renameSync(partial, kept);
  } finally {
    rmSync(partial, { force: true });
  }
  return `kept this machine's build at ${kept}; the next npm ci here unpacks it`;
}

try {
  console.log(`better-sqlite3: ${keep()}`);
} catch (error) {
  console.warn(`better-sqlite3: could not keep this machine's build (the next npm ci compiles again): ${String(error)}`);
}
