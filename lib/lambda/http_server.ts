/**
 * The HTTP face of {@linkcode LocalLambda}: the subset of the Lambda REST API
 * (2015-03-31) that `@aws-sdk/client-lambda`, boto3 and the AWS CLI send, and
 * the CloudWatch Logs calls of their Logs clients (told apart by their
 * `X-Amz-Target` header), on 127.0.0.1, with AWS-shaped errors, so the real
 * clients run against it unchanged. Every response carries `x-amzn-RequestId`
 * (for Invoke, the RequestId of the invocation's log lines).
 *
 * @module
 */

import { DroppedConnection, LambdaApiError, type LocalLambda } from "./local_lambda.ts";
import { handleLogsRequest, LOGS_TARGET_PREFIX } from "./logs_api.ts";
import { type LocalCredentials, verifySigV4 } from "./sigv4.ts";

/** A running server. */
export interface LocalLambdaServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options of {@linkcode startLocalLambdaServer}. */
export interface ServerOptions {
  /** Port; 0 picks a free one. @default {0} */
  port?: number;
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /**
   * Keys to accept: with them, requests must carry a valid SigV4 signature
   * (refused with 403 as AWS refuses them); without, any signature passes.
   */
  credentials?: LocalCredentials;
  /**
   * The `x-amzn-RequestId` of a Lambda API response that is not an
   * invocation's (and of a Logs response that has none of its own).
   * @default {crypto.randomUUID}
   */
  requestId?: () => string;
}

/** Options of {@linkcode handleLambdaRequest}. */
export interface HandleOptions {
  /**
   * The `x-amzn-RequestId` of a Lambda API response that is not an
   * invocation's (and of a Logs response that has none of its own).
   * @default {crypto.randomUUID}
   */
  requestId?: () => string;
}

const PREFIX = "/2015-03-31/functions";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function errorResponse(e: LambdaApiError): Response {
  const headers: Record<string, string> = { "x-amzn-ErrorType": e.type };
  if (e.extra.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(e.extra.retryAfterSeconds);
  }
  return json(e.status, { Type: "User", message: e.message, ...e.extra }, headers);
}

/**
 * A request no operation of the API matches. AWS's REST front ends answer
 * those with `UnknownOperationException` (404), not with
 * ResourceNotFoundException, which the SDKs would report as a missing function.
 */
function unknownOperation(method: string, path: string): LambdaApiError {
  return new LambdaApiError(
    "UnknownOperationException",
    404,
    `No operation of the Lambda API is ${method} ${path}`,
    { Type: "User" },
  );
}

async function bodyJson(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text === "") return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  throw new LambdaApiError(
    "InvalidRequestContentException",
    400,
    "Could not parse request body into json: expected a JSON object",
    { Type: "User" },
  );
}

/** A path segment decoded; bad percent-encoding is the client's error (400), not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new LambdaApiError(
      "ValidationException",
      400,
      `1 validation error detected: Value '${segment}' at 'functionName' failed to satisfy ` +
        "constraint: Member must be a validly percent-encoded function name or ARN",
      { Type: "User" },
    );
  }
}

/** An optional query parameter as a number (an integer is checked by the API). */
function numberParam(url: URL, name: string): number | undefined {
  const text = url.searchParams.get(name);
  return text === null ? undefined : text.trim() === "" ? NaN : Number(text);
}

/** Routes one Lambda REST request. */
async function route(lambda: LocalLambda, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname.replace(/\/+$/, "");
  const qualifier = url.searchParams.get("Qualifier") ?? undefined;
  if (path === PREFIX && req.method === "POST") {
    return json(201, lambda.createFunction(await bodyJson(req)));
  }
  if (path === PREFIX && req.method === "GET") {
    const page = lambda.listFunctionsPage({
      maxItems: numberParam(url, "MaxItems"),
      marker: url.searchParams.get("Marker") ?? undefined,
    });
    return json(200, {
      Functions: page.functions,
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    });
  }
  if (path.startsWith(PREFIX + "/")) {
    const rest = path.slice(PREFIX.length + 1).split("/");
    const name = decodeSegment(rest[0]);
    const tail = rest.slice(1).join("/");
    if (tail === "" && req.method === "GET") {
      return json(200, {
        Configuration: lambda.getFunctionConfiguration(name, qualifier),
        Code: { RepositoryType: "S3", Location: "" },
      });
    }
    if (tail === "" && req.method === "DELETE") {
      lambda.deleteFunction(name, qualifier);
      return new Response(null, { status: 204 });
    }
    if (tail === "configuration" && req.method === "GET") {
      return json(200, lambda.getFunctionConfiguration(name, qualifier));
    }
    if (tail === "configuration" && req.method === "PUT") {
      return json(200, lambda.updateFunctionConfiguration(name, await bodyJson(req)));
    }
    if (tail === "code" && req.method === "PUT") {
      return json(200, lambda.updateFunctionCode(name, await bodyJson(req)));
    }
    if (tail === "invocations" && req.method === "POST") {
      const payload = new Uint8Array(await req.arrayBuffer());
      const r = await lambda.invoke(name, payload, {
        invocationType: req.headers.get("x-amz-invocation-type") ?? undefined,
        logType: req.headers.get("x-amz-log-type") ?? undefined,
        qualifier,
      });
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "X-Amz-Executed-Version": r.executedVersion,
        "x-amzn-RequestId": r.requestId,
      };
      if (r.functionError) headers["X-Amz-Function-Error"] = r.functionError;
      if (r.logResult) headers["X-Amz-Log-Result"] = r.logResult;
      return new Response(r.statusCode === 200 ? r.payload as Uint8Array<ArrayBuffer> : null, {
        status: r.statusCode,
        headers,
      });
    }
  }
  throw unknownOperation(req.method, url.pathname);
}

function withRequestId(res: Response, requestId: string): Response {
  if (!res.headers.has("x-amzn-RequestId")) res.headers.set("x-amzn-RequestId", requestId);
  return res;
}

/**
 * Answers one request: CloudWatch Logs calls (by their `X-Amz-Target`), the
 * Lambda REST API, and AWS's errors for anything else: a JSON-protocol call
 * with a missing or unknown target gets 400 UnknownOperationException (from
 * the Logs face), a path or method the REST API does not have 404
 * UnknownOperationException.
 *
 * @param lambda The local Lambda.
 * @param req The request.
 * @param options Where request ids come from.
 * @returns The response, with an `x-amzn-RequestId` header.
 */
export async function handleLambdaRequest(
  lambda: LocalLambda,
  req: Request,
  options: HandleOptions = {},
): Promise<Response> {
  const newRequestId = options.requestId ?? (() => crypto.randomUUID());
  const jsonProtocol = /^application\/x-amz-json-1\.[01]\b/.test(
    req.headers.get("content-type") ?? "",
  );
  if (req.headers.has("x-amz-target") || (jsonProtocol && new URL(req.url).pathname === "/")) {
    // JSON-protocol services name the operation in X-Amz-Target; the Logs
    // face answers a missing or unknown one with 400 UnknownOperationException.
    return withRequestId(await handleLogsRequest(lambda, req), newRequestId());
  }
  const requestId = newRequestId();
  try {
    return withRequestId(await route(lambda, req), requestId);
  } catch (e) {
    if (e instanceof LambdaApiError) return withRequestId(errorResponse(e), requestId);
    if (e instanceof DroppedConnection) {
      // The headers go out, then the body stops short of its Content-Length and
      // the connection closes: the client sees it fail while reading. (A body
      // stream that errors would do the same, but Deno's server prints each
      // such error to stderr.)
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("{"));
            c.close();
          },
        }),
        {
          status: 200,
          headers: {
            "content-type": "application/json",
            "content-length": "64",
            "x-amzn-RequestId": requestId,
          },
        },
      );
    }
    return json(500, { Type: "Service", message: String(e) }, {
      "x-amzn-ErrorType": "ServiceException",
      "x-amzn-RequestId": requestId,
    });
  }
}

/**
 * Starts the local Lambda's HTTP server on loopback.
 *
 * @param lambda The local Lambda to serve.
 * @param options Port, host, credentials and request ids.
 * @returns The running server.
 * @throws {Deno.errors.AddrInUse} When the port is taken.
 */
export function startLocalLambdaServer(
  lambda: LocalLambda,
  options: ServerOptions = {},
): LocalLambdaServer {
  const { port = 0, hostname = "127.0.0.1", credentials } = options;
  const requestId = options.requestId ?? (() => crypto.randomUUID());
  const server = Deno.serve({ port, hostname, onListen: () => {} }, async (req) => {
    if (credentials) {
      // The body is read once, for the signature and then for the handler,
      // rather than through req.clone(), which copies req.signal: Deno.serve
      // warns about its legacy abort behaviour on any read of a request's signal.
      const body = new Uint8Array(await req.arrayBuffer());
      const problem = await verifySigV4(req, credentials, { body });
      if (problem) {
        const logs = (req.headers.get("x-amz-target") ?? "").startsWith(LOGS_TARGET_PREFIX);
        return json(
          403,
          logs ? { __type: problem.type, message: problem.message } : {
            Type: "User",
            message: problem.message,
          },
          { "x-amzn-ErrorType": problem.type, "x-amzn-RequestId": requestId() },
        );
      }
      req = new Request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.method === "GET" || req.method === "HEAD" ? null : body,
      });
    }
    return handleLambdaRequest(lambda, req, { requestId });
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://${hostname}:${addr.port}`,
    port: addr.port,
    close: () => server.shutdown(),
  };
}
