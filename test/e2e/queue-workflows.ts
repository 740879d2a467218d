/**
 * The queue-mode e2e's workflows and credentials, made from the shipped examples so that what runs on the workers is
 * what users import: `node dist/test/e2e/queue-workflows.js <examples> <out> <data> <shared-models> <pg-json> <credentials.json>`.
 * Per store backend (folder, postgres): a training workflow (Load → Train v2 → Evaluate, both by name through the
 * ResNet Model Store credential) run through the REST API, and a webhook that classifies by name through the same
 * credential and answers with the prediction plus the execution's id (to tell from the logs which worker ran it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface WorkflowNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
	[key: string]: unknown;
}
interface Workflow {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

const BACKENDS = ['folder', 'postgres'] as const;
type Backend = (typeof BACKENDS)[number];

const credentialId = (backend: Backend) => `resnet18Store${backend === 'folder' ? 'Fld' : 'Pg'}01`;
const credentialName = (backend: Backend) => `Model store (${backend}, e2e)`;
const trainWorkflowId = (backend: Backend) =>
	`resnet18QTrain${backend === 'folder' ? 'Fld' : 'Pg'}`;
const classifyPath = (backend: Backend) => `classify-${backend}`;

function read(file: string): Workflow {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as Workflow;
}

function node(wf: Workflow, name: string): WorkflowNode {
	const found = wf.nodes.find((n) => n.name === name);
	if (!found) throw new Error(`${wf.id}: no node "${name}"`);
	return found;
}

function useStore(n: WorkflowNode, backend: Backend): void {
	n.parameters.useModelStore = true;
	n.credentials = {
		resNetModelStoreApi: { id: credentialId(backend), name: credentialName(backend) },
	};
}

function trainWorkflow(examples: string, data: string, backend: Backend): Workflow {
	const wf = read(path.join(examples, 'folder-train-evaluate.json'));
	wf.id = trainWorkflowId(backend);
	wf.name = `queue mode: train on the ${backend} store`;
	node(wf, 'Load Image Dataset').parameters.folder = path.join(data, 'shapes');
	const train = node(wf, 'Train ResNet-18');
	train.typeVersion = 2;
	useStore(train, backend);
	const evaluate = node(wf, 'Evaluate ResNet-18');
	Object.assign(evaluate.parameters, { modelSource: 'named', modelName: 'shapes' });
	delete evaluate.parameters.modelBinaryProperty;
	useStore(evaluate, backend);
	return wf;
}

function classifyWorkflow(examples: string, backend: Backend): Workflow {
	const wf = read(path.join(examples, 'webhook-classify.json'));
	wf.id = `resnet18QCls${backend === 'folder' ? 'Fld' : 'Pg'}`;
	wf.name = `queue mode: classify from the ${backend} store`;
	const webhook = node(wf, 'Webhook');
	webhook.parameters.path = classifyPath(backend);
	webhook.webhookId = `5d3c1b7e-4444-4a6b-9a41-00000000${backend === 'folder' ? 'f01d' : '9051'}`;
	useStore(node(wf, 'Classify Image'), backend);
	node(wf, 'Answer Prediction').parameters.responseBody =
		'={{ { ...$json.prediction, executionId: $execution.id } }}';
	return wf;
}

function main(): void {
	const [examples, out, data, sharedModels, pgJson, credentialsFile] = process.argv.slice(2);
	if (!credentialsFile)
		throw new Error(
			'usage: queue-workflows <examples> <out> <data> <shared-models> <pg-json> <credentials.json>',
		);
	fs.mkdirSync(out, { recursive: true });
	for (const backend of BACKENDS) {
		for (const wf of [trainWorkflow(examples, data, backend), classifyWorkflow(examples, backend)])
			fs.writeFileSync(path.join(out, `${wf.id}.json`), JSON.stringify(wf));
	}
	const pg = JSON.parse(pgJson) as Record<string, unknown>;
	const credentials = [
		{ backend: 'folder' as const, data: { backend: 'folder', folder: sharedModels } },
		{
			backend: 'postgres' as const,
			data: { backend: 'postgres', schema: 'resnet18', ssl: false, ...pg },
		},
	].map(({ backend, data: fields }) => ({
		id: credentialId(backend),
		name: credentialName(backend),
		type: 'resNetModelStoreApi',
		data: fields,
	}));
	fs.writeFileSync(credentialsFile, JSON.stringify(credentials));
}

main();
