export * from './camera.js';
export * from './knn.js';
export * from './mat4.js';
export * from './polar-rotation.js';
export * from './quaternion.js';
export * from './random.js';
export * from './triangle.js';
export * from './vec3.js';
