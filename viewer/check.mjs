#!/usr/bin/env node
// Opens precomputed volumes in Neuroglancer (this folder's vite bundle) in headless Chromium, waits until the viewer
// has loaded every layer and has no chunk pending, fails on any data-source error, failed chunk request or console
// message "Error retrieving chunk", and saves a screenshot.
//
//   node check.mjs --base http://127.0.0.1:8080 [--out shot.png] [--timeout 90] [--layout xy]
//   node check.mjs --source image:precomputed://http://127.0.0.1:8080/image --source segmentation:precomputed://...
//
// --base adds an image layer for BASE/image, a segmentation layer for BASE/segmentation and an annotation layer for
// BASE/synapses (point annotations whose pre/post relationships link to the segmentation) when their info files
// exist. --segments N selects N segments of the segmentation (the largest by the segment properties' voxel count,
// else the first ids listed there; --segment-ids 1,2,3 names them) and adds a 3D panel, so that their meshes must
// load too: a missing manifest or fragment fails the check. Sharded layers (.shard files read by byte range) and
// multi-resolution meshes count like chunks: a failed shard or mesh request fails the check. --overview shows the
// whole volume drawn from each volume's top pyramid scale (a coarse render scale), and fails unless a chunk of that
// scale was read.
// The volumes' server must send Access-Control-Allow-Origin: * (the bundle is served from another origin).
// Prints one JSON line with the outcome; exit code 0 when the check passed, 1 when it failed, 2 on bad usage.
import { createReadStream, existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function usage(message) {
  if (message) console.error(`check.mjs: ${message}`);
  console.error(
    "usage: node check.mjs (--base URL | --source TYPE:precomputed://URL ...) [--out FILE.png] [--timeout SECONDS]\n" +
      "       [--layout xy|4panel|3d] [--width PX] [--height PX] [--dist DIR] [--build] [--viewer-url URL]\n" +
      "       [--chromium PATH] [--allow-blank] [--segments N] [--segment-ids ID,ID,...] [--overview]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    sources: [], base: null, out: "neuroglancer-check.png", timeout: 90, layout: "xy", width: 1024, height: 768,
    dist: join(here, "dist"), build: false, viewerUrl: null, chromium: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    allowBlank: false, segments: 0, segmentIds: [], overview: false,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    switch (a) {
      case "--base": o.base = next().replace(/\/+$/, ""); break;
      case "--source": {
        const v = next();
        const m = /^(image|segmentation|annotation):(.+)$/.exec(v);
        if (!m) usage(`--source ${v}: expected image:URL, segmentation:URL or annotation:URL`);
        o.sources.push({ type: m[1], url: m[2] });
        break;
      }
      case "--out": o.out = next(); break;
      case "--timeout": o.timeout = Number(next()); break;
      case "--layout": o.layout = next(); break;
      case "--width": o.width = Number(next()); break;
      case "--height": o.height = Number(next()); break;
      case "--dist": o.dist = resolve(next()); break;
      case "--build": o.build = true; break;
      case "--viewer-url": o.viewerUrl = next().replace(/#.*$/, ""); break;
      case "--chromium": o.chromium = next(); break;
      case "--allow-blank": o.allowBlank = true; break;
      case "--segments": o.segments = Number(next()); break;
      case "--segment-ids": o.segmentIds = next().split(",").map((x) => x.trim()).filter(Boolean); break;
      case "--overview": o.overview = true; break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!o.base && o.sources.length === 0) usage("give --base or at least one --source");
  return o;
}

const MIME = {
  ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
  ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png",
};

/** Serves the built bundle on a free port of 127.0.0.1. */
function serveBundle(dir) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": MIME[extname(file)] || "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

async function ensureBundle(o) {
  if (!o.build && existsSync(join(o.dist, "index.html"))) return 0;
  const t0 = Date.now();
  const { build } = await import("vite");
  await build({ root: here, configFile: join(here, "vite.config.js"), logLevel: "warn", build: { outDir: o.dist } });
  return Date.now() - t0;
}

async function fetchInfo(url) {
  try {
    const r = await fetch(url);
    if (!r.ok) return null;
    return await r.json();
  } catch {
    return null;
  }
}

/** The layers to open, and the first image's (or segmentation's) geometry for the view. */
async function resolveLayers(o) {
  const layers = [];
  if (o.base) {
    for (const [type, name] of [["image", "image"], ["segmentation", "segmentation"], ["annotation", "synapses"]]) {
      const info = await fetchInfo(`${o.base}/${name}/info`);
      if (info) layers.push({ type, name, source: `precomputed://${o.base}/${name}`, info });
    }
    if (layers.length === 0) throw new Error(`no ${o.base}/image/info or ${o.base}/segmentation/info`);
  }
  for (const s of o.sources) {
    const http = s.url.replace(/^precomputed:\/\//, "");
    const info = await fetchInfo(`${http}/info`);
    if (!info) throw new Error(`cannot read ${http}/info (is it served, with CORS?)`);
    layers.push({ type: s.type, name: http.split("/").filter(Boolean).pop(), source: `precomputed://${http}`, info });
  }
  for (const l of layers) {
    if (l.type !== "segmentation") continue;
    l.properties = null;
    if (l.info.segment_properties) {
      const p = await fetchInfo(`${l.source.slice(14)}/${l.info.segment_properties}/info`);
      if (!p) throw new Error(`${l.source.slice(14)}/info names segment_properties ${l.info.segment_properties}, whose info cannot be read`);
      l.properties = p;
    }
    l.segments = o.segmentIds.length > 0 ? o.segmentIds : pickSegments(l.properties, o.segments);
    if (o.segments > 0 && l.segments.length === 0) throw new Error(`--segments ${o.segments}: ${l.name} has no segment properties to pick from`);
  }
  return layers;
}

/** The n largest segments by the inline "voxels" (or first number) property, else the first n ids. */
function pickSegments(props, n) {
  if (!props || n <= 0) return [];
  const ids = props.inline?.ids ?? [];
  const numeric = (props.inline?.properties ?? []).find((p) => p.type !== "label" && p.type !== "description" && p.type !== "tags");
  const order = ids.map((id, i) => ({ id, v: numeric ? Number(numeric.values[i]) : -i }));
  order.sort((a, b) => b.v - a.v);
  return order.slice(0, n).map((x) => x.id);
}

function layerState(l, layers, o) {
  const s = { type: l.type, source: l.source, name: l.name };
  if (o.overview && l.info.scales) {
    // the whole volume on screen, drawn from its top scale: a render scale as coarse as that scale's voxels are
    // screen pixels (Neuroglancer picks the scale whose voxels come closest to the render scale)
    const scales = l.info.scales;
    const factor = scales[scales.length - 1].resolution[0] / scales[0].resolution[0];
    const fit = Math.max(scales[0].size[0] / o.width, scales[0].size[1] / o.height) * 1.05;
    s.crossSectionRenderScale = Math.max(1, factor / fit);
  }
  if (l.type === "segmentation") {
    s.objectAlpha = 0.5;
    if (l.segments?.length) s.segments = l.segments;
  }
  if (l.type === "annotation") {
    // the pre/post relationships resolve in the first segmentation layer
    const seg = layers.find((x) => x.type === "segmentation");
    if (seg) {
      s.linkedSegmentationLayer = Object.fromEntries((l.info.relationships ?? []).map((r) => [r.id, seg.name]));
    }
  }
  return s;
}

function viewerState(layers, o) {
  const scale0 = layers[0].info.scales[0];
  const [rx, ry, rz] = scale0.resolution;
  const [sx, sy, sz] = scale0.size;
  const [ox, oy, oz] = scale0.voxel_offset ?? [0, 0, 0];
  const fit = Math.max(sx / o.width, sy / o.height) * 1.05;
  return {
    dimensions: { x: [rx / 1e9, "m"], y: [ry / 1e9, "m"], z: [rz / 1e9, "m"] },
    position: [ox + sx / 2, oy + sy / 2, oz + Math.floor(sz / 2) + 0.5],
    crossSectionScale: fit,
    layers: layers.map((l) => layerState(l, layers, o)),
    selectedLayer: { visible: false },
    layout: layers.some((l) => l.segments?.length) && o.layout === "xy" ? "xy-3d" : o.layout,
    showDefaultAnnotations: false,
    showAxisLines: false,
    showScaleBar: true,
  };
}

async function main() {
  const o = parseArgs(process.argv);
  const started = Date.now();
  const result = { ok: false, layers: [], errors: [], timings: {}, screenshot: null };
  let server, browser;
  try {
    result.timings.buildMs = o.viewerUrl ? 0 : await ensureBundle(o);
    const layers = await resolveLayers(o);
    result.layers = layers.map((l) => ({ type: l.type, source: l.source, scales: l.info.scales?.length ?? 0,
      ...(l.segments?.length ? { segments: l.segments } : {}) }));
    // the bundle: served here from dist/, or already served elsewhere (connectome serve mounts it at /viewer/)
    server = o.viewerUrl ? null : await serveBundle(o.dist);
    const viewerBase = o.viewerUrl ?? `http://127.0.0.1:${server.address().port}/index.html`;
    const { chromium } = await import("playwright-core");
    const t1 = Date.now();
    browser = await chromium.launch({
      executablePath: o.chromium, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-background-networking",
        "--use-angle=swiftshader"],
    });
    const page = await browser.newPage({ viewport: { width: o.width, height: o.height } });
    const errors = result.errors;
    const okUrls = [];
    const onConsole = (where) => (msg) => {
      const text = msg.text();
      if (/Error retrieving chunk/i.test(text) || (msg.type() === "error" && /chunk|precomputed|info/i.test(text))) {
        errors.push(`${where} console: ${text}`);
      }
    };
    page.on("console", onConsole("page"));
    page.on("worker", (w) => w.on("console", onConsole("worker")));
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      // Neuroglancer cancels downloads it no longer needs (net::ERR_ABORTED); anything else is a failure
      const why = r.failure()?.errorText ?? "";
      if (!/ERR_ABORTED/.test(why)) errors.push(`request failed: ${r.url()}: ${why}`);
    });
    page.on("response", (r) => {
      const url = r.url();
      // chunk files (x0-x1_y0-y1_z0-z1) and info files of the opened volumes must load; other probes (for example a
      // mesh or segment_properties folder a volume does not have) may answer 404
      // so must the mesh manifests and fragments of selected segments, and the annotation indexes
      const chunk = /\/\d+-\d+_\d+-\d+_\d+-\d+$/.test(url);
      const info = layers.some((l) => url === `${l.source.slice(14)}/info`);
      const mesh = /\/\d+:\d+(:[^/]*)?$/.test(url) || /\/mesh\/\d+(\.index)?$/.test(url);
      const shard = /\/[0-9a-f]+\.shard$/.test(url);
      if (r.status() < 300) okUrls.push(url);
      const annotation = layers.some((l) => l.type === "annotation" && url.startsWith(`${l.source.slice(14)}/`));
      if (r.status() >= 400 && (chunk || info || mesh || shard || annotation)) {
        errors.push(`HTTP ${r.status()} for ${url}`);
      }
    });
    const state = viewerState(layers, o);
    const url = `${viewerBase}#!${encodeURIComponent(JSON.stringify(state))}`;
    result.url = url;
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => typeof window.connectomeViewerStatus === "function", null, { timeout: o.timeout * 1000 });
    result.timings.viewerLoadedMs = Date.now() - t1;
    // ready = every layer loaded and every panel drawn with no chunk pending; held for a few polls
    const deadline = Date.now() + o.timeout * 1000;
    let stable = 0;
    let status;
    while (Date.now() < deadline) {
      status = await page.evaluate(() => window.connectomeViewerStatus());
      for (const l of status.layers) for (const e of l.errors) errors.push(`layer ${l.name}: ${e}`);
      if (errors.length > 0) break;
      stable = status.ready ? stable + 1 : 0;
      if (stable >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    result.status = status;
    result.timings.readyMs = Date.now() - t1;
    if (o.overview) {
      result.topScales = {};
      for (const l of layers.filter((x) => x.info.scales)) {
        const top = l.info.scales[l.info.scales.length - 1];
        const prefix = `${l.source.slice(14)}/${top.key}/`;
        const read = okUrls.filter((u) => u.startsWith(prefix)).length;
        result.topScales[l.name] = { key: top.key, size: top.size, sharded: Boolean(top.sharding), requests: read };
        if (read === 0) errors.push(`the top scale ${top.key} of ${l.name} was never read`);
      }
    }
    result.meshFormats = {};
    for (const l of layers.filter((x) => x.type === "segmentation" && x.info.mesh)) {
      const m = await fetchInfo(`${l.source.slice(14)}/${l.info.mesh}/info`);
      result.meshFormats[l.name] = m ? { type: m["@type"], sharded: Boolean(m.sharding) } : null;
    }
    if (errors.length === 0 && stable < 3) errors.push(`viewer not ready after ${o.timeout} s: ${JSON.stringify(status)}`);
    const png = await page.screenshot({ type: "png" });
    await writeFile(o.out, png);
    result.screenshot = resolve(o.out);
    // something must have been drawn: the luminance of the data panel varies
    result.pixels = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width; c.height = img.height;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, Math.floor(img.height * 0.1), img.width, Math.floor(img.height * 0.8)).data;
      let n = 0, sum = 0, sum2 = 0;
      for (let i = 0; i < d.length; i += 4) {
        const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        n++; sum += y; sum2 += y * y;
      }
      const mean = sum / n;
      return { mean: Math.round(mean * 10) / 10, std: Math.round(Math.sqrt(Math.max(0, sum2 / n - mean * mean)) * 10) / 10 };
    }, png.toString("base64"));
    if (!o.allowBlank && result.pixels.std < 2) errors.push(`the screenshot is blank (luminance ${JSON.stringify(result.pixels)})`);
    result.ok = errors.length === 0;
  } catch (e) {
    result.errors.push(String(e?.stack ?? e));
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) server.close();
    result.timings.totalMs = Date.now() - started;
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

main();
