// Test handler: throws on every call, counting them (the environment survives a handler's error).
let calls = 0;

export const handler = async (event) => {
  calls++;
  if (event.ok) return { calls };
  throw new TypeError(`bad input ${calls}`);
};
