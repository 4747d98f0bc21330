/**
 * The public sources `setup` installs: where each one comes from (HTTPS by
 * default, a local mirror with --from), which of its files are kept, and the
 * environment variables that point the downloads elsewhere (an internal
 * mirror, or a loopback server in tests).
 */
import { UserError } from '../common/errors.js';

export const SOURCE_NAMES = ['attack', 'sigma', 'atomics'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface SourceDef {
  name: SourceName;
  /** Folder inside the data dir and inside a mirror (`../shared/data` layout). */
  dir: string;
  title: string;
  /**
   * Maps a path inside the source (a mirror folder, or an archive with its
   * top-level folder removed) to the path it is installed at, or null to skip.
   */
  select(rel: string): string | null;
}

/** SigmaHQ folders that hold rules or data the engine and the tests use. */
export const SIGMA_FOLDERS = [
  'rules',
  'rules-emerging-threats',
  'rules-threat-hunting',
  'rules-placeholder',
  'rules-compliance',
  'rules-dfir',
  'deprecated',
  'unsupported',
  'regression_data',
  'tests-data',
] as const;

/** Data files of SigmaHQ's test harness, gathered under tests-data/ (as in ../shared/data). */
const SIGMA_TEST_DATA: Record<string, string> = {
  'tests/logsource.json': 'tests-data/logsource.json',
  'tests/thor.yml': 'tests-data/thor.yml',
  'tests/sigma_cli_conf.yml': 'tests-data/sigma_cli_conf.yml',
  '.github/workflows/known-FPs.csv': 'tests-data/known-FPs.csv',
};

const ATOMIC_YAML = /^atomics\/(T\d{4}(?:\.\d{3})?)\/\1\.yaml$/;

export const SOURCES: Record<SourceName, SourceDef> = {
  attack: {
    name: 'attack',
    dir: 'attack',
    title: 'MITRE ATT&CK Enterprise (STIX bundle and release index)',
    select: (rel) => (rel === 'enterprise-attack.json' || rel === 'index.json' ? rel : null),
  },
  sigma: {
    name: 'sigma',
    dir: 'sigma',
    title: 'SigmaHQ rules and regression data',
    select: (rel) => {
      if (rel === 'LICENSE') return rel;
      const mapped = SIGMA_TEST_DATA[rel];
      if (mapped) return mapped;
      const top = rel.slice(0, rel.indexOf('/'));
      return (SIGMA_FOLDERS as readonly string[]).includes(top) ? rel : null;
    },
  },
  atomics: {
    name: 'atomics',
    dir: 'atomic-red-team',
    title: 'Atomic Red Team test definitions',
    // Only the YAML definitions: the payloads under atomics/<T>/src|bin are
    // not needed (commands are data here) and would alarm virus scanners.
    select: (rel) => (rel === 'LICENSE.txt' || ATOMIC_YAML.test(rel) ? rel : null),
  },
};

/** Default upstream revisions. Sigma and Atomic Red Team are pinned to the commits of ../shared/data. */
export const DEFAULTS = {
  attackBaseUrl: 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master',
  sigmaBaseUrl: 'https://github.com/SigmaHQ/sigma/archive',
  sigmaRef: '8eaafff1f2845a696050e05e72ba1140ee190698',
  atomicsBaseUrl: 'https://github.com/redcanaryco/atomic-red-team/archive',
  atomicsRef: '9f85cf3e54b0cbdd6c702375c555273913eff442',
} as const;

/** Where the downloads come from; every field can be changed by an environment variable. */
export interface RemoteConfig {
  /** `<base>/index.json` and `<base>/enterprise-attack/enterprise-attack-<version>.json` (attack-stix-data layout). */
  attackBaseUrl: string;
  /** An ATT&CK version such as `18.1`; undefined = the newest in index.json. */
  attackVersion?: string;
  /** `<base>/<ref>.tar.gz` (GitHub's archive layout: one top-level folder). */
  sigmaBaseUrl: string;
  sigmaRef: string;
  atomicsBaseUrl: string;
  atomicsRef: string;
  /** Pinned sha256 of the downloaded file (attack: the bundle; sigma/atomics: the archive). */
  pins: Partial<Record<SourceName, string>>;
}

/** The environment variables read by `remoteConfigFromEnv`, documented in `setup --help`. */
export const REMOTE_ENV_HELP: readonly [string, string][] = [
  ['TTPSCOPE_SOURCE_BASE_URL', 'base URL of an HTTP mirror: <base>/attack/, <base>/sigma/, <base>/atomic-red-team/'],
  ['TTPSCOPE_ATTACK_BASE_URL', `ATT&CK base (index.json, enterprise-attack/enterprise-attack-<v>.json); default ${DEFAULTS.attackBaseUrl}`],
  ['TTPSCOPE_ATTACK_VERSION', 'ATT&CK version to install, e.g. 18.1 (default: the newest in index.json)'],
  ['TTPSCOPE_SIGMA_BASE_URL', `SigmaHQ archive base (<base>/<ref>.tar.gz); default ${DEFAULTS.sigmaBaseUrl}`],
  ['TTPSCOPE_SIGMA_REF', `SigmaHQ commit or tag; default ${DEFAULTS.sigmaRef}`],
  ['TTPSCOPE_ATOMICS_BASE_URL', `Atomic Red Team archive base; default ${DEFAULTS.atomicsBaseUrl}`],
  ['TTPSCOPE_ATOMICS_REF', `Atomic Red Team commit or tag; default ${DEFAULTS.atomicsRef}`],
  ['TTPSCOPE_ATTACK_SHA256, TTPSCOPE_SIGMA_SHA256, TTPSCOPE_ATOMICS_SHA256', 'pin the sha256 of the downloaded bundle/archive'],
];

const REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const VERSION = /^\d{1,3}(?:\.\d{1,3}){0,2}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function baseUrl(value: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`not a URL: ${JSON.stringify(value)}`, { path: variable }, 'give an http:// or https:// base URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`unsupported URL scheme ${url.protocol}`, { path: variable }, 'give an http:// or https:// base URL');
  }
  return url.href.replace(/\/+$/, '');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

export function remoteConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RemoteConfig {
  const common = nonEmpty(env.TTPSCOPE_SOURCE_BASE_URL);
  const commonBase = common ? baseUrl(common, 'TTPSCOPE_SOURCE_BASE_URL') : undefined;
  const pick = (variable: string, sub: string, dflt: string): string => {
    const v = nonEmpty(env[variable]);
    if (v) return baseUrl(v, variable);
    return commonBase ? `${commonBase}/${sub}` : dflt;
  };
  const ref = (variable: string, dflt: string): string => {
    const v = nonEmpty(env[variable]) ?? dflt;
    if (!REF.test(v)) throw new UserError(`not a git commit or tag: ${JSON.stringify(v)}`, { path: variable }, 'use letters, digits, ".", "_" or "-"');
    return v;
  };
  const attackVersion = nonEmpty(env.TTPSCOPE_ATTACK_VERSION);
  if (attackVersion !== undefined && !VERSION.test(attackVersion)) {
    throw new UserError(`not an ATT&CK version: ${JSON.stringify(attackVersion)}`, { path: 'TTPSCOPE_ATTACK_VERSION' }, 'e.g. 18.1');
  }
  const pins: Partial<Record<SourceName, string>> = {};
  for (const name of SOURCE_NAMES) {
    const variable = `TTPSCOPE_${name.toUpperCase()}_SHA256`;
    const v = nonEmpty(env[variable])?.toLowerCase();
    if (v === undefined) continue;
    if (!HEX64.test(v)) throw new UserError('not a sha256 (64 hex digits)', { path: variable });
    pins[name] = v;
  }
  return {
    attackBaseUrl: pick('TTPSCOPE_ATTACK_BASE_URL', 'attack', DEFAULTS.attackBaseUrl),
    ...(attackVersion !== undefined ? { attackVersion } : {}),
    sigmaBaseUrl: pick('TTPSCOPE_SIGMA_BASE_URL', 'sigma', DEFAULTS.sigmaBaseUrl),
    sigmaRef: ref('TTPSCOPE_SIGMA_REF', DEFAULTS.sigmaRef),
    atomicsBaseUrl: pick('TTPSCOPE_ATOMICS_BASE_URL', 'atomic-red-team', DEFAULTS.atomicsBaseUrl),
    atomicsRef: ref('TTPSCOPE_ATOMICS_REF', DEFAULTS.atomicsRef),
    pins,
  };
}

/** `--only attack,sigma` → the names, in install order; unknown names are a usage error. */
export function parseOnly(value: string | undefined): SourceName[] {
  if (value === undefined) return [...SOURCE_NAMES];
  const wanted = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0) throw new UserError('--only needs at least one source', undefined, `choose from ${SOURCE_NAMES.join(', ')}`);
  for (const w of wanted) {
    if (!(SOURCE_NAMES as readonly string[]).includes(w)) {
      throw new UserError(`unknown source ${JSON.stringify(w)} in --only`, undefined, `choose from ${SOURCE_NAMES.join(', ')}`);
    }
  }
  return SOURCE_NAMES.filter((n) => wanted.includes(n));
}
