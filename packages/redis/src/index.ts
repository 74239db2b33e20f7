/**
 * @licensegate/redis — under construction (issue: several instances of one app).
 *
 * @packageDocumentation
 */
export {};
