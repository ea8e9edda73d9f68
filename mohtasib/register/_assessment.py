"""The impact assessment: questionnaire answers to an impact level with obligations.

This is an ADAPTATION of the structure of Canada's Algorithmic Impact Assessment
(AIA) tool, which supports the Treasury Board of Canada Secretariat's Directive on
Automated Decision-Making (source: ``canada-ca/aia-eia-js``). It keeps the AIA's
scoring rules and changes the questions for police AI in Pakistan:

* raw-impact and mitigation questions carry per-choice scores (their weights);
  a radio question counts its chosen choice (at most one, so its highest), a
  checkbox question the sum of its chosen choices;
* when the mitigation score reaches ``mitigation_threshold`` (80 %) of its
  maximum, the raw score is reduced by ``mitigation_reduction`` (15 %);
* the level is I, II, III or IV as the (reduced) raw score is at most 25, 50,
  75 % of the maximum raw score, or above;
* hard overrides set a minimum level (live face recognition in public spaces:
  level IV);
* obligations grow with the level (notice; explanation and peer review; human
  final decision from level III; approval at level IV).

The questionnaire is data: ``questionnaire/aia-pk-1.0.yaml``. It is not the
Canadian questionnaire and its scores have not been validated by any authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mohtasib.errors import ConfigError, InputError

__all__ = [
    "DEFAULT_QUESTIONNAIRE",
    "LEVELS",
    "Assessment",
    "Question",
    "Questionnaire",
    "assess",
    "load_questionnaire",
]

#: The questionnaire :func:`assess` uses when none is given.
DEFAULT_QUESTIONNAIRE = "aia-pk-1.0"
#: Impact levels, lowest first.
LEVELS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Question:
    """One question (``section``: raw or mitigation; ``kind``: radio or checkbox)."""

    id: str
    section: str
    kind: str
    required: bool
    text: str
    choices: Mapping[str, float]

    @property
    def maximum(self) -> float:
        """Highest score: the top choice (radio) or all choices (checkbox)."""
        values = list(self.choices.values())
        return sum(values) if self.kind == "checkbox" else max(values)

    def score(self, answer: Any, *, source: str) -> float:
        """Score an answer; InputError naming the question for a wrong shape or unknown choice."""
        chosen = [answer] if self.kind == "radio" and isinstance(answer, str) else answer
        if not isinstance(chosen, list) or (self.kind == "radio" and len(chosen) != 1):
            want = "one choice" if self.kind == "radio" else "a list of choices"
            raise InputError(f"question {self.id!r}: got {answer!r}, want {want}", source=source)
        unknown = [c for c in chosen if c not in self.choices]
        if unknown:
            raise InputError(
                f"question {self.id!r}: unknown choice(s) {unknown!r}, "
                f"want one of {sorted(self.choices)}",
                source=source,
            )
        scores = [float(self.choices[c]) for c in set(chosen)]
        return max(scores) if self.kind == "radio" else sum(scores)


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire with its scoring rules, obligations and overrides."""

    id: str
    questions: tuple[Question, ...]
    mitigation_threshold: float
    mitigation_reduction: float
    level_bounds: tuple[float, float, float]
    obligations: Mapping[str, tuple[str, ...]]
    overrides: tuple[Mapping[str, str], ...]

    def maximum(self, section: str) -> float:
        """Maximum score of a section (``raw`` or ``mitigation``)."""
        return sum(q.maximum for q in self.questions if q.section == section)


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`assess`.

    ``raw_score`` is before, ``adjusted_score`` after the mitigation reduction;
    ``level`` includes any override in ``overrides_applied``.
    """

    questionnaire: str
    level: str
    raw_score: float
    raw_max: float
    mitigation_score: float
    mitigation_max: float
    mitigation_applied: bool
    adjusted_score: float
    obligations: tuple[str, ...]
    unanswered_required: tuple[str, ...]
    overrides_applied: tuple[str, ...]

    @property
    def kind(self) -> str:
        """The result kind, ``impact_assessment``."""
        return "impact_assessment"

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout."""
        return {
            "questionnaire": self.questionnaire,
            "level": self.level,
            "raw_score": self.raw_score,
            "raw_max": self.raw_max,
            "mitigation_score": self.mitigation_score,
            "mitigation_max": self.mitigation_max,
            "mitigation_applied": self.mitigation_applied,
            "adjusted_score": self.adjusted_score,
            "obligations": list(self.obligations),
            "unanswered_required": list(self.unanswered_required),
            "overrides_applied": list(self.overrides_applied),
        }


def _read_yaml(path: Path, error: type[InputError] | type[ConfigError]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        if error is ConfigError:
            raise ConfigError(f"cannot read the questionnaire: {exc}", path=str(path)) from exc
        raise InputError(f"cannot read the answers: {exc}", source=str(path)) from exc


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """Load a questionnaire file; the shipped :data:`DEFAULT_QUESTIONNAIRE` when None."""
    if path is None:
        ref = resources.files("mohtasib.register").joinpath(
            f"questionnaire/{DEFAULT_QUESTIONNAIRE}.yaml"
        )
        path = Path(str(ref))
    raw = _read_yaml(Path(path), ConfigError)
    try:
        questions = tuple(
            Question(
                q["id"],
                q["section"],
                q["kind"],
                bool(q.get("required", False)),
                str(q.get("text", "")),
                dict(q["choices"]),
            )
            for q in raw["questions"]
        )
        scoring = raw["scoring"]
        return Questionnaire(
            id=str(raw["id"]),
            questions=questions,
            mitigation_threshold=float(scoring["mitigation_threshold"]),
            mitigation_reduction=float(scoring["mitigation_reduction"]),
            level_bounds=tuple(float(b) for b in scoring["level_bounds"]),  # type: ignore[arg-type]
            obligations={k: tuple(v) for k, v in raw["obligations"].items()},
            overrides=tuple(raw.get("overrides", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"malformed questionnaire: {exc!r}", path=str(path)) from exc


def _answers(answers: str | Path | Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    if isinstance(answers, Mapping):
        return answers, "<answers>"
    doc = _read_yaml(Path(answers), InputError)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("answers"), Mapping):
        raise InputError("want a mapping with an 'answers' mapping", source=str(answers))
    return doc["answers"], str(answers)


def _level(share: float, bounds: tuple[float, ...]) -> str:
    for level, bound in zip(LEVELS, bounds, strict=False):
        if share <= bound:
            return level
    return LEVELS[-1]


def assess(
    answers: str | Path | Mapping[str, Any], *, questionnaire: str | Path | None = None
) -> Assessment:
    """Score questionnaire answers and return the impact level with its obligations.

    Parameters
    ----------
    answers
        A YAML file with an ``answers`` mapping, or the mapping itself:
        question id to a choice (radio) or a list of choices (checkbox).
    questionnaire
        A questionnaire file; the shipped ``aia-pk-1.0`` when None.

    Raises
    ------
    InputError
        An answer to an unknown question, or an invalid choice; the message names the question.
    """
    form = load_questionnaire(questionnaire)
    given, source = _answers(answers)
    by_id = {q.id: q for q in form.questions}
    unknown = sorted(set(given) - set(by_id))
    if unknown:
        raise InputError(f"answers to unknown question(s) {unknown}", source=source)
    scores = {qid: by_id[qid].score(a, source=source) for qid, a in given.items() if a is not None}
    raw = sum(v for k, v in scores.items() if by_id[k].section == "raw")
    mitigation = sum(v for k, v in scores.items() if by_id[k].section == "mitigation")
    raw_max, mitigation_max = form.maximum("raw"), form.maximum("mitigation")
    applied = mitigation_max > 0 and mitigation >= form.mitigation_threshold * mitigation_max
    adjusted = raw * (1 - form.mitigation_reduction) if applied else raw
    level = _level(adjusted / raw_max if raw_max else 0.0, form.level_bounds)
    overrides = []
    for rule in form.overrides:
        answer = given.get(rule["question"])
        if answer == rule["choice"] or (isinstance(answer, list) and rule["choice"] in answer):
            overrides.append(str(rule["reason"]))
            level = max(level, rule["level"], key=LEVELS.index)
    return Assessment(
        questionnaire=form.id,
        level=level,
        raw_score=raw,
        raw_max=raw_max,
        mitigation_score=mitigation,
        mitigation_max=mitigation_max,
        mitigation_applied=applied,
        adjusted_score=round(adjusted, 6),
        obligations=form.obligations[level],
        unanswered_required=tuple(
            q.id for q in form.questions if q.required and q.id not in scores
        ),
        overrides_applied=tuple(overrides),
    )
