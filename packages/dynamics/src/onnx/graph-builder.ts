import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** An attribute value: numbers become INT attributes unless listed as floats, strings become STRING. */
export type AttributeValue =
  | number
  | string
  | number[]
  | { float: number }
  | { tensor: onnxProto.onnx.ITensorProto };

/** A dimension of a graph input or output: a fixed size or a symbolic name (dynamic). */
export type Dim = number | string;

/**
 * A small writer of ONNX graphs: nodes in topological order, float32 initializers stored as raw little-endian
 * bytes, every intermediate value given a fresh unique name.
 */
export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name starting with `prefix`. */
  name(prefix: string): string {
    let candidate = prefix;
    for (let i = 1; this.used.has(candidate); i++) candidate = `${prefix}_${i}`;
    this.used.add(candidate);
    return candidate;
  }

  input(name: string, elemType: 'float32' | 'int64', dims: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: 'float32' | 'int64', dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 constant: `data` row-major with shape `dims`. */
  floatInitializer(prefix: string, data: Float32Array, dims: number[]): string {
    const name = this.name(prefix);
    this.initializers.push(floatTensor(name, data, dims));
    return name;
  }

  int64Initializer(prefix: string, values: number[], dims: number[]): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims, int64Data: values });
    return name;
  }

  /** Appends one node and returns the name of its (single) output, `outputName` when given. */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputName?: string,
  ): string {
    const output = outputName === undefined ? this.name(opType.toLowerCase()) : this.claim(outputName);
    this.nodes.push({
      opType,
      name: this.name(`${opType}_node`),
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** The model: IR version 8, the default ONNX domain at `opset`. */
  model(options: { opset: number; graphName: string; producer: string; docString?: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: options.opset }],
      producerName: options.producer,
      docString: options.docString ?? '',
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    // protobufjs hands out a Node Buffer, possibly a slice of a shared pool: return a plain array of its own.
    return new Uint8Array(onnx.ModelProto.encode(model).finish());
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is already used`);
    this.used.add(name);
    return name;
  }
}

export function floatTensor(name: string, data: Float32Array, dims: number[]): onnxProto.onnx.ITensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size)
    throw new RangeError(`ONNX tensor '${name}': ${data.length} values for shape [${dims}]`);
  // Raw data is little-endian; copying also detaches the tensor from a view into a larger buffer.
  const raw = new Uint8Array(size * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < size; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: raw };
}

function valueInfo(name: string, elemType: 'float32' | 'int64', dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemType === 'float32' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new RangeError(`ONNX attribute '${name}': ${value} is not an integer`);
    return { name, type: Type.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: Type.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: value };
  if ('float' in value) return { name, type: Type.FLOAT, f: value.float };
  return { name, type: Type.TENSOR, t: value.tensor };
}
