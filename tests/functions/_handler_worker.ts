/**
 * A module Worker that imports the image classifier's handler (its init runs
 * as the Worker loads) and answers each posted event with
 * `{result}` or `{error: {name, message}}`, as the local Lambda's runtime
 * would call it.
 *
 * @module
 */

import { handler } from "../../lib/functions/image_classifier/handler.ts";

interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((e: MessageEvent<unknown>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = async (e) => {
  try {
    scope.postMessage({ result: await handler(e.data, {}) });
  } catch (err) {
    const { name, message } = err as Error;
    scope.postMessage({ error: { name, message } });
  }
};
scope.postMessage({ ready: true });
