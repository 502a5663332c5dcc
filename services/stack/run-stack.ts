// `npm run stack`: the local distributed system (see src/stack.ts). Ctrl-C or SIGTERM stops everything.
import { startStack } from './src/stack.js';

const say = (line: string) => process.stderr.write(`stack: ${line}\n`);
const stack = await startStack({ say });
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) {
    say(`${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  say(`${signal}: stopping`);
  await stack.stop();
  say('stopped');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
if (stack.gatewayUrl === undefined)
  say(`NOT running the gateway: ${stack.gatewayProblem}; Redis, S3 and the workers are up`);
else {
  say(`API key: ${process.env.GSDYN_BOOTSTRAP_API_KEY ? '(GSDYN_BOOTSTRAP_API_KEY)' : stack.apiKey}`);
  // The one line on stdout: scripts wait for it.
  process.stdout.write(`gsdyn stack ready: gateway ${stack.gatewayUrl}\n`);
}
