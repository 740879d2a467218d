import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Where Train ResNet-18 downloads ImageNet weights from when not from their public homes: a mirror, an internal
 * artifact server, or Hugging Face with a token. The weight file's name is appended to the base URL.
 */
export class ResNetWeightsSourceApi implements ICredentialType {
	name = 'resNetWeightsSourceApi';

	displayName = 'ResNet Weights Source';

	icon = {
		light: 'file:resNetWeightsSourceApi.svg',
		dark: 'file:resNetWeightsSourceApi.dark.svg',
	} as const;

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-resnet18';

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '={{ $credentials.token ? "Bearer " + $credentials.token : "" }}' },
		},
	};

	// "Test" in the credential dialog: the torchvision file must be reachable under the base URL.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl.replace(/\\/+$/, "") }}',
			url: '/resnet18-f37072fd.pth',
			method: 'HEAD',
		},
	};

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://artifacts.example.com/models/',
			description:
				'The weight file name (resnet18-f37072fd.pth or resnet18.a1_in1k.safetensors) is appended to it',
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Sent as "Authorization: Bearer …" (e.g. a Hugging Face token); leave empty for none',
		},
	];
}
