// Test handler: waits event.ms milliseconds.
export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { sleptMs: event.ms };
};
