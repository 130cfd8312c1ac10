// Test handler: a fixed amount of CPU work, event.n iterations (default 2e7),
// and the time the loop took as the handler measured it.
export const handler = async (event) => {
  const n = event.n ?? 2e7;
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < n; i++) x += Math.sqrt(i);
  return { n, x, loopMs: performance.now() - t0 };
};
