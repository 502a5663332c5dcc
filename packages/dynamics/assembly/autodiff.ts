// Entry of the autodiff kernels (src/autodiff/wasm-backend.ts drives them): every thread, the main thread as
// thread 0 and the workers, calls run() with the same command and takes tasks from the control block's atomic
// counter until none is left, so threads balance themselves whatever each task costs.

import { gemmReduceTask, gemmTask } from './gemm';
import * as L from './layout';
import { gatherTask, scatterTask } from './rows';

export { gemmReduceTasks, gemmScratchBytes, gemmTasks } from './gemm';
export { rowTasks } from './rows';

export function controlLayoutVersion(): i32 {
  return L.CONTROL_LAYOUT_VERSION;
}

/** End of the module's static data: the TypeScript side places the control block above it. */
export function heapBase(): usize {
  return __heap_base;
}

export function run(ctl: usize, command: i32, thread: i32): void {
  const tasks = load<i32>(ctl + L.TASKS);
  const scratch = load<usize>(ctl + L.SCRATCH) + <usize>thread * load<usize>(ctl + L.SCRATCH_STRIDE);
  while (true) {
    const task = atomic.add<i32>(ctl + L.COUNTER, 1);
    if (task >= tasks) break;
    if (command === L.COMMAND_GEMM) gemmTask(ctl, task, scratch);
    else if (command === L.COMMAND_GEMM_REDUCE) gemmReduceTask(ctl, task);
    else if (command === L.COMMAND_GATHER) gatherTask(ctl, task);
    else if (command === L.COMMAND_SCATTER) scatterTask(ctl, task);
    else unreachable();
  }
}
