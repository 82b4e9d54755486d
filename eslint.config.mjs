// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const MODULES = [
  'appointment-types',
  'team-members',
  'customers',
  'appointments',
  'webhooks',
  'outbox',
  'blackouts',
];

/**
 * Parameters typed `EntityManager` on the methods `method` selects. Modules own their persistence: a service
 * neither takes a transaction's manager nor hands one on; its repository reads the current transaction's
 * manager from `Transactions.manager`, so a cross-module call reads `teamMembers.assertExist(ids, field)`.
 */
const entityManagerParameters = (method) => ({
  'no-restricted-syntax': [
    'error',
    ...[
      `${method} > FunctionExpression > Identifier[typeAnnotation.typeAnnotation.typeName.name='EntityManager']`,
      `${method} > FunctionExpression > AssignmentPattern > Identifier.left[typeAnnotation.typeAnnotation.typeName.name='EntityManager']`,
    ].map((selector) => ({
      selector,
      message:
        'A service method takes no EntityManager: the repository reads the current transaction from ' +
        'Transactions.manager (src/database/transactions.ts), so callers never pass one.',
    })),
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'eslint.config.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // A module's entities and repositories stay inside it: other modules use its service and events.
  // (One block per importing module: ESLint keeps only the last matching setting of a rule.)
  ...MODULES.map((module) => ({
    files: [`src/${module}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: MODULES.filter((other) => other !== module).flatMap((other) => [
            {
              group: [`**/${other}/*.entity`, `**/${other}/**/*.entity`],
              message: `${other} entities are private to the ${other} module`,
            },
            {
              group: [`**/${other}/*.repository`, `**/${other}/**/*.repository`],
              message: `${other} repositories are private to the ${other} module`,
            },
          ]),
        },
      ],
    },
  })),
  // A function that does not fit on a screen does several things: name them. Tests are tables and stories.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts', 'src/database/migrations/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  { files: ['src/**/*.service.ts'], rules: entityManagerParameters('MethodDefinition') },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  // Build scripts are plain ES modules outside the TypeScript project: linted without type information.
  { files: ['scripts/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
