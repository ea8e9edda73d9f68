"""Run an audit configuration (or the bundled demo) and write the report."""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mohtasib.audit._config import load_config
from mohtasib.audit._privacy_section import run_privacy
from mohtasib.audit._sections import RUNNERS, Runner
from mohtasib.errors import ConfigError, MohtasibError
from mohtasib.io import sha256_file
from mohtasib.report import AuditReport, ReportSection, write_report

__all__ = ["AuditRun", "run_audit", "run_demo"]

_DEFAULT_TITLES = {
    "fairness": "Bias audit of decisions",
    "stops": "Stop-and-search audit",
    "biometrics": "Face recognition: error rates by group",
    "ledger": "Access ledger: recorded accesses in the audit period",
    "privacy": "Privacy: personal data, anonymity and differentially private counts",
    "forecast": "Crime forecasts: hit rates against a naive count of past crime",
    "attention": "Place-based attention: predictions by residents' group",
}
_DEFAULT_NOTE = "The data's provenance was not stated in the audit configuration."


@dataclass(frozen=True)
class AuditRun:
    """What an audit produced: the report object and the files written."""

    report: AuditReport
    html_path: Path
    json_path: Path
    report_sha256: str


def _display_base(config_path: Path) -> Path:
    """The configuration's folder, relative to the working directory when it can be.

    Input files are named in reports by the path they were read from; a relative path keeps
    the auditor's own folder layout (user names, mount points) out of a published report.
    """
    folder = config_path.resolve().parent
    try:
        return Path(os.path.relpath(folder))
    except ValueError:  # another drive on Windows: no relative path exists
        return folder


def run_audit(
    config_path: str | Path,
    *,
    out_dir: str | Path,
    engine: str | None = None,
    config_name: str | None = None,
) -> AuditRun:
    """Run every section of an audit configuration and write the report.

    Data paths in the configuration are relative to the configuration file;
    each section's runner resolves its own (``data``, or ``comparisons``,
    ``subjects``, ``samples`` and ``policy``). A privacy release with
    ``budget_per_run`` writes its fresh budget ledger to
    ``out_dir/privacy-budget.json``, replacing an earlier run's.
    ``engine`` overrides the configuration's ``engine`` key. ``config_name``
    is how the report names the configuration (default: the path as given).
    """
    config = load_config(config_path)
    base = _display_base(Path(config_path))
    engine = engine or config.get("engine")
    sections = []
    runners: dict[str, Runner] = {
        **RUNNERS,
        # The privacy section may write a per-run budget file next to the report.
        "privacy": functools.partial(run_privacy, out_dir=Path(out_dir)),
    }
    for name, body in config["sections"].items():
        try:
            result = runners[name](body, base, engine)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"invalid value: {exc}", path=str(config_path), key=f"sections.{name}"
            ) from None
        except MohtasibError:
            raise
        sections.append(
            ReportSection(
                key=name,
                title=str(body.get("title", _DEFAULT_TITLES[name])),
                result=result,
                data_note=str(body.get("data_note", _DEFAULT_NOTE)),
            )
        )
    report = AuditReport(
        title=str(config.get("title", "mohtasib audit")),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        sections=tuple(sections),
        deployment=dict(config.get("deployment") or {}),
        config=config,
        config_source=config_name or str(config_path),
        config_sha256=sha256_file(config_path),
    )
    html_path, json_path = write_report(report, out_dir)
    return AuditRun(report, html_path, json_path, sha256_file(json_path))


def run_demo(*, out_dir: str | Path, engine: str | None = None) -> AuditRun:
    """Run the bundled demo audit (real public data shipped in the package)."""
    config = resources.files("mohtasib") / "data" / "demo" / "audit.yaml"
    with resources.as_file(config) as path:
        return run_audit(
            path,
            out_dir=out_dir,
            engine=engine,
            config_name="bundled demo (mohtasib/data/demo/audit.yaml)",
        )
