import type { Entitlement } from './types.js';

/** Makes an element with attributes and children (text or nodes). */
export function el(
  tag: string,
  attributes: Record<string, string> = {},
  children: (string | Node)[] = [],
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** `in 59 min` / `3 h ago`, from a signed number of ms. */
export function formatAgo(ms: number): string {
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `400 d`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

/** `14:03:27` of an ISO instant, in the browser's zone. */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour12: false });
}

/** A list of entitlement rows to edit: name, kind (tier or counted), max, overage. */
export interface EntitlementEditor {
  readonly root: HTMLElement;
  fill(entitlements: readonly Entitlement[]): void;
  read(): Entitlement[];
}

/** An entitlement editor whose controls have ids starting with `prefix` (and labels). */
export function entitlementEditor(prefix: string): EntitlementEditor {
  const rows = el('div', { class: 'rows' });
  const root = el('fieldset', { class: 'entitlements' }, [el('legend', {}, ['Entitlements']), rows]);
  const add = el('button', { type: 'button' }, ['Add entitlement']);
  root.append(add);
  let made = 0;
  const addRow = (e: Entitlement): void => {
    const id = `${prefix}-${made++}`;
    const name = el('input', {
      id: `${id}-name`,
      value: e.Name,
      required: '',
      autocomplete: 'off',
    }) as HTMLInputElement;
    const kind = el('select', { id: `${id}-kind` }, [
      el('option', { value: 'None' }, ['tier (no count)']),
      el('option', { value: 'Count' }, ['counted']),
    ]) as HTMLSelectElement;
    kind.value = e.Unit === 'None' ? 'None' : 'Count';
    const max = el('input', {
      id: `${id}-max`,
      type: 'number',
      min: '0',
      value: e.MaxCount === undefined ? '' : String(e.MaxCount),
    }) as HTMLInputElement;
    const overage = el('input', { id: `${id}-overage`, type: 'checkbox' }) as HTMLInputElement;
    overage.checked = e.Overage === true;
    const remove = el('button', { type: 'button', 'aria-label': `Remove entitlement ${e.Name || made}` }, ['Remove']);
    const row = el('div', { class: 'row', 'data-unit': e.Unit }, [
      el('label', { for: name.id }, ['Name']),
      name,
      el('label', { for: kind.id }, ['Kind']),
      kind,
      el('label', { for: max.id }, ['Max']),
      max,
      el('label', { for: overage.id }, ['Overage']),
      overage,
      remove,
    ]);
    // The original unit of a counted entitlement (e.g. Gigabytes) is kept unless the kind changes.
    row.dataset['unit'] = e.Unit;
    remove.addEventListener('click', () => row.remove());
    rows.append(row);
  };
  add.addEventListener('click', () => addRow({ Name: '', Unit: 'Count' }));
  return {
    root,
    fill(entitlements) {
      rows.replaceChildren();
      for (const e of entitlements) addRow(e);
    },
    read() {
      return [...rows.querySelectorAll<HTMLElement>('.row')].map((row): Entitlement => {
        const [name, kind, max, overage] = [
          ...row.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select'),
        ] as [HTMLInputElement, HTMLSelectElement, HTMLInputElement, HTMLInputElement];
        if (kind.value === 'None') return { Name: name.value.trim(), Unit: 'None', Value: 'Enabled' };
        const unit =
          row.dataset['unit'] !== undefined && row.dataset['unit'] !== 'None' ? row.dataset['unit'] : 'Count';
        return {
          Name: name.value.trim(),
          Unit: unit,
          ...(max.value === '' ? {} : { MaxCount: Number(max.value) }),
          Overage: overage.checked,
          AllowCheckIn: true,
        };
      });
    },
  };
}
