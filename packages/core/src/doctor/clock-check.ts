import type { DoctorCheck } from './doctor-report.js';
import type { WireExchange } from './wire-recorder.js';

/** Beyond this the local clock is worth fixing: license validity and lease ends are read on it. */
export const CLOCK_WARN_MS = 60_000;
/** Beyond this AWS refuses SigV4 signatures (the SDK then corrects its own offset, and retries). */
export const CLOCK_FAIL_MS = 5 * 60_000;

function seconds(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/**
 * The local clock against License Manager's `Date` header: the header's second (plus half a
 * second, its midpoint) against the midpoint of the exchange, so the answer is good to about a
 * second plus half the round trip.
 */
export function checkClock(exchange: WireExchange | undefined): DoctorCheck {
  if (exchange?.date === undefined || Number.isNaN(Date.parse(exchange.date))) {
    return {
      id: 'clock',
      status: 'skip',
      summary: 'not measured: License Manager sent no answer with a Date header',
      data: { skewMs: null },
    };
  }
  const server = Date.parse(exchange.date) + 500;
  const local = (exchange.sentAt + exchange.receivedAt) / 2;
  const skewMs = Math.round(local - server);
  const roundTripMs = exchange.receivedAt - exchange.sentAt;
  const data = { skewMs, serverDate: exchange.date, roundTripMs, warnMs: CLOCK_WARN_MS, failMs: CLOCK_FAIL_MS };
  const how =
    Math.abs(skewMs) < 1_000
      ? `this machine's clock is in step with License Manager's (Date: ${exchange.date})`
      : `this machine's clock is ${seconds(skewMs)} ${skewMs >= 0 ? 'ahead of' : 'behind'} License Manager's (Date: ${exchange.date})`;
  if (Math.abs(skewMs) < CLOCK_WARN_MS) return { id: 'clock', status: 'pass', summary: how, data };
  const fix =
    'Synchronise the clock with NTP (Amazon Time Sync Service at 169.254.169.123 on EC2; `chronyc tracking` shows the offset, `chronyc makestep` steps it). ' +
    'License validity and seat leases are measured on this clock.';
  if (Math.abs(skewMs) < CLOCK_FAIL_MS) return { id: 'clock', status: 'warn', summary: how, fix, data };
  return {
    id: 'clock',
    status: 'fail',
    summary: `${how}: more than 5 minutes, so AWS refuses the SigV4 signature of the first call of each client`,
    fix,
    data,
  };
}
