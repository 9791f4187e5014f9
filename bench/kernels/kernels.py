"""The kernel benchmark's driver (bench/kernels/run): the platform's stage kernels beside the field's tools on the same
input, one kernel per process on one core, printing throughput per core, peak memory and a quality figure for both.

  kernels.py --java "java -cp ..." [--run RUN_DIR] [--iterations N] [--work DIR] [--out REPORT.md]
  kernels.py --tool KERNEL --work DIR --iterations N        (internal: the field's side of one kernel)

Inputs: the run's raw aligned image and segmentation (volumes/aligned, volumes/segmentation; else scale 0 of its
neuroglancer/ layers), read with TensorStore, by default the demo's (work/demo/runs/demo/r1); the mesh kernel takes
one demo mesh block (512 x 512 x 16 voxels) of it.
"""

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time

import numpy as np

KERNELS = ["downsample-image", "downsample-segmentation", "cseg-encode", "cseg-decode", "mesh", "jpeg-write",
           "relabel"]
CHUNK = (64, 64, 16)
MESH_BLOCK = (512, 512, 16)

TOOLS = {
    "downsample-image": "tinybrain.downsample_with_averaging 2x2x1",
    "downsample-segmentation": "tinybrain.downsample_segmentation 2x2x1",
    "cseg-encode": "compressed_segmentation.compress, blocks 8x8x8",
    "cseg-decode": "compressed_segmentation.decompress, blocks 8x8x8",
    "mesh": "zmesh.Mesher (marching cubes, no simplification)",
    "jpeg-write": "TensorStore writing the volume, jpeg quality 90",
    "relabel": "fastremap.remap (a dict of every id)",
}
PLATFORM = {
    "downsample-image": "Downsample.average 2x2x1",
    "downsample-segmentation": "Downsample.mode 2x2x1",
    "cseg-encode": "CompressedSegmentation.encode, blocks 8x8x8",
    "cseg-decode": "CompressedSegmentation.decode, blocks 8x8x8",
    "mesh": "MarchingCubes.meshVolume (no simplification)",
    "jpeg-write": "JpegCodec.encode + a file per chunk, quality 90",
    "relabel": "Relabel.remap (segment.relabel's kernel, a LongCounts map)",
}


# --------------------------------------------------------------------------------------------------------------------
# inputs


def prepare(run_dir, work):
    import tensorstore as ts

    os.makedirs(work, exist_ok=True)
    ctx = ts.Context({"data_copy_concurrency": {"limit": 1}, "file_io_concurrency": {"limit": 1}})

    def read(layer):
        # the run's raw volumes (align.render's image, segment's labels) when there: JPEG-decoded input would make
        # the JPEG kernel re-encode its own output
        path = os.path.join(run_dir, "volumes", {"image": "aligned"}.get(layer, layer))
        if not os.path.isfile(os.path.join(path, "info")):
            path = os.path.join(run_dir, "neuroglancer", layer)
        if not os.path.isfile(os.path.join(path, "info")):
            sys.exit(f"kernels: no precomputed volume at {path} (run the demo first, or give --run)")
        store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": "file://" + os.path.abspath(path),
                         "scale_index": 0}, read=True, context=ctx).result()
        info = json.load(open(os.path.join(path, "info")))
        return store.read().result()[..., 0], [int(r) for r in info["scales"][0]["resolution"]]

    image, res = read("image")
    labels, _ = read("segmentation")
    labels = labels.astype(np.uint64)
    mesh = labels[: MESH_BLOCK[0], : MESH_BLOCK[1], : MESH_BLOCK[2]]
    write(work, "image.u8", image)
    write(work, "labels.u64", labels)
    write(work, "mesh.u64", mesh)
    # the relabelling's map: every non-zero id to a new id, as segment.reconcile's maps give local ids global ones
    ids = np.unique(labels)
    ids = ids[ids != 0]
    rng = np.random.default_rng(18)
    new = rng.permutation(len(ids)).astype(np.uint64) * np.uint64(1000003) + np.uint64(1)
    write(work, "relabel-map.u64", np.stack([ids, new], axis=1).ravel())
    with open(os.path.join(work, "shape.txt"), "w") as f:
        for name, a in (("image", image), ("labels", labels), ("mesh", mesh)):
            f.write(f"{name} {a.shape[0]} {a.shape[1]} {a.shape[2]}\n")
        f.write(f"resolution {res[0]} {res[1]} {res[2]}\n")


def write(work, name, a):
    with open(os.path.join(work, name), "wb") as f:
        f.write(np.asarray(a).tobytes(order="F"))


def shapes(work):
    out = {}
    for line in open(os.path.join(work, "shape.txt")):
        f = line.split()
        out[f[0]] = tuple(int(v) for v in f[1:])
    return out


def load(work, name, dtype, shape):
    return np.fromfile(os.path.join(work, name), dtype=dtype).reshape(shape, order="F")


# --------------------------------------------------------------------------------------------------------------------
# the field's side of one kernel (its own process)


def tool(kernel, work, iterations):
    s = shapes(work)
    seconds = []
    if kernel == "downsample-image":
        import tinybrain

        img = load(work, "image.u8", np.uint8, s["image"])
        for _ in range(iterations):
            t0 = time.perf_counter()
            out = tinybrain.downsample_with_averaging(img, (2, 2, 1))[0]
            seconds.append(time.perf_counter() - t0)
        write(work, "tool-downsample-image.u8", out)
        voxels = img.size
    elif kernel == "downsample-segmentation":
        import tinybrain

        labels = load(work, "labels.u64", np.uint64, s["labels"])
        for _ in range(iterations):
            t0 = time.perf_counter()
            out = tinybrain.downsample_segmentation(labels, (2, 2, 1))[0]
            seconds.append(time.perf_counter() - t0)
        write(work, "tool-downsample-segmentation.u64", out)
        voxels = labels.size
    elif kernel == "cseg-encode":
        import compressed_segmentation as cseg

        labels = load(work, "labels.u64", np.uint64, s["labels"])
        chunks = list(cut(labels))
        for _ in range(iterations):
            t0 = time.perf_counter()
            encoded = [cseg.compress(c, block_size=(8, 8, 8), order="F") for c in chunks]
            seconds.append(time.perf_counter() - t0)
        with open(os.path.join(work, "tool-cseg-encode.bin"), "wb") as f:
            for e in encoded:
                f.write(len(e).to_bytes(4, "little"))
                f.write(e)
        voxels = labels.size
    elif kernel == "cseg-decode":
        import compressed_segmentation as cseg

        labels = load(work, "labels.u64", np.uint64, s["labels"])
        chunks = list(cut(labels))
        encoded = [cseg.compress(c, block_size=(8, 8, 8), order="F") for c in chunks]  # once, not timed
        for _ in range(iterations):
            t0 = time.perf_counter()
            decoded = [cseg.decompress(e, c.shape, np.uint64, block_size=(8, 8, 8), order="F")
                       for e, c in zip(encoded, chunks)]
            seconds.append(time.perf_counter() - t0)
        exact = sum(1 for d, c in zip(decoded, chunks) if np.array_equal(d, c))
        with open(os.path.join(work, "tool-cseg-decode.txt"), "w") as f:
            f.write(f"{exact} {len(chunks)}\n")
        voxels = labels.size
    elif kernel == "mesh":
        import zmesh

        labels = load(work, "mesh.u64", np.uint64, s["mesh"])
        res = s["resolution"]
        for _ in range(iterations):
            t0 = time.perf_counter()
            # background all round, as the platform's meshVolume does, so every segment closes
            padded = np.pad(labels, 1)
            mesher = zmesh.Mesher(res)
            mesher.mesh(padded)
            meshes = {i: mesher.get(i, normals=False, reduction_factor=0, max_error=0)
                      for i in mesher.ids() if i != 0}
            mesher.clear()
            seconds.append(time.perf_counter() - t0)
        with open(os.path.join(work, "tool-mesh.txt"), "w") as f:
            for i, m in sorted(meshes.items()):
                f.write(f"{i} {len(m.faces)} {volume(m.vertices, m.faces):.1f}\n")
        voxels = labels.size
    elif kernel == "jpeg-write":
        import shutil

        import tensorstore as ts

        img = load(work, "image.u8", np.uint8, s["image"])
        res = s["resolution"]
        path = os.path.abspath(os.path.join(work, "tool-jpeg"))
        ctx = ts.Context({"data_copy_concurrency": {"limit": 1}, "file_io_concurrency": {"limit": 1}})
        for _ in range(iterations):
            shutil.rmtree(path, ignore_errors=True)
            t0 = time.perf_counter()
            store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": "file://" + path, "create": True,
                             "multiscale_metadata": {"type": "image", "data_type": "uint8", "num_channels": 1},
                             "scale_metadata": {"size": list(img.shape), "resolution": list(res), "encoding": "jpeg",
                                                "jpeg_quality": 90, "chunk_size": list(CHUNK)}},
                            context=ctx).result()
            store[..., 0].write(img).result()
            seconds.append(time.perf_counter() - t0)
        voxels = img.size
    elif kernel == "relabel":
        import fastremap

        labels = load(work, "labels.u64", np.uint64, s["labels"])
        pairs = np.fromfile(os.path.join(work, "relabel-map.u64"), dtype=np.uint64).reshape(-1, 2)
        table = {0: 0}
        table.update({int(a): int(b) for a, b in pairs})
        for _ in range(iterations):
            t0 = time.perf_counter()
            out = fastremap.remap(labels, table, preserve_missing_labels=False, in_place=False)
            seconds.append(time.perf_counter() - t0)
        write(work, "tool-relabel.u64", out)
        voxels = labels.size
    else:
        sys.exit(f"kernels: unknown kernel {kernel}")
    print(json.dumps({"kernel": kernel, "voxels": int(voxels), "seconds": seconds}))


def cut(labels):
    sx, sy, sz = labels.shape
    for z in range(0, sz, CHUNK[2]):
        for y in range(0, sy, CHUNK[1]):
            for x in range(0, sx, CHUNK[0]):
                yield np.asfortranarray(labels[x:x + CHUNK[0], y:y + CHUNK[1], z:z + CHUNK[2]])


def volume(v, f):
    v = np.asarray(v, dtype=np.float64)
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6)


# --------------------------------------------------------------------------------------------------------------------
# running both sides and comparing


def run_measured(cmd):
    """Runs cmd; returns its JSON line and its own peak resident memory in MiB. GNU time reports it: a child forked
    from this driver would inherit the driver's high-water mark (Linux keeps it across exec), time's is small."""
    timer = ["/usr/bin/time", "-f", "maxrss-kib %M"] if os.path.exists("/usr/bin/time") else []
    p = subprocess.run(timer + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"kernels: {shlex.join(cmd[:4])} ... failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    rss = [l for l in p.stderr.splitlines() if l.startswith("maxrss-kib ")]
    return json.loads(p.stdout.strip().splitlines()[-1]), (int(rss[-1].split()[1]) / 1024 if rss else float("nan"))


def steady(seconds):
    """The best of the iterations after the first (the first carries the JIT's warm-up), or the only one: on a
    machine shared with other builds the best run is the closest to one uncontended core."""
    return min(seconds[1:] if len(seconds) > 1 else seconds)


def quality(kernel, work):
    s = shapes(work)
    if kernel == "downsample-image":
        shape = tuple((n + f - 1) // f for n, f in zip(s["image"], (2, 2, 1)))
        a = load(work, "platform-downsample-image.u8", np.uint8, shape).astype(int)
        b = load(work, "tool-downsample-image.u8", np.uint8, shape).astype(int)
        # the exact mean of every 2x2x1 box, the boxes at an odd edge from the voxels that are there
        x = load(work, "image.u8", np.uint8, s["image"]).astype(np.float64)
        px = np.pad(x, ((0, shape[0] * 2 - x.shape[0]), (0, shape[1] * 2 - x.shape[1]), (0, 0)))
        n = np.pad(np.ones_like(x), ((0, shape[0] * 2 - x.shape[0]), (0, shape[1] * 2 - x.shape[1]), (0, 0)))
        total = px[0::2, 0::2] + px[1::2, 0::2] + px[0::2, 1::2] + px[1::2, 1::2]
        count = n[0::2, 0::2] + n[1::2, 0::2] + n[0::2, 1::2] + n[1::2, 1::2]
        mean = total / count
        ea, eb = np.abs(a - mean), np.abs(b - mean)
        return (f"mean abs error against the exact box mean {ea.mean():.3f} vs {eb.mean():.3f} grey levels, max "
                f"{ea.max():.1f} vs {eb.max():.1f} (the tool floors the mean and handles an odd edge its own way); "
                f"{(a == b).mean() * 100:.1f} % voxels equal", "")
    if kernel == "downsample-segmentation":
        shape = tuple((n + f - 1) // f for n, f in zip(s["labels"], (2, 2, 1)))
        a = load(work, "platform-downsample-segmentation.u64", np.uint64, shape)
        b = load(work, "tool-downsample-segmentation.u64", np.uint64, shape)
        eq = (a == b).mean() * 100
        return f"{eq:.3f} % voxels equal (ties broken differently)" if eq < 100 else "100 % voxels equal", \
            "same" if eq == 100 else "ties"
    if kernel == "relabel":
        a = load(work, "platform-relabel.u64", np.uint64, s["labels"])
        b = load(work, "tool-relabel.u64", np.uint64, s["labels"])
        eq = (a == b).mean() * 100
        n = len(np.fromfile(os.path.join(work, "relabel-map.u64"), dtype=np.uint64)) // 2
        return f"{eq:.3f} % voxels equal ({n:,} ids mapped)", "same" if eq == 100 else "differs"
    if kernel == "cseg-encode":
        import compressed_segmentation as cseg

        labels = load(work, "labels.u64", np.uint64, s["labels"])
        chunks = list(cut(labels))
        mine, theirs = blobs(work, "platform-cseg-encode.bin"), blobs(work, "tool-cseg-encode.bin")
        same = sum(1 for a, b in zip(mine, theirs) if a == b)
        round_trip = sum(1 for a, c in zip(mine, chunks)
                         if np.array_equal(cseg.decompress(a, c.shape, np.uint64, block_size=(8, 8, 8), order="F"), c))
        return (f"{same}/{len(chunks)} chunks byte-identical, {round_trip}/{len(chunks)} decode exactly with the "
                f"package; bytes {sum(map(len, mine)):,} vs {sum(map(len, theirs)):,}",
                "same" if same == len(chunks) else "differs")
    if kernel == "cseg-decode":
        def exact(name):
            with open(os.path.join(work, name)) as f:
                return [int(x) for x in f.read().split()]

        (a, n), (b, _) = exact("platform-cseg-decode.txt"), exact("tool-cseg-decode.txt")
        return f"{a}/{n} vs {b}/{n} chunks decoded exactly", "same" if a == b == n else "differs"
    if kernel == "mesh":
        mine, theirs = mesh_table(work, "platform-mesh.txt"), mesh_table(work, "tool-mesh.txt")
        labels = load(work, "mesh.u64", np.uint64, s["mesh"])
        ids, counts = np.unique(labels, return_counts=True)
        voxel = float(np.prod(s["resolution"]))
        truth = {int(i): c * voxel for i, c in zip(ids, counts) if i != 0}

        def err(t):
            e = [abs(t[i][1] / truth[i] - 1) for i in truth if i in t]
            return np.mean(e) * 100

        return (f"segments {len(mine)} vs {len(theirs)}; triangles {sum(v[0] for v in mine.values()):,} vs "
                f"{sum(v[0] for v in theirs.values()):,}; mean abs(mesh volume / voxel volume - 1) "
                f"{err(mine):.2f} % vs {err(theirs):.2f} %", "")
    if kernel == "jpeg-write":
        import tensorstore as ts

        img = load(work, "image.u8", np.uint8, s["image"]).astype(np.float64)

        def read_back(name):
            path = os.path.abspath(os.path.join(work, name))
            vol = ts.open({"driver": "neuroglancer_precomputed", "kvstore": "file://" + path, "scale_index": 0},
                          read=True).result()
            a = vol.read().result()[..., 0].astype(np.float64)
            mse = ((a - img) ** 2).mean()
            size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
            return 10 * np.log10(255 ** 2 / mse), size

        (pp, pb), (tp, tb) = read_back("platform-jpeg"), read_back("tool-jpeg")
        return f"PSNR {pp:.2f} vs {tp:.2f} dB (both read back by TensorStore); bytes {pb:,} vs {tb:,}", ""
    return "", ""


def blobs(work, name):
    data = open(os.path.join(work, name), "rb").read()
    out, i = [], 0
    while i < len(data):
        n = int.from_bytes(data[i:i + 4], "little")
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def mesh_table(work, name):
    out = {}
    for line in open(os.path.join(work, name)):
        i, t, v = line.split()
        out[int(i)] = (int(t), float(v))
    return out


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = open("/proc/loadavg").read().split()[:3]
    return f"{cpu}, {os.cpu_count()} cores, load average {' '.join(load)} at the start; {platform.python_version()}"


def main():
    p = argparse.ArgumentParser(prog="bench/kernels/run")
    p.add_argument("--java", help="the command that starts the JVM with the bench class path")
    p.add_argument("--run", default=None, help="run folder whose neuroglancer/ volumes are the input")
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--work", default="/tmp/connectome-kernel-bench")
    p.add_argument("--out", default=None, help="also write the table as Markdown here")
    p.add_argument("--kernels", default=",".join(KERNELS))
    p.add_argument("--rounds", type=int, default=3,
                   help="platform and tool run in turn this many times; each side's best round counts")
    p.add_argument("--tool", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.tool:
        tool(a.tool, a.work, a.iterations)
        return
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run_dir = a.run or os.path.join(root, "work/demo/runs/demo/r1")
    started = machine()
    prepare(run_dir, a.work)
    s = shapes(a.work)
    rows = []
    for k in a.kernels.split(","):
        java = shlex.split(a.java) + ["org.connectome.bench.kernels.KernelBench", a.work, k, str(a.iterations)]
        tool_cmd = [sys.executable, os.path.abspath(__file__), "--tool", k, "--work", a.work,
                    "--iterations", str(a.iterations)]
        # in turn, A B A B: a burst of load on this shared machine then hits both sides, not one
        mine_runs, theirs_runs = [], []
        for _ in range(a.rounds):
            mine_runs.append(run_measured(java))
            theirs_runs.append(run_measured(tool_cmd))
        mine, mine_mem = min(mine_runs, key=lambda r: steady(r[0]["seconds"]))
        theirs, theirs_mem = min(theirs_runs, key=lambda r: steady(r[0]["seconds"]))
        q, _ = quality(k, a.work)
        pm = mine["voxels"] / steady(mine["seconds"]) / 1e6
        tm = theirs["voxels"] / steady(theirs["seconds"]) / 1e6
        rows.append((k, mine["voxels"], pm, tm, mine_mem, theirs_mem, mine["seconds"][0], q))
        print(f"{k}: platform {pm:.1f} Mvox/s, tool {tm:.1f} Mvox/s, ratio {pm / tm:.2f}; {q}", flush=True)
    table = ["| kernel (platform vs tool) | voxels | platform Mvox/s/core | tool Mvox/s/core | ratio | peak RSS MiB "
             "platform / tool | platform 1st iteration s | quality (platform vs tool) |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for k, vox, pm, tm, mm, tmem, first, q in rows:
        table.append(f"| {k}: {PLATFORM[k]} vs {TOOLS[k]} | {vox:,} | {pm:.1f} | {tm:.1f} | {pm / tm:.2f}x | "
                     f"{mm:.0f} / {tmem:.0f} | {first:.3f} | {q} |")
    text = (f"Machine: {started}. Input: {run_dir} (image {s['image']}, segmentation {s['labels']}, mesh block "
            f"{s['mesh']}). One kernel per process, one thread each, platform and tool in turn {a.rounds} times; "
            f"throughput from the best of iterations 2..N of {a.iterations} in the best round; peak RSS of the whole process (JVM or Python with its imports).\n\n"
            + "\n".join(table) + "\n")
    print()
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
