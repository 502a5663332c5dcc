// ONNX inference throughput of the dynamics network: rollout steps per second (graphs predicted per second) for
// batches of 1, 64 and 512 graphs of a 50-particle rope, at hidden widths 64, 128 and 512, on one in-process
// single-threaded session and on the worker pool (one single-threaded session per core). The target of the issue
// is >= 2,000 rollout steps per second at batch 512. Graph building is not timed: only `run`.
import { availableParallelism, cpus } from 'node:os';
import { Random } from '@gsdyn/geometry';
import { batchGraphs } from '../src/graph/batch-graphs.js';
import { buildGraph } from '../src/graph/build-graph.js';
import type { GraphBatch } from '../src/graph/types.js';
import type { PropNetConfig } from '../src/model/config.js';
import { initPropNet } from '../src/model/params.js';
import { edgeDim, objectConfig, vertexDim } from '../src/object-config.js';
import { exportOnnx, type OnnxAggregation } from '../src/onnx/export.js';
import { DEFAULT_PART_VERTICES } from '../src/onnx/partition-graph-batch.js';
import { createOnnxRunner } from '../src/onnx/runner-pool.js';
import { createOnnxSession, type DisplacementRunner } from '../src/onnx/session.js';

const PARTICLES = 50;
const WIDTHS = [64, 128, 512];
const BATCHES = [1, 64, 512];
const TARGET = 2000;
const rope = objectConfig('rope');

/**
 * A rope lying on the table as the tracker would sample it: 50 particles 2.5 cm apart along a smooth random curve
 * (radius farthest-point sampling at 3 cm gives about that spacing), moving a few millimetres per history frame,
 * with the end effector 2 cm from a random particle, pushing 1 cm (one model step).
 */
function ropeGraph(random: Random) {
  const history = rope.history;
  const current = new Float64Array(PARTICLES * 3);
  let heading = random.uniform(-Math.PI, Math.PI);
  const start = [random.uniform(-0.2, 0.2), random.uniform(-0.2, 0.2)];
  for (let i = 0; i < PARTICLES; i++) {
    if (i > 0) {
      heading += random.uniform(-0.35, 0.35);
      start[0] += 0.025 * Math.cos(heading);
      start[1] += 0.025 * Math.sin(heading);
    }
    current.set([start[0], start[1], 0.01], 3 * i);
  }
  const velocity = [random.uniform(-0.003, 0.003), random.uniform(-0.003, 0.003), 0];
  const objectHistory = new Float64Array(history * PARTICLES * 3);
  const toolHistory = new Float64Array(history * 3);
  const pushed = random.int(PARTICLES);
  for (let f = 0; f < history; f++) {
    const back = history - 1 - f;
    for (let i = 0; i < PARTICLES; i++)
      for (let a = 0; a < 3; a++)
        objectHistory[(f * PARTICLES + i) * 3 + a] =
          current[3 * i + a] - back * velocity[a] * (i / PARTICLES);
    toolHistory.set([current[3 * pushed] - 0.02 - back * 0.01, current[3 * pushed + 1], 0.02], 3 * f);
  }
  return buildGraph({ objectCount: PARTICLES, objectHistory, toolHistory, action: [0.01, 0, 0] }, rope);
}

function ropeBatch(count: number, seed: number): GraphBatch {
  const random = new Random(seed);
  return batchGraphs(Array.from({ length: count }, () => ropeGraph(random))).batch;
}

/**
 * Graphs predicted per second of wall time, and per second of CPU time of the whole process (every thread): on a
 * machine shared with other jobs the second one is the steadier number, and cores x it bounds what an idle machine
 * would give.
 */
async function stepsPerSecond(
  runner: DisplacementRunner,
  batch: GraphBatch,
  graphs: number,
): Promise<{ wall: number; cpu: number }> {
  await runner.run(batch); // warm-up: first-run allocations
  let calls = 0;
  const before = process.cpuUsage();
  const start = performance.now();
  do {
    await runner.run(batch);
    calls++;
  } while (performance.now() - start < 1000);
  const wallSeconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(before);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { wall: (graphs * calls) / wallSeconds, cpu: (graphs * calls) / cpuSeconds };
}

const configFor = (hidden: number): PropNetConfig => ({
  vertexDim: vertexDim(rope),
  edgeDim: edgeDim(rope),
  hidden,
  propagationSteps: 3,
});

const cores = availableParallelism();
console.log(`cores: ${cores} (${cpus()[0]?.model ?? 'unknown cpu'}); pool workers: ${cores}`);
const batches = new Map(BATCHES.map((b) => [b, ropeBatch(b, 1000 + b)]));
const big = batches.get(512)!;
console.log(
  `rope graphs: ${PARTICLES} particles + 1 tool, ${(big.edgeCount / 512).toFixed(1)} edges per graph on average`,
);
console.log('steps/s: graphs per second of wall time; /cpu-s: per second of process CPU time (all threads)');
console.log('width  batch  single steps/s  (/cpu-s)  pool steps/s  (/cpu-s)');
const atTarget = new Map<number, { wall: number; cpu: number }>();
const column = (x: number, width: number) => x.toFixed(0).padStart(width);
for (const hidden of WIDTHS) {
  const config = configFor(hidden);
  const model = exportOnnx(initPropNet(config, 42), config);
  const single = await createOnnxSession(model);
  const pool = await createOnnxRunner(model);
  for (const b of BATCHES) {
    const batch = batches.get(b)!;
    const s = await stepsPerSecond(single, batch, b);
    const p = await stepsPerSecond(pool, batch, b);
    if (b === 512) atTarget.set(hidden, { wall: Math.max(s.wall, p.wall), cpu: Math.max(s.cpu, p.cpu) });
    console.log(
      `${column(hidden, 5)}  ${column(b, 5)}  ${column(s.wall, 14)}  ${column(s.cpu, 8)}  ${column(p.wall, 12)}  ${column(p.cpu, 8)}`,
    );
  }
  await single.dispose();
  await pool.dispose();
}

console.log('\naggregation at width 128, batch 64, single session:');
for (const aggregation of ['scatter-nd', 'scatter-elements'] as OnnxAggregation[]) {
  const config = configFor(128);
  const session = await createOnnxSession(exportOnnx(initPropNet(config, 42), config, { aggregation }));
  const rate = await stepsPerSecond(session, batches.get(64)!, 64);
  console.log(
    `  ${aggregation.padEnd(16)} ${rate.wall.toFixed(0)} steps/s (${rate.cpu.toFixed(0)} per cpu-s)`,
  );
  await session.dispose();
}

console.log('\npart size at width 128, batch 512, single session:');
for (const partVertices of [256, DEFAULT_PART_VERTICES, 4096, 1e9]) {
  const config = configFor(128);
  const session = await createOnnxSession(exportOnnx(initPropNet(config, 42), config), { partVertices });
  const rate = await stepsPerSecond(session, big, 512);
  const label = partVertices >= big.vertexCount ? 'whole batch' : `${partVertices} vertices`;
  console.log(`  ${label.padEnd(16)} ${rate.wall.toFixed(0)} steps/s (${rate.cpu.toFixed(0)} per cpu-s)`);
  await session.dispose();
}

console.log(`\ntarget >= ${TARGET} rollout steps/s at batch 512 (best of single and pool):`);
for (const [hidden, rate] of atTarget) {
  const idle = rate.cpu * cores;
  const verdict =
    rate.wall >= TARGET
      ? 'meets it'
      : idle >= TARGET
        ? `misses it here, ${cores} idle cores would give up to ${idle.toFixed(0)}`
        : `misses it (${cores} idle cores: at most ${idle.toFixed(0)})`;
  console.log(
    `  width ${hidden}: ${rate.wall.toFixed(0)} steps/s, ${verdict}; cores needed at ${rate.cpu.toFixed(0)} steps/cpu-s: ${Math.ceil(TARGET / rate.cpu)}`,
  );
}
