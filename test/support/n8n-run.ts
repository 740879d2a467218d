import { Container } from '@n8n/di';
import { BinaryDataService, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	Workflow,
	type ExecutionError,
	type ICredentialDataDecryptedObject,
	type IConnections,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRun,
	type ITaskData,
	type IWorkflowExecuteAdditionalData,
	type ICredentials,
} from 'n8n-workflow';
import { ClassifyImage } from '../../nodes/ClassifyImage/ClassifyImage.node';
import { EvaluateResNet18 } from '../../nodes/EvaluateResNet18/EvaluateResNet18.node';
import { LoadImageDataset } from '../../nodes/LoadImageDataset/LoadImageDataset.node';
import { TrainResNet18 } from '../../nodes/TrainResNet18/TrainResNet18.node';
import { EMIT_ITEMS_TYPE, EmitItems, type EmittedItem } from './emit-items-node';
import { RESPOND_TYPE, RespondStandIn } from './respond-node';
import { tempDir } from './temp';

/** Our nodes under the type names a real n8n gives them, and the test stand-ins for n8n-nodes-base. */
const NODE_TYPES: Record<string, INodeType> = {
	'n8n-nodes-resnet18.loadImageDataset': new LoadImageDataset(),
	'n8n-nodes-resnet18.trainResNet18': new TrainResNet18(),
	'n8n-nodes-resnet18.evaluateResNet18': new EvaluateResNet18(),
	'n8n-nodes-resnet18.classifyImage': new ClassifyImage(),
	[EMIT_ITEMS_TYPE]: new EmitItems(),
	[RESPOND_TYPE]: new RespondStandIn(),
};

const nodeTypes: INodeTypes = {
	getByName: (type) => known(type),
	getByNameAndVersion: (type) => known(type),
	getKnownTypes: () => ({}),
};

function known(type: string): INodeType {
	const nodeType = NODE_TYPES[type];
	if (!nodeType) throw new Error(`test workflow uses unknown node type "${type}"`);
	return nodeType;
}

export interface Folders {
	/** N8N_USER_FOLDER: n8n's own files, and this package's `.n8n/resnet18`. */
	readonly user: string;
	readonly models: string;
	readonly weightsCache: string;
	/** The one folder nodes may read user files from (N8N_RESTRICT_FILE_ACCESS_TO), as on a default n8n. */
	readonly files: string;
}

/**
 * Point n8n and this package at fresh temporary folders (nothing is written into the repo or home) and start
 * n8n-core's binary-data service: 'default' keeps binary data in the items (n8n's in-memory mode), 'filesystem'
 * writes it under the user folder. Call once per test file, in beforeAll: the service is process-wide.
 */
export async function startN8n(mode: 'default' | 'filesystem' = 'default'): Promise<Folders> {
	const user = tempDir('resnet18-n8n-');
	const folders = {
		user,
		models: tempDir('resnet18-models-'),
		weightsCache: tempDir('resnet18-weights-'),
		files: tempDir('resnet18-files-'),
	};
	process.env.N8N_RESTRICT_FILE_ACCESS_TO = folders.files;
	process.env.N8N_USER_FOLDER = user;
	process.env.RESNET18_MODELS_FOLDER = folders.models;
	process.env.RESNET18_WEIGHTS_CACHE = folders.weightsCache;
	process.env.N8N_DEFAULT_BINARY_DATA_MODE = mode;
	// n8n's logger would print every node error and our nodes' progress lines into the test report.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	await Container.get(BinaryDataService).init();
	return folders;
}

/** A node of a test workflow; id, version and position are filled in. */
export interface TestNode {
	readonly name: string;
	readonly type: string;
	readonly typeVersion?: number;
	readonly parameters?: INodeParameters;
	readonly onError?: INode['onError'];
	readonly credentials?: INode['credentials'];
}

export interface TestWorkflow {
	readonly nodes: readonly TestNode[];
	/** Defaults to the nodes connected one after the other. */
	readonly connections?: IConnections;
	/** Decrypted credential data by credential type, handed out by the stub credentials helper. */
	readonly credentials?: Readonly<Record<string, ICredentialDataDecryptedObject>>;
}

/** The start node of a test workflow, emitting `items`. */
export function start(items: readonly EmittedItem[]): TestNode {
	return { name: 'Start', type: EMIT_ITEMS_TYPE, parameters: { items: JSON.stringify(items) } };
}

export class WorkflowResult {
	constructor(readonly run: IRun) {}

	/** The run's error (what n8n shows in red), undefined when it succeeded. */
	get error(): ExecutionError | undefined {
		return this.run.data.resultData.error;
	}

	task(node: string): ITaskData {
		const runs = this.run.data.resultData.runData[node];
		if (!runs?.length)
			throw new Error(
				`node "${node}" did not run (ran: ${Object.keys(this.run.data.resultData.runData).join(', ')})`,
			);
		return runs[0];
	}

	/** The items a node put out on one of its outputs. */
	output(node: string, index = 0): INodeExecutionData[] {
		return this.task(node).data?.main?.[index] ?? [];
	}

	/** The bytes of a binary property, wherever the binary-data mode keeps them. */
	binary(item: INodeExecutionData, property: string): Promise<Buffer> {
		const data = item.binary?.[property];
		if (!data) throw new Error(`item has no binary property "${property}"`);
		return Container.get(BinaryDataService).getAsBuffer(data);
	}
}

let runs = 0;

/** Runs a test workflow through n8n-core's WorkflowExecute in manual mode, as the editor's "Execute workflow". */
export async function runWorkflow(description: TestWorkflow): Promise<WorkflowResult> {
	const nodes: INode[] = description.nodes.map((node, i) => ({
		id: `node-${i}`,
		typeVersion: 1,
		position: [i * 220, 0],
		parameters: {},
		...node,
	}));
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'test',
		nodes,
		connections: description.connections ?? chain(nodes),
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	// Distinct per run: the filesystem binary-data mode files each execution's data under its id.
	const executionId = `test-${++runs}`;
	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: workflow.id,
		name: 'test',
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections: workflow.connectionsBySourceNode,
	});
	const additionalData = {
		...unusedPlumbing,
		credentialsHelper: new TestCredentialsHelper(description.credentials ?? {}),
		hooks,
		executionId,
		currentNodeExecutionIndex: 0,
	} as IWorkflowExecuteAdditionalData;
	const startNode = nodes.find((n) => n.type === EMIT_ITEMS_TYPE);
	const run = await new WorkflowExecute(additionalData, 'manual').run({ workflow, startNode });
	return new WorkflowResult(run);
}

function chain(nodes: readonly INode[]): IConnections {
	const connections: IConnections = {};
	for (let i = 0; i + 1 < nodes.length; i++)
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return connections;
}

// Expressions' $execution.resumeUrl and the like are built from these; nothing listens there.
const BASE_URL = 'http://127.0.0.1:5678/';

/** What a real n8n wires in for sub-workflows, task runners and URLs; no test workflow reaches it. */
const unusedPlumbing: Partial<IWorkflowExecuteAdditionalData> = {
	executeWorkflow: () => Promise.reject(new Error('sub-workflows are not part of these tests')),
	getRunExecutionData: () => Promise.resolve(undefined),
	getRuntimeCredential: () => Promise.resolve(undefined),
	startRunnerTask: () => Promise.reject(new Error('task runners are not part of these tests')),
	logAiEvent: () => undefined,
	variables: {},
	restApiUrl: `${BASE_URL}rest`,
	instanceBaseUrl: BASE_URL,
	formBaseUrl: `${BASE_URL}form`,
	formWaitingBaseUrl: `${BASE_URL}form-waiting`,
	formTestBaseUrl: `${BASE_URL}form-test`,
	webhookBaseUrl: `${BASE_URL}webhook`,
	webhookWaitingBaseUrl: `${BASE_URL}webhook-waiting`,
	webhookTestBaseUrl: `${BASE_URL}webhook-test`,
	mcpBaseUrl: `${BASE_URL}mcp`,
	mcpTestBaseUrl: `${BASE_URL}mcp-test`,
};

/** Hands out the test's credential data in the clear; n8n's would decrypt them from its database. */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: Readonly<Record<string, ICredentialDataDecryptedObject>>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		_credentials: ICredentialDataDecryptedObject,
		_type: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these nodes');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.data[type];
		if (!data) throw new Error(`the test gave no "${type}" credential`);
		return { ...data };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}
}
