'use strict';
// The benchmark's peer: what a JavaScript team would write in an afternoon to serve Genserve's
// default generator. onnxruntime-node behind node:http, one process per core (node:cluster, the
// primary hands connections to the workers), one session.run per request, PNG encoding with
// pngjs. It answers POST /generate with the request shape of Genserve's /generate for one image:
//   {"seed": 7}, {"label": "sneaker"}, {"label": 7, "seed": 42}, {"model": "fashion-gan"}, {}
// with an 8-bit gray PNG (image/png), and bad input with a JSON 400 naming the field.
// Not Genserve: no batching, no queue limits, deadlines, metrics or cancellation, one image per
// request, and its latents come from another generator than Genserve's (same distribution, other
// values), so the same seed draws another garment.
//
// Environment:
//   MODEL_DIR  the model folder (model.onnx, genserve.yaml); default ../../models/fashion-gan
//   PORT       0 (the default) picks a free port; every worker shares it
//   HOST       127.0.0.1
//   PROCESSES  worker processes; 0 (the default) = one per core
//   INTRA_OP   ONNX Runtime intra-op threads per process; 0 (the default) = cores / processes, at
//              least 1: Genserve's default rule (concurrent runs x intra-op threads <= cores)
// The primary prints "genserve-node-peer listening on HOST:PORT ..." once every worker is ready.
const cluster = require('node:cluster');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const processes = Number(process.env.PROCESSES || 0) || cores;
const intraOp = Number(process.env.INTRA_OP || 0) || Math.max(1, Math.floor(cores / processes));
const modelDir = path.resolve(process.env.MODEL_DIR || path.join(__dirname, '..', '..', 'models', 'fashion-gan'));
const modelName = path.basename(modelDir);
const MAX_BODY = 1 << 20;
const MAX_SEED = 2 ** 53 - 1 - 64; // Genserve's bound, so that every seed it takes is taken here too

if (cluster.isPrimary) {
  primary();
} else {
  worker().catch((e) => {
    console.error(`worker ${process.pid}: ${e.stack || e}`);
    process.exit(1);
  });
}

function primary() {
  let ready = 0;
  for (let i = 0; i < processes; i++) {
    cluster.fork();
  }
  cluster.on('listening', (w, address) => {
    if (++ready === processes) {
      console.log(
        `genserve-node-peer listening on ${address.address}:${address.port} ` +
          `(${processes} processes, intra-op ${intraOp}, model ${modelName}, node ${process.version}, ` +
          `onnxruntime-node ${require('onnxruntime-node/package.json').version}, pid ${process.pid})`,
      );
    }
  });
  // A benchmark must not go on quietly with fewer workers than it says.
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      console.error(`worker ${w.process.pid} exited (${signal || code}); stopping`);
      stop(1);
    }
  });
  let stopping = false;
  const stop = (code) => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) {
      w.process.kill('SIGTERM');
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
}

async function worker() {
  const ort = require('onnxruntime-node');
  const { PNG } = require('pngjs');
  const manifest = fs.readFileSync(path.join(modelDir, 'genserve.yaml'), 'utf8');
  const classes = flowList(manifest, 'classes').map((s) => s.replace(/^['"]|['"]$/g, ''));
  const [low, high] = flowList(manifest, 'range').map(Number);

  // Genserve's default session settings: intra-op threads as above, one inter-op thread
  // (sequential execution), all graph optimisations, idle threads do not spin.
  const session = await ort.InferenceSession.create(path.join(modelDir, 'model.onnx'), {
    intraOpNumThreads: intraOp,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const [zName, labelName] = session.inputNames;
  const zMeta = session.inputMetadata.find((m) => m.name === zName);
  const outMeta = session.outputMetadata[0];
  const latent = zMeta.shape[1];
  const [, channels, height, width] = outMeta.shape;
  if (channels !== 1 || !(latent > 0) || !(height > 0 && width > 0) || session.inputNames.length !== 2) {
    throw new Error(`${modelName} is not a class-conditional gray generator: ${JSON.stringify(session.inputMetadata)}`);
  }
  const scale = 255 / (high - low);

  async function generate(seed, label) {
    const rng = mulberry32(seed);
    const z = normals(rng, latent);
    const k = label !== null ? label : Math.floor(rng() * classes.length);
    const out = await session.run({
      [zName]: new ort.Tensor('float32', z, [1, latent]),
      [labelName]: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
    });
    const values = out[session.outputNames[0]].data;
    const gray = Buffer.allocUnsafe(width * height);
    for (let i = 0; i < gray.length; i++) {
      const p = (values[i] - low) * scale;
      gray[i] = p > 255 ? 255 : p >= 0 ? Math.floor(p + 0.5) : 0;
    }
    const png = PNG.sync.write({ width, height, data: gray }, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
    return { png, label: classes[k] };
  }
  await generate(0, 0); // warm-up before taking traffic

  const server = http.createServer((req, res) => {
    if (req.url !== '/generate') {
      return problem(res, 404, `no route ${req.url}; POST /generate`, null);
    }
    if (req.method !== 'POST') {
      return problem(res, 405, 'use POST', null);
    }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_BODY) {
        chunks.push(c);
      }
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        return problem(res, 413, `the body is over ${MAX_BODY} bytes`, null);
      }
      let body;
      try {
        body = size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return problem(res, 400, `the body is not JSON: ${e.message}`, null);
      }
      let request;
      try {
        request = parse(body);
      } catch (e) {
        if (e instanceof BadInput) {
          return problem(res, e.status, e.message, e.field);
        }
        throw e;
      }
      generate(request.seed, request.label).then(
        ({ png, label }) => {
          res.writeHead(200, {
            'Content-Type': 'image/png',
            'Content-Length': png.length,
            'Genserve-Model': modelName,
            'Genserve-Seed': String(request.seed),
            'Genserve-Label': label,
          });
          res.end(png);
        },
        (e) => problem(res, 500, `inference failed: ${e.message}`, null),
      );
    });
  });
  server.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1');

  /** Genserve's /generate fields for one image; a missing seed is drawn at random. */
  function parse(body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadInput('body', 'the body must be a JSON object');
    }
    if (body.model != null && body.model !== modelName) {
      throw new BadInput('model', `unknown model '${body.model}'; this peer serves '${modelName}'`, 404);
    }
    if (body.count != null && body.count !== 1) {
      throw new BadInput('count', `this peer answers one image a request (count 1), got ${JSON.stringify(body.count)}`);
    }
    let seed = body.seed;
    if (seed == null) {
      seed = Math.floor(Math.random() * MAX_SEED);
    } else if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new BadInput('seed', `seed must be an integer 0..${MAX_SEED}, got ${JSON.stringify(seed)}`);
    }
    return { seed, label: body.label == null || body.label === '' ? null : classIndex(body.label) };
  }

  /** A class name (case, spaces, hyphens and underscores ignored) or an index, as Genserve takes them. */
  function classIndex(label) {
    const wanted = normalise(String(label));
    const i = classes.findIndex((c) => normalise(c) === wanted);
    if (i >= 0) {
      return i;
    }
    if (/^\d{1,9}$/.test(wanted) && Number(wanted) < classes.length) {
      return Number(wanted);
    }
    throw new BadInput('label', `unknown label ${JSON.stringify(label)}; classes are ${classes.join(', ')}`);
  }
}

class BadInput extends Error {
  constructor(field, message, status = 400) {
    super(message);
    this.field = field;
    this.status = status;
  }
}

function problem(res, status, detail, field) {
  const body = JSON.stringify({ status, detail, field });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function normalise(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The items of a one-line YAML flow list, "key: [a, b, c]", as strings. */
function flowList(yaml, key) {
  const m = yaml.match(new RegExp(`^\\s*-?\\s*(?:\\{.*)?\\b${key}:\\s*\\[([^\\]]*)\\]`, 'm'));
  if (!m) {
    throw new Error(`no '${key}: [...]' in the model's genserve.yaml`);
  }
  return m[1].split(',').map((s) => s.trim());
}

/** mulberry32: a small 32-bit PRNG, seeded with both halves of the (up to 53-bit) seed. */
function mulberry32(seed) {
  let a = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b9);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n standard normal values by Box-Muller, both values of each pair used. */
function normals(rng, n) {
  const z = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng())); // 1 - u is in (0, 1]: the log never sees 0
    const t = 2 * Math.PI * rng();
    z[i] = r * Math.cos(t);
    if (i + 1 < n) {
      z[i + 1] = r * Math.sin(t);
    }
  }
  return z;
}
