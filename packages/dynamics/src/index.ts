export * from './graph/types.js';
export * from './model/config.js';
export * from './object-config.js';
