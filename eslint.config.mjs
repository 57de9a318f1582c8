import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

// Tags (see each project.json) and what they may depend on. `libs/testing` is for test files
// only: production code of an app or a library never imports it.
const layers = [
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'] },
  { sourceTag: 'type:rules', onlyDependOnLibsWithTags: ['type:domain', 'type:rules'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:rules', 'type:util'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util', 'type:tool'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:rules', 'type:util', 'type:tool', 'type:testing'] },
];
const testFiles = ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.data/**', '**/coverage/**', '**/*.js', '**/*.mjs', 'test-artifacts/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: layers }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: testFiles,
    rules: {
      // Tests are outside the project graph (.nxignore): a library's tests use @dmp/testing, which
      // builds on that library. Production code keeps the rule; tests can only reach other
      // projects through their public aliases, and apps have none.
      '@nx/enforce-module-boundaries': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      
    },
  },
  {
    files: testFiles,
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'Focused tests never land.' },
        { object: 'describe', property: 'only', message: 'Focused tests never land.' },
        { object: 'it', property: 'skip', message: 'Say what is unfinished instead of skipping.' },
        { object: 'describe', property: 'skip', message: 'Say what is unfinished instead of skipping.' },
        { object: 'test', property: 'skip', message: 'Say what is unfinished instead of skipping.' },
      ],
    },
  },
  prettier,
];
