// ONNX Runtime's side of bench/compare-peers: one model, one thread count, timed the way
// `outpost bench` times ours (session creation, first inference, then `runs` timed
// inferences after `warmup` untimed ones), printed as one JSON line.
//   node bench/ort_runner.js MODEL.onnx THREADS RUNS WARMUP
// Inputs are seeded pseudo-random floats in [-1, 1); symbolic dimensions are taken as 1.
'use strict';
const ort = require('onnxruntime-node');

function seededRandom(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 * 2 - 1;
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
}

async function main() {
  const [model, threadsArg, runsArg, warmupArg] = process.argv.slice(2);
  if (!model) throw new Error('usage: node bench/ort_runner.js MODEL.onnx THREADS RUNS WARMUP');
  const threads = Number(threadsArg || 1), runs = Number(runsArg || 20), warmup = Number(warmupArg || 3);
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const t0 = now();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const initMs = now() - t0;
  const random = seededRandom(1);
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata.find((m) => m.name === name);
    const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; ++i) data[i] = random();
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  let t = now();
  await session.run(feeds);
  const firstMs = now() - t;
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < runs; ++i) {
    t = now();
    await session.run(feeds);
    times.push(now() - t);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(JSON.stringify({
    engine: 'onnxruntime', version: require('onnxruntime-node/package.json').version, model, threads,
    runs, init_ms: initMs, first_ms: firstMs,
    latency_ms: {mean, p50: percentile(times, 50), p90: percentile(times, 90), min: times[0]},
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
  }));
}

main().catch((e) => {
  console.error(`ort_runner: ${e.message}`);
  process.exit(1);
});
