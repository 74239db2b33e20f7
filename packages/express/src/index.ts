/**
 * @licensegate/express — under construction: its public face is specified in the project's issues and
 * in DESIGN.md, and lands with them. Nothing is exported yet.
 *
 * @packageDocumentation
 */
export {};
