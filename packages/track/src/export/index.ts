export * from './contact-sheet.js';
export * from './frame-ply.js';
export * from './params-npz.js';
export * from './position-colors.js';
export * from './render-view.js';
export * from './track-arrays.js';
export * from './track-artifacts.js';
export * from './video.js';
