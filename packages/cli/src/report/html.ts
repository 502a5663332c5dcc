/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ReportSection {
  title: string;
  /** Trusted HTML (build it with escapeHtml for any user text). */
  html: string;
}

/** A self-contained HTML page: one column of sections, images referenced by relative path. */
export function renderReport(title: string, sections: readonly ReportSection[]): string {
  const body = sections
    .map((s) => `<section>\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1400px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; } td, th { padding: .25em .8em; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; border: 1px solid #ccc; image-rendering: pixelated; }
.ok { color: #1a7f37; } .bad { color: #c62828; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** A two-column table of label/value rows. */
export function keyValueTable(rows: readonly (readonly [string, string | number])[]): string {
  const tr = rows
    .map(
      ([k, v]) =>
        `<tr><th>${escapeHtml(k)}</th><td class="${typeof v === 'number' ? 'num' : ''}">${escapeHtml(String(v))}</td></tr>`,
    )
    .join('\n');
  return `<table>\n${tr}\n</table>`;
}
