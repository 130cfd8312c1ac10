/**
 * `deno task lambda-local`: the local Lambda alone, on 127.0.0.1, speaking the
 * Lambda and CloudWatch Logs APIs, until Ctrl-C. It starts with the function
 * `deno task buffer` uses (`inception-v4`), unless told not to, and with a
 * function for each `--function-code NAME=PATH` (handler code run in Workers).
 *
 * @module
 */

import {
  flagAsTyped,
  numberInRange,
  type NumberRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { explainFileError } from "../lib/cli/file_errors.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import { type LocalLambdaServer, startLocalLambdaServer } from "../lib/lambda/http_server.ts";
import { LambdaApiError, LocalLambda } from "../lib/lambda/local_lambda.ts";
import { CPU_MODELS, describeCpuModel, ONE_VCPU_MEMORY_MB } from "../lib/lambda/cpu_model.ts";
import {
  describeVariability,
  isVariable,
  withServiceCv,
} from "../lib/profile/service_distribution.ts";
import { publishedProfile, type ServiceProfile } from "../lib/profile/service_profile.ts";
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
service-time profiles, or the one of a --model FILE.json under its name
(environment variable MODEL of the function, default --model), unless they
have code, and their Timeout is enforced (Lambda's 3 s when not given). A
profile's service time is drawn from its distribution: deterministic, or as
its 'variability' says (e.g. {"distribution": "gamma", "cv": 0.3}), the one
deno task simulate and the exact model use; --service-cv replaces it with a
lognormal of that CV.

At start it creates the function ${DEFAULT_FUNCTION.name} (MODEL --model, ${DEFAULT_FUNCTION.memoryMb} MB,
Timeout ${DEFAULT_FUNCTION.timeoutSec} s), the one deno task buffer invokes. Create others with
the AWS CLI, e.g.:
  aws lambda create-function --endpoint-url http://127.0.0.1:PORT \\
    --function-name resnet --role arn:aws:iam::000000000000:role/r \\
    --zip-file fileb://any.zip --memory-size 2048 --timeout 900 \\
    --environment 'Variables={MODEL=TF-resnetV2}'

Functions with code run it. --function-code NAME=PATH creates NAME (${DEFAULT_FUNCTION.memoryMb} MB,
Timeout ${DEFAULT_FUNCTION.timeoutSec} s) from a module on this machine (.mjs, .js, .ts) whose export
handler is async (event, context) => result, as Lambda's Node.js runtime calls
it; so does a create-function with --runtime nodejs22.x --handler index.handler
and a zip holding index.mjs (or index.js), and update-function-code replaces
it. Each execution environment is a Worker of this process, with this
process's permissions (Deno narrows a Worker's only under an unstable flag):
run only code you trust. A cold start loads the module (Init Duration, as
measured); console.log lines go to the log between START and END; Duration is
measured around the handler, in real time (--time-scale, --cold-start and
--service-cv apply to profile functions only); Max Memory Used is the
Worker's V8 heap (committed) plus ArrayBuffers plus its WebAssembly memories,
not the process's RSS, which all Workers share. Concurrent environments share
this machine's cores: see deno task bench --only workers.

Options:
  --port N            port; 0 picks a free one                       [0]
  --model NAME|FILE.json  profile of functions without MODEL: TF-inceptionV4,
                      TF-resnetV2, mxnet-resnet50 or a JSON profile file,
                      served under its name (which then means the file)
                                          [env MODEL, else TF-inceptionV4]
  --no-default-function  start without ${DEFAULT_FUNCTION.name}
  --extrapolate       run profiles outside the memories and batch sizes
                      they were fitted on (the published ones: 1280..3008 MB,
                      1..20); refused otherwise
  --time-scale X      run functions X times faster than real (> 0)   [1]
  --concurrency N     concurrency limit                              [1000]
  --cold-start S      initialisation of a new environment, s (also --init)
                                                                     [0.25]
  --keep-alive S      idle time before an environment is reclaimed, s
                      (also --idle)                                  [600]
  --service-cv CV     lognormal service times of this coefficient of
                      variation, in place of the profile's variability;
                      0 keeps the profile's (also --jitter)          [0]
  --update S          an update stays InProgress this long, s        [0]
  --billing-ms MS     billing granularity of REPORT lines: 1 or 100  [1]
  --function-code NAME=PATH  a function NAME running the handler module
                      at PATH (repeatable; also --function)          [none]
  --cpu-model MODEL   how a function with code's Duration follows its
                      memory: host (as measured here) or memory-share
                      (measured x max(1, ${ONE_VCPU_MEMORY_MB} / memory MB): Lambda's CPU
                      share, one vCPU at ${ONE_VCPU_MEMORY_MB} MB, for a single-threaded,
                      CPU-bound handler; the call then lasts that long) [host]
  --error-rate P      injected function errors, per invocation, 0..1 [0]
  --throttle-rate P   injected throttling, per invocation, 0..1      [0]
  --drop-rate P       injected dropped connections, per invocation, 0..1 [0]
  --extra-latency S   injected extra latency per invocation, s       [0]
  --max-log-events N  log events kept per log group; the oldest go  [1000000]
  --seed N            random seed                                    [1]
  --access-key-id ID  with --secret-access-key: accept only requests signed
                      (SigV4) with these keys            [any signature passes]
  --secret-access-key KEY
  -h, --help          this text

Exit codes: 0 stopped by Ctrl-C or SIGTERM; 2 bad flags, an unknown model or
a bad profile file, a --function-code whose file is missing, or the port in use.
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
    const { values: v, typed } = parseFlags({
      args,
      strict: true,
      options: {
        port: { type: "string", default: "0" },
        model: { type: "string" },
        "no-default-function": { type: "boolean" },
        extrapolate: { type: "boolean" },
        "time-scale": { type: "string", default: "1" },
        concurrency: { type: "string", default: "1000" },
        "cold-start": { type: "string", default: "0.25" },
        "keep-alive": { type: "string", default: "600" },
        "service-cv": { type: "string", default: "0" },
        update: { type: "string", default: "0" },
        "billing-ms": { type: "string", default: "1" },
        "function-code": { type: "string", multiple: true },
        "cpu-model": { type: "string", default: "host" },
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
      // The names lambda-local had before the one vocabulary (simulate's and buffer's).
      // --function: the spelling of issue 12 (it names the function, as elsewhere, and its code).
      aliases: {
        init: "cold-start",
        idle: "keep-alive",
        jitter: "service-cv",
        function: "function-code",
      },
    });
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const num = (name: keyof typeof v, range: NumberRange) =>
      numberInRange(flagAsTyped(typed, name), v[name] as string, range);
    const rate = (name: keyof typeof v) => num(name, { min: 0, max: 1 });
    const seconds = { min: 0, unit: "s" };
    port = num("port", { min: 0, max: 65535, integer: true });
    const fromEnv = modelFromEnvironment();
    const model = v.model ?? fromEnv ?? "TF-inceptionV4";
    const profile = await readModel(
      model,
      v.model !== undefined ? flagAsTyped(typed, "model") : "MODEL (environment variable)",
    );
    const serviceCv = num("service-cv", { min: 0 });
    const cpuModel = oneOfFlag(flagAsTyped(typed, "cpu-model"), v["cpu-model"]!, CPU_MODELS);
    const functions = codeFunctions(flagAsTyped(typed, "function-code"), v["function-code"] ?? []);
    if (!v["no-default-function"] && functions.has(DEFAULT_FUNCTION.name)) {
      throw new UsageError(
        `${
          flagAsTyped(typed, "function-code")
        } ${DEFAULT_FUNCTION.name}=...: ${DEFAULT_FUNCTION.name} is ` +
          "the default function's name; add --no-default-function to replace it",
      );
    }
    lambda = new LocalLambda({
      // The file's profile under its name, the published ones under theirs.
      profileFor: (m) => m === profile.name ? profile : publishedProfile(m),
      defaultModel: profile.name,
      extrapolate: v.extrapolate === true,
      defaultTimeoutSec: AWS_DEFAULT_TIMEOUT_SEC,
      prng: seededPrng(num("seed", { integer: true })),
      timeScale: num("time-scale", { min: 0, minExclusive: true }),
      concurrencyLimit: num("concurrency", { min: 1, integer: true }),
      idleTimeoutSec: num("keep-alive", { min: 0, minExclusive: true, unit: "s" }),
      initSec: num("cold-start", { min: 0, max: 900, unit: "s" }),
      updateSec: num("update", seconds),
      jitterCv: serviceCv,
      billingMs: Number(
        oneOfFlag(flagAsTyped(typed, "billing-ms"), v["billing-ms"]!, ["1", "100"]),
      ),
      maxLogEvents: num("max-log-events", { min: 1, integer: true }),
      cpuModel,
      faults: {
        errorRate: rate("error-rate"),
        throttleRate: rate("throttle-rate"),
        dropRate: rate("drop-rate"),
        extraLatencySec: num("extra-latency", seconds),
      },
    });
    if (!v["no-default-function"]) {
      createDefaultFunction(lambda, profile.name);
      const named = model === profile.name ? model : `${profile.name} from ${model}`;
      created = `; function ${DEFAULT_FUNCTION.name} (${named}, ${DEFAULT_FUNCTION.memoryMb} MB)`;
    }
    const served = withServiceCv(profile, serviceCv, "lognormal");
    if (isVariable(served)) created += `; service times ${describeVariability(served)}`;
    for (const [name, path] of functions) {
      lambda.createFunction({
        FunctionName: name,
        CodePath: path,
        MemorySize: DEFAULT_FUNCTION.memoryMb,
        Timeout: DEFAULT_FUNCTION.timeoutSec,
      });
      created += `; function ${name} (code ${path}, ${DEFAULT_FUNCTION.memoryMb} MB)`;
    }
    created += `; ${describeCpuModel(cpuModel)}`;
    const keyId = v["access-key-id"], secret = v["secret-access-key"];
    if ((keyId === undefined) !== (secret === undefined)) {
      const [given, missing] = keyId === undefined
        ? [flagAsTyped(typed, "secret-access-key"), "--access-key-id"]
        : [flagAsTyped(typed, "access-key-id"), "--secret-access-key"];
      throw new UsageError(`${given} needs ${missing}: the two keys go together`);
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
  lambda.close();
  return 0;
}

/**
 * The profile `--model` (or MODEL) names: a published one or a JSON file.
 *
 * @throws {UsageError} Naming `source` and why, for a name that is neither
 *   or a file that is not a profile.
 */
async function readModel(model: string, source: string): Promise<ServiceProfile> {
  try {
    return await readProfileArgument(model);
  } catch (e) {
    const explained = explainFileError(e, {
      path: model,
      flag: source,
      kind: "file",
      access: "read",
    });
    if (explained !== e) throw new UsageError((explained as Error).message);
    if (!(e instanceof RangeError || e instanceof TypeError || e instanceof SyntaxError)) throw e;
    throw new UsageError(`${source} names no service-time profile: ${e.message}`);
  }
}

/**
 * Creates the function `deno task buffer` uses, serving `model`.
 *
 * @throws {UsageError} When the local Lambda refuses it (its memory outside
 *   the profile's range without --extrapolate), saying what to do.
 */
function createDefaultFunction(lambda: LocalLambda, model: string): void {
  try {
    lambda.createFunction({
      FunctionName: DEFAULT_FUNCTION.name,
      MemorySize: DEFAULT_FUNCTION.memoryMb,
      Timeout: DEFAULT_FUNCTION.timeoutSec,
      Environment: { Variables: { MODEL: model } },
    });
  } catch (e) {
    if (!(e instanceof LambdaApiError)) throw e;
    throw new UsageError(
      `the default function ${DEFAULT_FUNCTION.name} cannot be created: ${e.message}; ` +
        "or start without it (--no-default-function)",
    );
  }
}

/**
 * The `--function-code NAME=PATH` values, checked: a function name, a readable
 * file, each name once.
 *
 * @throws {UsageError} Naming the flag as typed and the bad value.
 */
function codeFunctions(flag: string, values: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const m = /^([a-zA-Z0-9-_]{1,64})=(.+)$/.exec(value);
    if (!m) {
      throw new UsageError(
        `${flag} must be NAME=PATH, a function name (1 to 64 letters, digits, - or _), '=' ` +
          `and the path of a handler module: found '${value}'`,
      );
    }
    const [, name, path] = m;
    if (out.has(name)) throw new UsageError(`${flag} names the function ${name} twice`);
    let file = false;
    try {
      file = Deno.statSync(path).isFile;
    } catch {
      // reported below
    }
    if (!file) throw new UsageError(`${flag} ${value}: ${path} is not a file`);
    out.set(name, path);
  }
  return out;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
