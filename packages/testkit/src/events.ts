/** A record of what a gate emitted. */
import type { EventEmitter } from 'node:events';

import type { LicenseGate, LicenseGateEvents } from '@licensegate/core';

/** Every event a gate emitted, by name, payloads in order. */
export type EventLog = { [K in keyof LicenseGateEvents]: LicenseGateEvents[K][0][] };

/** Records every event a gate emits. */
export function recordEvents(gate: LicenseGate): EventLog {
  const log: Record<string | symbol, unknown[]> = {};
  const emitter = gate as unknown as EventEmitter;
  const emit = emitter.emit.bind(emitter);
  emitter.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    (log[event] ??= []).push(args[0]);
    return emit(event, ...args);
  };
  return new Proxy(log, { get: (target, name) => (target[name] ??= []) }) as unknown as EventLog;
}
