"""The simulated paths of one series to a target year (:class:`Projection`): the probability of
reaching a level, quantiles and intervals, the median path, and a text summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from qcplan.model.walks import Walk

if TYPE_CHECKING:
    from qcplan.model.fitted import FittedModel

Direction = Literal["at_least", "at_most"]


STAT_LABELS = {
    "drift_weight": "Drift weight (CV)",
    "ses_alpha": "Smoothing alpha",
    "smoothing_level": "ETS alpha (level)",
    "smoothing_trend": "ETS beta (trend)",
    "damping_trend": "ETS phi (damping)",
}


class Projection:
    """Simulated paths of one series to a target year, with the observed history.

    Use :meth:`prob_reach`, :meth:`quantiles`, :meth:`median`, :meth:`interval` and
    :meth:`values` for one year (observed years answer from the observation), and
    :attr:`paths` for derived quantities on the same draws.
    """

    def __init__(
        self,
        model: FittedModel,
        to_year: int,
        years: np.ndarray,
        draws: np.ndarray,
        n_sims: int,
        seed: Any,
        adjustments: dict[str, Any],
    ) -> None:
        self.model = model
        self.to_year = int(to_year)
        self.n_sims = int(n_sims)
        self.seed = seed
        self.adjustments = adjustments
        self._years = years.astype(int)
        self._draws = draws
        self._paths: pd.DataFrame | None = None

    # -- attributes ---------------------------------------------------------------------------

    @property
    def method(self) -> str:
        """The method actually used (e.g. ``"auto:theta"``, ``"ets->rw_drift"``)."""
        return self.model.method

    @property
    def status(self) -> str:
        """``"ok"`` or ``"insufficient data"``."""
        return self.model.status

    @property
    def history(self) -> pd.Series:
        """The cleaned history the projection starts from."""
        return self.model.history

    @property
    def nowcast(self) -> Any:
        """The in-year nowcast of the first projected year (None without sub-annual figures)."""
        nc = self.model.nowcast
        return nc if nc is not None and len(self._years) and nc.year == self._years[0] else None

    @property
    def years(self) -> np.ndarray:
        """Projected years (last observed + 1 … to_year)."""
        return self._years.copy()

    @property
    def paths(self) -> pd.DataFrame:
        """Draws as a DataFrame: index = projected years, columns = draws 0..n_sims-1."""
        if self._paths is None:
            self._paths = pd.DataFrame(
                self._draws,
                index=pd.Index(self._years, name="year"),
                columns=pd.RangeIndex(self._draws.shape[1], name="draw"),
                dtype="float64",
            )
        return self._paths

    # -- queries -----------------------------------------------------------------------------

    def _observed(self, year: int) -> float | None:
        h = self.model.history
        if year in h.index:
            return float(h.loc[year])
        return None

    def values(self, year: int) -> np.ndarray:
        """Draws for ``year`` (an observed year gives an array filled with the observation)."""
        year = int(year)
        obs = self._observed(year)
        if obs is not None:
            return np.full(self.n_sims, obs)
        idx = np.searchsorted(self._years, year)
        if idx < len(self._years) and self._years[idx] == year:
            return self._draws[idx]
        if self.status != "ok" and year > (self.model.last_year or -10**9):
            return np.full(self.n_sims, np.nan)
        raise ValueError(
            f"year {year} is neither observed nor projected "
            f"(history {self._span()}, projected to {self.to_year})"
        )

    def quantiles(self, year: int, qs: Sequence[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the draws for ``year`` (nan with insufficient data)."""
        q = np.asarray(qs, dtype=float)
        if np.any((q < 0) | (q > 1)):
            raise ValueError("quantile levels must lie in [0, 1]")
        v = self.values(year)
        if np.isnan(v).all():
            return np.full(q.shape, np.nan)
        return np.quantile(v, q)

    def median(self, year: int) -> float:
        """Median of the draws for ``year``."""
        return float(self.quantiles(year, [0.5])[0])

    def interval(self, year: int, level: float = 0.8) -> tuple[float, float]:
        """Central interval holding ``level`` of the draws (0.8 → 10% and 90% quantiles)."""
        if not 0 < level < 1:
            raise ValueError("level must lie strictly between 0 and 1")
        lo, hi = self.quantiles(year, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def prob_reach(self, target: float, year: int, direction: Direction = "at_least") -> float:
        """Probability that the value in ``year`` is at least (or at most) ``target``.

        For an observed year the observation decides (1.0 or 0.0). A tiny relative tolerance
        (1e-9) lets a draw equal to the target count as reaching it.
        """
        if direction not in ("at_least", "at_most"):
            raise ValueError(f"direction must be 'at_least' or 'at_most'; got {direction!r}")
        v = self.values(year)
        if np.isnan(v).all():
            return math.nan
        tol = 1e-9 * max(abs(float(target)), 1e-300)
        if direction == "at_least":
            return float(np.mean(v >= target - tol))
        return float(np.mean(v <= target + tol))

    # -- text ---------------------------------------------------------------------------------

    def _span(self) -> str:
        h = self.model.history
        if len(h) == 0:
            return "empty"
        return f"{h.index[0]}–{h.index[-1]}"

    def __repr__(self) -> str:
        return (
            f"Projection(method={self.method!r}, status={self.status!r}, "
            f"history={self._span()} ({len(self.history)} points), to_year={self.to_year}, "
            f"n_sims={self.n_sims})"
        )

    def summary(self, qs: Sequence[float] = (0.1, 0.5, 0.9)) -> str:
        """Readable summary: method, data, estimates and quantiles per projected year."""
        m = self.model
        h = m.history
        width = 64
        lines = ["qcplan projection".center(width), "=" * width]

        def row(key: str, val: str) -> None:
            lines.append(f"{key + ':':<24}{val}")

        row("Method", self.method)
        row("Status", self.status)
        gaps = int(np.sum(np.diff(h.index.to_numpy()) > 1)) if len(h) > 1 else 0
        row("History", f"{self._span()}, {len(h)} points" + (f", {gaps} gap(s)" if gaps else ""))
        if len(h):
            row("Last observed", f"{h.index[-1]} = {h.iloc[-1]:.6g}")
        if m.status == "ok":
            row("Scale", m.scale + (f" within {m.bounds}" if m.bounds else ""))
            multi = len(m.components) > 1
            pad = "  " if multi else ""
            for c in m.components:
                if multi:
                    row(f"Component {c.label}", f"weight {c.weight:.3f}")
                dft = "normal" if not math.isfinite(c.df) else f"t, df {c.df:g}"
                if isinstance(c, Walk):
                    drift = f"{c.drift:.5g} (se {c.drift_se:.3g})"
                    if m.scale == "log":
                        drift += f" = {100 * math.expm1(c.drift):+.2f}% a year"
                    row(pad + "Drift per year", drift)
                    if c.phi != 1.0:
                        row(pad + "Drift damping phi", f"{c.phi:g}")
                    row(pad + "Residual sd", f"{c.sigma:.4g} ({dft})")
                    if c.wander:
                        row(pad + "Drift change sd", f"{c.wander:.4g} a year")
                else:
                    row(pad + "Slope per year", f"{c.beta[1]:.5g} (se {c.chol[1][1]:.3g})")
                    row(pad + "Residual sd", f"{c.sigma:.4g} ({dft})")
            for k, val in m.stats.items():
                row(STAT_LABELS.get(k, k), f"{val:.4g}")
        for note in m.notes:
            row("Note", note)
        if self.nowcast is not None:
            nc = self.nowcast
            row("In-year basis", f"{nc.year}: {nc.k} of {nc.periods} "
                f"{'months' if nc.periods == 12 else 'quarters'} known ({nc.method})")
        a = self.adjustments
        row("Draws", f"{self.n_sims}, seed {self.seed}")
        if a.get("shift") or a.get("shocks") or a.get("scale", 1.0) != 1.0:
            row("Adjustments", f"shift {a['shift']:+g}/yr, shocks {a['shocks']}, "
                f"scale {a['scale']:g}")
        lines.append("-" * width)
        if len(self._years) and m.status == "ok":
            head = "year" + "".join(f"{f'q{q:g}':>14}" for q in qs)
            lines.append(head)
            for i, y in enumerate(self._years):
                qv = np.quantile(self._draws[i], qs)
                lines.append(f"{y:<4}" + "".join(f"{x:>14.6g}" for x in qv))
        else:
            lines.append("no projected years")
        lines.append("=" * width)
        return "\n".join(lines)


