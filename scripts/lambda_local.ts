/**
 * `deno task lambda-local`: the local Lambda alone, on 127.0.0.1, speaking the
 * Lambda and CloudWatch Logs APIs, until Ctrl-C.
 *
 * @module
 */

import { positive } from "../lib/cli/arrival_flags.ts";
import { numberFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { startLocalLambdaServer } from "../lib/lambda/http_server.ts";
import { LocalLambda } from "../lib/lambda/local_lambda.ts";
import { publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";

const HELP = `Usage: deno task lambda-local [options]

Serves a local AWS Lambda on 127.0.0.1 (Lambda REST API and CloudWatch Logs),
for the AWS SDKs and CLI with --endpoint-url. Functions run the published
service-time profiles (environment variable MODEL, default TF-inceptionV4).

Options:
  --port N            port; 0 picks a free one                       [0]
  --time-scale X      run functions X times faster than real         [1]
  --concurrency N     concurrency limit                              [1000]
  --idle S            idle time before an environment is reclaimed, s [600]
  --init S            cold-start initialisation, s                   [0.25]
  --update S          an update stays InProgress this long, s        [0]
  --jitter CV         coefficient of variation of service times      [0]
  --billing-ms MS     billing granularity of REPORT lines (1 or 100) [1]
  --error-rate P      injected function errors, per invocation       [0]
  --throttle-rate P   injected throttling, per invocation            [0]
  --drop-rate P       injected dropped connections, per invocation   [0]
  --extra-latency S   injected extra latency per invocation, s       [0]
  --max-log-events N  log events kept per log group; the oldest go  [1000000]
  --seed N            random seed                                    [1]
  --access-key-id ID  with --secret-access-key: accept only requests signed
                      (SigV4) with these keys            [any signature passes]
  --secret-access-key KEY
  -h, --help          this text
`;

/**
 * Runs the local Lambda until interrupted.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let server;
  try {
    const v = parseFlags({
      args,
      strict: true,
      options: {
        port: { type: "string", default: "0" },
        "time-scale": { type: "string", default: "1" },
        concurrency: { type: "string", default: "1000" },
        idle: { type: "string", default: "600" },
        init: { type: "string", default: "0.25" },
        update: { type: "string", default: "0" },
        jitter: { type: "string", default: "0" },
        "billing-ms": { type: "string", default: "1" },
        "error-rate": { type: "string", default: "0" },
        "throttle-rate": { type: "string", default: "0" },
        "drop-rate": { type: "string", default: "0" },
        "extra-latency": { type: "string", default: "0" },
        "max-log-events": { type: "string", default: "1000000" },
        seed: { type: "string", default: "1" },
        "access-key-id": { type: "string" },
        "secret-access-key": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const rate = (name: string) => {
      const p = numberFlag(name, v[name as keyof typeof v] as string)!;
      if (!(p >= 0 && p <= 1)) throw new UsageError(`--${name} must be within 0..1: found ${p}`);
      return p;
    };
    const nonNegative = (name: string) => {
      const x = numberFlag(name, v[name as keyof typeof v] as string)!;
      if (!(x >= 0)) throw new UsageError(`--${name} must be >= 0: found ${x}`);
      return x;
    };
    const port = numberFlag("port", v.port)!;
    if (!(Number.isInteger(port) && port >= 0 && port < 65536)) {
      throw new UsageError(`--port must be an integer within 0..65535: found ${v.port}`);
    }
    const lambda = new LocalLambda({
      profileFor: (m) => publishedProfile(m),
      prng: seededPrng(numberFlag("seed", v.seed)!),
      timeScale: positive("time-scale", v["time-scale"]!),
      concurrencyLimit: positive("concurrency", v.concurrency!, true),
      idleTimeoutSec: positive("idle", v.idle!),
      initSec: nonNegative("init"),
      updateSec: nonNegative("update"),
      jitterCv: nonNegative("jitter"),
      billingMs: positive("billing-ms", v["billing-ms"]!),
      maxLogEvents: positive("max-log-events", v["max-log-events"]!, true),
      faults: {
        errorRate: rate("error-rate"),
        throttleRate: rate("throttle-rate"),
        dropRate: rate("drop-rate"),
        extraLatencySec: nonNegative("extra-latency"),
      },
    });
    const keyId = v["access-key-id"], secret = v["secret-access-key"];
    if ((keyId === undefined) !== (secret === undefined)) {
      throw new UsageError("--access-key-id and --secret-access-key go together");
    }
    server = startLocalLambdaServer(lambda, {
      port,
      credentials: keyId === undefined
        ? undefined
        : { accessKeyId: keyId, secretAccessKey: secret! },
    });
  } catch (e) {
    return reportUserError("lambda-local", e);
  }
  console.log(`Local Lambda on ${server.url} (Lambda and CloudWatch Logs APIs); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
