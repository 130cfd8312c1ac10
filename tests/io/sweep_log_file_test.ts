import assert from "node:assert/strict";
import { SweepLogFile } from "../../lib/io/sweep_log_file.ts";
import type { SweepRecord } from "../../lib/profile/profile_sweep.ts";
import { sweepCsvHeader, sweepCsvLine } from "../../lib/profile/sweep_csv.ts";

const RECORD: SweepRecord = {
  startedMs: 1,
  functionName: "f",
  memoryMb: 1024,
  batch: 2,
  phase: "measure",
  repeat: 1,
  status: "ok",
  durationMs: 120.5,
  billedDurationMs: 121,
  initDurationMs: NaN,
  memorySizeMb: 1024,
  maxMemoryUsedMb: 88,
  roundTripMs: 130,
  requestId: "r1",
  error: "",
};

Deno.test("SweepLogFile writes each record at once, and a resumed file holds them and the new ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/a/b/sweep.csv`; // the directories are made
    const log = SweepLogFile.open(path);
    log.append(RECORD);
    // On disk before close: a crash after this loses nothing.
    assert.equal(await Deno.readTextFile(path), `${sweepCsvHeader()}\n${sweepCsvLine(RECORD)}\n`);
    log.close();
    const again = SweepLogFile.open(path, { resume: true });
    assert.deepEqual(again.previous.records, [RECORD]);
    again.append({ ...RECORD, repeat: 2 });
    again.close();
    const third = SweepLogFile.open(path, { resume: true });
    assert.deepEqual(third.previous.records.map((r) => r.repeat), [1, 2]);
    third.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SweepLogFile resumes after a row cut short, and refuses a file of another kind or one that exists", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/sweep.csv`;
    const cut = sweepCsvLine(RECORD).slice(0, 20);
    await Deno.writeTextFile(path, `${sweepCsvHeader()}\n${sweepCsvLine(RECORD)}\n${cut}`);
    const log = SweepLogFile.open(path, { resume: true });
    assert.equal(log.previous.records.length, 1);
    assert.equal(log.previous.skipped[0].line, 3);
    log.append({ ...RECORD, repeat: 2 });
    log.close();
    const back = SweepLogFile.open(path, { resume: true });
    // The cut row stays skipped; the new one is whole on its own line.
    assert.deepEqual(back.previous.records.map((r) => r.repeat), [1, 2]);
    back.close();
    assert.throws(() => SweepLogFile.open(path), Deno.errors.AlreadyExists);
    await Deno.writeTextFile(`${dir}/other.csv`, "x,y\n");
    assert.throws(() => SweepLogFile.open(`${dir}/other.csv`, { resume: true }), {
      name: "SyntaxError",
      message: new RegExp(`^Cannot resume from ${dir}/other\\.csv: it is not a sweep's CSV file`),
    });
    assert.throws(() => SweepLogFile.open(`${path}/x.csv`), Deno.errors.NotADirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
