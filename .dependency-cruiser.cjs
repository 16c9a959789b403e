/**
 * Architecture rules (STYLE.md "Ports and composition"), checked by dependency-cruiser in `npm run lint`.
 * Every set is derived from folders; where a folder mixes pure modules and adapters (shared/findings,
 * shared/notify, shared/events) the pure set is a path regex naming the pure modules of that folder
 * (a new `render*.ts` under shared/notify is pure by its name).
 *
 * test/architecture.test.ts proves each rule can fail, on fixtures under test/fixtures/architecture/
 * (excluded here; the test cruises them with this same file and ARCH_ROOT set to the fixture root).
 */
// The fixtures mirror the real layout under a root of their own; the real run's root is the repository.
const ROOT = process.env.ARCH_ROOT ? `${process.env.ARCH_ROOT.replace(/\/+$/, '')}/` : '';
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const at = (re) => `^${esc(ROOT)}(?:${re})`;

/** The pure core: domain and rules folders, and the pure modules of the mixed folders. */
const PURE = at(
  [
    'shared/domain/',
    'shared/rules/',
    'shared/findings/(?:diff|keys|waivers|page|query)\\.ts$',
    'shared/notify/(?:plan|templates|escape|bound|links|linkLimits|render[^/]*|channels/[^/]+)\\.ts$',
    'shared/events/parse\\.ts$',
  ].join('|'),
);
/** Dev-only code: the loopback emulator, the estates it serves, the embedded Azurite, the local receivers, the demo. */
const DEV_ONLY = at('emulator/|estates/|shared/local/|shared/notify/local\\.ts$|cli/demo\\.ts$');
/** What ships: the Functions, the shared core and adapters, the CLI, its bin. */
const PRODUCTION = at('(?:shared|functions|cli|bin)/');
const TESTS = at('test/');
/** Libraries the pure core may use: computation only, no I/O. */
const PURE_LIBRARIES = '^node_modules/zod/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles (type-only edges are erased at run time and do not count). Move the shared part into a module both import.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'pure-no-sdk',
      severity: 'error',
      comment: 'The pure core imports no SDK or I/O package (@azure/*, nodemailer, azurite, ...): put I/O in an adapter behind a port.',
      from: { path: PURE },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'], pathNot: PURE_LIBRARIES },
    },
    {
      name: 'pure-no-node-io',
      severity: 'error',
      comment: 'The pure core does no node I/O (fs, http, https, net, tls, child_process, os, path, ...); hashing with node:crypto is allowed.',
      from: { path: PURE },
      to: { dependencyTypes: ['core'], pathNot: '^(?:node:)?crypto$' },
    },
    {
      name: 'pure-only-pure',
      severity: 'error',
      comment: 'The pure core imports only the pure core (no adapters, use cases, configuration or composition).',
      from: { path: PURE },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['type-only'], pathNot: PURE },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Nothing outside test/ imports a test file or fixture.',
      from: { pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'Production code (shared/, functions/, cli/, bin/, except dev-only code) imports no devDependency (types only are fine; a lazy import() from cli/ or bin/ is the dev-only path).',
      from: { path: PRODUCTION, pathNot: DEV_ONLY },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'functions-shared-no-dev-dep',
      severity: 'error',
      comment: 'shared/ and functions/ (the Function App) never reach a devDependency, not even lazily: `npm ci --omit=dev` deploys them.',
      from: { path: at('(?:shared|functions)/'), pathNot: DEV_ONLY },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unlisted-package',
      severity: 'error',
      comment: 'Production code imports only packages listed in package.json dependencies.',
      from: { path: PRODUCTION, pathNot: DEV_ONLY },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'dev-only-lazily-from-cli',
      severity: 'error',
      comment: 'Dev-only code (emulator/, estates/, shared/local/, shared/notify/local.ts, cli/demo.ts) is reached from cli/ only through a lazy `await import()`.',
      from: { path: at('(?:cli|bin)/'), pathNot: DEV_ONLY },
      to: { path: DEV_ONLY, dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'dev-only-not-from-product',
      severity: 'error',
      comment: 'shared/ and functions/ never import dev-only code, not even lazily.',
      from: { path: at('(?:shared|functions)/'), pathNot: DEV_ONLY },
      to: { path: DEV_ONLY, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-not-to-entry-points',
      severity: 'error',
      comment: 'shared/ never imports functions/ or cli/ (and never @azure/functions): triggers live in functions/.',
      from: { path: at('shared/') },
      to: { path: [at('(?:functions|cli)/'), '^node_modules/@azure/functions/'] },
    },
    {
      name: 'functions-through-host',
      severity: 'error',
      comment: 'functions/ imports only the host and composition root (shared/host.ts, shared/compose.ts), the names (shared/names.ts), @azure/functions and node:crypto: entry points reach adapters and use cases only through the host.',
      from: { path: at('functions/') },
      to: { pathNot: [at('shared/(?:host|compose|names)\\.ts$'), '^node_modules/@azure/functions/', '^(?:node:)?crypto$'] },
    },
    {
      name: 'not-to-functions',
      severity: 'error',
      comment: 'Only the Functions host (and the tests and benchmarks, which call handlers directly) load functions/.',
      from: { pathNot: [at('functions/'), TESTS, at('bench/')] },
      to: { path: at('functions/') },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // The normal run never looks at the architecture fixtures (they break every rule on purpose).
    exclude: { path: ROOT ? ['^dist/', '^coverage/'] : ['^dist/', '^coverage/', '^test/fixtures/architecture/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
