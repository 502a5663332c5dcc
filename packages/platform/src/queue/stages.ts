/**
 * The stages of the pipeline, in pipeline order; each has its own BullMQ queue (named after the stage) and worker.
 * track, train and eval wrap library stages that exist; render belongs to a later issue (its schemas are here so
 * the gateway and the flow can name it, but no worker consumes it yet).
 */
export const STAGES = ['track', 'train', 'eval', 'render'] as const;
export type Stage = (typeof STAGES)[number];

/** Stages that can follow train in a pipeline, in the order they run. */
export const AFTER_TRAIN_STAGES = ['eval', 'render'] as const satisfies readonly Stage[];
export type AfterTrainStage = (typeof AFTER_TRAIN_STAGES)[number];

export function isStage(name: string): name is Stage {
  return (STAGES as readonly string[]).includes(name);
}

/** The Redis list KEDA counts for a stage's waiting jobs: `<prefix>:<stage>:wait`. */
export function waitListKey(prefix: string, stage: Stage): string {
  return `${prefix}:${stage}:wait`;
}
