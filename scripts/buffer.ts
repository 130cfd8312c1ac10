/**
 * `deno task buffer`: a batching experiment in real time, as the original
 * buffer.py: requests arrive by an arrival process or a trace, the buffer
 * groups them and invokes the function once per batch through
 * `@aws-sdk/client-lambda`, and the run's logs are written as batches complete.
 * With no `--endpoint` and no `--aws` the local Lambda is started in-process.
 *
 * @module
 */

import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ARRIVAL_STRING_FLAGS, arrivalsFrom, positive } from "../lib/cli/arrival_flags.ts";
import { parseFlags, reportUserError, snakeCaseFlags } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { type Dispatcher, lambdaDispatcher } from "../lib/buffer/dispatcher.ts";
import { prepareFunction } from "../lib/buffer/function_setup.ts";
import { RealtimeBuffer, systemClock } from "../lib/buffer/realtime_buffer.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import { CsvRunLog, writeRunJson } from "../lib/io/run_logs.ts";
import { startLocalLambdaServer } from "../lib/lambda/http_server.ts";
import { LocalLambda } from "../lib/lambda/local_lambda.ts";
import { evaluateGrid } from "../lib/model/evaluate.ts";
import { pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";
import { PUBLISHED_PROFILE_NAMES, publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";
import { LatencyHistogram } from "../lib/sim/latency_histogram.ts";
import type { BatchRecord, RequestRecord } from "../lib/sim/simulator.ts";

const HELP = `Usage: deno task buffer [options]

Runs the BATCH buffer in real time against AWS Lambda (--aws), a Lambda API at
--endpoint, or (the default) the local Lambda started in-process. Requests wait
until B have arrived or T seconds have passed since the first, then go to the
function as one invocation. Logs go to --out as batches complete.

Batching and function (buffer.py's flags; snake_case or kebab-case):
  --batch_size B          max batch size                                [5]
  --time_out T            timeout from the first request, s             [1]
  --function_name NAME    the Lambda function                           [inception-v4]
  --memory M              memory to configure before the run, MB        [3008]
  --model NAME|FILE.json  profile of the local Lambda and the model     [TF-inceptionV4]
  --pricing NAME          ${PRICING_NAMES.join(", ")}           [aws-x86]

Arrivals (as deno task simulate):
  --arrival_process KIND  exp, map, trace or day                        [exp]
  --inter_arrival RATE    exp: requests/s                               [20]
  --map D0,D1 | --trace NAME --hour H | --day NAME | --trace_path FILE [--timestamps] [--loop]
  --requests N            stop after N requests
  --duration S            stop arrivals after S seconds                 [60 without --requests]
  --seed N                random seed                                   [1]

Where the function runs:
  --endpoint URL          a Lambda API endpoint (e.g. a local Lambda you started)
  --region NAME           AWS region                                    [us-east-1]
  --aws                   real AWS with the standard credential chain
  --time_scale X          local Lambda only: run functions X times faster [1]
  --concurrency N         local Lambda only: concurrency limit          [1000]
  --jitter CV             local Lambda only: lognormal service-time CV  [0]

Run:
  --out DIR               run directory            [runs/<time>-<function>]
  --max_in_flight N       batches invoked at once, at most              [unlimited]
  --grace S               wait for batches in flight at the end, s      [30]
  --format FORMAT         table or json                                 [table]
  -h, --help              this text

Ctrl-C (or SIGTERM) stops the arrivals, dispatches the open batch, waits for the
batches in flight (--grace), writes the summary and exits 130; a second Ctrl-C
exits at once with what is on disk intact.
`;

const STRING_FLAGS: Record<string, string | undefined> = {
  batch_size: "5",
  time_out: "1",
  function_name: "inception-v4",
  memory: "3008",
  model: "TF-inceptionV4",
  pricing: "aws-x86",
  ...ARRIVAL_STRING_FLAGS,
  endpoint: undefined,
  region: "us-east-1",
  time_scale: "1",
  jitter: "0",
  concurrency: "1000",
  out: undefined,
  max_in_flight: undefined,
  grace: "30",
  format: "table",
};

function parse(args: string[]) {
  return parseFlags({
    args: snakeCaseFlags(args),
    strict: true,
    options: {
      ...Object.fromEntries(
        Object.entries(STRING_FLAGS).map(([k, v]) => [k, { type: "string" as const, default: v }]),
      ),
      aws: { type: "boolean" },
      timestamps: { type: "boolean" },
      loop: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values as Record<string, string | boolean | undefined>;
}

/**
 * Runs the buffer CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code (130 when interrupted).
 */
export async function main(args: string[]): Promise<number> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parse(args);
    if (v.help) {
      console.log(HELP);
      return 0;
    }
  } catch (e) {
    return reportUserError("buffer", e);
  }
  const json = v.format === "json";
  const stop = { requested: false, count: 0 };
  let server: { close(): Promise<void> } | undefined;
  let client: LambdaClient | undefined;
  let log: CsvRunLog | undefined;
  let lambdaLog: Deno.FsFile | undefined;
  const timers: ReturnType<typeof setInterval>[] = [];
  const onSignal = () => {
    stop.count++;
    stop.requested = true;
    if (stop.count > 1) {
      log?.close();
      lambdaLog?.close();
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    if (v.format !== "table" && v.format !== "json") {
      throw new UsageError(`--format must be table or json: found '${v.format}'`);
    }
    const maxBatch = positive("batch_size", String(v.batch_size), true);
    const timeoutSec = positive("time_out", String(v.time_out));
    const memoryMb = positive("memory", String(v.memory), true);
    const seed = Number(v.seed);
    if (!Number.isInteger(seed)) {
      throw new UsageError(`--seed must be an integer: found '${v.seed}'`);
    }
    const requests = v.requests === undefined
      ? undefined
      : positive("requests", String(v.requests), true);
    const durationSec = v.duration === undefined
      ? (requests === undefined ? 60 : Infinity)
      : positive("duration", String(v.duration));
    const timeScale = positive("time_scale", String(v.time_scale));
    const graceSec = positive("grace", String(v.grace));
    const maxInFlight = v.max_in_flight === undefined
      ? Infinity
      : positive("max_in_flight", String(v.max_in_flight), true);
    if (!(PRICING_NAMES as readonly string[]).includes(String(v.pricing))) {
      throw new UsageError(
        `--pricing must be one of ${PRICING_NAMES.join(", ")}: found '${v.pricing}'`,
      );
    }
    if (v.aws && v.endpoint) throw new UsageError("--aws and --endpoint exclude each other");
    const price = pricingByName(String(v.pricing));
    const profile = await readProfileArgument(String(v.model));
    const { stream, map, description } = await arrivalsFrom(v, seed);
    const functionName = String(v.function_name);

    // Where the function runs.
    let endpoint = v.endpoint === undefined ? undefined : String(v.endpoint);
    const local = !v.aws && endpoint === undefined;
    if (local) {
      const lambda = new LocalLambda({
        profileFor: (m) =>
          (PUBLISHED_PROFILE_NAMES as readonly string[]).includes(m)
            ? publishedProfile(m)
            : profile,
        defaultModel: profile.name,
        prng: seededPrng(seed + 7),
        timeScale,
        concurrencyLimit: positive("concurrency", String(v.concurrency), true),
        // The in-process Lambda ends with the run, and lambda.log holds every
        // invocation's log tail: its CloudWatch face keeps only recent events.
        maxLogEvents: 10_000,
        jitterCv: Number(v.jitter) >= 0 ? Number(v.jitter) : (() => {
          throw new UsageError(`--jitter must be a number >= 0: found '${v.jitter}'`);
        })(),
      });
      const s = startLocalLambdaServer(lambda);
      server = s;
      endpoint = s.url;
    }
    client = new LambdaClient({
      region: String(v.region),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(v.aws ? {} : { credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
      maxAttempts: 1,
    });
    // A function missing on a local Lambda (in-process or on loopback) is created.
    const loopback = endpoint !== undefined &&
      /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint);
    await prepareFunction(client, {
      functionName,
      memoryMb,
      model: profile.name,
      create: local || loopback,
    });

    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const dir = v.out === undefined ? `runs/${stamp}-${functionName}` : String(v.out);
    log = new CsvRunLog(dir);
    lambdaLog = Deno.openSync(`${dir}/lambda.log`, { write: true, create: true, truncate: true });
    const config = {
      arrivals: description,
      maxBatch,
      timeoutSec,
      functionName,
      memoryMb,
      model: profile.name,
      pricing: price.name,
      seed,
      requests,
      durationSec: Number.isFinite(durationSec) ? durationSec : undefined,
      target: v.aws ? "aws" : local ? "local Lambda (in-process)" : endpoint,
      timeScale: local ? timeScale : undefined,
    };
    writeRunJson(dir, { status: "running", config, versions: { deno: Deno.version.deno } });

    const histogram = new LatencyHistogram();
    const sink = {
      request(r: Readonly<RequestRecord>) {
        if (r.status === "ok") histogram.add(r.latencySec);
        log!.request(r);
      },
      batch(b: Readonly<BatchRecord>) {
        log!.batch(b);
      },
    };
    const inner = lambdaDispatcher({
      functionName,
      prng: seededPrng(seed + 3),
      invoke: (i) => client!.send(new InvokeCommand(i)),
    });
    const encoder = new TextEncoder();
    const dispatcher: Dispatcher = {
      async dispatch(batch) {
        const o = await inner.dispatch(batch);
        if (o.logTail) {
          lambdaLog!.writeSync(
            encoder.encode(o.logTail.endsWith("\n") ? o.logTail : o.logTail + "\n"),
          );
        }
        return o;
      },
    };
    const clock = systemClock();
    const buffer = new RealtimeBuffer({
      maxBatch,
      timeoutSec,
      dispatcher,
      clock,
      pricing: price,
      memoryMb,
      sink,
      maxInFlight,
    });
    const tty = !json && Deno.stderr.isTerminal();
    if (tty) {
      timers.push(setInterval(() => {
        const s = buffer.stats;
        const p95 = histogram.count ? histogram.quantile(0.95).toFixed(3) : "-";
        Deno.stderr.writeSync(encoder.encode(
          `\rbuffer: ${s.requests} requests, ${s.batches} batches, ${s.inFlight} in flight, ` +
            `${s.failed} failed, p95 so far ${p95} s\x1b[K`,
        ));
      }, 250));
    }

    // Memory every 10 s; the heap after a full collection when the runtime
    // allows it (--v8-flags=--expose-gc), so a leak shows as a rising line.
    const memory: { atSec: number; rssMb: number; heapUsedMb: number }[] = [];
    const sampleMemory = () => {
      (globalThis as { gc?: () => void }).gc?.();
      const m = Deno.memoryUsage();
      memory.push({
        atSec: clock.nowSec(),
        rssMb: m.rss / 2 ** 20,
        heapUsedMb: m.heapUsed / 2 ** 20,
      });
    };
    timers.push(setInterval(sampleMemory, 10_000));

    // Arrivals in real time: the stream's times are seconds from the run's start.
    let n = 0;
    for (;;) {
      if (stop.requested || (requests !== undefined && n >= requests)) break;
      const t = stream.next();
      if (!(t < Infinity) || t > durationSec) break;
      const wait = t - clock.nowSec();
      if (wait > 0.001) await new Promise((r) => setTimeout(r, wait * 1000));
      if (stop.requested) break;
      buffer.arrive();
      n++;
    }
    const finished = await buffer.shutdown(graceSec);
    timers.forEach(clearInterval);
    sampleMemory();
    if (tty) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
    log.close();
    lambdaLog.close();
    const s = buffer.stats;
    const summary = {
      requests: s.requests,
      completed: s.completed,
      failed: s.failed,
      unfinished: s.requests - s.completed - s.failed,
      batches: s.batches,
      meanBatchSize: s.requests / s.batches,
      dispatchReasons: s.dispatchReasons,
      latencySec: {
        p50: histogram.quantile(0.5),
        p95: histogram.quantile(0.95),
        p99: histogram.quantile(0.99),
        mean: histogram.meanSec,
      },
      costPerRequestUsd: s.totalCostUsd / s.requests,
      timeoutLatenessP99Sec: s.timeoutLateness.count ? s.timeoutLateness.quantile(0.99) : NaN,
      interrupted: stop.requested,
      elapsedSec: clock.nowSec(),
      rssMb: memory.at(-1)!.rssMb,
      heapUsedMb: memory.at(-1)!.heapUsedMb,
      memory,
    };
    let prediction;
    if (map && (!local || timeScale === 1)) {
      const e = evaluateGrid(
        map,
        { memoriesMb: [memoryMb], timeoutsSec: [timeoutSec], maxBatches: [maxBatch] },
        { profile, pricing: price, percentile: 0.95, extrapolate: true },
      );
      prediction = { p95Sec: e.latencySec[0], costPerRequestUsd: e.meanCostUsd[0] };
    }
    writeRunJson(dir, {
      status: finished ? (stop.requested ? "interrupted" : "done") : "grace period expired",
      config,
      versions: { deno: Deno.version.deno },
      summary,
      prediction,
    });
    if (json) console.log(JSON.stringify({ ...summary, prediction, out: dir }));
    else {
      const rows: [string, string, string][] = [
        ["requests", String(summary.requests), ""],
        ["completed / failed", `${summary.completed} / ${summary.failed}`, ""],
        ["mean batch size", summary.meanBatchSize.toFixed(3), ""],
        [
          "dispatch: size / timeout / shutdown",
          `${s.dispatchReasons.size} / ${s.dispatchReasons.timeout} / ${s.dispatchReasons.shutdown}`,
          "",
        ],
        ["latency p50 (s)", summary.latencySec.p50.toFixed(4), ""],
        ["latency p95 (s)", summary.latencySec.p95.toFixed(4), prediction?.p95Sec.toFixed(4) ?? ""],
        ["latency p99 (s)", summary.latencySec.p99.toFixed(4), ""],
        [
          "cost per request (USD)",
          summary.costPerRequestUsd.toExponential(4),
          prediction?.costPerRequestUsd.toExponential(4) ?? "",
        ],
        ["timeout lateness p99 (ms)", (summary.timeoutLatenessP99Sec * 1000).toFixed(2), ""],
      ];
      console.log(
        `Buffer run: ${description}, B = ${maxBatch}, T = ${timeoutSec} s, ${functionName} at ${memoryMb} MB (${config.target})`,
      );
      const w0 = Math.max(...rows.map((r) => r[0].length));
      console.log(`${"".padEnd(w0)}  ${"measured".padStart(12)}  exact model`);
      for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(12)}  ${c}`);
      console.log(`logs in ${dir}`);
    }
    return stop.requested ? 130 : 0;
  } catch (e) {
    log?.close();
    lambdaLog?.close();
    return reportUserError("buffer", e);
  } finally {
    timers.forEach(clearInterval);
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    client?.destroy();
    await server?.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
