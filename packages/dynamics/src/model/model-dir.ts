import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNpz, formatFieldPath, type NdArray, parseNpz, writeFileAtomic } from '@gsdyn/formats';
import { z } from 'zod';
import { DYNAMICS_OBJECTS, edgeDim, type ObjectConfig, vertexDim } from '../object-config.js';
import { exportOnnx } from '../onnx/export.js';
import type { PropNetConfig, PropNetParams } from './config.js';
import { checkPropNetParams, propNetParameterSpecs } from './params.js';

/**
 * A trained (or freshly initialised) dynamics model as one directory:
 *   model.json   what the network is (config), which object settings it was trained for (graph building needs
 *                them), free-form training metadata, and the SHA-256 of the weights;
 *   weights.npz  one float32 array per parameter, named as in PropNetParams;
 *   model.onnx   the same network for onnxruntime (exportOnnx), unless left out.
 * Every file is written atomically and model.json last, so a directory with a model.json is complete.
 */
export const MODEL_JSON_FILE = 'model.json';
export const MODEL_WEIGHTS_FILE = 'weights.npz';
export const MODEL_ONNX_FILE = 'model.onnx';
export const MODEL_FORMAT = 'gsdyn-propnet';
export const MODEL_FORMAT_VERSION = 1;

export interface PropNetModel {
  config: PropNetConfig;
  object: ObjectConfig;
  params: PropNetParams;
  /** Free-form metadata of the run that produced the weights (epochs, losses, dataset...), kept as given. */
  training?: Record<string, unknown>;
}

const positiveInt = z.number().int().min(1);
const nonNegative = z.number().min(0);

export const PropNetConfigSchema = z.strictObject({
  vertexDim: positiveInt,
  edgeDim: positiveInt,
  hidden: positiveInt,
  propagationSteps: positiveInt,
});

export const ObjectConfigSchema = z.strictObject({
  object: z.enum(DYNAMICS_OBJECTS as [ObjectConfig['object'], ...ObjectConfig['object'][]]),
  maxParticles: positiveInt,
  vertexRadius: z.number().positive(),
  edgeRadius: z.number().positive(),
  topK: positiveInt,
  connectAllToTool: z.boolean(),
  heightAndMotionFeatures: z.boolean(),
  history: positiveInt,
  horizon: positiveInt,
  edgeLengthWeight: nonNegative,
  stateNoise: nonNegative,
  stepDistance: z.number().positive(),
});

const ModelJsonSchema = z
  .strictObject({
    format: z.literal(MODEL_FORMAT),
    version: z.literal(MODEL_FORMAT_VERSION),
    config: PropNetConfigSchema,
    object: ObjectConfigSchema,
    weights: z.strictObject({
      file: z.literal(MODEL_WEIGHTS_FILE),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
    }),
    training: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((json, ctx) => {
    // The network's input widths follow from the object settings; a mismatch means the files were mixed up.
    const expected = { vertexDim: vertexDim(json.object), edgeDim: edgeDim(json.object) };
    for (const key of ['vertexDim', 'edgeDim'] as const)
      if (json.config[key] !== expected[key])
        ctx.addIssue({
          code: 'custom',
          path: ['config', key],
          message: `${json.config[key]} does not match object '${json.object.object}' (expected ${expected[key]})`,
        });
  });
type ModelJson = z.infer<typeof ModelJsonSchema>;

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** Writes weights.npz, model.onnx (unless `onnx: false`) and then model.json into `dir` (created if missing). */
export async function saveModel(
  dir: string,
  model: PropNetModel,
  options: { onnx?: boolean } = {},
): Promise<void> {
  checkPropNetParams(model.params, model.config);
  const arrays: Record<string, NdArray> = {};
  for (const p of model.params) arrays[p.name] = { dtype: 'float32', shape: [...p.shape], data: p.data };
  const weights = encodeNpz(arrays);
  const json: ModelJson = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    config: model.config,
    object: model.object,
    weights: { file: MODEL_WEIGHTS_FILE, sha256: sha256(weights) },
    ...(model.training === undefined ? {} : { training: model.training }),
  };
  // Validate what we are about to write, so that saveModel never produces a directory loadModel rejects.
  parseModelJson(json, join(dir, MODEL_JSON_FILE));
  await writeFileAtomic(join(dir, MODEL_WEIGHTS_FILE), weights);
  if (options.onnx ?? true)
    await writeFileAtomic(join(dir, MODEL_ONNX_FILE), exportOnnx(model.params, model.config));
  await writeFileAtomic(join(dir, MODEL_JSON_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

/** Reads and checks a model directory written by saveModel (model.onnx is not read: see readModelOnnx). */
export async function loadModel(dir: string): Promise<PropNetModel> {
  const jsonPath = join(dir, MODEL_JSON_FILE);
  const text = await readText(jsonPath);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`${jsonPath}: not valid JSON: ${(error as Error).message}`);
  }
  const json = parseModelJson(raw, jsonPath);

  const weightsPath = join(dir, json.weights.file);
  const bytes = await readBytes(weightsPath);
  const digest = sha256(bytes);
  if (digest !== json.weights.sha256)
    throw new ModelFormatError(
      `${weightsPath}: SHA-256 ${digest} differs from ${jsonPath} weights.sha256 ${json.weights.sha256} (weights replaced or damaged)`,
    );
  let arrays: Record<string, NdArray>;
  try {
    arrays = parseNpz(bytes, weightsPath);
  } catch (error) {
    throw new ModelFormatError((error as Error).message);
  }
  const params: PropNetParams = [];
  const specs = propNetParameterSpecs(json.config);
  for (const spec of specs) {
    const array = arrays[spec.name];
    if (!array) throw new ModelFormatError(`${weightsPath}: missing array '${spec.name}' [${spec.shape}]`);
    if (array.dtype !== 'float32' || !(array.data instanceof Float32Array))
      throw new ModelFormatError(`${weightsPath}: '${spec.name}' is ${array.dtype}, expected float32`);
    if (array.shape.length !== spec.shape.length || array.shape.some((d, i) => d !== spec.shape[i]))
      throw new ModelFormatError(
        `${weightsPath}: '${spec.name}' has shape [${array.shape}], expected [${spec.shape}] (from ${jsonPath} config)`,
      );
    params.push({ name: spec.name, shape: [...spec.shape], data: array.data });
  }
  const known = new Set(specs.map((s) => s.name));
  const extra = Object.keys(arrays).filter((name) => !known.has(name));
  if (extra.length > 0) throw new ModelFormatError(`${weightsPath}: unknown arrays ${extra.join(', ')}`);
  try {
    checkPropNetParams(params, json.config, weightsPath);
  } catch (error) {
    throw new ModelFormatError((error as Error).message);
  }
  return {
    config: json.config,
    object: json.object,
    params,
    ...(json.training === undefined ? {} : { training: json.training }),
  };
}

/** The bytes of `dir`/model.onnx, for createOnnxSession or createOnnxRunner. */
export async function readModelOnnx(dir: string): Promise<Uint8Array> {
  return readBytes(join(dir, MODEL_ONNX_FILE));
}

function parseModelJson(raw: unknown, file: string): ModelJson {
  const result = ModelJsonSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys')
      for (const key of issue.keys) lines.push(`  ${formatFieldPath([...issue.path, key])}: unknown field`);
    else lines.push(`  ${formatFieldPath(issue.path) || '(root)'}: ${issue.message}`);
  }
  throw new ModelFormatError(`${file}: invalid model description:\n${lines.join('\n')}`);
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new ModelFormatError(`${path}: cannot read: ${(error as Error).message}`);
  }
}

async function readText(path: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(path));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
