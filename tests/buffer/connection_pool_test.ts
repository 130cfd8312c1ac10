import assert from "node:assert/strict";
import http from "node:http";
import {
  type ClientWait,
  ConnectionPool,
  connectionsNeeded,
} from "../../lib/buffer/connection_pool.ts";

/** A server that answers every request after `delayMs`. */
function slowServer(delayMs: number) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async () => {
    await new Promise((r) => setTimeout(r, delayMs));
    return new Response("ok");
  });
  return { port: (server.addr as Deno.NetAddr).port, close: () => server.shutdown() };
}

function get(agent: http.Agent, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", reject);
    req.end();
  });
}

Deno.test("ConnectionPool times each request's wait for a socket and says when the pool was full", async () => {
  const server = slowServer(200);
  const pool = new ConnectionPool({ maxSockets: 2 });
  try {
    const waits: ClientWait[][] = [];
    await Promise.all(Array.from({ length: 5 }, (_, i) => {
      waits[i] = [];
      return pool.measure(() => get(pool.httpAgent, server.port), (w) => waits[i].push(w));
    }));
    // One socket each; two sockets: requests 0 and 1 go at once, 2 and 3 after
    // the first answers (200 ms), 4 after the second round (400 ms).
    assert.deepEqual(waits.map((w) => w.length), [1, 1, 1, 1, 1]);
    assert.deepEqual(waits.map((w) => w[0].queued), [false, false, true, true, true]);
    assert.ok(waits[0][0].waitMs < 100 && waits[1][0].waitMs < 100, JSON.stringify(waits));
    for (const i of [2, 3]) assert.ok(waits[i][0].waitMs >= 150, JSON.stringify(waits));
    assert.ok(waits[4][0].waitMs >= 350, JSON.stringify(waits));
  } finally {
    pool.destroy();
    await server.close();
  }
});

Deno.test("ConnectionPool with enough sockets queues nothing; requests outside measure() are not timed", async () => {
  const server = slowServer(100);
  const pool = new ConnectionPool({ maxSockets: 80 });
  try {
    const waits: ClientWait[] = [];
    // 60 at once: more than the SDK's default of 50 sockets.
    await Promise.all([
      ...Array.from(
        { length: 60 },
        () => pool.measure(() => get(pool.httpAgent, server.port), (w) => waits.push(w)),
      ),
      get(pool.httpAgent, server.port),
    ]);
    assert.equal(waits.length, 60);
    assert.ok(waits.every((w) => !w.queued && w.waitMs < 90), JSON.stringify(waits));
  } finally {
    pool.destroy();
    await server.close();
  }
});

Deno.test("ConnectionPool rejects a size that is not a positive integer", () => {
  for (const maxSockets of [0, -1, 1.5, NaN]) {
    assert.throws(() => new ConnectionPool({ maxSockets }), {
      name: "RangeError",
      message:
        `Cannot size the connection pool as 'maxSockets' must be a positive integer: current value is ${maxSockets}`,
    });
  }
});

Deno.test("connectionsNeeded() takes maxInFlight, else the concurrency, else Lambda's default 1000", () => {
  assert.equal(connectionsNeeded({ maxInFlight: 8, concurrency: 300 }), 8);
  assert.equal(connectionsNeeded({ maxInFlight: Infinity, concurrency: 300 }), 300);
  assert.equal(connectionsNeeded({ concurrency: Infinity }), 1000);
  assert.equal(connectionsNeeded({}), 1000);
});
