"""mohtasib: independent oversight of AI used by police.

The package is organised by pillar (see ``docs/explanation/architecture.md``):
``mohtasib.fairness`` (bias audits of risk scores and stops), ``mohtasib.io``
(validated readers), ``mohtasib.engine`` (Ibis over DuckDB or Spark),
``mohtasib.report`` (HTML and JSON reports) and ``mohtasib.audit`` (the main job).
"""

from __future__ import annotations

__all__ = ["__version__"]

#: The mohtasib version, written into every report.json (``mohtasib_version``).
__version__ = "0.1.0"
