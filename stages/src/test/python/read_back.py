"""Reads a run's Neuroglancer precomputed layers back with the field's own readers and compares them with what the
platform says they hold (a manifest written by stages' PrecomputedReadersTest).

    python read_back.py MANIFEST.json

Manifest: {"volumes": [{"path", "scales": [{"index", "size", "dtype", "expected" (raw, x fastest), "tolerance"}]}],
           "meshes": {"path" (the segmentation), "segments": [{"id", "vertices", "faces", "min", "max"}]},
           "segment_properties": {"path", "ids", "labels"},
           "annotations": {"path", "by_id": [{"id", "position", "related": [[...], ...]}],
                           "related": {"<relationship key>": {"<object id>": [annotation ids]}},
                           "position_tolerance"?}}

Every volume scale is read whole through CloudVolume and through TensorStore; integer volumes must be equal, JPEG
within the manifest's tolerance (two JPEG decoders differ by their IDCT). Meshes through CloudVolume's mesh API
(Draco fragments decoded by DracoPy inside it), annotations through TensorStore's neuroglancer_uint64_sharded
key-value store (or the plain files when unsharded). Prints one line per check and 'N passed, N failed'; exits 1
on any failure.
"""
import json
import struct
import sys

import numpy as np
import tensorstore as ts
from cloudvolume import CloudVolume

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what)


def expected_array(scale):
    x, y, z = scale["size"]
    a = np.fromfile(scale["expected"], dtype=np.dtype(scale["dtype"]).newbyteorder("<"))
    return a.reshape((z, y, x)).transpose(2, 1, 0)


def compare(name, got, want, tolerance):
    if got.shape != want.shape:
        check(False, f"{name}: shape {got.shape}, expected {want.shape}")
        return
    if tolerance == 0:
        diff = int(np.count_nonzero(got != want))
        check(diff == 0, f"{name}: {diff} voxels differ of {want.size}")
    else:
        d = np.abs(got.astype(np.int64) - want.astype(np.int64))
        check(int(d.max()) <= tolerance, f"{name}: max |difference| {int(d.max())} (tolerance {tolerance}), "
              f"mean {float(d.mean()):.3f}")


def volumes(manifest):
    for vol in manifest.get("volumes", []):
        path = vol["path"]
        for scale in vol["scales"]:
            k = scale["index"]
            want = expected_array(scale)
            cv = CloudVolume("file://" + path, mip=k, fill_missing=False, progress=False, bounded=True)
            got = np.asarray(cv[:, :, :])[..., 0]
            compare(f"CloudVolume {path} scale {k} {cv.scale.get('sharding') is not None and 'sharded' or 'unsharded'}",
                    got, want, scale["tolerance"])
            store = ts.open({"driver": "neuroglancer_precomputed",
                             "kvstore": {"driver": "file", "path": path + "/"},
                             "scale_index": k}, read=True).result()
            got = store.read().result()[..., 0]
            compare(f"TensorStore {path} scale {k}", np.asarray(got), want, scale["tolerance"])


def meshes(manifest):
    m = manifest.get("meshes")
    if not m:
        return
    cv = CloudVolume("file://" + m["path"], progress=False)
    check(cv.mesh.meta.info.get("@type") == "neuroglancer_multilod_draco",
          f"mesh source {type(cv.mesh).__name__}: {cv.mesh.meta.info.get('@type')}")
    for seg in m["segments"]:
        mesh = cv.mesh.get(seg["id"], lod=0)
        mesh = mesh[seg["id"]] if isinstance(mesh, dict) else mesh
        v = np.asarray(mesh.vertices)
        f = np.asarray(mesh.faces)
        check(len(v) == seg["vertices"] and len(f) == seg["faces"],
              f"mesh {seg['id']}: {len(v)} vertices, {len(f)} faces (platform: {seg['vertices']}, {seg['faces']})")
        lo, hi = v.min(axis=0), v.max(axis=0)
        ok = np.allclose(lo, seg["min"], atol=seg.get("tolerance", 1e-3)) and np.allclose(
            hi, seg["max"], atol=seg.get("tolerance", 1e-3))
        check(ok, f"mesh {seg['id']}: bounds {lo.tolist()} - {hi.tolist()} (platform {seg['min']} - {seg['max']})")


def segment_properties(manifest):
    sp = manifest.get("segment_properties")
    if not sp:
        return
    with open(sp["path"] + "/info") as f:
        info = json.load(f)
    check(info.get("@type") == "neuroglancer_segment_properties", "segment properties @type")
    ids = [int(i) for i in info["inline"]["ids"]]
    check(ids == [int(i) for i in sp["ids"]], f"segment properties: {len(ids)} ids (platform {len(sp['ids'])})")
    labels = [p for p in info["inline"]["properties"] if p["type"] == "label"]
    check(bool(labels) and labels[0]["values"] == sp["labels"], "segment properties: labels equal")


class Index:
    """One uint64 index of an annotation collection: sharded through TensorStore's kvstore, else plain files."""

    def __init__(self, root, entry):
        self.path = root + "/" + entry["key"]
        self.sharding = entry.get("sharding")
        if self.sharding:
            self.kv = ts.KvStore.open({"driver": "neuroglancer_uint64_sharded",
                                       "base": {"driver": "file", "path": self.path + "/"},
                                       "metadata": self.sharding}).result()

    def get(self, key):
        if self.sharding:
            r = self.kv.read(struct.pack(">Q", key)).result()
            return bytes(r.value) if r.state == "value" else None
        try:
            with open(f"{self.path}/{key}", "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None


def annotations(manifest):
    a = manifest.get("annotations")
    if not a:
        return
    for collection in a if isinstance(a, list) else [a]:
        annotation_collection(collection)


def annotation_collection(a):
    with open(a["path"] + "/info") as f:
        info = json.load(f)
    rank = len(info["dimensions"])
    props = info["properties"]
    sizes = {"float32": 4, "uint32": 4, "int32": 4, "uint16": 2, "int16": 2, "uint8": 1, "int8": 1, "rgb": 3, "rgba": 4}
    geometry = 4 * rank + sum(sizes[p["type"]] for p in props)
    geometry += (4 - geometry % 4) % 4
    by_id = Index(a["path"], info["by_id"])
    for want in a["by_id"]:
        raw = by_id.get(want["id"])
        if raw is None:
            check(False, f"annotation {want['id']}: not found by id")
            continue
        pos = struct.unpack_from("<%df" % rank, raw, 0)
        off = geometry
        related = []
        for _ in info["relationships"]:
            (n,) = struct.unpack_from("<I", raw, off)
            related.append(list(struct.unpack_from("<%dQ" % n, raw, off + 4)))
            off += 4 + 8 * n
        ok = np.allclose(pos, want["position"], atol=a.get("position_tolerance", 1e-3)) and related == want["related"]
        check(ok, f"annotation {want['id']} by id: position {list(pos)}, related {related}")
    for rel in info["relationships"]:
        index = Index(a["path"], rel)
        for obj, ids in a["related"].get(rel["key"], {}).items():
            raw = index.get(int(obj))
            if raw is None:
                check(False, f"{rel['id']} {obj}: not found")
                continue
            (count,) = struct.unpack_from("<Q", raw, 0)
            got = sorted(struct.unpack_from("<%dQ" % count, raw, 8 + count * geometry))
            check(got == sorted(ids), f"{rel['id']} of {obj}: annotations {got}")


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    for part in (volumes, meshes, segment_properties, annotations):
        try:
            part(manifest)
        except Exception as e:  # a reader that cannot open a layer is a failed check, with its reason
            check(False, f"{part.__name__}: {type(e).__name__}: {e}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
