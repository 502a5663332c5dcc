import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { createReferenceBackend } from '../../src/autodiff/reference-backend.js';
import { Tape } from '../../src/autodiff/tape.js';
import { rolloutGraphInput, type TrainingSample } from '../../src/dataset/training-sample.js';
import { batchGraphs } from '../../src/graph/batch-graphs.js';
import { buildGraph } from '../../src/graph/build-graph.js';
import type { PropNetConfig } from '../../src/model/config.js';
import { propNetForward } from '../../src/model/forward.js';
import { initPropNet } from '../../src/model/params.js';
import { edgeDim, objectConfig, vertexDim } from '../../src/object-config.js';
import { foldPositionScale, TRAINING_POSITION_SCALE } from '../../src/train/position-scale.js';
import { rolloutLoss } from '../../src/train/rollout-loss.js';
import { propNetForwardTape } from '../../src/train/tape-forward.js';

/** A pushed chain of particles: `n` particles 2 cm apart along x, the tool approaching from -x at 1 cm per frame. */
function chainSample(n: number, rng: Random, history = 3, horizon = 5): TrainingSample {
  const L = history + horizon;
  const frame = (f: number) => {
    const out = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      out[3 * i] = 0.02 * i + (f > 3 && i < 3 ? 0.002 * (f - 3) : 0) + 0.001 * rng.next();
      out[3 * i + 1] = 0.003 * Math.sin(i) + 0.001 * rng.next();
      out[3 * i + 2] = 0.01 + 0.002 * rng.next();
    }
    return out;
  };
  const all = Array.from({ length: L }, (_, f) => frame(f));
  const cat = (frames: Float32Array[]) => {
    const out = new Float32Array(frames.length * n * 3);
    frames.forEach((f, i) => {
      out.set(f, i * n * 3);
    });
    return out;
  };
  const tool = new Float32Array(L * 3);
  for (let f = 0; f < L; f++) tool.set([-0.05 + 0.01 * f, 0.001 * f, 0.01], 3 * f);
  return {
    episode: 'chain',
    frames: Int32Array.from({ length: L }, (_, i) => i),
    particleIndices: Uint32Array.from({ length: n }, (_, i) => i),
    objectCount: n,
    history: cat(all.slice(0, history)),
    future: cat(all.slice(history)),
    tool,
  };
}

for (const object of ['rope', 'cloth'] as const) {
  test(`${object}: the taped forward pass (features built on the tape) equals the reference forward`, () => {
    const config = objectConfig(object);
    const net: PropNetConfig = {
      vertexDim: vertexDim(config),
      edgeDim: edgeDim(config),
      hidden: 16,
      propagationSteps: 3,
    };
    const params = initPropNet(net, 3);
    const rng = new Random(1);
    const samples = [chainSample(7, rng), chainSample(5, rng)];
    const tape = new Tape(createReferenceBackend());
    const { predictions } = rolloutLoss(tape, params, net, config, samples);

    // Step 0 through the plain graph builder and the reference forward.
    const graphs = samples.map((s) => buildGraph(rolloutGraphInput(s, 0, s.history, 3), config));
    const { batch } = batchGraphs(graphs);
    const displacement = propNetForward(params, net, batch);
    let offset = 0;
    for (const s of samples) {
      const current = s.history.subarray(2 * s.objectCount * 3);
      for (let i = 0; i < current.length; i++) {
        const expected = current[i] + displacement[offset + i];
        assert.ok(
          Math.abs(predictions[0][offset + i] - expected) < 1e-6,
          `${i}: ${predictions[0][offset + i]} vs ${expected}`,
        );
      }
      offset += current.length;
    }

    // The forward alone on the same batch, features as constants.
    tape.reset();
    const out = propNetForwardTape(tape, params, net, {
      vertexCount: batch.vertexCount,
      vertexFeatures: tape.constant(batch.vertexFeatures, batch.vertexCount, batch.vertexDim),
      edgeFeatures: tape.constant(batch.edgeFeatures, batch.edgeCount, batch.edgeDim),
      receivers: batch.receivers,
      senders: batch.senders,
      objectVertices: batch.objectVertices,
    });
    for (let i = 0; i < displacement.length; i++) assert.ok(Math.abs(out.data[i] - displacement[i]) < 1e-6);
  });
}

test('the rollout loss gradient matches central finite differences (cloth features, 2 steps)', () => {
  const config = { ...objectConfig('cloth'), horizon: 2 };
  const net: PropNetConfig = {
    vertexDim: vertexDim(config),
    edgeDim: edgeDim(config),
    hidden: 6,
    propagationSteps: 2,
  };
  const params = initPropNet(net, 5);
  // Larger weights so that the loss is not dominated by the target offsets alone and every layer matters.
  for (const p of params) for (let i = 0; i < p.data.length; i++) p.data[i] *= 3;
  const rng = new Random(2);
  const samples = [chainSample(4, rng, 3, 2), chainSample(3, rng, 3, 2)];
  const tape = new Tape(createReferenceBackend());
  const evaluate = () => {
    tape.reset();
    return rolloutLoss(tape, params, net, config, samples).loss.data[0];
  };
  tape.zeroGrads();
  const { loss } = rolloutLoss(tape, params, net, config, samples);
  tape.backward(loss);
  const grads = new Map([...tape.grads].map(([k, v]) => [k, v.slice()]));
  const check = new Random(9);
  let checked = 0;
  for (const p of params) {
    const g = grads.get(p.name);
    assert.ok(g, `${p.name} has a gradient`);
    for (let trial = 0; trial < 3; trial++) {
      const i = check.int(p.data.length);
      const h = 2e-3 * Math.max(1, Math.abs(p.data[i]));
      const original = p.data[i];
      p.data[i] = original + h;
      const up = evaluate();
      p.data[i] = original - h;
      const down = evaluate();
      p.data[i] = original;
      const numeric = (up - down) / (2 * h);
      const scale = Math.max(Math.abs(numeric), Math.abs(g[i]), 1e-5 * Math.abs(up));
      assert.ok(
        Math.abs(numeric - g[i]) <= 0.03 * scale + 1e-7,
        `${p.name}[${i}]: analytic ${g[i]}, numeric ${numeric}`,
      );
      checked++;
    }
  }
  assert.equal(checked, 3 * params.length);
});

test('weights trained in scaled units, folded to metres, give the same predictions as the scaled rollout', () => {
  const config = objectConfig('cloth');
  const net: PropNetConfig = {
    vertexDim: vertexDim(config),
    edgeDim: edgeDim(config),
    hidden: 12,
    propagationSteps: 3,
  };
  const params = initPropNet(net, 4);
  const rng = new Random(6);
  const samples = [chainSample(6, rng)];
  const tape = new Tape(createReferenceBackend());
  const scaled = rolloutLoss(tape, params, net, config, samples, TRAINING_POSITION_SCALE).predictions[0];
  const unscaled = rolloutLoss(tape, params, net, config, samples, 1).predictions[0];
  const folded = foldPositionScale(params, TRAINING_POSITION_SCALE);
  const s = samples[0];
  const { batch } = batchGraphs([buildGraph(rolloutGraphInput(s, 0, s.history, 3), config)]);
  const displacement = propNetForward(folded, net, batch);
  const current = s.history.subarray(2 * s.objectCount * 3);
  let differs = 0;
  for (let i = 0; i < current.length; i++) {
    const expected = current[i] + displacement[i];
    assert.ok(Math.abs(scaled[i] - expected) < 1e-6, `${i}: ${scaled[i]} vs ${expected}`);
    differs = Math.max(differs, Math.abs(unscaled[i] - scaled[i]));
  }
  assert.ok(differs > 1e-4, 'the scale changes the function of the unfolded weights');
  // Folding there and back is exact: 128 is a power of two.
  const back = foldPositionScale(folded, TRAINING_POSITION_SCALE, true);
  for (const [i, p] of back.entries()) assert.deepEqual(p.data, params[i].data);
});
