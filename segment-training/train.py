"""Trains the reference segmentation model from scratch on data the project's simulator generates.

  segment-training/train        (the documented command: makes the Python environment, then runs this)

The model is a small 2D U-Net over four consecutive aligned sections (z-1, z, z+1, z+2) that predicts, for
every pixel, the boundary probability of sections z and z+1 and the affinity of (x, y, z) to (x, y, z+1): the
affinity-network design of the field (Turaga et al. 2010, Lee et al. 2017), made 2.5D so that one network
serves anisotropic serial sections and isotropic FIB-SEM alike. The Java inference (stages, segment/) runs it
with ONNX Runtime, cuts each section into fragments by seeded watershed on the boundary map and agglomerates
them by mean affinity.

Data: `connectome simulate --preset realistic` (8 x 8 x 33 nm) and `--preset realistic-iso` (8 nm isotropic)
volumes with their ground-truth labels and noise-free images; isotropic volumes are also sampled with a
section stride of 2 to 4 (16 to 32 nm sections). Augmentation: flips and transposes, scale 0.75-1.33, blur,
detector noise, per-section gain, offset and gamma. Everything is seeded (--seed): the same command on the
same machine gives the same weights.

Outputs (--out, default the model folder in stages/): affinity-unet.onnx, model.json (architecture, inputs,
normalisation, data and training parameters), training-curve.tsv, and model-check.bin (an input and the
network's output in JAX, which the Java test compares with ONNX Runtime's).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402
from scipy import ndimage  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL_DIR = os.path.join(ROOT, "stages", "src", "main", "resources", "org", "connectome", "stages",
                         "segment", "model")
SECTIONS_IN = 4  # z-1, z, z+1, z+2
OUTPUTS = ["boundary z", "boundary z+1", "affinity z to z+1"]


# ------------------------------------------------------------------------------------------------ data

def read_bmp8(path):
    b = open(path, "rb").read()
    if b[:2] != b"BM":
        raise SystemExit(f"{path}: not a BMP")
    off = int.from_bytes(b[10:14], "little")
    w = int.from_bytes(b[18:22], "little", signed=True)
    h = int.from_bytes(b[22:26], "little", signed=True)
    bpp = int.from_bytes(b[28:30], "little")
    if bpp != 8:
        raise SystemExit(f"{path}: {bpp} bits per pixel, expected 8")
    stride = (w + 3) // 4 * 4
    rows = np.frombuffer(b, np.uint8, stride * abs(h), off).reshape(abs(h), stride)[:, :w]
    return rows[::-1] if h > 0 else rows


def simulate(preset, seed, sections, out):
    """Runs the project's simulator (once: an existing volume is reused) and loads image and labels."""
    gt = os.path.join(out, "ground-truth")
    if not os.path.isfile(os.path.join(gt, "volume.json")):
        cmd = [os.path.join(ROOT, "connectome"), "simulate", "--preset", preset, "--seed", str(seed),
               "--sections", str(sections), "--out", out]
        print("  " + " ".join(cmd[1:]), flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    vol = json.load(open(os.path.join(gt, "volume.json")))
    w, h, n = vol["volume"]["width"], vol["volume"]["height"], vol["volume"]["sections"]
    image = np.stack([read_bmp8(os.path.join(gt, "images", f"z{z:04d}.bmp")) for z in range(n)])
    labels = np.stack([np.fromfile(os.path.join(gt, "labels", f"z{z:04d}.raw"), "<u4").reshape(h, w)
                       for z in range(n)])
    # the rendered area has a margin of simulated tissue around the imaged one: keep the centre
    m = 16
    return {"name": f"{preset}-{seed}", "image": image[:, m:-m, m:-m], "labels": labels[:, m:-m, m:-m],
            "voxel": vol["voxelSizeNm"], "preset": preset, "seed": seed}


def boundary(lab):
    """1 where a pixel's label differs from one of its 4 neighbours in the section."""
    b = np.zeros(lab.shape, bool)
    b[..., 1:, :] |= lab[..., 1:, :] != lab[..., :-1, :]
    b[..., :-1, :] |= lab[..., 1:, :] != lab[..., :-1, :]
    b[..., :, 1:] |= lab[..., :, 1:] != lab[..., :, :-1]
    b[..., :, :-1] |= lab[..., :, 1:] != lab[..., :, :-1]
    return b


def normalise(sections):
    """Each section to zero mean and unit deviation, as the Java inference does per section."""
    s = sections.astype(np.float32)
    mean = s.mean(axis=(-2, -1), keepdims=True)
    std = s.std(axis=(-2, -1), keepdims=True)
    return (s - mean) / np.maximum(std, 1.0)


def sample(rng, vol, size, augment=True, scales=(0.75, 1.33)):
    """One training example: 4 sections (C, H, W) and targets (3, H, W); in-plane scale drawn log-uniformly."""
    img, lab = vol["image"], vol["labels"]
    iso = vol["voxel"]["z"] <= 1.5 * vol["voxel"]["x"]
    stride = int(rng.integers(1, 5)) if iso else 1
    scale = float(np.exp(rng.uniform(np.log(scales[0]), np.log(scales[1])))) if augment else 1.0
    crop = int(np.ceil(size / scale)) + 2
    nz, ny, nx = img.shape
    z = int(rng.integers(stride, nz - 2 * stride))
    y = int(rng.integers(0, ny - crop))
    x = int(rng.integers(0, nx - crop))
    zs = [max(0, z - stride), z, z + stride, min(nz - 1, z + 2 * stride)]
    im = img[zs, y:y + crop, x:x + crop].astype(np.float32)
    lb = lab[zs, y:y + crop, x:x + crop]
    if augment and scale != 1.0:
        im = ndimage.zoom(im, (1, scale, scale), order=1)[:, :size, :size]
        lb = ndimage.zoom(lb, (1, scale, scale), order=0)[:, :size, :size]
    else:
        im = im[:, :size, :size]
        lb = lb[:, :size, :size]
    if augment:
        if rng.random() < 0.5:
            im, lb = im[:, :, ::-1], lb[:, :, ::-1]
        if rng.random() < 0.5:
            im, lb = im[:, ::-1, :], lb[:, ::-1, :]
        if rng.random() < 0.5:
            im, lb = im.transpose(0, 2, 1), lb.transpose(0, 2, 1)
        if rng.random() < 0.5:  # the other direction through the stack
            im, lb = im[::-1], lb[::-1]
            # keep z, z+1 as the middle pair: reversed order is (z+2, z+1, z, z-1)
        blur = rng.uniform(0, 1.3)
        if blur > 0.3:
            im = ndimage.gaussian_filter(im, (0, blur, blur))
        gamma = np.exp(rng.uniform(-0.3, 0.3))
        im = 255.0 * (np.clip(im, 0, 255) / 255.0) ** gamma
        im = im * rng.uniform(0.7, 1.3, (4, 1, 1)) + rng.uniform(-25, 25, (4, 1, 1))
        im = im + rng.normal(0, rng.uniform(2, 16), im.shape)
    lb = np.ascontiguousarray(lb)
    b = boundary(lb)
    target = np.stack([b[1], b[2], lb[1] == lb[2]]).astype(np.float32)
    return normalise(np.ascontiguousarray(im)), target


def batch(rng, vols, n, size, augment=True, scales=(0.75, 1.33)):
    xs, ys = zip(*(sample(rng, vols[int(rng.integers(len(vols)))], size, augment, scales) for _ in range(n)))
    return np.stack(xs), np.stack(ys)


# ------------------------------------------------------------------------------------------------ model

def layers(c1, c2, c3):
    """(name, in, out, kernel) of every convolution, in order."""
    return [("e1a", SECTIONS_IN, c1, 3), ("e1b", c1, c1, 3),
            ("e2a", c1, c2, 3), ("e2b", c2, c2, 3),
            ("e3a", c2, c3, 3), ("e3b", c3, c3, 3),
            ("d2a", c3 + c2, c2, 3), ("d2b", c2, c2, 3),
            ("d1a", c2 + c1, c1, 3), ("d1b", c1, c1, 3),
            ("out", c1, len(OUTPUTS), 1)]


def init(key, spec):
    params = {}
    for name, cin, cout, k in spec:
        key, sub = jax.random.split(key)
        fan_in = cin * k * k
        params[name] = {"w": jax.random.normal(sub, (cout, cin, k, k), jnp.float32) * np.sqrt(2.0 / fan_in),
                        "b": jnp.zeros((cout,), jnp.float32)}
    return params


def conv(p, x):
    k = p["w"].shape[-1]
    pad = k // 2
    y = lax.conv_general_dilated(x, p["w"], (1, 1), ((pad, pad), (pad, pad)),
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + p["b"][None, :, None, None]


def pool(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def up(x):
    return jnp.repeat(jnp.repeat(x, 2, axis=2), 2, axis=3)


def forward(params, x):
    r = jax.nn.relu
    e1 = r(conv(params["e1b"], r(conv(params["e1a"], x))))
    e2 = r(conv(params["e2b"], r(conv(params["e2a"], pool(e1)))))
    e3 = r(conv(params["e3b"], r(conv(params["e3a"], pool(e2)))))
    d2 = r(conv(params["d2b"], r(conv(params["d2a"], jnp.concatenate([up(e3), e2], 1)))))
    d1 = r(conv(params["d1b"], r(conv(params["d1a"], jnp.concatenate([up(d2), e1], 1)))))
    return conv(params["out"], d1)  # logits


def loss_fn(params, x, y):
    logits = forward(params, x)
    # class-balanced binary cross-entropy per output channel
    pos = jnp.mean(y, axis=(0, 2, 3), keepdims=True)
    w = jnp.where(y > 0.5, 0.5 / jnp.clip(pos, 0.02, 0.98), 0.5 / jnp.clip(1 - pos, 0.02, 0.98))
    bce = jnp.maximum(logits, 0) - logits * y + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    return jnp.mean(w * bce)


def adam_update(params, grads, state, step, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v = state
    m = jax.tree_util.tree_map(lambda a, g: b1 * a + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda a, g: b2 * a + (1 - b2) * g * g, v, grads)
    c1 = 1 - b1 ** step
    c2 = 1 - b2 ** step
    params = jax.tree_util.tree_map(lambda p, a, b: p - lr * (a / c1) / (jnp.sqrt(b / c2) + eps), params, m, v)
    return params, (m, v)


# ------------------------------------------------------------------------------------------------ export

def export_onnx(params, spec, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def conv_node(name, x):
        w = np.asarray(params[name]["w"])
        b = np.asarray(params[name]["b"])
        inits.append(numpy_helper.from_array(w, name + ".w"))
        inits.append(numpy_helper.from_array(b, name + ".b"))
        pad = w.shape[-1] // 2
        nodes.append(helper.make_node("Conv", [x, name + ".w", name + ".b"], [name], pads=[pad] * 4,
                                      kernel_shape=list(w.shape[2:])))
        return name

    def relu(x):
        nodes.append(helper.make_node("Relu", [x], [x + ".r"]))
        return x + ".r"

    def pool_node(x):
        nodes.append(helper.make_node("MaxPool", [x], [x + ".p"], kernel_shape=[2, 2], strides=[2, 2]))
        return x + ".p"

    inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales2"))

    def up_node(x):
        nodes.append(helper.make_node("Resize", [x, "", "scales2"], [x + ".u"], mode="nearest",
                                      coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
        return x + ".u"

    def cat(a, b, name):
        nodes.append(helper.make_node("Concat", [a, b], [name], axis=1))
        return name

    e1 = relu(conv_node("e1b", relu(conv_node("e1a", "sections"))))
    e2 = relu(conv_node("e2b", relu(conv_node("e2a", pool_node(e1)))))
    e3 = relu(conv_node("e3b", relu(conv_node("e3a", pool_node(e2)))))
    d2 = relu(conv_node("d2b", relu(conv_node("d2a", cat(up_node(e3), e2, "c2")))))
    d1 = relu(conv_node("d1b", relu(conv_node("d1a", cat(up_node(d2), e1, "c1")))))
    out = conv_node("out", d1)
    nodes.append(helper.make_node("Sigmoid", [out], ["affinities"]))
    graph = helper.make_graph(
        nodes, "affinity-unet",
        [helper.make_tensor_value_info("sections", TensorProto.FLOAT, ["n", SECTIONS_IN, "h", "w"])],
        [helper.make_tensor_value_info("affinities", TensorProto.FLOAT, ["n", len(OUTPUTS), "h", "w"])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="connectome segment-training")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


# ------------------------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=MODEL_DIR, help="where the model files go (default: the shipped model)")
    ap.add_argument("--data", default=os.path.join(ROOT, "work", "segment-training"),
                    help="where the simulated training volumes are generated (reused when present)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--channels", default="8,16,32")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--scale", default="0.75,1.33",
                    help="range of the in-plane scale augmentation, MIN,MAX (below 1 the cells look smaller)")
    args = ap.parse_args()
    c1, c2, c3 = (int(c) for c in args.channels.split(","))
    scales = tuple(float(v) for v in args.scale.split(","))
    spec = layers(c1, c2, c3)
    t0 = time.time()

    data = [("realistic", 101, 16), ("realistic", 102, 16), ("realistic-iso", 201, 40)]
    held_out = [("realistic", 301, 8), ("realistic-iso", 302, 16)]
    print("simulating the training volumes", flush=True)
    vols = [simulate(p, s, n, os.path.join(args.data, f"{p}-{s}")) for p, s, n in data]
    vals = [simulate(p, s, n, os.path.join(args.data, f"{p}-{s}")) for p, s, n in held_out]
    print(f"  {sum(v['image'].size for v in vols) / 1e6:.1f} M voxels for training, "
          f"{sum(v['image'].size for v in vals) / 1e6:.1f} M held out ({time.time() - t0:.0f} s)", flush=True)

    rng = np.random.default_rng(args.seed)
    val_rng = np.random.default_rng(args.seed + 1)
    val_batches = [batch(val_rng, [v], 8, 128, augment=False) for v in vals for _ in range(2)]

    params = init(jax.random.PRNGKey(args.seed), spec)
    state = (jax.tree_util.tree_map(jnp.zeros_like, params), jax.tree_util.tree_map(jnp.zeros_like, params))
    grad_fn = jax.jit(jax.value_and_grad(loss_fn))
    update = jax.jit(adam_update)
    predict = jax.jit(forward)

    def evaluate():
        losses, accs = [], []
        for x, y in val_batches:
            logits = predict(params, jnp.asarray(x))
            losses.append(float(loss_fn(params, jnp.asarray(x), jnp.asarray(y))))
            p = np.asarray(logits) > 0
            # balanced accuracy of boundary (channels 0, 1) and z affinity (channel 2)
            acc = []
            for c in range(3):
                t = y[:, c] > 0.5
                acc.append(0.5 * (np.mean(p[:, c][t]) + np.mean(~p[:, c][~t])) if t.any() and (~t).any()
                           else float(np.mean(p[:, c] == t)))
            accs.append(acc)
        return float(np.mean(losses)), np.mean(np.array(accs), axis=0)

    os.makedirs(args.out, exist_ok=True)
    curve = [("step", "seconds", "train_loss", "heldout_loss", "heldout_boundary_bacc", "heldout_zaffinity_bacc")]
    running = []
    print(f"training {args.steps} steps, batch {args.batch} x {SECTIONS_IN} x {args.patch}^2", flush=True)
    t1 = time.time()
    for step in range(1, args.steps + 1):
        x, y = batch(rng, vols, args.batch, args.patch, scales=scales)
        loss, grads = grad_fn(params, jnp.asarray(x), jnp.asarray(y))
        lr = args.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * (step - 1) / args.steps)))
        params, state = update(params, grads, state, step, lr)
        running.append(float(loss))
        if step % args.eval_every == 0 or step == args.steps:
            vl, acc = evaluate()
            tl = float(np.mean(running))
            running = []
            curve.append((step, round(time.time() - t1), round(tl, 4), round(vl, 4), round(float(acc[:2].mean()), 4),
                          round(float(acc[2]), 4)))
            print(f"  step {step}: train {tl:.4f}, held out {vl:.4f}, boundary {acc[:2].mean():.3f}, "
                  f"z affinity {acc[2]:.3f} ({time.time() - t1:.0f} s)", flush=True)

    export_onnx(params, spec, os.path.join(args.out, "affinity-unet.onnx"))
    with open(os.path.join(args.out, "training-curve.tsv"), "w") as f:
        f.write("\n".join("\t".join(str(v) for v in row) for row in curve) + "\n")
    # a check the Java side repeats with ONNX Runtime: a fixed input and this network's output
    check_rng = np.random.default_rng(7)
    cx = check_rng.normal(0, 1, (1, SECTIONS_IN, 32, 48)).astype(np.float32)
    cy = np.asarray(jax.nn.sigmoid(predict(params, jnp.asarray(cx)))).astype(np.float32)
    with open(os.path.join(args.out, "model-check.bin"), "wb") as f:
        np.array(cx.shape, "<i4").tofile(f)
        cx.astype("<f4").tofile(f)
        np.array(cy.shape, "<i4").tofile(f)
        cy.astype("<f4").tofile(f)
    meta = {
        "model": "affinity-unet.onnx",
        "design": "2D U-Net over 4 consecutive sections (z-1, z, z+1, z+2); outputs per pixel: " + ", ".join(OUTPUTS)
                  + " (sigmoid probabilities)",
        "input": {"name": "sections", "shape": ["n", SECTIONS_IN, "h", "w"],
                  "normalisation": "each section: (grey - mean) / max(std, 1) over its imaged pixels",
                  "multipleOf": 4, "pixelSizeNm": 8},
        "output": {"name": "affinities", "channels": OUTPUTS},
        "channels": [c1, c2, c3],
        "parameters": int(sum(np.prod(p["w"].shape) + p["b"].shape[0] for p in params.values())),
        "training": {"command": "segment-training/train", "seed": args.seed, "steps": args.steps,
                     "batch": args.batch, "patch": args.patch, "learningRate": args.lr,
                     "optimizer": "Adam, cosine decay to 5 %", "loss": "class-balanced binary cross-entropy",
                     "seconds": round(time.time() - t1), "jax": jax.__version__,
                     "augmentation": f"flips, transposes, stack reversal, scale {scales[0]:g}-{scales[1]:g}, blur 0-1.3 px, "
                                     "gamma 0.74-1.35, per-section gain 0.7-1.3 and offset +-25, noise 2-16"},
        "data": {"volumes": [{"preset": p, "seed": s, "sections": n} for p, s, n in data],
                 "heldOut": [{"preset": p, "seed": s, "sections": n} for p, s, n in held_out],
                 "isotropicStrides": [1, 2, 3, 4],
                 "generator": "connectome simulate (simulator/, Appearance.REALISTIC)"},
        "heldOut": {"loss": curve[-1][3], "boundaryBalancedAccuracy": curve[-1][4],
                    "zAffinityBalancedAccuracy": curve[-1][5]},
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {args.out} ({time.time() - t0:.0f} s in all)")


if __name__ == "__main__":
    sys.exit(main())
