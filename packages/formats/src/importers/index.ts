export * from './common.js';
export * from './dyn3dgs.js';
export * from './gs-dynamics.js';
export * from './gs-dynamics-demo.js';
export * from './xarm-pose.js';
