/**
 * `deno task lambda-local`: the local Lambda alone, on 127.0.0.1, speaking the
 * Lambda and CloudWatch Logs APIs, until Ctrl-C. It starts with the function
 * `deno task buffer` uses (`inception-v4`), unless told not to.
 *
 * @module
 */

import { positive } from "../lib/cli/arrival_flags.ts";
import { numberFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { type LocalLambdaServer, startLocalLambdaServer } from "../lib/lambda/http_server.ts";
import { LocalLambda } from "../lib/lambda/local_lambda.ts";
import { publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";

/** The function created at start: `deno task buffer`'s default name and memory. */
export const DEFAULT_FUNCTION = {
  name: "inception-v4",
  memoryMb: 3008,
  /** Lambda's largest: a batch is never cut short by a limit nobody chose. */
  timeoutSec: 900,
} as const;

/** Lambda's Timeout for a function created without one, seconds. */
const AWS_DEFAULT_TIMEOUT_SEC = 3;

const HELP = `Usage: deno task lambda-local [options]

Serves a local AWS Lambda on 127.0.0.1 (Lambda REST API and CloudWatch Logs),
for the AWS SDKs and CLI with --endpoint-url. Functions run the published
service-time profiles (environment variable MODEL of the function, default
--model) and their Timeout is enforced (Lambda's 3 s when not given).

At start it creates the function ${DEFAULT_FUNCTION.name} (MODEL --model, ${DEFAULT_FUNCTION.memoryMb} MB,
Timeout ${DEFAULT_FUNCTION.timeoutSec} s), the one deno task buffer invokes. Create others with
the AWS CLI, e.g.:
  aws lambda create-function --endpoint-url http://127.0.0.1:PORT \\
    --function-name resnet --role arn:aws:iam::000000000000:role/r \\
    --zip-file fileb://any.zip --memory-size 2048 --timeout 900 \\
    --environment 'Variables={MODEL=TF-resnetV2}'

Options:
  --port N            port; 0 picks a free one                       [0]
  --model NAME        model of functions without MODEL: TF-inceptionV4,
                      TF-resnetV2 or mxnet-resnet50   [env MODEL, else TF-inceptionV4]
  --no-default-function  start without ${DEFAULT_FUNCTION.name}
  --extrapolate       run profiles outside the memories (1280..3008 MB) and
                      batch sizes (1..20) they were fitted on; refused otherwise
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

Exit codes: 0 stopped by Ctrl-C or SIGTERM; 2 bad flags, an unknown model or
the port in use.
`;

/** MODEL of the environment, when it may be read. */
function modelFromEnvironment(): string | undefined {
  try {
    return Deno.env.get("MODEL") || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the local Lambda until interrupted.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let server: LocalLambdaServer;
  let lambda: LocalLambda;
  let port = 0;
  let created = "";
  try {
    const v = parseFlags({
      args,
      strict: true,
      options: {
        port: { type: "string", default: "0" },
        model: { type: "string" },
        "no-default-function": { type: "boolean" },
        extrapolate: { type: "boolean" },
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
    port = numberFlag("port", v.port)!;
    if (!(Number.isInteger(port) && port >= 0 && port < 65536)) {
      throw new UsageError(`--port must be an integer within 0..65535: found ${v.port}`);
    }
    const fromEnv = modelFromEnvironment();
    const model = v.model ?? fromEnv ?? "TF-inceptionV4";
    try {
      publishedProfile(model);
    } catch (e) {
      const source = v.model !== undefined ? "--model" : "MODEL (environment variable)";
      throw new UsageError(`${source} names no service-time profile: ${(e as Error).message}`);
    }
    lambda = new LocalLambda({
      profileFor: (m) => publishedProfile(m),
      defaultModel: model,
      extrapolate: v.extrapolate === true,
      defaultTimeoutSec: AWS_DEFAULT_TIMEOUT_SEC,
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
    if (!v["no-default-function"]) {
      lambda.createFunction({
        FunctionName: DEFAULT_FUNCTION.name,
        MemorySize: DEFAULT_FUNCTION.memoryMb,
        Timeout: DEFAULT_FUNCTION.timeoutSec,
        Environment: { Variables: { MODEL: model } },
      });
      created = `; function ${DEFAULT_FUNCTION.name} (${model}, ${DEFAULT_FUNCTION.memoryMb} MB)`;
    }
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
    if (e instanceof Deno.errors.AddrInUse) {
      console.error(
        `lambda-local: port ${port} on 127.0.0.1 is in use: stop what holds it, or pick another ` +
          "with --port (0 picks a free one)",
      );
      return 2;
    }
    return reportUserError("lambda-local", e);
  }
  console.log(
    `Local Lambda on ${server.url} (Lambda and CloudWatch Logs APIs)${created}; Ctrl-C stops it`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
