"""Meshes a Neuroglancer precomputed segmentation with zmesh, as a facility's own program run by the platform's local
command implementation (implementation: command; see examples/command/README.md).

  zmesh_mesh.py blocks SEGMENTATION BBOX MESH_DIR [--reduction R] [--max-error NM]
      reads scale 0 of SEGMENTATION (TensorStore) inside BBOX (x0-x1_y0-y1_z0-z1, voxels), meshes every segment
      with zmesh (marching cubes, then simplification) and writes one legacy fragment per segment as
      MESH_DIR/<segment>:0:BBOX (the block padded with background, so every fragment is closed; the folder flat, as
      CloudVolume wants it), then the block's list of fragments MESH_DIR/blocks/BBOX.txt.
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
    os.makedirs(os.path.join(args.mesh_dir, "blocks"), exist_ok=True)
    offset = np.array([(x0 - 1) * resolution[0], (y0 - 1) * resolution[1], (z0 - 1) * resolution[2]],
                      dtype=np.float32)
    written = []
    for segment in mesher.ids():
        if segment == 0:
            continue
        mesh = mesher.get(segment, normals=False, reduction_factor=args.reduction, max_error=args.max_error,
                          voxel_centered=True)
        mesh.vertices = mesh.vertices + offset
        name = f"{segment}:0:{args.bbox}"
        atomic_write(os.path.join(args.mesh_dir, name), mesh.to_precomputed())
        written.append(name)
    mesher.clear()
    atomic_write(os.path.join(args.mesh_dir, "blocks", args.bbox + ".txt"), "".join(n + "\n" for n in written).encode())
    print(f"zmesh_mesh: {len(written)} fragments of block {args.bbox} in {args.mesh_dir}")


def manifests(args):
    shards = args.shards
    fragments = {}
    for name in sorted(os.listdir(args.mesh_dir)):
        parts = name.split(":")
        # fragments are <segment>:0:<bbox>; manifests <segment>:0
        if len(parts) == 3 and parts[0].isdigit() and not name.endswith(".tmp"):
            segment = int(parts[0])
            if args.unit_start <= segment % shards < args.unit_end:
                fragments.setdefault(segment, []).append(name)
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
