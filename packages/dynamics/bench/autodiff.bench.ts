// Autodiff kernels and a training step: the TypeScript reference against the WebAssembly SIMD backend on one
// thread and on every core. Run with `npm run bench -- autodiff`. Numbers compare only within one run (the
// machine is shared); ratios are printed against the reference and against one wasm thread.
import { availableParallelism, cpus } from 'node:os';
import { Random } from '@gsdyn/geometry';
import type { GemmArgs, TensorBackend } from '../src/autodiff/backend.js';
import { createReferenceBackend } from '../src/autodiff/reference-backend.js';
import { Tape } from '../src/autodiff/tape.js';
import { createWasmBackend, wasmBackendUnavailableReason } from '../src/autodiff/wasm/wasm-backend.js';
import type { Parameter } from '../src/model/config.js';
import { buildWasm, randomArray, randomIndices } from '../test/autodiff/helpers.js';
import { tinyGraph, tinyLoss, tinyParameters } from '../test/autodiff/tiny-gnn.js';

const cores = availableParallelism();
console.log(`cores: ${cores} (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);
buildWasm();
const why = wasmBackendUnavailableReason();
if (why) throw new Error(`autodiff bench: the WebAssembly backend cannot run here: ${why}`);

const backends: TensorBackend[] = [createReferenceBackend(), createWasmBackend({ threads: 1 })];
if (cores > 1) backends.push(createWasmBackend({ threads: cores }));
const label = (b: TensorBackend) => `${b.name} x${b.threads}`;

interface Timing {
  /** Median wall time of one run, ms. */
  ms: number;
  /** CPU time of the whole process (every thread) per run, ms. */
  cpuMs: number;
  /** CPU time over wall time during the runs: the cores the process actually had. */
  busy: number;
}

/**
 * Median wall time of `reps` runs after one warm-up (within a time budget), and the process's CPU time over the
 * same runs. On a shared machine the wall time of a threaded run depends on the cores the others leave; the rate
 * per CPU-second shows, independently of that, whether threads add work.
 */
function time(run: () => void, reps: number, budgetMs = 4000): Timing {
  run();
  const times: number[] = [];
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let r = 0; r < reps && (r < 2 || performance.now() - start < budgetMs); r++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const wall = performance.now() - start;
  const runs = times.length;
  times.sort((x, y) => x - y);
  return { ms: times[runs >> 1], cpuMs: cpuMs / runs, busy: cpuMs / wall };
}

interface Row {
  backend: TensorBackend;
  timing: Timing;
  /** Work per run, in `unit`s times `scale` (flops, bytes, steps). */
  work: number;
}

function report(title: string, unit: string, scale: number, rows: Row[]) {
  console.log(`\n${title}`);
  const ref = rows.find((r) => r.backend.name === 'reference');
  const one = rows.find((r) => r.backend.name !== 'reference' && r.backend.threads === 1);
  for (const r of rows) {
    const { ms, cpuMs, busy } = r.timing;
    const rate = r.work / scale / (ms / 1e3);
    const perCpu = r.work / scale / (cpuMs / 1e3);
    const vsRef = ref && r !== ref ? `, ${(ref.timing.ms / ms).toFixed(1)}x reference` : '';
    const vsOne =
      one && r !== one && r.backend.name === one.backend.name
        ? `, ${(one.timing.ms / ms).toFixed(2)}x one thread`
        : '';
    console.log(
      `  ${label(r.backend).padEnd(14)} ${ms.toFixed(2).padStart(9)} ms ${rate.toFixed(2).padStart(8)} ${unit}` +
        ` (${perCpu.toFixed(2)} per CPU-second, ${busy.toFixed(2)} cores busy)${vsRef}${vsOne}`,
    );
  }
}

/** Operands placed in each backend's own storage, as the tape places them. */
function placed(backend: TensorBackend, values: Float32Array): Float32Array {
  const a = backend.alloc(values.length);
  a.set(values);
  return a;
}

const rng = new Random(1);

// ---------------------------------------------------------------- matmul
for (const [m, n, k, transA, transB, what] of [
  [10000, 128, 128, false, false, 'forward X W'],
  [10000, 128, 128, false, true, 'backward dY W^T'],
  [128, 128, 10000, true, false, 'backward X^T dY'],
  [1000, 512, 512, false, false, 'forward X W'],
  [512, 512, 1000, true, false, 'backward X^T dY'],
] as const) {
  const a = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const flops = 2 * m * n * k;
  const rows = backends.map((backend) => {
    const args: GemmArgs = {
      m,
      n,
      k,
      a: placed(backend, a),
      b: placed(backend, b),
      c: backend.alloc(m * n),
      transposeA: transA,
      transposeB: transB,
    };
    const reps = backend.name === 'reference' ? 3 : 20;
    const timing = time(() => backend.gemm(args), reps);
    for (const x of [args.a, args.b, args.c]) backend.release(x);
    return { backend, timing, work: flops };
  });
  report(`matmul ${m}x${k} . ${k}x${n} (${what})`, 'GFLOP/s', 1e9, rows);
}

// ---------------------------------------------------------------- gather / scatter
{
  const vertices = 10000;
  const edges = 80000;
  const cols = 128;
  const indices = randomIndices(rng, edges, vertices);
  const vertexRows = randomArray(rng, vertices * cols);
  const edgeRows = randomArray(rng, edges * cols);
  const bytes = edges * cols * 4 * 2; // each edge row read once and written once
  const gather = backends.map((backend) => {
    const src = placed(backend, vertexRows);
    const out = backend.alloc(edges * cols);
    const timing = time(() => backend.gatherRows({ src, srcRows: vertices, cols, indices, out }), 20);
    backend.release(src);
    backend.release(out);
    return { backend, timing, work: bytes };
  });
  report(`gatherRows ${vertices}x${cols} -> ${edges} rows`, 'GB/s', 1e9, gather);
  const scatter = backends.map((backend) => {
    const src = placed(backend, edgeRows);
    const out = backend.alloc(vertices * cols);
    const timing = time(() => backend.scatterAddRows({ src, cols, indices, out, outRows: vertices }), 20);
    backend.release(src);
    backend.release(out);
    return { backend, timing, work: bytes };
  });
  report(`scatterAddRows ${edges}x${cols} -> ${vertices} rows`, 'GB/s', 1e9, scatter);
}

// ---------------------------------------------------------------- MLP forward + backward
{
  const rows = 10000;
  const width = 128;
  const layers: Parameter[] = [];
  for (let l = 0; l < 3; l++) {
    layers.push({
      name: `mlp.${l}.weight`,
      shape: [width, width],
      data: randomArray(rng, width * width, -0.15, 0.15),
    });
    layers.push({ name: `mlp.${l}.bias`, shape: [width], data: randomArray(rng, width, -0.1, 0.1) });
  }
  const input = randomArray(rng, rows * width);
  const target = randomArray(rng, rows * width);
  // Forward 3 products, backward 2 per layer except the input's (5): 8 products of 2 rows width^2 flops.
  const flops = 8 * 2 * rows * width * width;
  const result = backends.map((backend) => {
    const tape = new Tape(backend);
    const step = () => {
      let h = tape.constant(input, rows, width);
      for (let l = 0; l < 3; l++)
        h = tape.linear(
          h,
          tape.parameter(layers[2 * l]),
          tape.parameter(layers[2 * l + 1]),
          l < 2 ? 'relu' : 'none',
        );
      const loss = tape.mseLoss(h, tape.constant(target, rows, width));
      tape.zeroGrads();
      tape.backward(loss);
      tape.reset();
    };
    const timing = time(step, backend.name === 'reference' ? 3 : 10);
    return { backend, timing, work: flops };
  });
  report(
    `3-layer ${width}-wide MLP over ${rows} rows, forward + backward`,
    'GFLOP/s in products',
    1e9,
    result,
  );
}

// ---------------------------------------------------------------- a graph network training step
{
  // Batch-64-sized graph: 9,600 vertices, 76,800 edges, hidden 128 (the small test network, not PropNet itself).
  const graph = tinyGraph(7, 9600, 76800, 14);
  const params = tinyParameters(8, 14, 128);
  const result = backends
    .filter((b) => b.name !== 'reference')
    .map((backend) => {
      const tape = new Tape(backend);
      const timing = time(() => {
        const loss = tinyLoss(tape, params, graph);
        tape.zeroGrads();
        tape.backward(loss);
        tape.reset();
      }, 5);
      return { backend, timing, work: 1 };
    });
  report(
    'graph network step (9600 vertices, 76800 edges, hidden 128), forward + backward',
    'steps/s',
    1,
    result,
  );
}

for (const b of backends) b.dispose();
