// What the adapter benches' apps share (express.mjs, fastify.mjs, nestjs.mjs): the licenses they are sold under, the
// gates' settings, the dummy credentials, and the server child's side of the protocol of side-by-side.mjs.

/** The License Manager region of the benches' licenses and clients. */
export const REGION = 'us-east-1';
/** The drawdown dimension the benches charge. */
export const DIMENSION = 'DataConsumption';
/** The tiers of the benches' tiered gates, lowest first; the tiered licenses grant the middle one. */
export const TIERS = ['Basic', 'Intermediate', 'Premium'];
/** The tier the tiered licenses grant. */
export const GRANTED_TIER = 'Intermediate';

/**
 * A batch-mode drawdown config whose `batchUnits` and `batchIntervalMs` are so large that no report is due during
 * a run: a request never waits on License Manager, and every unit is reported once, when the gate stops.
 */
export const BATCH_DRAWDOWN = Object.freeze({
  [DIMENSION]: Object.freeze({ mode: 'batch', batchUnits: Number.MAX_SAFE_INTEGER, batchIntervalMs: 24 * 3_600_000 }),
});

/**
 * An AWS Marketplace license for the emulator: `tier` grants the {@link GRANTED_TIER} tier, `units` a
 * {@link DIMENSION} pool that does not run out during a run (at least one of them).
 */
export function benchLicense(sku, { tier = false, units = false }) {
  if (!tier && !units) throw new Error('benchLicense: ask for a tier, units or both');
  const entitlements = [];
  if (tier) entitlements.push({ Name: GRANTED_TIER, Value: 'Enabled', Unit: 'None' });
  if (units) {
    entitlements.push({ Name: DIMENSION, MaxCount: 1_000_000_000, Overage: false, Unit: 'Count', AllowCheckIn: true });
  }
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} bench`,
    ProductName: `${sku} bench`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: entitlements,
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

/** Dummy AWS credentials for this process: the emulator checks only the form of a signature. */
export function useDummyCredentials() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'licensegate-bench-secret';
}

/**
 * The server child's side of the protocol of side-by-side.mjs, once its server listens at `url`: prints
 * `listening on URL`, then answers the parent's messages. `report` runs `report()` (stop the server and the gates,
 * answer what was served), sends `{ report: result }` and exits; another message `name` with a handler in
 * `handlers` is answered with `{ [name]: await handlers[name]() }`. A failure is answered as `{ error }`.
 */
export function serveChild(url, { report, handlers = {} }) {
  process.stdout.write(`listening on ${url}\n`);
  process.on('message', (message) => {
    const run = message === 'report' ? report : handlers[message];
    if (typeof message !== 'string' || run === undefined) return;
    const send = (answer) => new Promise((resolve) => process.send({ [message]: answer }, () => resolve()));
    const answered = Promise.resolve()
      .then(run)
      .then(send, (error) => send({ error: String(error?.message ?? error) }));
    if (message === 'report') void answered.finally(() => process.exit(0));
  });
}
