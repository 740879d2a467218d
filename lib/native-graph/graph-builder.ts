import type { AttrValueMessage, GraphDefMessage, GraphProto, TensorShapeMessage } from './proto';

/** An attribute value, as TensorFlow's op definitions type them. */
export type Attr =
	| { readonly type: 'float32' | 'int32' }
	| { readonly string: string }
	| { readonly bool: boolean }
	| { readonly int: number }
	| { readonly ints: readonly number[] }
	| { readonly shape: readonly number[] };

/** A signature's input or output: the graph tensor and its shape (-1 for a dimension known only at run time). */
export interface SignatureTensor {
	readonly node: string;
	readonly shape: readonly number[];
}

/**
 * A TensorFlow GraphDef built node by node, written as a SavedModel with no variables: every weight is a Const node,
 * which is what lets TensorFlow's graph optimiser fold and fuse around them and oneDNN keep its reordered filters.
 * Names are the caller's; each op's output 0 is `name` (TensorFlow's `name:0`).
 */
export class GraphBuilder {
	private readonly graph: GraphDefMessage;
	private readonly names = new Set<string>();

	constructor(private readonly proto: GraphProto) {
		this.graph = new proto.GraphDef();
	}

	placeholder(name: string, shape: readonly number[]): string {
		return this.node(
			name,
			'Placeholder',
			[],
			this.attrs({ dtype: { type: 'float32' }, shape: { shape } }),
		);
	}

	constant(name: string, values: Float32Array | Int32Array, shape: readonly number[]): string {
		const { DataType } = this.proto;
		const dtype = values instanceof Float32Array ? DataType.DT_FLOAT : DataType.DT_INT32;
		const tensor = new this.proto.Tensor();
		tensor.setDtype(dtype);
		tensor.setTensorShape(this.shape(shape));
		// Little-endian bytes, as every host tfjs-node ships for stores them.
		tensor.setTensorContent(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
		const value = new this.proto.AttrValue();
		value.setTensor(tensor);
		const type = new this.proto.AttrValue();
		type.setType(dtype);
		return this.node(name, 'Const', [], { dtype: type, value });
	}

	/** An op on float32 tensors: its `T` attribute is set here. */
	op(
		name: string,
		op: string,
		inputs: readonly string[],
		attrs: Readonly<Record<string, Attr>> = {},
	): string {
		return this.node(name, op, inputs, this.attrs({ T: { type: 'float32' }, ...attrs }));
	}

	/** The SavedModel file (`saved_model.pb`) with one signature per entry of `signatures`, tagged `serve`. */
	savedModel(
		input: SignatureTensor,
		signatures: Readonly<Record<string, Readonly<Record<string, SignatureTensor>>>>,
	): Uint8Array {
		const { proto } = this;
		const meta = new proto.MetaGraphDef();
		const info = new proto.MetaGraphDef.MetaInfoDef();
		info.addTags('serve');
		meta.setMetaInfoDef(info);
		meta.setGraphDef(this.graph);
		for (const [key, outputs] of Object.entries(signatures)) {
			const signature = new proto.SignatureDef();
			signature.setMethodName('tensorflow/serving/predict');
			signature.getInputsMap().set('x', this.tensorInfo(input));
			for (const [name, output] of Object.entries(outputs))
				signature.getOutputsMap().set(name, this.tensorInfo(output));
			meta.getSignatureDefMap().set(key, signature);
		}
		const model = new proto.SavedModel();
		model.setSavedModelSchemaVersion(1);
		model.addMetaGraphs(meta);
		return model.serializeBinary();
	}

	private node(
		name: string,
		op: string,
		inputs: readonly string[],
		attrs: Readonly<Record<string, AttrValueMessage>>,
	): string {
		if (this.names.has(name)) throw new Error(`internal: graph node ${name} defined twice`);
		for (const input of inputs)
			if (!this.names.has(input))
				throw new Error(`internal: ${name} reads undefined node ${input}`);
		this.names.add(name);
		const node = new this.proto.NodeDef();
		node.setName(name);
		node.setOp(op);
		for (const input of inputs) node.addInput(input);
		for (const [key, value] of Object.entries(attrs)) node.getAttrMap().set(key, value);
		this.graph.addNode(node);
		return name;
	}

	private attrs(attrs: Readonly<Record<string, Attr>>): Record<string, AttrValueMessage> {
		const messages: Record<string, AttrValueMessage> = {};
		for (const [key, attr] of Object.entries(attrs)) messages[key] = this.attr(attr);
		return messages;
	}

	private attr(attr: Attr): AttrValueMessage {
		const value = new this.proto.AttrValue();
		if ('type' in attr)
			value.setType(
				attr.type === 'float32' ? this.proto.DataType.DT_FLOAT : this.proto.DataType.DT_INT32,
			);
		else if ('string' in attr) value.setS(Buffer.from(attr.string));
		else if ('bool' in attr) value.setB(attr.bool);
		else if ('int' in attr) value.setI(attr.int);
		else if ('shape' in attr) value.setShape(this.shape(attr.shape));
		else {
			const list = new this.proto.AttrValue.ListValue();
			for (const i of attr.ints) list.addI(i);
			value.setList(list);
		}
		return value;
	}

	private shape(dims: readonly number[]): TensorShapeMessage {
		const shape = new this.proto.TensorShape();
		for (const size of dims) {
			const dim = new this.proto.TensorShape.Dim();
			dim.setSize(size);
			shape.addDim(dim);
		}
		return shape;
	}

	private tensorInfo(tensor: SignatureTensor) {
		const info = new this.proto.TensorInfo();
		info.setName(`${tensor.node}:0`);
		info.setDtype(this.proto.DataType.DT_FLOAT);
		info.setTensorShape(this.shape(tensor.shape));
		return info;
	}
}
