import type { DemoGates } from './app.js';

/** `<`, `>`, `&` and quotes as HTML entities. */
function escapeHtml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/**
 * The demo's own side, as a small page (`GET /_status`): each gate's `status()` and a link to the
 * emulator's console, so that both sides can be watched at once. A button refreshes both gates'
 * licenses now (`POST /_status/refresh`) instead of at their next scheduled refresh.
 */
export function statusPage(gates: DemoGates, consoleUrl: string | undefined): string {
  const status = { tiers: gates.tiers.status(), usage: gates.usage.status() };
  const link =
    consoleUrl === undefined
      ? '<p>The License Manager emulator runs without its console.</p>'
      : `<p><a href="${escapeHtml(consoleUrl)}">The License Manager emulator's console</a>: licenses, seats and units over time.</p>`;
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
<h2>status()</h2>
<pre id="status">${escapeHtml(JSON.stringify(status, null, 2))}</pre>
</main>
</body>
</html>
`;
}
