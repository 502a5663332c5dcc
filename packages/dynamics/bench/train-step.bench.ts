// One training step of the dynamics model as the issue defines it: batch 16, a 5-step autoregressive rollout,
// 100 particles per sample, forward + backward + Adam, for the reference and WebAssembly backends and several
// widths. Compare ratios within one run: the machine is shared.
import { availableParallelism } from 'node:os';
import { Random } from '@gsdyn/geometry';
import { Adam } from '../src/autodiff/adam.js';
import type { TensorBackend } from '../src/autodiff/backend.js';
import { createReferenceBackend } from '../src/autodiff/reference-backend.js';
import { Tape } from '../src/autodiff/tape.js';
import { createWasmBackend, wasmBackendAvailable } from '../src/autodiff/wasm/wasm-backend.js';
import type { TrainingSample } from '../src/dataset/training-sample.js';
import type { PropNetConfig } from '../src/model/config.js';
import { initPropNet } from '../src/model/params.js';
import { edgeDim, objectConfig, vertexDim } from '../src/object-config.js';
import { TRAINING_POSITION_SCALE } from '../src/train/position-scale.js';
import { rolloutLoss } from '../src/train/rollout-loss.js';

const PARTICLES = 100;
const BATCH = 16;
const config = objectConfig('cloth');

/** A 10 x 10 sheet, 1.5 cm apart, dragged 1 cm per frame by a tool at one edge, with a little jitter. */
function sheetSample(rng: Random): TrainingSample {
  const L = config.history + config.horizon;
  const frames = Array.from({ length: L }, (_, f) => {
    const out = new Float32Array(PARTICLES * 3);
    for (let i = 0; i < PARTICLES; i++) {
      const x = 0.015 * (i % 10);
      out.set(
        [x + (x < 0.03 ? 0.004 * f : 0) + 0.001 * rng.next(), 0.015 * Math.floor(i / 10), 0.002 * rng.next()],
        3 * i,
      );
    }
    return out;
  });
  const cat = (list: Float32Array[]) => {
    const out = new Float32Array(list.length * PARTICLES * 3);
    list.forEach((f, i) => {
      out.set(f, i * PARTICLES * 3);
    });
    return out;
  };
  const tool = new Float32Array(L * 3);
  for (let f = 0; f < L; f++) tool.set([-0.02 + 0.01 * f, 0.07, 0.01], 3 * f);
  return {
    episode: 'sheet',
    frames: Int32Array.from({ length: L }, (_, i) => i),
    particleIndices: Uint32Array.from({ length: PARTICLES }, (_, i) => i),
    objectCount: PARTICLES,
    history: cat(frames.slice(0, config.history)),
    future: cat(frames.slice(config.history)),
    tool,
  };
}

function timeSteps(backend: TensorBackend, hidden: number, steps: number): number {
  const net: PropNetConfig = {
    vertexDim: vertexDim(config),
    edgeDim: edgeDim(config),
    hidden,
    propagationSteps: 3,
  };
  const params = initPropNet(net, 1);
  const adam = new Adam(params, { lr: 1e-3 });
  const tape = new Tape(backend);
  const rng = new Random(2);
  const samples = Array.from({ length: BATCH }, () => sheetSample(rng));
  const step = () => {
    tape.reset();
    tape.zeroGrads();
    const r = rolloutLoss(tape, params, net, config, samples, TRAINING_POSITION_SCALE);
    tape.backward(r.loss);
    adam.step(tape.grads);
  };
  step(); // warm-up: JIT, heap growth
  const started = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - started) / steps;
  tape.reset();
  return ms;
}

console.log(
  `training step: batch ${BATCH}, ${config.horizon}-step rollout, ${PARTICLES} particles (cloth features and edges), ` +
    `forward + backward + Adam; ${availableParallelism()} cores`,
);
console.log('backend            hidden   ms/step   steps/s');
const rows: [string, () => TensorBackend, number, number][] = [['reference', createReferenceBackend, 64, 1]];
if (wasmBackendAvailable())
  for (const hidden of [64, 128, 512]) {
    const reps = hidden === 512 ? 1 : 5;
    rows.push([`wasm 1 thread`, () => createWasmBackend({ threads: 1 }), hidden, reps]);
    rows.push([`wasm ${availableParallelism()} threads`, () => createWasmBackend(), hidden, reps]);
  }
for (const [name, make, hidden, reps] of rows) {
  const backend = make();
  try {
    const ms = timeSteps(backend, hidden, reps);
    console.log(
      `${name.padEnd(18)} ${String(hidden).padStart(6)} ${ms.toFixed(0).padStart(9)} ${(1000 / ms).toFixed(2).padStart(9)}`,
    );
  } finally {
    backend.dispose();
  }
}
