export * from './depth-loss.js';
export * from './image.js';
export * from './image-loss.js';
export * from './l1.js';
export * from './region.js';
export * from './ssim.js';
