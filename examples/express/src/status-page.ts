import type { ModelHealth } from '@licensegate/core';
import type { DemoGates } from './app.js';

/** `<`, `>`, `&` and quotes as HTML entities. */
function escapeHtml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** One row of the counters table: what the gate's metrics read (the same counters, now). */
function counterRows(gates: DemoGates): string {
  const rows: [string, string, number][] = [];
  const seats = gates.usage.seats.stats();
  rows.push(['licensegate.seats.held', 'ConcurrentUsers', seats.held]);
  rows.push(['licensegate.seats.waiting', 'ConcurrentUsers', seats.waiting]);
  for (const [reason, count] of Object.entries(seats.refused)) {
    rows.push(['licensegate.seats.refused', `ConcurrentUsers, ${reason}`, count]);
  }
  const units = gates.usage.drawdown.stats('DataConsumption');
  rows.push(['licensegate.drawdown.debited', 'DataConsumption', units.debited]);
  rows.push(['licensegate.drawdown.pending', 'DataConsumption', units.pending]);
  rows.push(['licensegate.drawdown.reported', 'DataConsumption', units.reported]);
  rows.push(['licensegate.drawdown.unbillable', 'DataConsumption', units.unbillable]);
  return rows
    .map(([name, of, value]) => `<tr><td><code>${name}</code></td><td>${escapeHtml(of)}</td><td>${value}</td></tr>`)
    .join('\n');
}

/**
 * The demo's own side, as a small page (`GET /_status`): each gate's readiness, the counters its
 * metrics read, its `status()`, and links to the emulator's console and to `/metrics`, so that both
 * sides can be watched at once. A button refreshes both gates' licenses now
 * (`POST /_status/refresh`) instead of at their next scheduled refresh.
 */
export function statusPage(gates: DemoGates, consoleUrl: string | undefined, metricsPath?: string): string {
  const status = { tiers: gates.tiers.status(), usage: gates.usage.status() };
  const link =
    consoleUrl === undefined
      ? '<p>The License Manager emulator runs without its console.</p>'
      : `<p><a href="${escapeHtml(consoleUrl)}">The License Manager emulator's console</a>: licenses, seats and units over time.</p>`;
  const scrape =
    metricsPath === undefined
      ? ''
      : ` Prometheus scrapes them all at <a href="${escapeHtml(metricsPath)}">${escapeHtml(metricsPath)}</a>.`;
  const health = Object.entries(gates)
    .map(([name, gate]) => {
      const answer = gate.health();
      const { tiers, seats } = answer.models;
      const drawdown: Readonly<Record<string, ModelHealth>> = answer.models.drawdown ?? {};
      const models = [
        ...(tiers === undefined ? [] : [`tiers ${tiers.code}`]),
        ...(seats === undefined ? [] : [`seats ${seats.code}`]),
        ...Object.entries(drawdown).map(([dimension, each]) => `${dimension} ${each.code}`),
      ].join(', ');
      return `<li>${escapeHtml(name)}: ${answer.ready ? 'ready' : '<strong>not ready</strong>'} (${escapeHtml(models)})</li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>licensegate demo: status</title>
</head>
<body>
<main>
<h1>licensegate demo: the app's side</h1>
${link}
<p>Tier granted now: <strong id="tier">${escapeHtml(String(gates.tiers.tier ?? 'none'))}</strong>.
Try <a href="/reports/premium">/reports/premium</a> and <a href="/reports/basic">/reports/basic</a>.</p>
<form method="post" action="/_status/refresh"><button type="submit">Refresh the licenses now</button></form>
<h2>Readiness</h2>
<ul id="health">
${health}
</ul>
<h2>Metrics</h2>
<p>What the gate's metrics read, now.${scrape}</p>
<table id="metrics">
<thead><tr><th scope="col">metric</th><th scope="col">of</th><th scope="col">value</th></tr></thead>
<tbody>
${counterRows(gates)}
</tbody>
</table>
<h2>status()</h2>
<pre id="status">${escapeHtml(JSON.stringify(status, null, 2))}</pre>
</main>
</body>
</html>
`;
}
