"""The 1:1 verification audit: comparisons + subjects in, :class:`BiometricAudit` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.biometrics._bootstrap import clustered_bootstrap, percentile_interval
from mohtasib.biometrics._comparisons import Comparisons, read_comparisons
from mohtasib.biometrics._estimates import error_rates, fta_counts, verification_counts
from mohtasib.biometrics._intervals import RULE_OF_30
from mohtasib.biometrics._policy import evaluate_policy, load_policy
from mohtasib.biometrics._rates import ScoreIndex, build_index, equal_error_rate, error_curve
from mohtasib.biometrics._result import (
    BiometricAudit,
    CrossGroupCell,
    DetCurve,
    DifferentialSummary,
    ErrorRate,
    GroupErrorRates,
    ThresholdAdvice,
    ThresholdRow,
)
from mohtasib.biometrics._subjects import Samples, SubjectTable, read_samples, read_subjects
from mohtasib.biometrics._summaries import (
    fairness_discrepancy_rate,
    fixed_group_replicates,
    garbe,
    gini,
    inequity_rate,
    max_min_ratio,
)
from mohtasib.biometrics._threshold import lowest_threshold_for_fmr
from mohtasib.errors import InputError

__all__ = ["audit_comparisons"]

Float = NDArray[np.float64]


def _opt(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def _summary(fmr: Float, fnmr: Float, alpha: float) -> dict[str, Float]:
    return {
        "fmr_max_min_ratio": max_min_ratio(fmr),
        "fnmr_max_min_ratio": max_min_ratio(fnmr),
        "inequity_rate": inequity_rate(fmr, fnmr, alpha=alpha),
        "garbe": garbe(fmr, fnmr, alpha=alpha),
        "fdr": fairness_discrepancy_rate(fmr, fnmr, alpha=alpha),
        "fmr_gini": gini(fmr),
        "fnmr_gini": gini(fnmr),
    }


def _summaries(
    fmr: list[ErrorRate],
    fnmr: list[ErrorRate],
    reps: tuple[Float, Float] | None,
    alpha: float,
    confidence: float,
    names: tuple[str, ...],
) -> DifferentialSummary:
    """Summaries with percentile intervals.

    GARBE and the Gini coefficients use every group: their replicates recompute
    the summary. The max/min ratios, the inequity rate and FDR select the worst
    and best groups: their replicates keep the full sample's pair fixed
    (:func:`~mohtasib.biometrics._summaries.fixed_group_replicates`).
    """

    def point(rates: list[ErrorRate]) -> Float:
        return np.array([np.nan if r.value is None else r.value for r in rates])

    fm, fn = point(fmr), point(fnmr)
    values = {k: _opt(float(v)) for k, v in _summary(fm, fn, alpha).items()}
    intervals: dict[str, tuple[float, float] | None] = dict.fromkeys(values)
    selections: dict[str, dict[str, Any]] = {}
    if reps is not None:
        replicates = _summary(reps[0], reps[1], alpha)
        fixed, chosen = fixed_group_replicates(fm, fn, reps[0], reps[1], alpha=alpha)
        replicates.update(fixed)
        for name, rep in replicates.items():
            lo, hi = percentile_interval(rep, confidence=confidence)
            if values[name] is not None and np.isfinite(lo):
                intervals[name] = (float(lo), float(hi))
        selections = {
            metric: {
                "worst_group": names[int(pick["worst"])],
                "best_group": names[int(pick["best"])],
                "selection_share": _opt(float(pick["selection_share"])),
            }
            for metric, pick in chosen.items()
        }
    n_boot = 0 if reps is None else len(reps[0])
    return DifferentialSummary(alpha, values, intervals, n_boot, selections)


def _cross(index: ScoreIndex, t: float, names: tuple[str, ...]) -> tuple[CrossGroupCell, ...]:
    k, n = index.false_matches([t])
    return tuple(
        CrossGroupCell(
            names[p],
            names[r],
            k[p, r, 0] / n[p, r] if n[p, r] else None,
            int(k[p, r, 0]),
            int(n[p, r]),
        )
        for p in range(len(names))
        for r in range(len(names))
    )


def _det(index: ScoreIndex, names: tuple[str, ...], native: float, points: int) -> list[DetCurve]:
    out = []
    for g, name in enumerate(names):
        gen, imp = index.genuine[g], index.impostor_cell(g, g)
        if not (gen.size and imp.size):
            out.append(DetCurve(name, (), (), (), None, None))
            continue
        t, fmr, fnmr = error_curve(gen, imp)
        out.append(det_curve(name, t, fmr, fnmr, native=native, points=points))
    return out


def det_curve(name: str, t: Any, fmr: Any, fnmr: Any, *, native: float, points: int) -> DetCurve:
    """A group's DET curve thinned to at most ``points`` thresholds, with its EER.

    ``t`` are thresholds in the internal (higher-is-similar) convention; ``native``
    (1 or -1) maps them back to the input's.
    """
    eer, at = equal_error_rate(fmr, fnmr)
    keep = np.unique(np.linspace(0, t.size - 1, min(points, t.size)).astype(int))
    return DetCurve(
        name,
        tuple(float(x) * native for x in t[keep]),
        tuple(map(float, fmr[keep])),
        tuple(map(float, fnmr[keep])),
        _opt(eer),
        None if at < 0 else float(t[at]) * native,
    )


def _advice(
    index: ScoreIndex, names: tuple[str, ...], t: float, target: float, native: float
) -> tuple[ThresholdAdvice, list[str]]:
    best, per_group = lowest_threshold_for_fmr(index, target)
    at = [t, best] if np.isfinite(best) else [t, t]
    kf, nf = index.group_false_matches(at)
    kn, nn = index.false_non_matches(at)
    rows, notes = [], []
    for g, name in enumerate(names):
        fm = [k / nf[g] if nf[g] else None for k in kf[g]]
        fn = [k / nn[g] if nn[g] else None for k in kn[g]]
        rows.append(
            ThresholdRow(
                name,
                fm[0],
                fm[1],
                fn[0],
                fn[1],
                _opt(per_group[g] * native),
                bool(np.isfinite(best) and per_group[g] == best),
            )
        )
        if 0 < nf[g] < 3 / target:
            notes.append(
                f"group {name!r}: {nf[g]} impostor comparisons cannot show FMR <= "
                f"{target:g} (rule of three needs {int(np.ceil(3 / target))})"
            )
    advice = ThresholdAdvice(target, t * native, _opt(best * native), tuple(rows))
    return advice, notes


def _load(
    comparisons: str | Path | Comparisons,
    subjects: str | Path | SubjectTable,
    samples: str | Path | Samples | None,
    group_by: Sequence[str],
    higher_is_similar: bool,
    symmetric: bool,
) -> tuple[Comparisons, SubjectTable, Samples | None]:
    comp = (
        comparisons
        if isinstance(comparisons, Comparisons)
        else read_comparisons(comparisons, higher_is_similar=higher_is_similar, symmetric=symmetric)
    )
    subj = (
        subjects
        if isinstance(subjects, SubjectTable)
        else read_subjects(subjects, group_by=group_by)
    )
    samp = samples if isinstance(samples, Samples) or samples is None else read_samples(samples)
    return comp, subj, samp


def _fta(
    samples: Samples | None,
    subjects: SubjectTable,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> list[ErrorRate]:
    g = len(subjects.group_names)
    if samples is None:
        return error_rates(
            np.zeros(g, np.int64), np.zeros(g, np.int64), None, confidence=confidence
        )[0]
    where = subjects.ids.get_indexer(pd.Index(samples.subject))
    if (where < 0).any():
        row = int(np.flatnonzero(where < 0)[0]) + 1
        raise InputError(
            "subject is not in the subjects table",
            source=samples.source,
            row=row,
            column="subject_id",
        )
    group = subjects.group[where].astype(np.int64)
    k = np.bincount(group, weights=samples.fta, minlength=g).astype(np.int64)
    n = np.bincount(group, minlength=g).astype(np.int64)
    reps = None
    if n_boot:
        counts = clustered_bootstrap(
            fta_counts(group, where.astype(np.int64), samples.fta, g), n_boot=n_boot, rng=rng
        )
        reps = (counts["fta"], counts["samples"])
    return error_rates(k, n, reps, confidence=confidence)[0]


def _group_flags(fmr: ErrorRate, fnmr: ErrorRate) -> tuple[str, ...]:
    """Flags of one group's row; glossary: ``docs/explanation/glossary.md``."""
    flags = []
    for name, rate in (("fmr", fmr), ("fnmr", fnmr)):
        if rate.trials == 0:
            flags.append(f"{name}_not_estimable")
        elif rate.errors == 0:
            flags.append(f"{name}_no_errors_rule_of_three")
        elif rate.errors < RULE_OF_30:
            flags.append(f"{name}_below_rule_of_30")
    return tuple(flags)


def _warnings(
    comp: Comparisons, subj: SubjectTable, rows: list[GroupErrorRates], index: ScoreIndex
) -> list[str]:
    out = [*comp.warnings, *subj.warnings]
    gen = np.concatenate(index.genuine)
    imp = index.score[index.cell < index.n_groups**2]
    if gen.size and imp.size and np.median(gen) < np.median(imp):
        out.append(
            "genuine comparisons score as less similar than impostor ones: check "
            "--higher-is-similar / --lower-is-similar"
        )
    return out + group_warnings(rows)


def check_safeguards(
    policy: str | Path | Mapping[str, Any] | None, rows: Sequence[GroupErrorRates]
) -> tuple[Any, ...]:
    """The deployment policy checked item by item, with the worst group's measured FMR."""
    if policy is None:
        return ()
    body = load_policy(policy) if isinstance(policy, str | Path) else dict(policy)
    rated = [r.fmr.value for r in rows if r.fmr.value is not None]
    return tuple(evaluate_policy(body, worst_group_fmr=max(rated) if rated else None))


def input_records(
    comparisons: dict[str, Any], subj: SubjectTable, samp: Samples | None
) -> list[dict[str, Any]]:
    """Provenance of the inputs: the comparisons (given), subjects and samples tables."""
    inputs = [
        comparisons,
        {"role": "subjects", "source": subj.source, "sha256": subj.sha256, "rows": len(subj.ids)},
    ]
    if samp is not None:
        inputs.append(
            {
                "role": "samples",
                "source": samp.source,
                "sha256": samp.sha256,
                "rows": int(samp.fta.size),
            }
        )
    return inputs


def group_warnings(rows: Sequence[GroupErrorRates]) -> list[str]:
    """Per-group warnings: FNMR not estimable, and rates under Doddington's rule of 30."""
    out = []
    for r in rows:
        if r.fnmr.trials == 0:
            out.append(f"group {r.group!r} has no genuine comparisons: FNMR not estimable")
        for name, rate in (("FMR", r.fmr), ("FNMR", r.fnmr)):
            if rate.trials and rate.errors < RULE_OF_30:
                out.append(
                    f"group {r.group!r}: {rate.errors} {name} errors observed; Doddington's "
                    f"rule of 30 wants >= {RULE_OF_30} for +/-30 % precision at 90 %"
                )
    return out


def audit_comparisons(
    comparisons: str | Path | Comparisons,
    subjects: str | Path | SubjectTable,
    *,
    group_by: Sequence[str],
    threshold: float,
    higher_is_similar: bool = True,
    symmetric: bool = False,
    fmr_target: float | None = None,
    samples: str | Path | Samples | None = None,
    policy: str | Path | Mapping[str, Any] | None = None,
    alpha: float = 0.5,
    confidence: float = 0.95,
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
    det_points: int = 200,
) -> BiometricAudit:
    """Audit 1:1 verification error rates by demographic group.

    Parameters
    ----------
    comparisons
        A comparisons file (CSV/Parquet, long layout) or :class:`Comparisons`
        (e.g. from :func:`read_score_matrix`).
    subjects
        A subjects file with ``subject_id`` and the ``group_by`` columns, or a
        :class:`SubjectTable`.
    group_by
        Attributes whose combinations form the groups.
    threshold
        Operating (vendor default) threshold, in the scores' own convention: a
        match is ``score >= threshold`` for similarities, ``score <= threshold`` for distances.
    higher_is_similar, symmetric
        Score convention and whether rows are unordered pairs (file inputs only).
    fmr_target
        If given, advise the lowest threshold at which every group's FMR is at or below it.
    samples
        Optional per-sample failure-to-acquire flags (``sample_id, subject_id, fta``).
    policy
        Optional safeguards policy (YAML path or mapping); see :mod:`~mohtasib.biometrics._policy`.
    alpha
        Weight of FMR against FNMR in the inequity rate, GARBE and FDR.
    confidence, n_bootstrap, random_state
        Interval level; subject-level bootstrap replicates (0 disables it) and seed.
    det_points
        Largest number of points kept per DET curve.

    Returns
    -------
    BiometricAudit
        FMR, FNMR, FTA and EER per group; the cross-group FMR matrix; summaries
        with intervals; threshold advice; safeguards; warnings.

    Notes
    -----
    FMR of a group counts impostor comparisons with *both* subjects in the group
    (NIST IR 8280). A group without genuine comparisons has FNMR None ("not
    estimable"), never 0. Methods and citations: ``docs/explanation/methods.md``.
    """
    comp, subj, samp = _load(comparisons, subjects, samples, group_by, higher_is_similar, symmetric)
    native = 1.0 if comp.higher_is_similar else -1.0
    t = threshold * native
    names, n_groups = subj.group_names, len(subj.group_names)
    sgroup = subj.groups_of(comp)
    pg, rg = sgroup[comp.probe_subject], sgroup[comp.reference_subject]
    index = build_index(
        pg, rg, comp.score, comp.genuine, n_groups=n_groups, symmetric=comp.symmetric
    )
    rng = np.random.default_rng(random_state)
    kf, nf = index.group_false_matches([t])
    kn, nn = index.false_non_matches([t])
    reps_fm = reps_fn = None
    if n_bootstrap:
        counts = verification_counts(
            sgroup,
            comp.probe_subject,
            comp.reference_subject,
            comp.score >= t,
            comp.genuine,
            n_groups,
        )
        boot = clustered_bootstrap(counts, n_boot=n_bootstrap, rng=rng)
        reps_fm, reps_fn = (boot["fm"], boot["imp"]), (boot["fnm"], boot["gen"])
    fmr, fmr_reps = error_rates(kf[:, 0], nf, reps_fm, confidence=confidence)
    fnmr, fnmr_reps = error_rates(kn[:, 0], nn, reps_fn, confidence=confidence)
    fta = _fta(samp, subj, n_bootstrap, rng, confidence)
    curves = _det(index, names, native, det_points)
    in_comparisons = np.bincount(sgroup, minlength=n_groups)
    rows = [
        GroupErrorRates(
            names[g],
            int(in_comparisons[g]),
            fmr[g],
            fnmr[g],
            fta[g],
            curves[g].eer,
            _group_flags(fmr[g], fnmr[g]),
        )
        for g in range(n_groups)
    ]
    reps = (fmr_reps, fnmr_reps) if n_bootstrap else None
    summary = _summaries(fmr, fnmr, reps, alpha, confidence, names)
    warnings = _warnings(comp, subj, rows, index)
    advice = None
    if fmr_target is not None:
        advice, notes = _advice(index, names, t, fmr_target, native)
        warnings.extend(notes)
    safeguards = check_safeguards(policy, rows)
    inputs = input_records(
        {"role": "comparisons", "source": comp.source, "sha256": comp.sha256, "rows": comp.n},
        subj,
        samp,
    )
    parameters = {
        "alpha": alpha,
        "confidence": confidence,
        "n_bootstrap": n_bootstrap,
        "random_state": random_state,
        "fmr_target": fmr_target,
        "symmetric": comp.symmetric,
        "match_rule": "score >= threshold" if comp.higher_is_similar else "score <= threshold",
    }
    return BiometricAudit(
        threshold=threshold,
        higher_is_similar=comp.higher_is_similar,
        group_by=subj.group_by,
        groups=tuple(rows),
        cross_group_fmr=_cross(index, t, names),
        summary=summary,
        threshold_advice=advice,
        det_curves=tuple(curves),
        safeguards=safeguards,
        inputs=tuple(inputs),
        parameters=parameters,
        warnings=tuple(warnings),
    )
