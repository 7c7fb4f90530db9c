// ESLint: the guard rails the compiler does not give (issue 12 §5).
// - layering: each source layer imports only the layers below it
//   (dsp <- patch <- engine <- runtime <- control <- dashboard <- agent <- cli; io is a leaf any layer may
//   use, analysis a leaf above io);
// - no floating or misused promises (a dropped promise is a silent failure);
// - exhaustive switches over unions (a new command or module kind must be handled everywhere).
// Run by `npm test` (npm run lint) before the tests.
import tseslint from 'typescript-eslint';

/** Layers, lowest first; a layer may import itself, `io` and any layer before it. */
const LAYERS = ['dsp', 'patch', 'engine', 'runtime', 'control', 'dashboard', 'agent', 'cli'];

function layerRule(layer) {
  const above = LAYERS.slice(LAYERS.indexOf(layer) + 1);
  if (above.length === 0) return [];
  return [
    {
      files: [`src/${layer}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: above.map((upper) => ({
              group: [`**/${upper}/*`, `**/${upper}`],
              message: `src/${layer} sits below src/${upper} and must not import it (layering: ${LAYERS.join(' <- ')}).`,
            })),
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'wasm/**', 'scripts/**', 'eslint.config.js'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // Outside src/dsp the type-aware rules see the program with noUncheckedIndexedAccess on
      // (tsconfig.indexed.json), so a `!` that does nothing there is reported; src/dsp is
      // checked without it (see scripts/check-indexed-access.mjs).
      parserOptions: { project: './tsconfig.indexed.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    files: ['src/dsp/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    // io is a leaf: it imports no other layer.
    files: ['src/io/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [...LAYERS, 'analysis'].map((l) => `**/${l}/*`), message: 'src/io is a leaf: it imports no other layer.' }] },
      ],
    },
  },
  {
    // analysis (pure functions on audio) imports only io.
    files: ['src/analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: LAYERS.map((l) => `**/${l}/*`), message: 'src/analysis imports only src/io: it is pure functions on audio.' }] },
      ],
    },
  },
  ...LAYERS.flatMap(layerRule),
);
