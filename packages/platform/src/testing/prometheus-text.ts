export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusFamily {
  name: string;
  type: string;
  help: string;
  samples: PrometheusSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

// Prometheus parses values with Go's ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
function parseValue(s: string, line: number): number {
  const lower = s.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new Error(`line ${line}: invalid sample value ${JSON.stringify(s)}`);
  return v;
}

function parseLabels(s: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: expected name="value" in labels`);
    const name = s.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`line ${line}: invalid label name ${name}`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: expected a quoted value for label ${name}`);
    let j = eq + 2;
    let value = '';
    while (j < s.length && s[j] !== '"') {
      if (s[j] === '\\') {
        const next = s[j + 1];
        value += next === 'n' ? '\n' : next;
        j += 2;
      } else value += s[j++];
    }
    if (j >= s.length) throw new Error(`line ${line}: unterminated value of label ${name}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} repeated`);
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
  }
  return labels;
}

/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests: every sample must belong to a family
 * declared by # TYPE, the text must end with a newline, histograms must have their _bucket, _sum and _count.
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition text must end with a newline');
  const families = new Map<string, PrometheusFamily>();
  const familyOf = (sample: string): PrometheusFamily | undefined => {
    if (families.has(sample)) return families.get(sample);
    for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
      if (sample.endsWith(suffix)) {
        const f = families.get(sample.slice(0, -suffix.length));
        if (f) return f;
      }
    }
    return undefined;
  };
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return;
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`line ${line}: invalid metric name ${name}`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${JSON.stringify(raw)}`);
    const [, name, labelText, value] = m;
    const family = familyOf(name);
    if (!family) throw new Error(`line ${line}: sample ${name} has no # TYPE`);
    family.samples.push({
      name,
      labels: labelText ? parseLabels(labelText, line) : {},
      value: parseValue(value, line),
    });
  });
  for (const f of families.values()) {
    if (f.type === 'histogram' && f.samples.length > 0) {
      for (const suffix of ['_bucket', '_sum', '_count'])
        if (!f.samples.some((s) => s.name === `${f.name}${suffix}`))
          throw new Error(`histogram ${f.name} has no ${f.name}${suffix} samples`);
    }
  }
  return families;
}

/** The value of the one sample with this name and these labels (a subset match), or undefined. */
export function findSample(
  families: Map<string, PrometheusFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values())
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}
