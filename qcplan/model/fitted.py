"""A model fitted to one history (:class:`FittedModel`): its components on its scale, and
:meth:`FittedModel.simulate`, vectorised over draws, which takes the scenario adjustments
(``shift``, ``shocks``, ``scale``) without refitting; and the damped-trend ETS engine.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qcplan.model.projection import Projection
from qcplan.model.scales import Scale
from qcplan.model.walks import Component, Walk

if TYPE_CHECKING:
    from qcplan.model.nowcast import Nowcast

#: Fewest points for the damped-trend ETS model; below it the fit degenerates.
ETS_MIN_POINTS = 8


@dataclass
class FittedModel:
    """A model fitted to one history; :meth:`simulate` draws projections from it.

    Attributes
    ----------
    method : str
        The method used, e.g. ``"auto:theta"`` or ``"ets->rw_drift"`` after a fallback.
    history : pandas.Series
        The cleaned history (integer years, sorted, NaN dropped).
    status : str
        ``"ok"`` or ``"insufficient data"``.
    scale : str
        ``"log"``, ``"raw"`` or ``"logit"``.
    notes : list of str
        Fallbacks and choices made while fitting, shown by ``summary()``.
    """

    method: str
    history: pd.Series
    status: str
    scale: str
    bounds: tuple[float, float] | None
    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    _ets: Any = None
    _scale_obj: Scale | None = None
    #: The current year's in-year nowcast (``qcplan.model.nowcast.Nowcast``), from ``subannual``.
    nowcast: Nowcast | None = None

    @property
    def last_year(self) -> int | None:
        """Last observed year (None without data)."""
        return int(self.history.index[-1]) if len(self.history) else None

    def simulate(
        self,
        to_year: int,
        n_sims: int = 10_000,
        seed: int | np.random.Generator | None = None,
        shift: float = 0.0,
        shocks: Mapping[int, float] | None = None,
        scale: float = 1.0,
    ) -> Projection:
        """Draw ``n_sims`` paths from the last observed year to ``to_year``.

        Parameters
        ----------
        to_year : int
            Last year of the paths.
        n_sims : int
            Number of draws.
        seed : int, Generator or None
            Seed for ``numpy.random.default_rng``; the same seed gives the same draws.
        shift : float
            Extra growth a year from the first projected year on: percent a year on the log
            scale (``log(1 + shift/100)`` added to each year's change), series units a year on
            the raw scale, percentage points of the bounded range a year on the logit scale
            (converted with the logit's slope at the last observation).
        shocks : dict of {year: change}
            One-off persistent level shifts from that year on, in the same units as ``shift``
            (percent on the log scale). Shocks in observed years or after ``to_year`` are ignored.
        scale : float
            Multiplies all stochastic spread (innovations, drift uncertainty, drift changes).

        Returns
        -------
        Projection
        """
        if n_sims < 1:
            raise ValueError("n_sims must be at least 1")
        if scale < 0 or not math.isfinite(scale):
            raise ValueError(f"scale must be a finite number >= 0; got {scale}")
        if not math.isfinite(shift):
            raise ValueError(f"shift must be finite; got {shift}")
        to_year = int(to_year)
        adj = {"shift": float(shift), "shocks": dict(shocks or {}), "scale": float(scale)}
        last = self.last_year
        if self.status != "ok" or last is None:
            years = np.arange(last + 1, to_year + 1) if last is not None else np.arange(0)
            draws = np.full((len(years), n_sims), np.nan)
            return Projection(self, to_year, years, draws, n_sims, seed, adj)
        years = np.arange(last + 1, to_year + 1)
        horizon = len(years)
        rng = np.random.default_rng(seed)
        sc = self._scale_obj
        assert sc is not None
        last_value = float(self.history.iloc[-1])
        z_last = float(sc.forward(np.array([last_value]))[0])
        if horizon == 0:
            draws = np.empty((0, n_sims))
            return Projection(self, to_year, years, draws, n_sims, seed, adj)
        if self._ets is not None:
            z = self._simulate_ets(horizon, n_sims, rng, scale)
        else:
            z = self._simulate_components(horizon, n_sims, rng, scale, z_last)
        # deterministic scenario adjustments on the model scale
        add = np.zeros(horizon)
        if shift != 0.0:
            add += sc.step(shift, last_value) * np.arange(1, horizon + 1)
        for year, pct in (shocks or {}).items():
            y = int(year)
            if last < y <= to_year and pct != 0.0:
                add[y - last - 1 :] += sc.step(float(pct), last_value)
        if self.nowcast is not None and self.nowcast.year == years[0]:
            # the current year known in part: its draws come from the in-year nowcast, later
            # years follow from them, and adjustments act on the part still to come
            z = self.nowcast.adjust(self.nowcast.condition(z, sc, scale), add, sc)
        else:
            z = z + add[:, None]
        draws = sc.back(z)
        return Projection(self, to_year, years, draws, n_sims, seed, adj)

    # -- engines ------------------------------------------------------------------------------

    def _simulate_components(
        self, horizon: int, n_sims: int, rng: np.random.Generator, scale: float, z_last: float
    ) -> np.ndarray:
        weights = np.array([c.weight for c in self.components], dtype=float)
        weights = weights / weights.sum()
        counts = np.floor(weights * n_sims).astype(int)
        rest = n_sims - counts.sum()
        if rest:  # largest remainders get the left-over draws
            order = np.argsort(-(weights * n_sims - counts), kind="stable")
            counts[order[:rest]] += 1
        # the random numbers do not depend on the adjustments: common draws across scenarios
        # rows: 0 drift (trend: intercept), 1 (trend: slope), 2..h+1 innovations,
        # h+2..2h+1 drift changes
        chi = rng.standard_normal((2 * horizon + 2, n_sims))
        dfs = np.repeat([c.df for c in self.components], counts)
        w = np.ones(n_sims)
        finite = np.isfinite(dfs)
        if finite.any():
            w[finite] = np.sqrt(dfs[finite] / rng.chisquare(dfs[finite]))
        else:
            rng.chisquare(1.0, n_sims)  # keep the stream aligned whatever the components
        perm = rng.permutation(n_sims)
        out = np.empty((horizon, n_sims))
        steps = np.arange(1, horizon + 1, dtype=float)
        start = 0
        for comp, k in zip(self.components, counts, strict=True):
            if k == 0:
                continue
            sl = slice(start, start + k)
            start += k
            zz = chi[:, sl]
            ww = w[sl] * scale
            if isinstance(comp, Walk):
                drift = comp.drift + ww * comp.drift_se * zz[0]
                damp = comp.phi**steps if comp.phi != 1.0 else np.ones(horizon)
                incr = damp[:, None] * drift[None, :]
                if comp.wander > 0:
                    incr += np.cumsum(ww * comp.wander * zz[2 + horizon :], axis=0)
                innov = ww * comp.sigma * zz[2 : 2 + horizon]
                path = np.cumsum(incr, axis=0)
                if comp.alpha != 1.0:  # e_j + alpha * (e_1 + ... + e_{j-1})
                    path += comp.alpha * np.cumsum(innov, axis=0) + (1.0 - comp.alpha) * innov
                else:
                    path += np.cumsum(innov, axis=0)
                out[:, sl] = z_last + comp.offset + path
            else:
                (l11, l12), (l21, l22) = comp.chol
                a = comp.beta[0] + ww * (l11 * zz[0] + l12 * zz[1])
                b = comp.beta[1] + ww * (l21 * zz[0] + l22 * zz[1])
                x = (self.last_year + steps - comp.t0)[:, None]  # type: ignore[operator]
                out[:, sl] = a[None, :] + b[None, :] * x + ww * comp.sigma * zz[2 : 2 + horizon]
        return out[:, perm]

    def _simulate_ets(
        self, horizon: int, n_sims: int, rng: np.random.Generator, scale: float
    ) -> np.ndarray:
        res = self._ets
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # statsmodels 0.15 takes the generator as ``rng``; 0.14 a seed as ``random_state``
            if "rng" in inspect.signature(res.simulate).parameters:
                source: dict[str, Any] = {"rng": rng}
            else:
                source = {"random_state": int(rng.integers(2**31 - 1))}
            sim = np.asarray(
                res.simulate(horizon, repetitions=n_sims, anchor="end", **source), dtype=float,
            ).reshape(horizon, n_sims)
            center = np.asarray(res.forecast(horizon), dtype=float).reshape(horizon, 1)
        return center + scale * (sim - center)


def ets_fit(z: np.ndarray) -> tuple[Any, str]:
    """Damped additive-trend ETS on the model scale; (None, reason) if it cannot be fitted."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = ETSModel(
                np.asarray(z, dtype=float), error="add", trend="add", damped_trend=True
            ).fit(disp=False)
        except Exception as exc:  # statsmodels raises several types on degenerate input
            return None, f"fit failed ({type(exc).__name__})"
    if not np.all(np.isfinite(np.asarray(res.params, dtype=float))):
        return None, "fit failed (non-finite parameters)"
    return res, ""


