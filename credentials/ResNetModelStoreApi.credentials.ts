import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Where Train ResNet-18 saves named models and Classify Image / Evaluate find them, when n8n runs on more than one
 * host (queue mode: workers on several machines): a folder they all mount, or the Postgres database n8n already
 * uses. Without this credential the nodes use this host's folder (~/.n8n/resnet18/models, or RESNET18_MODELS_FOLDER).
 * The nodes test it ("Test" in the dialog) by connecting and creating the store's tables.
 */
export class ResNetModelStoreApi implements ICredentialType {
	name = 'resNetModelStoreApi';

	displayName = 'ResNet Model Store';

	icon = {
		light: 'file:resNetModelStoreApi.svg',
		dark: 'file:resNetModelStoreApi.dark.svg',
	} as const;

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-resnet18#scaling-out-n8n-queue-mode';

	properties: INodeProperties[] = [
		{
			displayName: 'Backend',
			name: 'backend',
			type: 'options',
			options: [
				{
					name: 'Folder',
					value: 'folder',
					description:
						'A folder every worker mounts at the same path: a local disk for one host, NFS v4 (with locking) or a Kubernetes ReadWriteMany volume for several',
				},
				{
					name: 'Postgres',
					value: 'postgres',
					description:
						"A Postgres database (n8n's own is fine): model bytes, versions and the live pointer in a schema of our own, created on first use",
				},
			],
			default: 'folder',
		},
		{
			displayName: 'Folder',
			name: 'folder',
			type: 'string',
			default: '',
			placeholder: '/mnt/models',
			required: true,
			displayOptions: { show: { backend: ['folder'] } },
			description:
				'Absolute path, the same on every worker. A model takes ~45 MB per version; every version is kept for rollback.',
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			displayOptions: { show: { backend: ['postgres'] } },
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
			displayOptions: { show: { backend: ['postgres'] } },
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'n8n',
			displayOptions: { show: { backend: ['postgres'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'n8n',
			displayOptions: { show: { backend: ['postgres'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { backend: ['postgres'] } },
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'resnet18',
			displayOptions: { show: { backend: ['postgres'] } },
			description:
				"Our tables (models, model_versions, model_files) go in this schema, apart from n8n's own; the user needs CREATE on the database the first time",
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'boolean',
			default: false,
			displayOptions: { show: { backend: ['postgres'] } },
			description: 'Whether to connect over TLS (the server certificate is not verified)',
		},
	];
}
