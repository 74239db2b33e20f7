/**
 * `express4` is Express 4 installed under an npm alias (a root devDependency), for the adapter
 * table on Express 4. It has no types of its own; the suite drives it through the Express 5 types,
 * which cover the calls the test apps make (`express()`, `express.json()`, routes, `res.status()`).
 */
declare module 'express4' {
  import type express from 'express';

  const express4: typeof express;
  export default express4;
}
