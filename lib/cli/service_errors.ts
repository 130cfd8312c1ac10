/**
 * Errors of the world outside the process, said in one line: a Lambda or
 * CloudWatch Logs endpoint that does not answer, AWS credentials the standard
 * chain cannot find, and requests the service refuses (a function that does
 * not exist, a memory it does not take). They are the user's to fix (start the
 * local Lambda, fix `--endpoint`, configure credentials), so the CLIs report
 * them as they report a bad flag: one line on stderr and exit code 2, no stack
 * trace.
 *
 * @module
 */

/** Where a command was talking to, for the message. */
export interface ServiceContext {
  /** What was called, e.g. `the Lambda API at http://127.0.0.1:9001` or `AWS Lambda in us-east-1`. */
  target: string;
  /** The function the command works on, when there is one. */
  functionName?: string;
  /** What a ResourceNotFoundException means to the command, in its words. */
  notFound?: string;
}

/** The parts of a Node network error and an AWS SDK error read here. */
interface _ErrorShape {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const _NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused: nothing listens there",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (DNS did not answer)",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
};

/** The error, or the first of its causes, that has a network error code. */
function _networkCode(e: unknown): string | undefined {
  for (let x = e, depth = 0; x && depth < 5; x = (x as _ErrorShape).cause, depth++) {
    const err = x as _ErrorShape;
    if (err.code && err.code in _NETWORK) return err.code;
    const m = /\b(E[A-Z_]{4,})\b/.exec(err.message ?? "");
    if (m && m[1] in _NETWORK) return m[1];
  }
  return undefined;
}

/**
 * One line for an error of the network or of an AWS service, or `undefined`
 * when the error is neither (a bug, to be thrown on).
 *
 * @param e The error caught.
 * @param context Where the command was talking to.
 * @returns The line, without the command's name.
 *
 * @example A local Lambda that is not running
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const e = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9001"), { code: "ECONNREFUSED" });
 * assert.equal(
 *   describeServiceError(e, { target: "the Lambda API at http://127.0.0.1:9001" }),
 *   "cannot reach the Lambda API at http://127.0.0.1:9001: connection refused: nothing listens there " +
 *     "(is deno task lambda-local running on that port? is --endpoint right?)",
 * );
 * assert.equal(describeServiceError(new Error("a bug"), { target: "x" }), undefined);
 * ```
 */
export function describeServiceError(e: unknown, context: ServiceContext): string | undefined {
  const err = (e ?? {}) as _ErrorShape;
  const code = _networkCode(e);
  if (code !== undefined) {
    const hint = code === "ECONNREFUSED"
      ? " (is deno task lambda-local running on that port? is --endpoint right?)"
      : "";
    return `cannot reach ${context.target}: ${_NETWORK[code]}${hint}`;
  }
  if (err.name === "CredentialsProviderError") {
    return `no AWS credentials for ${context.target}: the standard chain found none ` +
      "(set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws configure)";
  }
  const status = err.$metadata?.httpStatusCode;
  if (err.$metadata === undefined || typeof err.name !== "string") return undefined;
  const message = (err.message ?? "").replace(/\s*\n\s*/g, " ").trim();
  switch (err.name) {
    case "ResourceNotFoundException": {
      if (context.notFound !== undefined) return `${context.notFound} (${context.target})`;
      const fn = context.functionName === undefined ? "" : ` (function '${context.functionName}')`;
      return `${context.target} has no such resource${fn}: ${message}`;
    }
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
    case "AccessDeniedException":
      return `${context.target} refused the credentials: ${err.name}: ${message}`;
    default:
      return `${context.target} refused the request: ${err.name}${
        status === undefined ? "" : ` (HTTP ${status})`
      }: ${message}`;
  }
}

/**
 * Reports an error of the network or of an AWS service as `command: line` on
 * stderr and returns exit code 2; `undefined` for any other error.
 *
 * @param command The command's name, e.g. `buffer`.
 * @param e The error caught.
 * @param context Where the command was talking to.
 * @returns 2, or `undefined` when the error is not a service error.
 */
export function reportServiceError(
  command: string,
  e: unknown,
  context: ServiceContext,
): number | undefined {
  const line = describeServiceError(e, context);
  if (line === undefined) return undefined;
  console.error(`${command}: ${line}`);
  return 2;
}
