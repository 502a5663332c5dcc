import { CONFIG_VARIABLES } from '@gsdyn/platform';

// The services' configuration variables as the deployment files must provide them, from the platform's own table
// (packages/platform/src/config/config-variables.ts): names, which are secrets, and what a valid value looks like.
// The deployment tests use it to catch misspelt variables, secrets placed in a ConfigMap and values the services
// would refuse at start-up.

export interface GsdynVariable {
  readonly name: string;
  readonly secret: boolean;
  readonly expectation: string;
  readonly valid: (value: string) => boolean;
}

export const GSDYN_VARIABLES: ReadonlyMap<string, GsdynVariable> = new Map(
  CONFIG_VARIABLES.map((v) => [
    v.name,
    {
      name: v.name,
      secret: v.secret,
      expectation: v.expectation,
      valid: (value: string) => v.schema.safeParse(value.trim()).success,
    },
  ]),
);

/** What a distributed deployment must set: the defaults of these are for the embedded, single-machine mode. */
export const DISTRIBUTED_REQUIRED = [
  'GSDYN_REDIS_URL',
  'GSDYN_QUEUE_PREFIX',
  'GSDYN_STORE',
  'GSDYN_S3_ENDPOINT',
  'GSDYN_S3_BUCKET',
  'GSDYN_S3_ACCESS_KEY',
  'GSDYN_S3_SECRET_KEY',
] as const;

/** Problems with one service's environment (`where` names it in the messages); empty when it is usable. */
export function gsdynEnvProblems(env: Readonly<Record<string, string>>, where: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('GSDYN_')) continue;
    const known = GSDYN_VARIABLES.get(name);
    if (!known) problems.push(`${where}: ${name} is not a gsdyn configuration variable`);
    else if (!known.valid(value))
      problems.push(`${where}: ${name}=${JSON.stringify(value)}: expected ${known.expectation}`);
  }
  for (const name of DISTRIBUTED_REQUIRED) {
    if (env[name] === undefined) problems.push(`${where}: ${name} is not set`);
  }
  if (env.GSDYN_STORE !== undefined && env.GSDYN_STORE !== 's3') {
    problems.push(
      `${where}: GSDYN_STORE=${env.GSDYN_STORE}: the distributed services share artifacts through s3`,
    );
  }
  return problems;
}
