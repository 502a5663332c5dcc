#!/usr/bin/env node
// Container health check for every gsdyn service image (Dockerfile HEALTHCHECK, docker-compose healthcheck).
// The slim runtime image has no curl, so node asks the service itself: GET /healthz on the gateway's API port
// (GSDYN_GATEWAY_PORT) for the gateway, on GSDYN_METRICS_PORT for the workers and the planner.
// Exit 0 when the answer is 2xx; exit 1 with one line on stderr otherwise.

const DEFAULT_GATEWAY_PORT = 8080;
const DEFAULT_METRICS_PORT = 9464;
const TIMEOUT_MS = 4000;

/**
 * @param {string | undefined} raw
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
function port(raw, name, fallback) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new RangeError(`${name}='${raw}' is not a TCP port (an integer in 1..65535)`);
  }
  return value;
}

/** @param {NodeJS.ProcessEnv} env */
function healthUrl(env) {
  const service = env.GSDYN_SERVICE;
  if (!service)
    throw new RangeError('GSDYN_SERVICE is not set (the image sets it from its SERVICE build argument)');
  const p =
    service === 'gateway'
      ? port(env.GSDYN_GATEWAY_PORT, 'GSDYN_GATEWAY_PORT', DEFAULT_GATEWAY_PORT)
      : port(env.GSDYN_METRICS_PORT, 'GSDYN_METRICS_PORT', DEFAULT_METRICS_PORT);
  return `http://127.0.0.1:${p}/healthz`;
}

async function main() {
  let url;
  try {
    url = healthUrl(process.env);
  } catch (error) {
    console.error(`healthcheck: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.body?.cancel();
    if (response.ok) return 0;
    console.error(`healthcheck: GET ${url} answered ${response.status}`);
    return 1;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    console.error(
      `healthcheck: GET ${url} failed: ${error instanceof Error ? error.message : String(error)}${cause}`,
    );
    return 1;
  }
}

process.exitCode = await main();
