/**
 * The HTTP face of {@linkcode LocalLambda}: the subset of the Lambda REST API
 * (2015-03-31) that `@aws-sdk/client-lambda` sends, and the CloudWatch Logs
 * calls of `@aws-sdk/client-cloudwatch-logs` (told apart by their
 * `X-Amz-Target` header), on 127.0.0.1, with AWS-shaped errors, so the real
 * SDK clients run against it unchanged.
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
  );
}

/** Routes one request to the local Lambda. */
export async function handleLambdaRequest(lambda: LocalLambda, req: Request): Promise<Response> {
  if ((req.headers.get("x-amz-target") ?? "").startsWith(LOGS_TARGET_PREFIX)) {
    return handleLogsRequest(lambda, req);
  }
  const url = new URL(req.url);
  const path = url.pathname.replace(/\/+$/, "");
  try {
    if (path === PREFIX && req.method === "POST") {
      return json(201, lambda.createFunction(await bodyJson(req)));
    }
    if (path === PREFIX && req.method === "GET") {
      return json(200, { Functions: lambda.listFunctions() });
    }
    if (path.startsWith(PREFIX + "/")) {
      const rest = path.slice(PREFIX.length + 1).split("/");
      const name = decodeURIComponent(rest[0]);
      const tail = rest.slice(1).join("/");
      if (tail === "" && req.method === "GET") {
        return json(200, {
          Configuration: lambda.getFunctionConfiguration(name),
          Code: { RepositoryType: "S3", Location: "" },
        });
      }
      if (tail === "" && req.method === "DELETE") {
        lambda.deleteFunction(name);
        return new Response(null, { status: 204 });
      }
      if (tail === "configuration" && req.method === "GET") {
        return json(200, lambda.getFunctionConfiguration(name));
      }
      if (tail === "configuration" && req.method === "PUT") {
        return json(200, lambda.updateFunctionConfiguration(name, await bodyJson(req)));
      }
      if (tail === "invocations" && req.method === "POST") {
        const payload = new Uint8Array(await req.arrayBuffer());
        const r = await lambda.invoke(name, payload, {
          invocationType: req.headers.get("x-amz-invocation-type") ?? undefined,
          logType: req.headers.get("x-amz-log-type") ?? undefined,
        });
        const headers: Record<string, string> = {
          "content-type": "application/json",
          "X-Amz-Executed-Version": r.executedVersion,
        };
        if (r.functionError) headers["X-Amz-Function-Error"] = r.functionError;
        if (r.logResult) headers["X-Amz-Log-Result"] = r.logResult;
        return new Response(r.statusCode === 200 ? r.payload as Uint8Array<ArrayBuffer> : null, {
          status: r.statusCode,
          headers,
        });
      }
    }
    return json(404, { Type: "User", message: `No route for ${req.method} ${url.pathname}` }, {
      "x-amzn-ErrorType": "ResourceNotFoundException",
    });
  } catch (e) {
    if (e instanceof LambdaApiError) return errorResponse(e);
    if (e instanceof DroppedConnection) {
      // The headers go out, then the body breaks: the client sees the connection fail.
      return new Response(
        new ReadableStream({
          start(c) {
            c.error(e);
          },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    }
    return json(500, { Type: "Service", message: String(e) }, {
      "x-amzn-ErrorType": "ServiceException",
    });
  }
}

/**
 * Starts the local Lambda's HTTP server on loopback.
 *
 * @param lambda The local Lambda to serve.
 * @param options Port and host.
 * @returns The running server.
 */
export function startLocalLambdaServer(
  lambda: LocalLambda,
  options: ServerOptions = {},
): LocalLambdaServer {
  const { port = 0, hostname = "127.0.0.1", credentials } = options;
  const server = Deno.serve({ port, hostname, onListen: () => {} }, async (req) => {
    if (credentials) {
      const problem = await verifySigV4(req, credentials);
      if (problem) {
        const logs = (req.headers.get("x-amz-target") ?? "").startsWith(LOGS_TARGET_PREFIX);
        return json(
          403,
          logs ? { __type: problem.type, message: problem.message } : {
            Type: "User",
            message: problem.message,
          },
          { "x-amzn-ErrorType": problem.type },
        );
      }
    }
    return handleLambdaRequest(lambda, req);
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://${hostname}:${addr.port}`,
    port: addr.port,
    close: () => server.shutdown(),
  };
}
