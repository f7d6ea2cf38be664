"""Python client: halide.load_plugin + Pipeline.apply_autoscheduler with Gcn.

Run by tests/clients.rs as `python test_load_plugin.py <path to libautoschedule_gcn.so>`.
Builds a blur twice (unscheduled and autoscheduled), realizes both with a strict_float JIT
target and requires identical outputs; then checks that a bad parameter raises a catchable
HalideError (the process must not abort).
"""
import sys

import halide as hl
import numpy as np


def build_blur():
    x, y = hl.Var("x"), hl.Var("y")
    image = hl.ImageParam(hl.Float(32), 2, "image")
    blur_x = hl.Func("blur_x")
    blur_x[x, y] = (image[x, y] + image[x + 1, y] + image[x + 2, y]) / 3
    out = hl.Func("out")
    out[x, y] = (blur_x[x, y] + blur_x[x, y + 1] + blur_x[x, y + 2]) / 3
    image.set_estimates([(0, 258), (0, 194)])
    out.set_estimates([(0, 256), (0, 192)])
    return image, out


def main():
    hl.load_plugin(sys.argv[1])
    target = hl.get_jit_target_from_environment().with_feature(hl.TargetFeature.StrictFloat)
    data = np.random.default_rng(3).random((194, 258), dtype=np.float32)

    image, out = build_blur()
    image.set(hl.Buffer(data))
    reference = np.asarray(out.realize([256, 192], target))

    image, out = build_blur()
    image.set(hl.Buffer(data))
    pipeline = hl.Pipeline(out)
    results = pipeline.apply_autoscheduler(target, hl.AutoschedulerParams("Gcn", {"parallelism": "2"}))
    assert "compute_root" in results.schedule_source, results.schedule_source
    assert len(results.featurization) > 0
    scheduled = np.asarray(pipeline.realize([256, 192], target))
    assert np.array_equal(scheduled, reference), "autoscheduled output differs"
    print("python client: outputs identical")

    image, out = build_blur()
    try:
        hl.Pipeline(out).apply_autoscheduler(target, hl.AutoschedulerParams("Gcn", {"bogus": "1"}))
    except hl.HalideError as error:
        assert "autoscheduler.bogus" in str(error), str(error)
        print("python client: bad parameter raised HalideError")
    else:
        raise AssertionError("a bad parameter did not raise")


if __name__ == "__main__":
    main()
