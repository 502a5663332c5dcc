export * from './color-correction.js';
export * from './export/index.js';
export * from './losses/neighbours.js';
export * from './losses/rigidity.js';
export * from './metrics/index.js';
export * from './presets.js';
export * from './track-dir.js';
export * from './tracker.js';
