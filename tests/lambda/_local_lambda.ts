/** Test fixture: a local Lambda on loopback and a real SDK client for it. */

import { LambdaClient } from "@aws-sdk/client-lambda";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda, type LocalLambdaOptions } from "../../lib/lambda/local_lambda.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

/**
 * Starts a local Lambda (published profiles, seed 1, functions 1000 times
 * faster than real unless overridden) and a Lambda client without retries.
 *
 * It extrapolates the profiles unless told otherwise: tests of the logs and
 * of the buffer create functions at the default 128 MB or at 1024 MB, outside
 * the published profiles' 1280..3008 MB, on purpose (the REPORT lines are what
 * they test). Tests of the range checks pass `extrapolate: false`.
 */
export function setUpLocalLambda(options: Partial<LocalLambdaOptions> = {}) {
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(1),
    timeScale: 1000,
    extrapolate: true,
    ...options,
  });
  const server = startLocalLambdaServer(lambda);
  const client = new LambdaClient({
    region: "us-east-1",
    endpoint: server.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  return { lambda, server, client };
}
