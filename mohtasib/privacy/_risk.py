"""Re-identification risk of a table from its equivalence-class sizes.

Three attacker models, as defined by El Emam & Dankar (2008) and implemented in
ARX (Prasser et al. 2014, "risk analysis") and sdcMicro (Templ, Kowarik &
Meindl 2015). ``f_j`` is the size of equivalence class ``j`` in the released
table of ``n`` records, ``F_j`` its size in the population.

* **Prosecutor** (the attacker knows the person is in the table): a record's
  risk is ``1 / f_j``. Highest risk ``1 / min f_j``; average risk
  ``|J| / n`` (the expected share of records re-identified if every record is
  attacked, sdcMicro's global risk divided by ``n``).
* **Journalist** (the attacker does not know who is in the table and matches
  against a population register): a record's risk is ``1 / F_j``. It needs a
  population table; without one it is *not computed*.
* **Marketer** (the attacker tries to re-identify as many people as
  possible): the expected share re-identified, ``(1/n) Σ_j f_j / F_j``; when no
  population table is given the table is taken as its own population
  (``F_j = f_j``) and the marketer risk is ``|J| / n``.

"Records at risk" is the share of records whose risk exceeds the threshold
(by default ``1 / k``, the risk that k-anonymity caps).

References
----------
El Emam, K., & Dankar, F. K. (2008). Protecting privacy using k-anonymity.
JAMIA 15(5), 627-637.
Prasser, F., Kohlmayer, F., Lautenschläger, R., & Kuhn, K. A. (2014). ARX - a
comprehensive tool for anonymizing biomedical data. AMIA Annu Symp Proc, 984-993.
Templ, M., Kowarik, A., & Meindl, B. (2015). Statistical disclosure control for
micro-data using the R package sdcMicro. J. Stat. Softw. 67(4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ReidentificationRisk", "reidentification_risk"]


@dataclass(frozen=True)
class ReidentificationRisk:
    """Prosecutor, journalist and marketer re-identification risk (El Emam & Dankar 2008).

    Journalist fields are None and ``journalist_note`` says why when no
    population table was given.
    """

    threshold: float
    prosecutor_highest: float
    prosecutor_average: float
    prosecutor_records_at_risk: float
    journalist_highest: float | None
    journalist_records_at_risk: float | None
    journalist_note: str
    marketer: float
    population_given: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "threshold": self.threshold,
            "prosecutor": {
                "highest": self.prosecutor_highest,
                "average": self.prosecutor_average,
                "records_at_risk": self.prosecutor_records_at_risk,
            },
            "journalist": {
                "highest": self.journalist_highest,
                "records_at_risk": self.journalist_records_at_risk,
                "note": self.journalist_note,
            },
            "marketer": self.marketer,
            "population_given": self.population_given,
        }


def reidentification_risk(
    sample_sizes: np.ndarray,
    population_sizes: np.ndarray | None = None,
    *,
    threshold: float,
) -> ReidentificationRisk:
    """Risk measures from class sizes.

    Parameters
    ----------
    sample_sizes
        ``f_j``: the size of each equivalence class in the table (all > 0).
    population_sizes
        ``F_j``: the size of the same classes in the population, aligned with
        ``sample_sizes``; requires ``F_j >= f_j``. None: journalist risk is not
        computed and the table is its own population for the marketer risk.
    threshold
        A record is "at risk" when its risk exceeds this (0 < threshold <= 1).
    """
    f = np.asarray(sample_sizes, dtype=float)
    n = float(f.sum())
    prosecutor = 1.0 / f
    at_risk = float(f[prosecutor > threshold].sum() / n)
    if population_sizes is None:
        return ReidentificationRisk(
            threshold=threshold,
            prosecutor_highest=float(prosecutor.max()),
            prosecutor_average=len(f) / n,
            prosecutor_records_at_risk=at_risk,
            journalist_highest=None,
            journalist_records_at_risk=None,
            journalist_note="not computed: journalist risk needs a population table",
            marketer=len(f) / n,
            population_given=False,
        )
    big_f = np.asarray(population_sizes, dtype=float)
    journalist = 1.0 / big_f
    return ReidentificationRisk(
        threshold=threshold,
        prosecutor_highest=float(prosecutor.max()),
        prosecutor_average=len(f) / n,
        prosecutor_records_at_risk=at_risk,
        journalist_highest=float(journalist.max()),
        journalist_records_at_risk=float(f[journalist > threshold].sum() / n),
        journalist_note="computed against the population table given",
        marketer=float((f / big_f).sum() / n),
        population_given=True,
    )
