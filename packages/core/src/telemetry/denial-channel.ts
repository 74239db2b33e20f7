import { denials, type DenialMessage } from './channels.js';

/**
 * Publishes a denial on `licensegate:denial` — only when the channel has subscribers: the caller
 * checks `denials.hasSubscribers` first, so that an unsubscribed denial builds nothing.
 */
export function publishDenial(
  gate: { readonly options: { readonly productSku?: string } },
  answer: { readonly problem: { readonly code: string; readonly type: string; readonly status: number } },
  path: string | undefined,
  error: unknown,
): void {
  const { problem } = answer;
  const message: DenialMessage = {
    productSku: gate.options.productSku,
    path,
    code: problem.code,
    type: problem.type,
    status: problem.status,
    problem,
    error,
  };
  denials.publish(message);
}

export { denials };
