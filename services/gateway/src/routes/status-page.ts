import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyOwner } from '../auth/api-keys.js';
import type { GatewayContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { type PipelineStatus, pipelineStatus } from '../pipelines/pipeline-status.js';
import { authenticate } from './authenticate.js';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** One table row per pipeline (the page script renders the same markup from /v1/jobs). */
export function jobRows(jobs: readonly PipelineStatus[]): string {
  if (jobs.length === 0) return '<tr><td colspan="4">no jobs yet</td></tr>';
  return jobs
    .map((j) => {
      const stages = j.stages
        .map(
          (s) =>
            `${escapeHtml(s.stage)}${s.captureId ? ` ${escapeHtml(s.captureId.slice(0, 8))}` : ''}: ${escapeHtml(s.state)} ${Math.round(s.progress * 100)}%${s.error ? ` (${escapeHtml(s.error)})` : ''}`,
        )
        .join('<br>');
      return `<tr><td><code>${escapeHtml(j.jobId)}</code><br><small>${escapeHtml(j.createdAt)}</small></td><td class="${escapeHtml(j.state)}">${escapeHtml(j.state)}</td><td><progress max="1" value="${j.progress.toFixed(3)}"></progress> ${Math.round(j.progress * 100)}%</td><td>${stages}</td></tr>`;
    })
    .join('\n');
}

// The page polls /v1/jobs with the key the user typed (kept in localStorage) and re-renders the rows.
const SCRIPT = `
const keyInput = document.getElementById('key');
const rows = document.getElementById('rows');
const note = document.getElementById('note');
keyInput.value = localStorage.getItem('gsdynApiKey') || '';
keyInput.addEventListener('change', () => { localStorage.setItem('gsdynApiKey', keyInput.value.trim()); poll(); });
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
function render(jobs) {
  if (jobs.length === 0) { rows.innerHTML = '<tr><td colspan="4">no jobs yet</td></tr>'; return; }
  rows.innerHTML = jobs.map((j) => '<tr><td><code>' + esc(j.jobId) + '</code><br><small>' + esc(j.createdAt) + '</small></td>' +
    '<td class="' + esc(j.state) + '">' + esc(j.state) + '</td>' +
    '<td><progress max="1" value="' + j.progress.toFixed(3) + '"></progress> ' + Math.round(j.progress * 100) + '%</td><td>' +
    j.stages.map((s) => esc(s.stage) + (s.captureId ? ' ' + esc(s.captureId.slice(0, 8)) : '') + ': ' + esc(s.state) + ' ' +
      Math.round(s.progress * 100) + '%' + (s.error ? ' (' + esc(s.error) + ')' : '')).join('<br>') + '</td></tr>').join('');
}
async function poll() {
  const key = keyInput.value.trim();
  if (!key) { note.textContent = 'enter an API key'; return; }
  try {
    const res = await fetch('/v1/jobs', { headers: { 'x-api-key': key } });
    if (!res.ok) { note.textContent = 'error ' + res.status + ': ' + ((await res.json()).message || ''); return; }
    render((await res.json()).jobs);
    note.textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) { note.textContent = 'gateway unreachable: ' + e.message; }
}
poll();
setInterval(poll, 2000);
`;

export function statusPageHtml(caller: ApiKeyOwner | undefined, jobs: readonly PipelineStatus[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gsdyn jobs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}
.completed{color:#15803d}.failed{color:#b91c1c}.active{color:#1d4ed8}.waiting{color:#6b7280}
input{width:28em}small{color:#6b7280}
</style></head><body>
<h1>gsdyn jobs</h1>
<p><label>API key <input id="key" type="password" autocomplete="off"></label> <span id="note">${caller ? `owner ${escapeHtml(caller.owner)}` : ''}</span></p>
<p><a href="/docs">API documentation</a></p>
<table><thead><tr><th>job</th><th>state</th><th>progress</th><th>stages</th></tr></thead>
<tbody id="rows">${caller ? jobRows(jobs) : '<tr><td colspan="4">enter an API key to see your jobs</td></tr>'}</tbody></table>
<script>${SCRIPT}</script>
</body></html>`;
}

/** GET / and GET /status: the job status page (rendered with the caller's jobs when the request has a key). */
export function statusPageRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const handler = async (request: FastifyRequest) => {
    let caller: ApiKeyOwner | undefined;
    let jobs: PipelineStatus[] = [];
    try {
      caller = await authenticate(ctx, request);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
    }
    if (caller) {
      const records = await ctx.pipelines.list(caller.owner, 50);
      jobs = await Promise.all(records.map((r) => pipelineStatus(ctx.runtime, r)));
    }
    return statusPageHtml(caller, jobs);
  };
  for (const url of ['/', '/status'])
    app.get(url, { schema: { summary: 'Job status page (HTML)', tags: ['pages'] } }, async (request, reply) =>
      reply.header('content-type', 'text/html; charset=utf-8').send(await handler(request)),
    );
}
