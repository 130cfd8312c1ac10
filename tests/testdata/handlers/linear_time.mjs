// Test handler for deno task profile: a batch of k (event.batch_size, or
// buffer.py's BS) keeps the CPU busy for a + b k ms of wall-clock time, with
// a = 100 and b = 10, so its service time is a known linear function of k
// (plus the local Lambda's overhead around the handler, about 1 ms).
export const A_MS = 100;
export const B_MS = 10;

export const handler = async (event) => {
  const k = event.batch_size ?? event.BS ?? 1;
  const ms = A_MS + B_MS * k;
  const t0 = performance.now();
  let x = 0;
  while (performance.now() - t0 < ms) for (let i = 0; i < 1000; i++) x += Math.sqrt(i);
  return { batch_size: k, busyMs: performance.now() - t0, x };
};
