/**
 * Virtual users: each has a session (cookie), a keep-alive agent and its own random choices. A user
 * logs in (taking a seat, or being refused one), fires bursts of concurrent requests at the tier,
 * seat and drawdown routes, and now and then logs out — then tries the seat route once more, which
 * must be refused.
 */
import { HttpClient, type Answer } from './http-client.js';
import { ROUTES } from './app.js';
import type { Call, Judge, SessionState } from './judge.js';
import type { Random } from './random.js';
import { MODES, TIERS } from './scenario.js';

/**
 * Called after each answer of a wave with how many it has had (faults are injected from here);
 * `'stop'` spends the wave's budget: users start no new request.
 */
export type OnAnswer = (answered: number) => void | 'stop';

/** Requests a wave may still start; users stop starting new steps when it is spent. */
export class Budget {
  left: number;
  readonly onAnswer: OnAnswer | undefined;
  answered = 0;

  constructor(requests: number, onAnswer?: OnAnswer) {
    this.left = requests;
    this.onAnswer = onAnswer;
  }
}

/** How a user behaves. */
export interface Behaviour {
  /** Requests in flight at once in a burst. */
  readonly burst: number;
  /** Most units of one drawdown request. */
  readonly maxUnits: number;
  /** Probability of logging out after a burst. */
  readonly logoutChance: number;
  /** Whether the user logs in (and out); without, it calls the tier and drawdown routes only. */
  readonly login: boolean;
  /** Share of burst requests that go to the tier routes, and to the seat route; the rest are drawdown. */
  readonly mix: { readonly tier: number; readonly seat: number };
}

/** One virtual user. */
export class VirtualUser {
  readonly name: string;
  readonly #client: HttpClient;
  readonly #judge: Judge;
  readonly #rng: Random;
  readonly #now: () => number;
  readonly session: SessionState;

  /** @param sockets - keep-alive connections at most (a browser has a few; the soak gives a burst's worth) */
  constructor(
    name: string,
    url: string,
    options: { timeoutMs: number; sockets: number },
    judge: Judge,
    rng: Random,
    now: () => number,
  ) {
    this.name = name;
    this.#client = new HttpClient(url, options.timeoutMs, options.sockets);
    this.#judge = judge;
    this.#rng = rng;
    this.#now = now;
    this.session = judge.session();
  }

  /** Plays steps until the wave's budget is spent. */
  async play(budget: Budget, behaviour: Behaviour): Promise<void> {
    while (budget.left > 0) {
      let loginFailed = false;
      if (behaviour.login && !this.session.holding && this.#rng.chance(0.6)) {
        const { status } = await this.call({ kind: 'login', user: this.name }, budget);
        loginFailed = status === 0 || status >= 500;
      }
      const calls: Call[] = [];
      for (let i = 0; i < behaviour.burst && budget.left > calls.length; i++) calls.push(this.#pick(behaviour));
      await Promise.all(calls.map((call) => this.call(call, budget)));
      // Users log out now and then; one whose login failed may give up and log out too.
      const leave = this.session.holding ? behaviour.logoutChance : loginFailed ? 0.5 : 0;
      if (behaviour.login && this.#rng.chance(leave)) {
        await this.call({ kind: 'logout' }, budget);
        await this.call({ kind: 'seat' }, budget); // the session holds no seat now
      }
    }
  }

  /** Logs out (at the end of a phase: every session returns what it holds). */
  async logout(): Promise<void> {
    if (this.#client.cookie !== undefined) await this.call({ kind: 'logout' });
  }

  /** Sends one call and has it judged. */
  async call(call: Call, budget?: Budget): Promise<Answer> {
    if (budget !== undefined) budget.left--;
    const at = this.#now();
    this.#judge.sending(call);
    const answer = await this.#send(call);
    this.#judge.answered(this.session, call, answer, at);
    if (budget !== undefined && budget.onAnswer?.(++budget.answered) === 'stop') budget.left = 0;
    return answer;
  }

  /** Closes the user's connections. */
  close(): void {
    this.#client.close();
  }

  #send(call: Call): Promise<Answer> {
    switch (call.kind) {
      case 'tier':
        return this.#client.send('GET', ROUTES.tier(call.tier));
      case 'seat':
        return this.#client.send('GET', ROUTES.seat);
      case 'units':
        return this.#client.send('POST', ROUTES.units(call.mode, call.units));
      case 'login':
        return this.#client.send('POST', ROUTES.login, { user: call.user });
      case 'logout':
        return this.#client.send('POST', ROUTES.logout);
    }
  }

  #pick(behaviour: Behaviour): Call {
    const r = this.#rng.next();
    if (r < behaviour.mix.tier) return { kind: 'tier', tier: this.#rng.pick(TIERS) };
    if (r < behaviour.mix.tier + behaviour.mix.seat) return { kind: 'seat' };
    return { kind: 'units', mode: this.#rng.pick(MODES), units: this.#rng.int(1, behaviour.maxUnits) };
  }
}
