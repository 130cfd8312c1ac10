// Test handler: a fixed amount of CPU work, event.n iterations (default 2e7).
export const handler = async (event) => {
  const n = event.n ?? 2e7;
  let x = 0;
  for (let i = 0; i < n; i++) x += Math.sqrt(i);
  return { n, x };
};
