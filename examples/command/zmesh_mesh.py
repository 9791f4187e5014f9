"""Meshes a Neuroglancer precomputed segmentation with zmesh, as a facility's own program run by the platform's local
command implementation (implementation: command; see examples/command/README.md).

  zmesh_mesh.py blocks SEGMENTATION BBOX MESH_DIR [--reduction R] [--max-error NM]
      reads scale 0 of SEGMENTATION (TensorStore) inside BBOX (x0-x1_y0-y1_z0-z1, voxels), meshes every segment
      with zmesh (marching cubes, then simplification) and writes one legacy fragment per segment as
      MESH_DIR/BBOX/<segment>; the block is padded with background so every fragment is closed.
  zmesh_mesh.py manifests MESH_DIR UNIT_START UNIT_END SHARDS
      for every segment with segment % SHARDS in [UNIT_START, UNIT_END): writes its manifest MESH_DIR/<segment>:0
      listing its fragments, and MESH_DIR/info ({"@type": "neuroglancer_legacy_mesh"}).

Exit 0 when done; 2 with one line naming the problem on bad arguments or input.
"""

import argparse
import json
import os
import sys

import numpy as np
import tensorstore as ts
import zmesh


def atomic_write(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def parse_bbox(text):
    try:
        parts = [tuple(int(v) for v in p.split("-")) for p in text.split("_")]
        if len(parts) != 3 or any(len(p) != 2 or p[0] >= p[1] for p in parts):
            raise ValueError
        return parts
    except ValueError:
        print(f"zmesh_mesh: bad bbox '{text}' (want x0-x1_y0-y1_z0-z1)", file=sys.stderr)
        sys.exit(2)


def blocks(args):
    (x0, x1), (y0, y1), (z0, z1) = parse_bbox(args.bbox)
    info_file = os.path.join(args.segmentation, "info")
    if not os.path.isfile(info_file):
        print(f"zmesh_mesh: no precomputed volume at {args.segmentation} (no info file)", file=sys.stderr)
        sys.exit(2)
    store = ts.open(
        {"driver": "neuroglancer_precomputed", "kvstore": "file://" + os.path.abspath(args.segmentation),
         "scale_index": 0}, read=True).result()
    resolution = [float(r) for r in json.load(open(info_file))["scales"][0]["resolution"]]
    labels = store[x0:x1, y0:y1, z0:z1, 0].read().result()
    # pad with background so that segments cut by the block's faces give closed fragments
    padded = np.zeros(tuple(s + 2 for s in labels.shape), dtype=labels.dtype, order="F")
    padded[1:-1, 1:-1, 1:-1] = labels
    mesher = zmesh.Mesher(tuple(resolution))
    mesher.mesh(padded)
    out = os.path.join(args.mesh_dir, args.bbox)
    os.makedirs(out, exist_ok=True)
    offset = np.array([(x0 - 1) * resolution[0], (y0 - 1) * resolution[1], (z0 - 1) * resolution[2]],
                      dtype=np.float32)
    written = 0
    for segment in mesher.ids():
        if segment == 0:
            continue
        mesh = mesher.get(segment, normals=False, reduction_factor=args.reduction, max_error=args.max_error,
                          voxel_centered=True)
        mesh.vertices = mesh.vertices + offset
        atomic_write(os.path.join(out, str(segment)), mesh.to_precomputed())
        written += 1
    mesher.clear()
    print(f"zmesh_mesh: {written} fragments of block {args.bbox} in {out}")


def manifests(args):
    shards = args.shards
    fragments = {}
    for block in sorted(os.listdir(args.mesh_dir)):
        folder = os.path.join(args.mesh_dir, block)
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            if name.isdigit():
                segment = int(name)
                if args.unit_start <= segment % shards < args.unit_end:
                    fragments.setdefault(segment, []).append(f"{block}/{name}")
    for segment, names in fragments.items():
        atomic_write(os.path.join(args.mesh_dir, f"{segment}:0"),
                     json.dumps({"fragments": sorted(names)}).encode())
    atomic_write(os.path.join(args.mesh_dir, "info"), b'{"@type": "neuroglancer_legacy_mesh"}')
    print(f"zmesh_mesh: {len(fragments)} manifests for shards {args.unit_start}-{args.unit_end} of {shards}")


def main():
    p = argparse.ArgumentParser(prog="zmesh_mesh.py")
    sub = p.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("blocks")
    b.add_argument("segmentation")
    b.add_argument("bbox")
    b.add_argument("mesh_dir")
    b.add_argument("--reduction", type=int, default=0)
    b.add_argument("--max-error", type=float, default=None)
    m = sub.add_parser("manifests")
    m.add_argument("mesh_dir")
    m.add_argument("unit_start", type=int)
    m.add_argument("unit_end", type=int)
    m.add_argument("shards", type=int)
    args = p.parse_args()
    if args.mode == "blocks":
        blocks(args)
    else:
        manifests(args)


if __name__ == "__main__":
    main()
