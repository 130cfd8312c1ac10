/**
 * Verification of AWS Signature Version 4 on requests to the local Lambda, so
 * that with credentials configured a request signed with the wrong secret is
 * refused as AWS refuses it (AWS documentation, "Create a signed AWS API
 * request": canonical request, string to sign, HMAC-SHA256 key derivation).
 *
 * @module
 */

/** Access keys the local Lambda accepts. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Why a signature was refused: the AWS error type and message. */
export interface SignatureProblem {
  type:
    | "InvalidSignatureException"
    | "UnrecognizedClientException"
    | "MissingAuthenticationTokenException";
  message: string;
}

/** Options of {@linkcode verifySigV4}. */
export interface VerifySigV4Options {
  /**
   * The request's body, already read. Inside a `Deno.serve` handler pass it:
   * the fallback, `req.clone()`, copies `req.signal`, and Deno 2.9 prints a
   * warning about its legacy abort behaviour whenever a served request's
   * signal is read.
   * @default {the body of `req.clone()`}
   */
  body?: Uint8Array;
}

const encoder = new TextEncoder();

async function sha256Hex(data: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmac(key: Uint8Array, text: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(text)));
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/**
 * Checks the SigV4 `Authorization` header of a request against the given
 * credentials.
 *
 * @param req The request (its body is not read when `options.body` is given).
 * @param credentials The keys to accept.
 * @param options The body, when it has been read already.
 * @returns `undefined` when the signature is right, else the problem.
 */
export async function verifySigV4(
  req: Request,
  credentials: LocalCredentials,
  options: VerifySigV4Options = {},
): Promise<SignatureProblem | undefined> {
  const auth = req.headers.get("authorization") ?? "";
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/
      .exec(auth);
  if (!m) {
    return {
      type: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    };
  }
  const [, keyId, date, region, service, signedHeaders, signature] = m;
  if (keyId !== credentials.accessKeyId) {
    return {
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  const url = new URL(req.url);
  const body = options.body ?? new Uint8Array(await req.clone().arrayBuffer());
  const payloadHash = req.headers.get("x-amz-content-sha256") ?? await sha256Hex(body);
  // The SDK encodes each path segment once more than the URL holds (non-S3 services).
  const canonicalUri = url.pathname.split("/").map((s) => uriEncode(s)).join("/") || "/";
  const query = [...url.searchParams].map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join("&");
  const names = signedHeaders.split(";");
  const canonicalHeaders = names.map((n) =>
    `${n}:${
      (n === "host" ? req.headers.get("host") ?? url.host : req.headers.get(n) ?? "").trim()
        .replace(/\s+/g, " ")
    }\n`
  ).join("");
  const canonicalRequest = [
    req.method,
    canonicalUri,
    query,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const amzDate = req.headers.get("x-amz-date") ?? "";
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    await sha256Hex(encoder.encode(canonicalRequest)),
  ].join("\n");
  let key = await hmac(encoder.encode(`AWS4${credentials.secretAccessKey}`), date);
  for (const part of [region, service, "aws4_request"]) key = await hmac(key, part);
  const expected = [...await hmac(key, stringToSign)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  if (expected !== signature) {
    return {
      type: "InvalidSignatureException",
      message:
        "The request signature we calculated does not match the signature you provided. Check " +
        "your AWS Secret Access Key and signing method. Consult the service documentation for " +
        "details.",
    };
  }
  return undefined;
}
