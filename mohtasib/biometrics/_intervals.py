"""Intervals and sample-size rules for single error rates.

Kept here rather than imported from :mod:`mohtasib.fairness` because domain
packages do not import each other (``tests/test_architecture.py``).

Sources
-------
* Clopper & Pearson (1934), "The use of confidence or fiducial limits illustrated
  in the case of the binomial", Biometrika 26:404-413.
* Rule of three: Hanley & Lippman-Hand (1983), "If nothing goes wrong, is
  everything all right?", JAMA 249:1743-1745; Jovanovic & Levy (1997), The
  American Statistician 51:137-139. With zero errors in ``n`` independent
  trials, ``3 / n`` is an approximate 95 % upper bound of the error rate.
* Doddington's rule of 30: Doddington, Przybocki, Martin & Reynolds (2000),
  "The NIST speaker recognition evaluation", Speech Communication 31:225-254;
  Mansfield & Wayman (2002), "Best practices in testing and reporting
  performance of biometric devices", NPL report CMSC 14/02, section 5.3. To be
  90 % confident that the true rate lies within +/-30 % of the observed rate,
  at least 30 errors must be observed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mohtasib._binomial import clopper_pearson_interval

__all__ = ["RULE_OF_30", "clopper_pearson_interval", "rule_of_three"]

Float = NDArray[np.float64]

#: Errors needed (Doddington's rule of 30) before a rate is read as precise to +/-30 %.
RULE_OF_30 = 30


def rule_of_three(n: ArrayLike) -> Float:
    """Approximate 95 % upper bound ``3 / n`` of a rate with zero observed errors.

    NaN where ``n == 0`` (Hanley & Lippman-Hand 1983).
    """
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_arr > 0, np.minimum(3.0 / n_arr, 1.0), np.nan)
