/**
 * The emulator console: one page that polls `GET /_emulator/overview` once a second and drives the
 * emulator through the admin path. No framework and no build step beyond `tsc`: it runs as the
 * browser loads it, offline. The chart library, uPlot, is vendored next to it (MIT).
 *
 * Under strict auth the admin path needs a token: the page takes it from its URL fragment
 * (`#token=…`, which a browser never sends to a server), keeps it in this tab's sessionStorage,
 * takes it out of the address bar, and sends it as `authorization: Bearer …` with each call.
 */
import { el, entitlementEditor, formatAgo, formatDuration, formatTime, type EntitlementEditor } from './dom.js';
import { UsageChart } from './chart.js';
import type { Entitlement, Fault, LicenseView, LoggedCall, Overview } from './types.js';

const API = '/_emulator';
const POLL_MS = 1000;
const OPERATIONS = [
  'CheckoutLicense',
  'CheckInLicense',
  'ExtendLicenseConsumption',
  'GetLicense',
  'ListReceivedLicenses',
  'CheckoutBorrowLicense',
  'CreateLicense',
  'CreateLicenseVersion',
  'GetLicenseUsage',
  'ListLicenses',
  'ListLicenseVersions',
  'DeleteLicense',
];

/** The admin token: from the fragment once, then from this tab's storage. */
function adminToken(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment !== null) {
    sessionStorage.setItem('licensegate-emulator-token', fragment);
    history.replaceState(null, '', location.pathname + location.search);
    return fragment;
  }
  return sessionStorage.getItem('licensegate-emulator-token') ?? undefined;
}

const token = adminToken();

/** A call of the admin path; throws an Error with the emulator's message when refused. */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${API}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) {
    if (res.status === 401)
      throw new Error(
        'This emulator needs its admin token: open the console URL it printed at start (it ends in #token=…).',
      );
    throw new Error(`${answer.code ?? res.status}: ${answer.message ?? res.statusText}`);
  }
  return answer as T;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function say(text: string, error = false): void {
  const box = $('message');
  box.textContent = text;
  box.className = error ? 'error' : 'ok';
}

/** Runs an action, says how it went and refreshes at once. */
async function act(what: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    say(what);
    await refresh();
    return true;
  } catch (error) {
    say((error as Error).message, true);
    return false;
  }
}

// ---- state ---------------------------------------------------------------------------------------

let overview: Overview | undefined;
const cards = new Map<string, LicenseCard>();
let lastLogKey = '';

function windowMs(): number {
  return Number(($('chart-window') as HTMLSelectElement).value);
}

// ---- licenses ------------------------------------------------------------------------------------

/** Versioned changes from the console: what `POST /_emulator/licenses/version` takes. */
interface VersionChange {
  Entitlements?: Entitlement[];
  Validity?: { Begin?: string; End?: string };
  Status?: string;
}

/** One license's card: live facts, charts per counted entitlement, and its actions. */
class LicenseCard {
  readonly root: HTMLElement;
  readonly #arn: string;
  readonly #title = el('h3');
  readonly #facts = el('dl', { class: 'facts' });
  readonly #table = el('table', { class: 'entitlements-table' });
  readonly #charts = el('div', { class: 'charts' });
  readonly #chartsByName = new Map<string, UsageChart>();
  readonly #editor: EntitlementEditor;
  readonly #details: HTMLDetailsElement;
  readonly #status: HTMLSelectElement;
  readonly #end: HTMLInputElement;
  #license: LicenseView;
  /** The version the edit form shows. */
  #filledFor: string | undefined;

  constructor(license: LicenseView) {
    this.#arn = license.LicenseArn;
    this.#license = license;
    const id = `l${cards.size}`;
    this.#editor = entitlementEditor(`${id}-ent`);
    this.#status = el('select', { id: `${id}-status` }, [
      ...['AVAILABLE', 'DEACTIVATED', 'SUSPENDED'].map((s) => el('option', { value: s }, [s])),
    ]) as HTMLSelectElement;
    this.#end = el('input', { id: `${id}-end`, autocomplete: 'off', required: '' }) as HTMLInputElement;
    const form = el('form', { class: 'version-form' }, [
      el('div', { class: 'grid' }, [
        el('label', { for: `${id}-status` }, ['Status']),
        this.#status,
        el('label', { for: `${id}-end` }, ['Valid until']),
        this.#end,
      ]),
      this.#editor.root,
      el('button', { type: 'submit' }, ['Create version']),
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#newVersion('New version', {
        Entitlements: this.#editor.read(),
        Status: this.#status.value,
        Validity: { End: this.#end.value.trim() },
      }).then((ok) => {
        if (ok) this.#details.open = false;
      });
    });
    this.#details = el('details', { class: 'edit' }, [
      el('summary', {}, ['Upgrade, downgrade or edit (new version)']),
      form,
    ]) as HTMLDetailsElement;
    // The form is filled while it is closed, so that it is ready the moment it opens ('toggle'
    // fires a task later: filling then would overwrite what was typed first); closing it drops
    // edits that were not sent.
    this.#details.addEventListener('toggle', () => {
      if (!this.#details.open) this.#fillForm();
    });
    const button = (label: string, run: () => void): HTMLElement => {
      const b = el('button', { type: 'button' }, [label]);
      b.addEventListener('click', run);
      return b;
    };
    const actions = el('div', { class: 'actions', role: 'group', 'aria-label': 'License actions' }, [
      button(
        'Renew for a year',
        () => void this.#newVersion('Renewed', { Validity: { End: '+365d' }, Status: 'AVAILABLE' }),
      ),
      button('Cancel', () => void this.#newVersion('Cancelled', { Status: 'DEACTIVATED' })),
      button('Expire now', () => void this.#newVersion('Expired', { Validity: { End: 'now' } })),
    ]);
    this.root = el('article', { class: 'license', 'data-sku': license.ProductSKU }, [
      this.#title,
      this.#facts,
      this.#table,
      this.#charts,
      actions,
      this.#details,
    ]);
    this.update(license, overview as Overview);
  }

  #newVersion(what: string, change: VersionChange): Promise<boolean> {
    return act(`${what}: ${this.#license.ProductSKU}`, () =>
      api('POST', '/licenses/version', { LicenseArn: this.#arn, ...change }),
    );
  }

  #fillForm(): void {
    const l = this.#license;
    this.#filledFor = l.Version;
    this.#editor.fill(l.Entitlements);
    const raw = l.Status === 'EXPIRED' || l.Status === 'PENDING_AVAILABLE' ? 'AVAILABLE' : l.Status;
    this.#status.value = [...this.#status.options].some((o) => o.value === raw) ? raw : 'AVAILABLE';
    this.#end.value = l.Validity.End ?? '';
  }

  update(license: LicenseView, o: Overview): void {
    this.#license = license;
    if (!this.#details.open && this.#filledFor !== license.Version) this.#fillForm();
    this.root.dataset['status'] = license.Status;
    this.root.dataset['version'] = license.Version;
    this.#title.textContent = `${license.ProductName} — ${license.ProductSKU}`;
    const end = license.Validity.End;
    const endMs = end === undefined ? undefined : Date.parse(/Z|[+-]\d\d:?\d\d$/.test(end) ? end : `${end}Z`);
    this.#facts.replaceChildren(
      ...fact('Status', el('span', { class: `badge ${license.Status.toLowerCase()}` }, [license.Status])),
      ...fact('Version', `${license.Version} of ${license.versions}`),
      ...fact(
        'Valid',
        `${license.Validity.Begin} → ${end ?? 'no end'}${endMs === undefined ? '' : ` (${formatAgo(endMs - o.epochMs)})`}`,
      ),
      ...fact('Issuer', license.marketplace ? 'AWS Marketplace' : license.Issuer.Name),
      ...fact('ARN', el('code', {}, [license.LicenseArn])),
    );
    this.#table.replaceChildren(
      el('caption', { class: 'visually-hidden' }, [`Entitlements of ${license.ProductSKU}`]),
      el('thead', {}, [
        el('tr', {}, [
          ...['Entitlement', 'Unit', 'In use', 'Consumed', 'Max', 'Overage'].map((h) =>
            el('th', { scope: 'col' }, [h]),
          ),
        ]),
      ]),
      el(
        'tbody',
        {},
        license.Entitlements.map((e) =>
          el('tr', { 'data-entitlement': e.Name }, [
            el('th', { scope: 'row' }, [e.Name]),
            el('td', {}, [e.Unit]),
            el('td', { class: 'num held' }, [e.Unit === 'None' ? '—' : String(e.held)]),
            el('td', { class: 'num consumed' }, [e.Unit === 'None' ? '—' : String(e.consumed)]),
            el('td', { class: 'num max' }, [
              e.MaxCount === undefined ? (e.Unit === 'None' ? '—' : 'no cap') : String(e.MaxCount),
            ]),
            el('td', {}, [e.Overage === true ? 'yes' : e.Unit === 'None' ? '—' : 'no']),
          ]),
        ),
      ),
    );
    const counted = license.Entitlements.filter((e) => e.Unit !== 'None');
    for (const [name, chart] of this.#chartsByName) {
      if (!counted.some((e) => e.Name === name)) {
        chart.destroy();
        this.#chartsByName.delete(name);
      }
    }
    for (const e of counted) {
      let chart = this.#chartsByName.get(e.Name);
      if (chart === undefined) {
        chart = new UsageChart(`${license.ProductSKU} ${e.Name}`);
        this.#chartsByName.set(e.Name, chart);
        this.#charts.append(chart.root);
      }
      chart.update(e, o.since, o.epochMs);
    }
  }

  destroy(): void {
    for (const chart of this.#chartsByName.values()) chart.destroy();
    this.root.remove();
  }
}

function fact(name: string, value: string | Node): HTMLElement[] {
  return [el('dt', {}, [name]), el('dd', {}, [value])];
}

function renderLicenses(o: Overview): void {
  const box = $('licenses');
  const seen = new Set<string>();
  for (const license of o.licenses) {
    seen.add(license.LicenseArn);
    const card = cards.get(license.LicenseArn);
    if (card === undefined) {
      const made = new LicenseCard(license);
      cards.set(license.LicenseArn, made);
      box.append(made.root);
    } else card.update(license, o);
  }
  for (const [arn, card] of cards) {
    if (!seen.has(arn)) {
      card.destroy();
      cards.delete(arn);
    }
  }
}

// ---- tokens, log, faults -------------------------------------------------------------------------

function renderTokens(o: Overview): void {
  const body = $('tokens').querySelector('tbody') as HTMLElement;
  if (o.consumptions.length === 0) {
    body.replaceChildren(el('tr', {}, [el('td', { colspan: '6', class: 'empty' }, ['No live consumptions.'])]));
    return;
  }
  body.replaceChildren(
    ...o.consumptions.map((c) =>
      el('tr', { 'data-kind': c.kind }, [
        el('td', {}, [el('code', {}, [c.token])]),
        el('td', {}, [c.productSku]),
        el('td', {}, [`${c.checkout} (${c.kind})${c.nodeId === null ? '' : `, node ${c.nodeId}`}`]),
        el('td', {}, [
          c.entitlements
            .map((e) => (e.Value === undefined || e.Unit === 'None' ? e.Name : `${e.Name} ${e.Value}`))
            .join(', '),
        ]),
        el('td', {}, [c.issuedAt]),
        el('td', {}, [
          c.expiration === null
            ? 'never (consumed for good)'
            : `${c.expiration} (${formatAgo(Date.parse(`${c.expiration}Z`) - o.epochMs)})`,
        ]),
      ]),
    ),
  );
}

function renderLog(o: Overview): void {
  const filter = ($('log-filter') as HTMLInputElement).value.trim().toLowerCase();
  const outcome = ($('log-outcome') as HTMLSelectElement).value;
  const last = o.calls[o.calls.length - 1];
  const key = `${last?.id ?? 0}|${o.calls.length}|${filter}|${outcome}`;
  if (key === lastLogKey) return;
  lastLogKey = key;
  const shown = o.calls
    .filter((c) => outcome === '' || c.outcome === outcome)
    .filter((c) => filter === '' || `${c.operation} ${c.error ?? ''} ${c.message ?? ''}`.toLowerCase().includes(filter))
    .reverse();
  const body = $('log').querySelector('tbody') as HTMLElement;
  if (shown.length === 0) {
    body.replaceChildren(el('tr', {}, [el('td', { colspan: '7', class: 'empty' }, ['No calls.'])]));
    return;
  }
  body.replaceChildren(...shown.map(logRow));
}

function logRow(c: LoggedCall): HTMLElement {
  return el('tr', { class: c.outcome, 'data-outcome': c.outcome, 'data-operation': c.operation }, [
    el('td', { class: 'num' }, [String(c.id)]),
    el('td', { title: `virtual ${c.virtualAt}` }, [formatTime(c.at)]),
    el('td', {}, [c.operation]),
    el('td', {}, [c.fault ? `${c.outcome} (injected fault)` : c.outcome]),
    el('td', { class: 'num' }, [c.status === 0 ? '—' : String(c.status)]),
    el('td', { class: 'num' }, [`${c.latencyMs} ms`]),
    el('td', { class: 'error-text' }, [c.error === undefined ? '' : `${c.error}: ${c.message ?? ''}`]),
  ]);
}

let lastFaultsKey = '';

function renderFaults(o: Overview): void {
  const key = JSON.stringify(o.faults.map((f) => [f.id, f.remaining]));
  if (key === lastFaultsKey) return;
  lastFaultsKey = key;
  const list = $('faults');
  if (o.faults.length === 0) {
    list.replaceChildren(el('li', { class: 'empty' }, ['No faults.']));
    return;
  }
  list.replaceChildren(
    ...o.faults.map((f) => {
      const clear = el('button', { type: 'button', 'aria-label': `Clear fault ${f.id}` }, ['Clear']);
      clear.addEventListener('click', () => void act(`Cleared fault ${f.id}`, () => api('DELETE', `/faults/${f.id}`)));
      return el('li', { 'data-fault': String(f.id) }, [`#${f.id} ${describeFault(f)} `, clear]);
    }),
  );
}

function describeFault(f: Fault): string {
  const what =
    f.kind === 'error'
      ? (f.spec.error ?? 'ServerInternalException')
      : f.kind === 'latency'
        ? `+${f.spec.latencyMs ?? 0} ms`
        : 'dropped connection';
  const left = f.remaining === null ? 'until cleared' : `${f.remaining} left`;
  return `${what} on ${f.operation === '*' ? 'every operation' : f.operation}, ${left}, struck ${f.struck}×`;
}

// ---- polling -------------------------------------------------------------------------------------

let timer: number | undefined;
let inFlight: Promise<void> | undefined;

/** Fetches the overview and renders it; one at a time. */
function refresh(): Promise<void> {
  inFlight ??= (async () => {
    try {
      const o = await api<Overview>('GET', `/overview?window=${windowMs()}`);
      overview = o;
      $('clock').textContent = o.now;
      $('clock').setAttribute('datetime', o.now);
      $('clock-offset').textContent =
        o.offsetMs === 0 ? '(real time)' : `(${formatDuration(o.offsetMs)} ahead of real time)`;
      $('connection').textContent = 'live';
      $('connection').className = 'connection live';
      renderLicenses(o);
      renderTokens(o);
      renderLog(o);
      renderFaults(o);
      document.body.dataset['updated'] = String(o.epochMs);
    } catch (error) {
      $('connection').textContent = `not connected: ${(error as Error).message}`;
      $('connection').className = 'connection down';
    } finally {
      inFlight = undefined;
    }
  })();
  return inFlight;
}

function poll(): void {
  window.clearTimeout(timer);
  void refresh().finally(() => {
    timer = window.setTimeout(poll, POLL_MS);
  });
}

// ---- controls ------------------------------------------------------------------------------------

function wire(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-advance]')) {
    const by = b.dataset['advance'] as string;
    b.addEventListener('click', () => void act(`Clock advanced ${by}`, () => api('POST', '/clock', { advance: by })));
  }
  $('clock-set').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ($('clock-to') as HTMLInputElement).value;
    void act(`Clock set to ${text}Z`, () => api('POST', '/clock', { set: `${text}Z` }));
  });
  $('clock-real').addEventListener(
    'click',
    () => void act('Clock back to real time', () => api('POST', '/clock', { reset: true })),
  );
  const operation = $('fault-operation') as HTMLSelectElement;
  operation.replaceChildren(
    el('option', { value: '*' }, ['every operation']),
    ...OPERATIONS.map((op) => el('option', { value: op }, [op])),
  );
  $('fault-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = ($('fault-kind') as HTMLSelectElement).value;
    const times = ($('fault-times') as HTMLInputElement).value;
    const spec: Record<string, unknown> = { operation: operation.value };
    if (kind === 'throttle') Object.assign(spec, { kind: 'error', error: 'RateLimitExceededException' });
    else if (kind === '5xx') Object.assign(spec, { kind: 'error', error: 'ServerInternalException' });
    else if (kind === 'latency')
      Object.assign(spec, { kind: 'latency', latencyMs: Number(($('fault-latency') as HTMLInputElement).value) });
    else spec['kind'] = 'drop';
    if (times !== '') spec['times'] = Number(times);
    void act('Fault injected', () => api('POST', '/faults', spec));
  });
  $('faults-clear').addEventListener('click', () => void act('Faults cleared', () => api('DELETE', '/faults')));
  $('reset').addEventListener('click', () => void act('Reset to the seed licenses', () => api('POST', '/reset')));
  $('chart-window').addEventListener('change', () => void refresh());
  $('log-filter').addEventListener('input', () => overview !== undefined && renderLog(overview));
  $('log-outcome').addEventListener('change', () => overview !== undefined && renderLog(overview));

  const issueEditor = entitlementEditor('issue-ent');
  issueEditor.fill([{ Name: 'Seats', Unit: 'Count', MaxCount: 10, Overage: false }]);
  $('issue-entitlements').replaceWith(issueEditor.root);
  $('issue-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (id: string): string => ($(id) as HTMLInputElement).value.trim();
    const sku = value('issue-sku');
    const marketplace = ($('issue-marketplace') as HTMLInputElement).checked;
    const seed = {
      ...(marketplace ? { AwsMarketplace: true } : { Issuer: { Name: 'licensegate emulator console' } }),
      LicenseName: `${value('issue-product') || sku} license`,
      ProductName: value('issue-product') || sku,
      ProductSKU: sku,
      HomeRegion: 'us-east-1',
      Validity: { Begin: 'now', End: value('issue-end') },
      Entitlements: issueEditor.read(),
      Beneficiary: '123456789012',
      ConsumptionConfiguration: {
        RenewType: 'None',
        ProvisionalConfiguration: { MaxTimeToLiveInMinutes: Number(value('issue-ttl')) },
      },
    };
    void act(`Issued ${sku}`, () => api('POST', '/licenses', seed));
  });
  $('issue-json-form').addEventListener('submit', (event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(($('issue-json') as HTMLTextAreaElement).value);
    } catch (error) {
      return say(`That is not JSON: ${(error as Error).message}`, true);
    }
    void act('Issued from JSON', () => api('POST', '/licenses', parsed));
  });
}

wire();
poll();
