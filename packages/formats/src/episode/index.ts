export * from './camera.js';
export * from './manifest.js';
export * from './read.js';
export * from './validate.js';
export * from './writer.js';
