// n8n's community-node rules, as n8n-nodes-starter's `n8n-node lint` applies them, plus eslint-plugin-n8n-nodes-base's
// node and package.json rules. We use the rule set "without n8n Cloud support": n8n Cloud accepts no runtime
// dependencies and no filesystem access, and a ResNet-18 trainer needs both (sharp, TensorFlow.js, model files).
import tseslint from 'typescript-eslint';
import jsoncParser from 'jsonc-eslint-parser';
import communityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const LIB_NEVER_IMPORTS = [
	{
		group: ['n8n-workflow', 'n8n-core', 'n8n-workflow/*', 'n8n-core/*'],
		message: 'lib/ never imports n8n',
	},
	{
		group: ['../nodes/*', '../../nodes/*', '../credentials/*', '../../credentials/*'],
		message: 'lib/ never imports the nodes',
	},
];

export default tseslint.config(
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'.cache/**',
			'test-artifacts/**',
			'examples/data/**',
			'examples/output/**',
			'test/e2e/*.js',
			'gulpfile.js',
		],
	},
	{
		files: ['**/*.ts'],
		extends: [tseslint.configs.recommended],
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
		},
	},
	// The layers: lib/ never imports n8n or the nodes (the CLI and the nodes share it), and the data pipeline sits
	// below training, so nothing in lib/data imports from lib/train. Import circles are checked by dpdm (npm run lint).
	{
		files: ['lib/**/*.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: LIB_NEVER_IMPORTS }] },
	},
	{
		files: ['lib/data/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						...LIB_NEVER_IMPORTS,
						{
							group: ['../train', '../train/*', '../../train/*'],
							message: 'lib/data sits below lib/train',
						},
					],
				},
			],
		},
	},
	{
		...communityNodes.configs.recommendedWithoutN8nCloudSupport,
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'],
	},
	{
		files: ['package.json'],
		languageOptions: { parser: jsoncParser },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.community.rules,
			// No public repository or maintainer address exists yet; these rules demand both.
			'n8n-nodes-base/community-package-json-author-email-still-default': 'off',
			'n8n-nodes-base/community-package-json-repository-url-still-default': 'off',
		},
	},
	{
		files: ['nodes/**/*.node.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These two predate NodeConnectionTypes, which n8n-nodes-starter and n8n's own nodes now use.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
);
