"""Slider directions that move one attribute and, to first order, none of the others (issue 26).

Today's attribute vectors (MusicVAE §5.3, :mod:`.attributes`) are differences of means: windows with
much note density also tend to have a wider range and more syncopation, so the density vector carries
those along. Here a linear model of the standardized attributes from the latent, fitted on training
posterior means by ridge regression,

    A_std ≈ (z - mean) W + b          W: [d, A], one column per attribute,

says how a step in z changes every attribute (to first order). A direction v moves attribute a alone
when ``W^T v = c e_a``. Candidates (:data:`METHODS`), each returned as rows [A, d]:

- ``"pure"``: the minimum-norm such v, ``v = W (W^T W)^-1 e_a`` (a column of W's pseudo-inverse).
- ``"pure_data"``: the v of least Mahalanobis length in the training latents' covariance S (it stays
  in the directions the data spreads along), ``v = S W (W^T S W)^-1 e_a``. With W the regression's
  own ``S^-1 C`` this is a linear combination of the attributes' covariance vectors C -- of today's
  vectors, near enough.
- ``"pure_decoder"``: ``"pure_data"`` with W fitted on what the *decoder* does rather than on the
  data: the caller passes perturbations ``eps`` of training latents (shaped like the data's spread) and
  the change of the greedy decodes' attributes, ``A(dec(mu + eps)) - A(dec(mu))``
  (:func:`latentcomposer.model.attributes.decoder_response`). The encoder-side fit says which way the
  data's attributes grow; the decoder need not read those directions (``"pure"`` moves nothing).
- ``"gram_schmidt"``: today's vectors, each orthogonalized against the ones before it (in the
  table's order).
- ``"project_off"``: each of today's vectors with the other attributes' regression directions (the
  other columns of W) projected out, so that ``W^T v`` is zero for them.

Scale (:func:`scale_like`): each direction is scaled so that the regression predicts the same change of
its own attribute per slider unit as today's vector (``(W^T v)_a`` equal), so the slider's travel keeps
its meaning. An attribute that does not vary in the fit's windows keeps today's vector.

Everything here is NumPy on arrays; :func:`fit_directions` is the one entry the attribute command and
``scripts/latent_space_eval.py`` call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHODS = ("pure", "pure_data", "pure_decoder", "gram_schmidt", "project_off")
METHOD_TEXT = {
    "pure": "ridge regression of the standardized attributes on training posterior means (A_std ~ z W + b); "
            "row a = the minimum-norm v with W^T v along e_a, W (W^T W)^-1 e_a",
    "pure_data": "ridge regression of the standardized attributes on training posterior means (A_std ~ z W + "
                 "b); row a = the v of least Mahalanobis length in the latents' covariance S with W^T v along "
                 "e_a, S W (W^T S W)^-1 e_a",
    "pure_decoder": "ridge regression of the change of the greedy decodes' attributes on perturbations of "
                    "training posterior means (dA ~ eps W, eps shaped like the latents' spread); row a = the v "
                    "of least Mahalanobis length in the perturbations' covariance with W^T v along e_a",
    "gram_schmidt": "the attribute vectors, each orthogonalized against the ones before it (table order)",
    "project_off": "each attribute vector minus its projection on the other attributes' ridge-regression "
                   "directions (A_std ~ z W + b on training posterior means)",
}
SCALE_TEXT = ("each row scaled so that the regression predicts the same change of its own attribute per "
              "slider unit as the attribute vector")
RIDGE = 1e-3  # ridge penalty, relative to the mean variance of the latents (times the window count)


def standardize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``values`` [N, A] in units of each column's std (a constant column becomes 0): (scaled, mean, std)."""
    v = np.asarray(values, np.float64)
    mean, std = v.mean(0), v.std(0)
    safe = np.where(std > 0, std, 1.0)
    return (v - mean) / safe, mean, std


def ridge(z: np.ndarray, y: np.ndarray, alpha: float = RIDGE) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression ``y ≈ (z - z.mean(0)) W + b`` on [N, d] latents and [N, A] targets: (W [d, A], b [A]).
    ``alpha`` is relative: the penalty is ``alpha * N * mean variance of z``."""
    z = np.asarray(z, np.float64)
    y = np.asarray(y, np.float64)
    zc = z - z.mean(0)
    gram = zc.T @ zc
    lam = alpha * float(np.trace(gram)) / max(1, z.shape[1])
    w = np.linalg.solve(gram + lam * np.eye(z.shape[1]), zc.T @ (y - y.mean(0)))
    return w, y.mean(0)


def _solve_columns(m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rows [A, d]: ``m W (W^T m W)^-1`` transposed, i.e. row a is ``m W (W^T m W)^-1 e_a``."""
    mw = m @ w  # [d, A]
    return np.linalg.pinv(w.T @ mw, rcond=1e-10) @ mw.T


def pure_directions(w: np.ndarray, cov: np.ndarray | None = None) -> np.ndarray:
    """Rows [A, d] with ``W^T v_a = e_a``: least Euclidean length (``cov`` None, ``"pure"``) or least
    Mahalanobis length in ``cov`` [d, d] (``"pure_data"``)."""
    w = np.asarray(w, np.float64)
    m = np.eye(w.shape[0]) if cov is None else np.asarray(cov, np.float64)
    return _solve_columns(m, w)


def gram_schmidt(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` [A, d], each with its projection on the earlier (orthogonalized) rows removed."""
    out: list[np.ndarray] = []
    for v in np.asarray(vectors, np.float64):
        u = v.copy()
        for b in out:
            nb = float(b @ b)
            if nb > 0:
                u -= (u @ b) / nb * b
        out.append(u)
    return np.stack(out)


def project_off(vectors: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each row a of ``vectors`` [A, d] minus its projection on the span of W's other columns."""
    vectors = np.asarray(vectors, np.float64)
    w = np.asarray(w, np.float64)
    out = vectors.copy()
    for a in range(len(vectors)):
        others = np.delete(w, a, axis=1)
        if others.size:
            coef, *_ = np.linalg.lstsq(others, vectors[a], rcond=None)
            out[a] = vectors[a] - others @ coef
    return out


def scale_like(directions: np.ndarray, w: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``directions`` [A, d] scaled so that each moves its own attribute (by the regression ``w``) as
    much per unit as the same row of ``reference`` [A, d] does, sign included. A row whose predicted
    own effect is 0 is left as the reference row."""
    d = np.asarray(directions, np.float64)
    ref = np.asarray(reference, np.float64)
    own_d = np.einsum("ad,da->a", d, w)
    own_r = np.einsum("ad,da->a", ref, w)
    ok = (np.abs(own_d) > 1e-12) & (np.abs(own_r) > 1e-12)
    scale = np.where(ok, own_r / np.where(ok, own_d, 1.0), 0.0)
    return np.where(ok[:, None], d * scale[:, None], ref)


def predicted_effects(directions: np.ndarray, w: np.ndarray) -> np.ndarray:
    """[A, A]: row a = the regression's predicted change of every standardized attribute per unit of
    direction a (diagonal: own effect; off-diagonal: first-order side effects)."""
    return np.asarray(directions, np.float64) @ np.asarray(w, np.float64)


def fit_directions(mu: np.ndarray, attrs: dict[str, np.ndarray], vectors: np.ndarray,
                   method: str = "pure", alpha: float = RIDGE) -> tuple[np.ndarray, dict[str, Any]]:
    """Directions [A, d] (float32, rows in the order of ``attrs``) by ``method`` from training
    posterior means ``mu`` [N, d], the windows' attributes {name: [N]} and today's ``vectors`` [A, d],
    and a summary for ``attributes.json``: the method, the fit's size, its R² per attribute and the
    predicted side effects (largest |off-diagonal| of :func:`predicted_effects` relative to the
    diagonal) of today's vectors and of the new directions."""
    if method not in METHODS:
        raise ValueError(f"unknown direction method {method!r} (use {', '.join(METHODS)})")
    names = list(attrs)
    y, _, std = standardize(np.stack([attrs[n] for n in names], axis=1))
    varies = std > 0
    w, _ = ridge(mu, y, alpha)
    w = w * varies[None]  # a constant attribute: no column (its direction stays today's vector)
    vectors = np.asarray(vectors, np.float64)
    if method == "gram_schmidt":
        raw = gram_schmidt(vectors)
    elif method == "project_off":
        raw = project_off(vectors, w)
    else:
        cov = None if method == "pure" else np.cov(np.asarray(mu, np.float64), rowvar=False)
        raw = np.zeros_like(vectors)
        raw[varies] = pure_directions(w[:, varies], cov).reshape(int(varies.sum()), -1)
    out = scale_like(raw, w, vectors)
    zc = np.asarray(mu, np.float64) - np.asarray(mu, np.float64).mean(0)
    resid = y - zc @ w
    r2 = 1.0 - resid.var(0) / np.where(y.var(0) > 0, y.var(0), 1.0)

    def worst_ratio(rows: np.ndarray) -> dict[str, float | None]:  # None (JSON null): moves nothing
        eff = predicted_effects(rows, w)
        res: dict[str, float | None] = {}
        for a, n in enumerate(names):
            own = abs(eff[a, a])
            off = np.abs(np.delete(eff[a], a)).max(initial=0.0)
            res[n] = round(float(off / own), 4) if own > 0 else None
        return res

    info = {"method": method, "ridge_alpha": alpha, "windows": int(len(mu)),
            "r2": {n: round(float(r), 4) for n, r in zip(names, r2, strict=True)},
            "predicted_side_over_own": {"vectors": worst_ratio(vectors), method: worst_ratio(out)}}
    return out.astype(np.float32), info
