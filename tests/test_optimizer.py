"""The lazy Adam that trains the classifier: the same step as thinc's Adam where a batch has
gradients, nothing elsewhere."""

from __future__ import annotations

import numpy
from thinc.api import Optimizer

from bot.nlu.optimizer import SPARSE_MIN, sparse_adam_like


def _pair() -> tuple[Optimizer, Optimizer]:
    dense = Optimizer(0.001, L2=0.01, grad_clip=1.0, use_averages=False)
    return dense, sparse_adam_like(dense)


def _sparse_gradient(rng: numpy.random.Generator, size: int, touched: int
                     ) -> tuple[numpy.ndarray, numpy.ndarray]:
    grad = numpy.zeros(size, dtype="float32")
    idx = rng.choice(size, touched, replace=False)
    grad[idx] = rng.normal(size=touched)
    return grad, idx


def test_touched_weights_take_thincs_adam_step() -> None:
    dense, sparse = _pair()
    rng = numpy.random.default_rng(0)
    w_dense = rng.normal(size=SPARSE_MIN * 2).astype("float32")
    w_sparse = w_dense.copy()
    for _ in range(3):  # the same entries each time: moments and bias correction agree
        grad, idx = _sparse_gradient(numpy.random.default_rng(1), w_dense.size, 300)
        w_dense, _ = dense((1, "W"), w_dense, grad.copy())
        w_sparse, _ = sparse((1, "W"), w_sparse, grad.copy())
    numpy.testing.assert_allclose(w_sparse[idx], w_dense[idx], rtol=1e-5, atol=1e-6)


def test_untouched_weights_and_moments_stay_put_and_the_gradient_is_cleared() -> None:
    _, sparse = _pair()
    rng = numpy.random.default_rng(2)
    weights = rng.normal(size=SPARSE_MIN * 2).astype("float32")
    before = weights.copy()
    grad, idx = _sparse_gradient(rng, weights.size, 50)
    weights, grad = sparse((1, "W"), weights, grad)
    untouched = numpy.ones(weights.size, dtype=bool)
    untouched[idx] = False
    assert numpy.array_equal(weights[untouched], before[untouched])
    assert not numpy.array_equal(weights[idx], before[idx])
    assert not grad.any()
    assert not sparse.mom1[(1, "W")][untouched].any()


def test_small_tables_are_left_to_thinc() -> None:
    dense, sparse = _pair()
    bias = numpy.ones(15, dtype="float32")
    grad = numpy.full(15, 0.5, dtype="float32")
    a, _ = dense((2, "b"), bias.copy(), grad.copy())
    b, _ = sparse((2, "b"), bias.copy(), grad.copy())
    numpy.testing.assert_array_equal(a, b)
