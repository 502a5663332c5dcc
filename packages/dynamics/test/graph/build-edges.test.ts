import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { buildEdges, type EdgeConfig, objectObjectEdges } from '../../src/graph/build-edges.js';
import { DYNAMICS_OBJECTS, objectConfig } from '../../src/object-config.js';

type Edge = [receiver: number, sender: number];

function pairs(edges: { receivers: Int32Array; senders: Int32Array; count: number }): Edge[] {
  return Array.from({ length: edges.count }, (_, e) => [edges.receivers[e], edges.senders[e]] as Edge);
}

function points(...xyz: number[][]): Float32Array {
  return Float32Array.from(xyz.flat());
}

/**
 * The definition, spelled out: every (receiver, sender) pair in receiver-major order; object pairs need
 * d2 < R^2 and fewer than k senders strictly nearer (or equally near with a lower index); tool pairs d2 < R^2
 * unless connectAllToTool; never tool <- tool.
 */
function oracleEdges(objects: Float32Array, tool: Float32Array, config: EdgeConfig): Edge[] {
  const n = objects.length / 3;
  const all = Float32Array.from([...objects, ...tool]);
  const d2 = (i: number, j: number) =>
    (all[3 * i] - all[3 * j]) ** 2 +
    (all[3 * i + 1] - all[3 * j + 1]) ** 2 +
    (all[3 * i + 2] - all[3 * j + 2]) ** 2;
  const R2 = config.edgeRadius ** 2;
  const out: Edge[] = [];
  for (let r = 0; r <= n; r++)
    for (let s = 0; s <= n; s++) {
      if (r === n && s === n) continue;
      if (r < n && s < n) {
        let nearer = 0;
        for (let t = 0; t < n; t++) if (d2(r, t) < d2(r, s) || (d2(r, t) === d2(r, s) && t < s)) nearer++;
        if (d2(r, s) < R2 && nearer < config.topK) out.push([r, s]);
      } else if (config.connectAllToTool || d2(r, s) < R2) out.push([r, s]);
    }
  return out;
}

test('radius boundary: a pair exactly edgeRadius apart is not connected; rope tool edges only within the radius', () => {
  // A (0), B (1) exactly 0.5 apart; C (2) 0.375 from A; the tool 0.4375 from B. All values exact in binary.
  const objects = points([0, 0, 0], [0.5, 0, 0], [0, 0.375, 0]);
  const tool = points([0.5, 0.4375, 0]);
  const rope = { edgeRadius: 0.5, topK: 5, connectAllToTool: false };
  assert.deepEqual(pairs(buildEdges(objects, tool, rope)), [
    [0, 0],
    [0, 2],
    [1, 1],
    [1, 3],
    [2, 0],
    [2, 2],
    [3, 1],
  ]);
  // The tool exactly 0.5 from B: no tool edge at all.
  assert.deepEqual(
    pairs(buildEdges(objects, points([0.5, 0.5, 0]), rope)).filter(([r, s]) => r === 3 || s === 3),
    [],
  );
  // connectAllToTool: every object <-> tool pair both ways, still no tool self-edge.
  assert.deepEqual(pairs(buildEdges(objects, tool, { ...rope, connectAllToTool: true })), [
    [0, 0],
    [0, 2],
    [0, 3],
    [1, 1],
    [1, 3],
    [2, 0],
    [2, 2],
    [2, 3],
    [3, 0],
    [3, 1],
    [3, 2],
  ]);
});

test("top-k is the receiver's: nearest senders (self first), ties to the lower index, so edges can be one-way", () => {
  const objects = points([0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0], [4, 0, 0]);
  const far = points([100, 0, 0]);
  const edges = buildEdges(objects, far, { edgeRadius: 10, topK: 2, connectAllToTool: false });
  assert.deepEqual(pairs(edges), [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
    [2, 1],
    [2, 2],
    [3, 2],
    [3, 3],
    [4, 3],
    [4, 4],
  ]);
  // topK above the object count: every pair within the radius.
  const three = buildEdges(objects.subarray(0, 9), far, {
    edgeRadius: 1.5,
    topK: 10,
    connectAllToTool: false,
  });
  assert.deepEqual(pairs(three), [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
    [1, 2],
    [2, 1],
    [2, 2],
  ]);
});

test('edges equal the oracle on random clouds for every object config', () => {
  const rng = new Random(11);
  for (const object of DYNAMICS_OBJECTS) {
    const config = objectConfig(object);
    for (let trial = 0; trial < 3; trial++) {
      const n = 20 + rng.int(60);
      const objects = Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 0.25));
      // Integer millimetres make exact distance ties (and the tie rule) likely.
      if (trial === 2) for (let i = 0; i < objects.length; i++) objects[i] = Math.round(objects[i] * 50) / 50;
      const tool = Float32Array.from({ length: 3 }, () => rng.uniform(0, 0.25));
      const edges = buildEdges(objects, tool, config);
      assert.deepEqual(pairs(edges), oracleEdges(objects, tool, config), `${object} trial ${trial}`);
      const self = pairs(edges).filter(([r, s]) => r === s);
      assert.equal(self.length, n, 'one self-edge per object, none on the tool');
    }
  }
});

test('objectObjectEdges keeps the object pairs in order', () => {
  const objects = points([0, 0, 0], [0.5, 0, 0], [0, 0.375, 0]);
  const edges = buildEdges(objects, points([0.1, 0, 0]), {
    edgeRadius: 0.5,
    topK: 5,
    connectAllToTool: true,
  });
  const objectPairs = pairs(objectObjectEdges(edges));
  assert.deepEqual(
    objectPairs,
    pairs(edges).filter(([r, s]) => r < 3 && s < 3),
  );
  assert.equal(objectPairs.length, 5);
});

test('buildEdges rejects bad arguments', () => {
  const one = points([0, 0, 0]);
  assert.throws(() => buildEdges(new Float32Array(0), one, objectConfig('rope')), RangeError);
  assert.throws(() => buildEdges(one, new Float32Array(2), objectConfig('rope')), RangeError);
  assert.throws(() => buildEdges(one, one, { ...objectConfig('rope'), topK: 0 }), RangeError);
  assert.throws(() => buildEdges(one, one, { ...objectConfig('rope'), edgeRadius: 0 }), RangeError);
});
