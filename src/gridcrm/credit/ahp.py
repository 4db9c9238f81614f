"""The analytic hierarchy process (Saaty): weights from a pairwise comparison matrix.

``a[i][j]`` says how much more important criterion ``i`` is than ``j`` on Saaty's scale
(1 equal … 9 extreme; 1/3 means ``j`` is moderately more important). The matrix is
reciprocal (``a[j][i] = 1 / a[i][j]``) with ones on the diagonal. The weights are the
normalised principal eigenvector; the consistency ratio CR = CI / RI, with
CI = (λmax − n) / (n − 1) and RI Saaty's random index for n criteria. A matrix with
CR above 0.1 is refused: its judgements contradict each other too much to use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Raised here, declared with the app's other refusals.
from gridcrm.credit.errors import AHPError as AHPError

MAX_CR = 0.1
# Saaty's random consistency index for n = 1 … 10.
RANDOM_INDEX = (0.0, 0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
SAATY_VALUES = (1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9)


@dataclass(frozen=True)
class AHPResult:
    weights: list[float]
    lambda_max: float
    ci: float
    cr: float


def complete_matrix(upper: Sequence[Sequence[float]]) -> list[list[float]]:
    """A full reciprocal matrix from its upper triangle (``upper[i][j]`` for ``j > i``;
    other entries are ignored)."""
    n = len(upper)
    out = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            value = float(upper[i][j])
            if not value > 0:
                raise AHPError(f"comparison {i + 1}:{j + 1} must be positive")
            if not 1 / 9 - 1e-9 <= value <= 9 + 1e-9:
                raise AHPError(f"comparison {i + 1}:{j + 1} must be between 1/9 and 9")
            out[i][j] = value
            out[j][i] = 1.0 / value
    return out


def ahp_weights(matrix: Sequence[Sequence[float]]) -> AHPResult:
    """Weights and consistency of a full reciprocal comparison matrix."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if a.shape != (n, n) or n < 1:
        raise AHPError("the matrix must be square")
    if n > len(RANDOM_INDEX) - 1:
        raise AHPError(f"at most {len(RANDOM_INDEX) - 1} criteria")
    if (a <= 0).any() or not np.allclose(a * a.T, 1.0, rtol=1e-6):
        raise AHPError("the matrix must be positive and reciprocal")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lambda_max = float(values[k].real)
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(weights=[float(x) for x in w], lambda_max=lambda_max, ci=ci, cr=cr)
