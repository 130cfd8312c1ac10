// Test handler: its top-level code takes event-independent time (2 s), as loading a model would.
await new Promise((resolve) => setTimeout(resolve, 2000));

export const handler = async () => "loaded";
