// Test handler: an exception outside the handler's promise (in a timer), as a crash.
export const handler = async () => {
  setTimeout(() => {
    throw new RangeError("thrown in a timer");
  }, 0);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return "never";
};
