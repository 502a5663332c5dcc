// Configuration
export * from './config/config-variables.js';
export * from './config/load-config.js';
// Queues
export * from './queue/child-stage.js';
export * from './queue/job-schemas.js';
export * from './queue/pipeline-flow.js';
export * from './queue/queue-runtime.js';
export * from './queue/queue-settings.js';
export * from './queue/shutdown.js';
export * from './queue/stage-service.js';
export * from './queue/stage-worker.js';
export * from './queue/stages.js';
export * from './queue/unrecoverable.js';
// Artifact store
export * from './store/artifact-directory.js';
export * from './store/artifact-key.js';
export * from './store/artifact-store.js';
export * from './store/content-addressed.js';
export * from './store/fs-artifact-store.js';
export * from './store/open-artifact-store.js';
export * from './store/s3-artifact-store.js';
// Telemetry
export * from './telemetry/logger.js';
export * from './telemetry/metrics.js';
export * from './telemetry/telemetry-server.js';
export * from './telemetry/utilisation.js';
// Test harness: real Redis and S3 endpoints on loopback, for this package's tests, other packages' end-to-end
// tests and `npm run stack` (s3rver, a devDependency, is loaded only when startLocalS3 is called).
export * from './testing/free-port.js';
export * from './testing/local-redis.js';
export * from './testing/local-s3.js';
export * from './testing/prometheus-text.js';
