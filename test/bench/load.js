'use strict';
// The load generator of `make bench`: a child process (forked by run.js) that runs one
// job at a time on request over IPC, so it never shares a process with a server.
//
// A job: { url, clients, size, pattern: 'rr' | 'pipe', window, warmupMs, durationMs, serverPid, noiseCpu }
//   rr    every client sends one message, waits for its echo, sends the next
//   pipe  every client keeps `window` messages in flight
// Every echo is checked: binary, same length, byte-identical, in order. After the
// measured period no new messages are sent, every echo still in flight is awaited,
// and each client closes with 1000 and expects 1000 back.
const crypto = require('node:crypto');
const WebSocket = require('ws');
const { cpuSecondsOf, machineBusySeconds } = require('./proc');

/** Distinct payloads per job: message n of a client carries payloads[n % PAYLOADS]. */
const PAYLOADS = 8;
const DRAIN_TIMEOUT_MS = 20_000;

function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function runJob(job) {
  const { url, clients, size, pattern, window = 1, warmupMs, durationMs, serverPid, noiseCpu } = job;
  const payloads = Array.from({ length: PAYLOADS }, (_, i) => {
    const data = crypto.randomBytes(size);
    if (size >= 1) data[0] = i; // distinct even if random bytes were not
    return data;
  });
  const inFlightPerClient = pattern === 'rr' ? 1 : window;
  const errors = [];
  const fail = (message) => {
    if (errors.length < 20) errors.push(message);
  };

  const sockets = await Promise.all(Array.from({ length: clients }, () => connect(url)));
  let phase = 'warmup';
  let counted = 0;
  let pending = 0; // echoes still expected, all clients
  let onIdle;
  const states = sockets.map((ws, index) => {
    const state = { ws, sent: 0, received: 0, closing: false, closed: undefined };
    const sendNext = () => {
      ws.send(payloads[state.sent % PAYLOADS], { binary: true });
      state.sent++;
      pending++;
    };
    state.fill = () => {
      while (phase !== 'drain' && state.sent - state.received < inFlightPerClient) sendNext();
    };
    ws.on('message', (data, isBinary) => {
      const expected = payloads[state.received % PAYLOADS];
      if (!isBinary) fail(`client ${index}: echo ${state.received} came back as text`);
      else if (data.length !== expected.length) fail(`client ${index}: echo ${state.received} has ${data.length} bytes, sent ${expected.length}`);
      else if (!data.equals(expected)) fail(`client ${index}: echo ${state.received} differs from what was sent (lost or reordered?)`);
      if (state.received >= state.sent) fail(`client ${index}: an echo nobody sent`);
      state.received++;
      pending--;
      if (phase === 'measure') counted++;
      if (phase === 'drain') {
        if (pending === 0) onIdle?.();
      } else {
        state.fill();
      }
    });
    ws.on('error', (error) => fail(`client ${index}: ${error.message}`));
    state.done = new Promise((resolve) =>
      ws.on('close', (code) => {
        state.closed = code;
        if (!state.closing) fail(`client ${index}: unexpected close ${code} during the run`);
        if (phase === 'drain' && pending > 0 && !state.closing) onIdle?.();
        resolve(code);
      }),
    );
    return state;
  });

  states.forEach((s) => s.fill());
  await new Promise((r) => setTimeout(r, warmupMs));
  const t0 = process.hrtime.bigint();
  const serverCpu0 = cpuSecondsOf(serverPid);
  const selfCpu0 = process.cpuUsage();
  const machine0 = machineBusySeconds(noiseCpu);
  phase = 'measure';
  await new Promise((r) => setTimeout(r, durationMs));
  phase = 'drain';
  const t1 = process.hrtime.bigint();
  const serverCpu1 = cpuSecondsOf(serverPid);
  const selfCpu = process.cpuUsage(selfCpu0);
  const machine1 = machineBusySeconds(noiseCpu);
  const messages = counted;

  if (pending > 0) {
    const drained = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS);
      onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    if (!drained || pending > 0) fail(`${pending} echoes never arrived (waited ${DRAIN_TIMEOUT_MS / 1000} s)`);
  }
  for (const s of states) {
    s.closing = true;
    if (s.closed === undefined) s.ws.close(1000, 'bench done');
  }
  const closeTimer = setTimeout(() => states.forEach((s) => s.ws.terminate()), 10_000);
  const codes = await Promise.all(states.map((s) => s.done));
  clearTimeout(closeTimer);
  const unexpected = codes.filter((code) => code !== 1000);
  if (unexpected.length > 0) fail(`${unexpected.length} clients closed with ${[...new Set(unexpected)].join(', ')} instead of 1000`);

  const seconds = Number(t1 - t0) / 1e9;
  return {
    messages,
    bytes: messages * size,
    seconds,
    serverCpuSeconds: serverCpu1 - serverCpu0,
    clientCpuSeconds: (selfCpu.user + selfCpu.system) / 1e6,
    // CPU used meanwhile by everything else (on CPU `noiseCpu`, or on the machine): work competing with the run.
    otherCpuSeconds: Math.max(0, machine1 - machine0 - (serverCpu1 - serverCpu0) - (selfCpu.user + selfCpu.system) / 1e6),
    totalEchoes: states.reduce((sum, s) => sum + s.received, 0),
    errors,
  };
}

process.on('message', (request) => {
  if (request.type !== 'job') return;
  runJob(request.job).then(
    (result) => process.send({ type: 'result', id: request.id, result }),
    (error) => process.send({ type: 'result', id: request.id, result: { errors: [`load generator: ${error.stack || error.message}`] } }),
  );
});
process.on('disconnect', () => process.exit(0));
