// The public surface of @gsdyn/formats: the episode format, its validator and importers, and the file
// formats they are made of.
export * from './atomic-file.js';
export * from './episode/index.js';
export * from './gaussian-ply.js';
export * from './image.js';
export * from './importers/index.js';
export * from './npy.js';
export * from './npz.js';
export * from './ply.js';
export * from './splat.js';
