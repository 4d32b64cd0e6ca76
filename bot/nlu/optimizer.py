"""Adam that updates only the weights a batch has gradients for.

Why: the classifier is a hashed sparse linear layer (2^17 rows × 15 intents ≈ 2 M weights), and
a batch of 32 short messages touches a few thousand of them. thinc's Adam walks the whole table
on every update (the moment estimates, the clipping norm, the weight decay, zeroing the
gradient): that walk was more than half of training time. Here the same arithmetic runs on the
touched entries only ("lazy" Adam, as TensorFlow's LazyAdam and PyTorch's SparseAdam do):

- An untouched entry keeps its moments unchanged instead of decaying them, so it does not go
  on drifting after its features left the batch. Small tables (the bias) use thinc's Adam.
- Decoupled weight decay (spaCy's default, L2 = 0.01 at learning rate 0.001) shrinks a weight
  by 1e-5 an update; it is applied when the weight is touched.
"""

from __future__ import annotations

import math
from typing import Any

import numpy
from thinc.api import Optimizer

SPARSE_MIN = 65536  # tables at least this large are updated lazily


class SparseAdam(Optimizer):
    def __call__(self, key: tuple[int, str], weights: Any, gradient: Any, *,
                 lr_scale: float = 1.0) -> tuple[Any, Any]:
        if weights.size < SPARSE_MIN or self.use_radam or self.averages is not None:
            return super().__call__(key, weights, gradient, lr_scale=lr_scale)
        flat_w = weights.reshape(-1)
        flat_g = gradient.reshape(-1)
        touched = numpy.flatnonzero(flat_g != 0)  # 4x faster than on the floats themselves
        self.nr_update[key] += 1
        if touched.size == 0:
            return weights, gradient
        nr = self.nr_update[key]
        w = flat_w[touched]
        g = flat_g[touched]
        if self.L2 != 0 and not self.L2_is_weight_decay:
            g += self.L2 * w
        if self.grad_clip:
            norm = float(numpy.sqrt(numpy.dot(g, g)))
            if norm >= self.grad_clip:
                g *= self.grad_clip / norm
        if key not in self.mom1:
            self.mom1[key] = numpy.zeros(flat_w.size, dtype="float32")
            self.mom2[key] = numpy.zeros(flat_w.size, dtype="float32")
        m1 = self.mom1[key][touched] * self.b1 + (1.0 - self.b1) * g
        m2 = self.mom2[key][touched] * self.b2 + (1.0 - self.b2) * g * g
        self.mom1[key][touched] = m1
        self.mom2[key][touched] = m2
        lr = self.learn_rate * lr_scale
        step = lr * math.sqrt(1.0 - self.b2 ** nr) / (1.0 - self.b1 ** nr)
        w -= step * m1 / (numpy.sqrt(m2) + self.eps)
        if self.L2 != 0 and self.L2_is_weight_decay:
            w -= lr * self.L2 * w
        flat_w[touched] = w
        flat_g[touched] = 0.0
        return weights, gradient


def sparse_adam_like(optimizer: Optimizer) -> SparseAdam:
    """The same settings as `optimizer` (spaCy's [training.optimizer]), updated lazily."""
    return SparseAdam(optimizer.learn_rate, L2=optimizer.L2, beta1=optimizer.b1,
                      beta2=optimizer.b2, eps=optimizer.eps, grad_clip=optimizer.grad_clip,
                      L2_is_weight_decay=optimizer.L2_is_weight_decay,
                      use_averages=optimizer.averages is not None)
