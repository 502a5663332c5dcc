// The gateway's entry: `node services/gateway/dist/main.js` starts it from the environment (GSDYN_* variables,
// see packages/platform/README.md). Importing this module starts nothing.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@gsdyn/platform';
import { startGateway } from './start-gateway.js';

export { ApiKeyStore, generateApiKey, hashApiKey } from './auth/api-keys.js';
export { buildGateway, type GatewayDeps } from './gateway.js';
export { HttpError, type Problem } from './http-error.js';
export type { PipelineState, PipelineStatus, StageState, StageStatus } from './pipelines/pipeline-status.js';
export { type RunningGateway, type StartGatewayOptions, startGateway } from './start-gateway.js';
export { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './upload/limits.js';

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  startGateway(loadConfig()).catch((error: unknown) => {
    console.error(`gateway: ${(error as Error).message}`);
    process.exit(1);
  });
}
