import { el } from './dom.js';
import type { EntitlementView } from './types.js';

/** The little of uPlot's API the page uses (the library is vendored, loaded by a script tag). */
interface UPlot {
  setData(data: number[][], resetScales?: boolean): void;
  setScale(key: string, range: { min: number; max: number }): void;
  setSize(size: { width: number; height: number }): void;
  destroy(): void;
}
interface UPlotStatic {
  new (options: object, data: number[][], target: HTMLElement): UPlot;
  paths: { stepped(options: { align: 1 | -1 }): unknown };
}
declare const uPlot: UPlotStatic;

const HEIGHT = 170;

/**
 * One entitlement's usage over virtual time: units in use (seats held), units consumed, and the
 * max, as stepped lines. The x range follows the chosen window up to the virtual now, unless the
 * user has zoomed in by dragging (a double-click zooms out again).
 */
export class UsageChart {
  readonly root: HTMLElement;
  readonly #plotBox = el('div', { class: 'plot' });
  readonly #summary = el('p', { class: 'chart-summary' });
  readonly #plot: UPlot;
  #zoomed = false;
  #range: { min: number; max: number } = { min: 0, max: 1 };

  constructor(title: string) {
    this.root = el('figure', { class: 'chart' }, [el('figcaption', {}, [title]), this.#plotBox, this.#summary]);
    this.#plotBox.setAttribute('role', 'img');
    this.#plotBox.setAttribute('aria-label', `Chart of ${title} over time`);
    const stepped = uPlot.paths.stepped({ align: 1 });
    this.#plot = new uPlot(
      {
        width: 480,
        height: HEIGHT,
        scales: {
          x: { time: true, auto: false },
          y: { range: (_u: unknown, _min: number, max: number) => [0, Math.max(1, max * 1.1)] },
        },
        series: [
          { label: 'virtual time' },
          { label: 'in use', stroke: '#1f6feb', fill: 'rgba(31,111,235,0.12)', width: 2, paths: stepped },
          { label: 'consumed', stroke: '#bf4b00', width: 2, paths: stepped },
          { label: 'max', stroke: '#6e7781', width: 1, dash: [6, 4], paths: stepped, points: { show: false } },
        ],
        axes: [{}, { size: 60 }],
        legend: { live: false },
        cursor: { drag: { x: true, y: false, setScale: true } },
        hooks: {
          setSelect: [() => (this.#zoomed = true)],
          ready: [
            (u: { over: HTMLElement }) =>
              u.over.addEventListener('dblclick', () => {
                this.#zoomed = false;
                this.#plot.setScale('x', this.#range);
              }),
          ],
        },
      },
      [[], [], [], []],
      this.#plotBox,
    );
  }

  /** Draws the entitlement's history from `since` to `now` (virtual epoch ms). */
  update(e: EntitlementView, since: number, now: number): void {
    const xs: number[] = [];
    const held: number[] = [];
    const consumed: number[] = [];
    const max: number[] = [];
    const cap = e.MaxCount ?? Number.NaN;
    const push = (t: number, h: number, c: number): void => {
      xs.push(t / 1000);
      held.push(h);
      consumed.push(c);
      max.push(cap);
    };
    const first = e.history[0];
    // Usage before the first change in the window was the first point's level before it changed;
    // with no change at all, it is the level now.
    if (first === undefined || first[0] > since)
      push(since, first === undefined ? e.held : 0, first === undefined ? e.consumed : 0);
    for (const [t, h, c] of e.history) push(Math.max(t, since), h, c);
    push(now, e.held, e.consumed);
    this.#range = { min: since / 1000, max: now / 1000 };
    const width = Math.max(280, Math.floor(this.root.clientWidth || 480) - 2);
    this.#plot.setSize({ width, height: HEIGHT });
    this.#plot.setData(
      [xs, held, consumed, max.map((m) => (Number.isNaN(m) ? (null as unknown as number) : m))],
      false,
    );
    if (!this.#zoomed) this.#plot.setScale('x', this.#range);
    this.root.dataset['held'] = String(e.held);
    this.root.dataset['consumed'] = String(e.consumed);
    this.root.dataset['points'] = String(xs.length);
    this.#summary.textContent = `${e.held} in use, ${e.consumed} consumed${e.MaxCount === undefined ? '' : ` of ${e.MaxCount}`}; ${e.history.length} change(s) in this window.`;
  }

  destroy(): void {
    this.#plot.destroy();
    this.root.remove();
  }
}
