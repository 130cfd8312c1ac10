// Test handler: its top-level code throws, so the Init phase fails.
throw new Error("cannot load the model");

export const handler = async () => "never";
