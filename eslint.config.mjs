// n8n's community-node rules, as n8n-nodes-starter's `n8n-node lint` applies them, plus eslint-plugin-n8n-nodes-base's
// node and package.json rules. We use the rule set "without n8n Cloud support": n8n Cloud accepts no runtime
// dependencies and no filesystem access, and a ResNet-18 trainer needs both (sharp, TensorFlow.js, model files).
import tseslint from 'typescript-eslint';
import jsoncParser from 'jsonc-eslint-parser';
import communityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

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
