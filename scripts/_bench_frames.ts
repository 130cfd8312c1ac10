/**
 * The bench's frames case: a million simulated requests into polars frames
 * (from the simulator's columns, and parsed from requests.csv text) and
 * summarized with polars expressions.
 *
 * @module
 */

import { poissonArrivals } from "../lib/arrivals/streams.ts";
import {
  batchesFrameFromColumns,
  requestsFrame,
  requestsFrameFromColumns,
} from "../lib/frames/run_frames.ts";
import {
  batchSizeHistogramFrame,
  latencyCdfFrame,
  summarizeRun,
} from "../lib/frames/run_summaries.ts";
import { CsvRunLog } from "../lib/io/run_logs.ts";
import { pricing } from "../lib/profile/pricing.ts";
import { publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";
import { ColumnSink } from "../lib/sim/column_sink.ts";
import { simulateBuffer } from "../lib/sim/simulator.ts";

/** Medians of three runs of each step, as report lines. */
export async function framesFigures(): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "bench_frames_" });
  try {
    const sink = new ColumnSink();
    const log = new CsvRunLog(dir);
    const price = pricing("aws-x86");
    simulateBuffer(poissonArrivals(500, { prng: seededPrng(1) }), {
      maxBatch: 20,
      timeoutSec: 0.1,
      memoryMb: 3008,
      profile: publishedProfile("mxnet-resnet50"),
      pricing: price,
      requests: 1_000_000,
      sink: {
        request(r) {
          sink.request(r);
          log.request(r);
        },
        batch(b) {
          sink.batch(b);
          log.batch(b);
        },
      },
    });
    log.close();
    const reqColumns = sink.requests(), batColumns = sink.batches();
    const text = await Deno.readTextFile(`${dir}/requests.csv`);
    const median = (f: () => void) => {
      const t: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        f();
        t.push(performance.now() - s);
      }
      return t.sort((a, b) => a - b)[1] / 1000;
    };
    let requests = requestsFrameFromColumns(reqColumns);
    let batches = batchesFrameFromColumns(batColumns);
    const build = median(() => {
      requests = requestsFrameFromColumns(reqColumns);
      batches = batchesFrameFromColumns(batColumns);
    });
    const summarize = median(() => {
      summarizeRun(requests, batches, { pricing: price });
      latencyCdfFrame(requests, { points: 1000 });
      batchSizeHistogramFrame(batches);
    });
    const parse = median(() => requestsFrame(text));
    return [
      `${requests.height} requests, ${batches.height} batches: frames from the simulator's ` +
      `columns ${build.toFixed(3)} s; summary, 1000-point CDF and batch-size histogram ` +
      `${summarize.toFixed(3)} s; requests.csv (${(text.length / 1e6).toFixed(0)} MB) parsed ` +
      `into a frame ${parse.toFixed(3)} s (medians of 3)`,
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
