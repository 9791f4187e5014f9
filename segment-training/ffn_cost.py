"""Measures what a flood-filling network in the published design costs on this machine's CPU.

google/ffn's convstack_3d: a 33 x 33 x 17 field of view over the image and the object mask (2 input channels),
a 3x3x3 convolution to 32 features, 8 residual modules of two 3x3x3 convolutions, a 1x1x1 output; trained by
Adam on batches of field-of-view examples. The script times forward-and-backward steps and one forward pass
(an inference move) in JAX on the CPU and prints the figures the README's choice of design quotes.

  $(tools/pyenv segment-training/train-requirements.txt)/bin/python segment-training/ffn_cost.py
"""
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

FOV = (17, 33, 33)  # z, y, x
FEATURES = 32
MODULES = 8


def conv(w, x):
    return lax.conv_general_dilated(x, w, (1, 1, 1), "SAME", dimension_numbers=("NCDHW", "OIDHW", "NCDHW"))


def init(key):
    ks = jax.random.split(key, 2 * MODULES + 2)
    p = {"in": jax.random.normal(ks[0], (FEATURES, 2, 3, 3, 3)) * 0.05,
         "out": jax.random.normal(ks[1], (1, FEATURES, 1, 1, 1)) * 0.05}
    for i in range(MODULES):
        p[f"m{i}a"] = jax.random.normal(ks[2 + 2 * i], (FEATURES, FEATURES, 3, 3, 3)) * 0.02
        p[f"m{i}b"] = jax.random.normal(ks[3 + 2 * i], (FEATURES, FEATURES, 3, 3, 3)) * 0.02
    return p


def forward(p, x):
    h = conv(p["in"], x)
    for i in range(MODULES):
        r = jax.nn.relu(h)
        r = conv(p[f"m{i}a"], r)
        r = conv(p[f"m{i}b"], jax.nn.relu(r))
        h = h + r
    return conv(p["out"], jax.nn.relu(h))


def loss(p, x, y):
    logits = forward(p, x)
    return jnp.mean(jnp.maximum(logits, 0) - logits * y + jnp.log1p(jnp.exp(-jnp.abs(logits))))


def main():
    p = init(jax.random.PRNGKey(0))
    batch = 4
    x = jnp.asarray(np.random.default_rng(0).normal(size=(batch, 2) + FOV).astype(np.float32))
    y = jnp.asarray((np.random.default_rng(1).random((batch, 1) + FOV) > 0.5).astype(np.float32))
    step = jax.jit(jax.value_and_grad(loss))
    fwd = jax.jit(forward)
    step(p, x, y)[0].block_until_ready()
    fwd(p, x[:1]).block_until_ready()
    n = 5
    t = time.time()
    for _ in range(n):
        step(p, x, y)[0].block_until_ready()
    per_step = (time.time() - t) / n
    t = time.time()
    for _ in range(n):
        fwd(p, x[:1]).block_until_ready()
    per_move = (time.time() - t) / n
    voxels = np.prod(FOV)
    flops = 2 * voxels * (2 * FEATURES * 27 + 2 * MODULES * FEATURES * FEATURES * 27 + FEATURES)
    print(f"FFN convstack_3d, FOV {FOV[2]}x{FOV[1]}x{FOV[0]}, {FEATURES} features, {MODULES} modules: "
          f"{flops / 1e9:.1f} GFLOP per forward pass")
    print(f"training step (batch {batch}): {per_step:.2f} s; one inference move: {per_move:.3f} s")
    print(f"an hour of training: {3600 / per_step:.0f} steps ({3600 / per_step * batch:.0f} examples); "
          f"the published models train for millions of examples")


if __name__ == "__main__":
    main()
