import { Random } from '@gsdyn/geometry';
import { type PropNetConfig, type PropNetParams, propNetLayers } from './config.js';

/** The name and shape of one parameter, without its values. */
export interface ParameterSpec {
  name: string;
  shape: number[];
}

/** Rejects widths that are not positive integers (propagationSteps may be any integer >= 1). */
export function checkPropNetConfig(config: PropNetConfig): void {
  for (const key of ['vertexDim', 'edgeDim', 'hidden', 'propagationSteps'] as const) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`PropNetConfig.${key} = ${value}: expected an integer >= 1`);
  }
}

/** Every parameter of the network in `PropNetParams` order: each layer's weight [in, out], then its bias [out]. */
export function propNetParameterSpecs(config: PropNetConfig): ParameterSpec[] {
  checkPropNetConfig(config);
  const specs: ParameterSpec[] = [];
  for (const layer of propNetLayers(config)) {
    specs.push({ name: `${layer.name}.weight`, shape: [layer.inputs, layer.outputs] });
    specs.push({ name: `${layer.name}.bias`, shape: [layer.outputs] });
  }
  return specs;
}

/** Total number of scalars in the network. */
export function propNetParameterCount(config: PropNetConfig): number {
  let count = 0;
  for (const spec of propNetParameterSpecs(config)) count += spec.shape.reduce((a, b) => a * b, 1);
  return count;
}

/**
 * A freshly initialised network, as torch.nn.Linear initialises its layers: weights and biases uniform in
 * +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5) reduces to that bound). Values are drawn in parameter order,
 * weights row-major, from one seeded stream, so the same config and seed give the same bytes.
 */
export function initPropNet(config: PropNetConfig, seed: number): PropNetParams {
  const random = new Random(seed);
  return propNetParameterSpecs(config).map((spec) => {
    const fanIn = spec.shape.length === 2 ? spec.shape[0] : biasFanIn(config, spec.name);
    const bound = 1 / Math.sqrt(fanIn);
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = random.uniform(-bound, bound);
    return { name: spec.name, shape: [...spec.shape], data };
  });
}

function biasFanIn(config: PropNetConfig, biasName: string): number {
  const layerName = biasName.slice(0, -'.bias'.length);
  const layer = propNetLayers(config).find((l) => l.name === layerName);
  if (!layer) throw new Error(`no layer for parameter ${biasName}`);
  return layer.inputs;
}

/**
 * Checks that `params` is exactly the parameter list of `config`: same names in the same order, same shapes, data of
 * the right length and finite. `source` prefixes the messages (a file name, for loaded weights).
 */
export function checkPropNetParams(params: PropNetParams, config: PropNetConfig, source = 'params'): void {
  const specs = propNetParameterSpecs(config);
  if (params.length !== specs.length)
    throw new RangeError(
      `${source}: ${params.length} parameters, expected ${specs.length} (${specs.map((s) => s.name).join(', ')})`,
    );
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const param = params[i];
    if (param.name !== spec.name)
      throw new RangeError(`${source}: parameter ${i} is '${param.name}', expected '${spec.name}'`);
    if (param.shape.length !== spec.shape.length || param.shape.some((d, k) => d !== spec.shape[k]))
      throw new RangeError(
        `${source}: ${spec.name} has shape [${param.shape}], expected [${spec.shape}] for this config`,
      );
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!(param.data instanceof Float32Array) || param.data.length !== size)
      throw new RangeError(`${source}: ${spec.name} must hold a Float32Array of ${size} values`);
    for (let k = 0; k < size; k++)
      if (!Number.isFinite(param.data[k]))
        throw new RangeError(`${source}: ${spec.name}[${k}] = ${param.data[k]}: expected a finite number`);
  }
}

/** The parameters by name, for code that reads a layer's weight and bias. */
export function parameterTable(params: PropNetParams): Map<string, Float32Array> {
  const table = new Map<string, Float32Array>();
  for (const p of params) table.set(p.name, p.data);
  return table;
}

/** The weight and bias of one layer, failing with the layer's name when either is missing. */
export function layerParameters(
  table: Map<string, Float32Array>,
  layer: string,
): { weight: Float32Array; bias: Float32Array } {
  const weight = table.get(`${layer}.weight`);
  const bias = table.get(`${layer}.bias`);
  if (!weight || !bias) throw new RangeError(`params: layer '${layer}' has no weight or bias`);
  return { weight, bias };
}
