"""Scoring: how an assessment's answers become scores, gaps and a readiness verdict.

Pure functions over plain data: the rules are a checklist version's `scoring` mapping (see
docs/checklist-format.md), the questions are `QuestionInput`s and the ratings a mapping of question
key to rating. Nothing here reads the database or a request. docs/scoring.md has a worked example.

- A question scores `weight * points` of its rating; the weight is `weights.critical` for a
  critical question and `weights.standard` otherwise. An unanswered question scores 0 points but
  still counts; a question that is not applicable counts nowhere (neither earned nor possible).
- A group (overall, section, principle, flag) scores `earned / possible` as a percentage, where
  `possible` is `weight * best points` over its applicable questions. A question counts fully in
  each of its principles and flags.
- A question is met at `met_rating` or better. An unmet critical question with a gate flag is a
  blocking gap.
- The verdict is the first level (best first) whose conditions all hold: overall score at least
  `min_score`, answered share at least `min_answered`, and at most `max_unmet_critical` unmet
  critical questions when the level sets it. With nothing applicable there is no score and no
  answered share: such a level condition holds only if its minimum is 0. If no level holds (only
  possible with a `max_unmet_critical` on the last level) the verdict is the last level.
- Any blocking gap caps the verdict at `gates.verdict_cap`: the verdict is the worse (later) of
  the two, whatever the score.

Comparisons with thresholds use exact fractions, so float noise (79.99999...) cannot flip a
verdict. A float in the rules is read as the decimal it is written as (0.1 is 1/10).
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

NOT_APPLICABLE = "not_applicable"

BLOCKING_GAP = "blocking_gap"
SCORE_BELOW = "score_below"
ANSWERED_BELOW = "answered_below"
UNMET_CRITICAL = "unmet_critical"
MET = "met"


def _exact(value: Any) -> Fraction:
    """A number from the rules as an exact fraction; a float is taken as the decimal it shows."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(repr(value))
    return Fraction(value)


@dataclass(frozen=True)
class QuestionInput:
    key: str
    section: str
    principles: tuple[str, ...]
    flags: tuple[str, ...]
    critical: bool


@dataclass(frozen=True)
class Score:
    """The score of a group of questions. `percent` is None when nothing in it is applicable."""

    earned: float
    possible: float
    answered: int
    applicable: int
    total: int
    # The exact sums behind `earned` and `possible`; filled from them when not given.
    earned_exact: Fraction | None = field(default=None, repr=False, compare=False)
    possible_exact: Fraction | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.earned_exact is None:
            object.__setattr__(self, "earned_exact", _exact(self.earned))
        if self.possible_exact is None:
            object.__setattr__(self, "possible_exact", _exact(self.possible))

    @cached_property  # read for the verdict, the reasons and every chart's bar
    def exact_percent(self) -> Fraction | None:
        if not self.possible_exact or self.earned_exact is None:
            return None
        return 100 * self.earned_exact / self.possible_exact

    @property
    def percent(self) -> float | None:
        exact = self.exact_percent
        return None if exact is None else float(exact)

    @property
    def exact_answered_percent(self) -> Fraction | None:
        return Fraction(100 * self.answered, self.applicable) if self.applicable else None

    @property
    def answered_percent(self) -> float | None:
        exact = self.exact_answered_percent
        return None if exact is None else float(exact)


@dataclass(frozen=True)
class Gap:
    """An applicable flagged question below `met_rating` (or unanswered)."""

    key: str
    section: str
    flags: tuple[str, ...]
    critical: bool
    rating: str | None
    blocking: bool


@dataclass(frozen=True)
class Reason:
    """One reason for a verdict; `level` is the level not reached (or the verdict, for "met")."""

    kind: str
    level: str
    questions: tuple[str, ...] = ()
    flag: str | None = None
    needed: float | None = None
    actual: float | None = None
    rating: str | None = None  # blocking_gap: the question's rating, None if unanswered


@dataclass(frozen=True)
class Result:
    overall: Score
    sections: dict[str, Score]
    principles: dict[str, Score]
    flags: dict[str, Score]
    unmet_critical: tuple[str, ...]
    blocking_gaps: tuple[Gap, ...]
    gaps: tuple[Gap, ...]
    verdict: str
    uncapped_verdict: str
    reasons: tuple[Reason, ...]


@dataclass
class _Tally:
    # Sums in whole units of 1/denominator: exact, and much faster to add than Fractions.
    earned: int = 0
    possible: int = 0
    answered: int = 0
    applicable: int = 0
    total: int = 0

    def score(self, denominator: int) -> Score:
        earned, possible = Fraction(self.earned, denominator), Fraction(self.possible, denominator)
        return Score(
            earned=float(earned),
            possible=float(possible),
            answered=self.answered,
            applicable=self.applicable,
            total=self.total,
            earned_exact=earned,
            possible_exact=possible,
        )


def _natural_key(key: str) -> tuple:
    """Sort P2 before P10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))


def _reaches(percent: Fraction | None, minimum: Fraction) -> bool:
    """With nothing applicable there is no percentage: only a minimum of 0 is reached."""
    return minimum == 0 if percent is None else percent >= minimum


def _level_failures(
    level: Mapping[str, Any], overall: Score, unanswered: tuple[str, ...], unmet: tuple[str, ...]
) -> list[Reason]:
    """The conditions of `level` that do not hold, as reasons (empty: the level is reached)."""
    failures = []
    min_score = _exact(level["min_score"])
    if not _reaches(overall.exact_percent, min_score):
        failures.append(
            Reason(SCORE_BELOW, level["key"], needed=float(min_score), actual=overall.percent)
        )
    min_answered = _exact(level["min_answered"])
    if not _reaches(overall.exact_answered_percent, min_answered):
        failures.append(
            Reason(
                ANSWERED_BELOW,
                level["key"],
                questions=unanswered,
                needed=float(min_answered),
                actual=overall.answered_percent,
            )
        )
    allowed = level.get("max_unmet_critical")
    if allowed is not None and len(unmet) > allowed:
        failures.append(
            Reason(
                UNMET_CRITICAL,
                level["key"],
                questions=unmet,
                needed=float(allowed),
                actual=float(len(unmet)),
            )
        )
    return failures


def answer_counts(rating: str | None) -> tuple[int, int]:
    """Whether a question with this rating counts as (applicable, answered): 1 or 0 each.

    The one definition of "answered" that scores, verdicts, progress lines, dashboards and
    reports all use. A question marked not applicable (by its justification or by the project's
    profile) counts in neither; an unanswered one is applicable and not answered.
    """
    if rating == NOT_APPLICABLE:
        return 0, 0
    return 1, int(bool(rating))


def met_ratings(rules: Mapping[str, Any]) -> frozenset[str]:
    """The ratings at which a question is met: `met_rating` and those above it in the scale."""
    keys = [rating["key"] for rating in rules["scale"]]
    if rules["met_rating"] not in keys:
        raise ValueError(f"met_rating {rules['met_rating']!r} is not a rating of the scale")
    return frozenset(keys[keys.index(rules["met_rating"]) :])


def score_assessment(
    rules: Mapping[str, Any],
    questions: Sequence[QuestionInput],
    ratings: Mapping[str, str | None],
) -> Result:
    """Judge one assessment by a checklist version's rules.

    `ratings[key]` is a key of the rules' scale, NOT_APPLICABLE, or None / "" / missing for an
    unanswered question. Ratings of keys that are not among `questions` are ignored. Raise
    ValueError for a rating that is not in the scale, or rules that contradict themselves.
    """
    scale = rules["scale"]
    points = {rating["key"]: _exact(rating["points"]) for rating in scale}
    if NOT_APPLICABLE in points:
        raise ValueError(f"the scale must not use the key {NOT_APPLICABLE!r}")
    best = max(points.values())
    met = met_ratings(rules)
    weights = {
        True: _exact(rules["weights"]["critical"]),
        False: _exact(rules["weights"]["standard"]),
    }
    gate_flags = tuple(rules["gates"]["flags"])
    levels = rules["levels"]
    level_keys = [level["key"] for level in levels]
    if not level_keys:
        raise ValueError("the rules have no levels")
    if rules["gates"]["verdict_cap"] not in level_keys:
        raise ValueError(f"verdict_cap {rules['gates']['verdict_cap']!r} is not a level")
    cap_index = level_keys.index(rules["gates"]["verdict_cap"])

    # What a question adds to `earned` (by weight and rating) and `possible` (by weight), in units.
    denominator = math.lcm(
        *((weight * value).denominator for weight in weights.values() for value in points.values())
    )
    earned_units = {
        (critical, key): int(weight * value * denominator)
        for critical, weight in weights.items()
        for key, value in points.items()
    }
    possible_units = {
        critical: int(weight * best * denominator) for critical, weight in weights.items()
    }

    overall = _Tally()
    # A group's tally is made when its first question comes, not for every question of it.
    sections: defaultdict[str, _Tally] = defaultdict(_Tally)
    principles: defaultdict[str, _Tally] = defaultdict(_Tally)
    flags: defaultdict[str, _Tally] = defaultdict(_Tally, {flag: _Tally() for flag in gate_flags})
    unanswered: list[str] = []
    unmet_critical: list[str] = []
    gaps: list[Gap] = []
    seen: set[str] = set()

    for question in questions:
        if question.key in seen:
            raise ValueError(f"question {question.key} appears twice")
        seen.add(question.key)
        rating = ratings.get(question.key) or None
        if rating is not None and rating != NOT_APPLICABLE and rating not in points:
            raise ValueError(f"unknown rating {rating!r} for question {question.key}")

        # dict.fromkeys: a principle or flag listed twice still counts once.
        groups = [
            overall,
            sections[question.section],
            *(principles[key] for key in dict.fromkeys(question.principles)),
            *(flags[key] for key in dict.fromkeys(question.flags)),
        ]
        for group in groups:
            group.total += 1
        applicable, answered = answer_counts(rating)
        if not applicable:
            continue

        earned = earned_units[question.critical, rating] if rating is not None else 0
        possible = possible_units[question.critical]
        for group in groups:
            group.applicable += 1
            group.answered += answered
            group.earned += earned
            group.possible += possible

        if rating is None:
            unanswered.append(question.key)
        if rating not in met:
            if question.critical:
                unmet_critical.append(question.key)
            if question.flags:
                blocking = question.critical and any(f in gate_flags for f in question.flags)
                gaps.append(
                    Gap(
                        key=question.key,
                        section=question.section,
                        flags=tuple(question.flags),
                        critical=question.critical,
                        rating=rating,
                        blocking=blocking,
                    )
                )

    overall_score = overall.score(denominator)
    unmet = tuple(unmet_critical)
    failures = [_level_failures(level, overall_score, tuple(unanswered), unmet) for level in levels]
    uncapped_index = next(
        (index for index, failed in enumerate(failures) if not failed), len(levels) - 1
    )
    blocking_gaps = tuple(gap for gap in gaps if gap.blocking)
    verdict_index = max(uncapped_index, cap_index) if blocking_gaps else uncapped_index

    reasons: list[Reason] = []
    if verdict_index == 0:
        reasons.append(Reason(MET, level_keys[0]))
    else:
        if cap_index > 0:
            # The gate keeps the verdict below the level just better than the cap.
            for gap in blocking_gaps:
                flag = next(f for f in gap.flags if f in gate_flags)
                reasons.append(
                    Reason(
                        BLOCKING_GAP,
                        level_keys[cap_index - 1],
                        questions=(gap.key,),
                        flag=flag,
                        rating=gap.rating,
                    )
                )
        for failed in failures[:verdict_index]:
            reasons.extend(failed)

    return Result(
        overall=overall_score,
        sections={key: tally.score(denominator) for key, tally in sections.items()},
        principles={
            key: principles[key].score(denominator) for key in sorted(principles, key=_natural_key)
        },
        flags={key: tally.score(denominator) for key, tally in flags.items()},
        unmet_critical=unmet,
        blocking_gaps=blocking_gaps,
        gaps=blocking_gaps + tuple(gap for gap in gaps if not gap.blocking),
        verdict=level_keys[verdict_index],
        uncapped_verdict=level_keys[uncapped_index],
        reasons=tuple(reasons),
    )


# --- Reasons in words ------------------------------------------------------------------


def _number(value: float) -> str:
    if value == int(value):
        return formats.number_format(int(value))
    return formats.number_format(round(value, 2))


def _shown_below(actual: float, needed: float) -> str:
    """`actual` as a whole percentage, unless rounding would make it look like it reaches `needed`."""
    if round(actual) < needed:
        return formats.number_format(round(actual))
    return formats.number_format(math.floor(actual * 10) / 10, decimal_pos=1)


def reason_text(
    reason: Reason,
    rules: Mapping[str, Any],
    question_texts: Mapping[str, str] | None = None,
    *,
    flag_labels: Mapping[str, str] | None = None,
) -> str:
    """One reason as a sentence, with the labels of the rules (flag keys unless labels are given)."""
    level = {lv["key"]: lv["label"] for lv in rules["levels"]}[reason.level]
    ratings = {rating["key"]: rating["label"] for rating in rules["scale"]}
    met = ratings[rules["met_rating"]]
    count = len(reason.questions)
    questions = ", ".join(reason.questions)

    if reason.kind == MET:
        return _("All the conditions for %(level)s are met.") % {"level": level}

    if reason.kind == BLOCKING_GAP:
        key = reason.questions[0]
        text = (question_texts or {}).get(key)
        params = {
            "flag": (flag_labels or {}).get(reason.flag or "", reason.flag),
            "question": _("%(key)s (“%(text)s”)") % {"key": key, "text": text} if text else key,
            "met": met,
        }
        if reason.rating is None:
            return (
                _(
                    "Blocking gap in %(flag)s: question %(question)s is not answered yet; "
                    "critical %(flag)s questions must be %(met)s before deployment."
                )
                % params
            )
        return _(
            "Blocking gap in %(flag)s: question %(question)s is rated %(rating)s; "
            "critical %(flag)s questions must be %(met)s before deployment."
        ) % {**params, "rating": ratings[reason.rating]}

    needed = reason.needed or 0.0
    if reason.kind == SCORE_BELOW:
        if reason.actual is None:
            return _(
                "No question applies, so there is no overall score; "
                "%(level)s needs at least %(needed)s%%."
            ) % {"level": level, "needed": _number(needed)}
        return _("The overall score is %(actual)s%%; %(level)s needs at least %(needed)s%%.") % {
            "actual": _shown_below(reason.actual, needed),
            "level": level,
            "needed": _number(needed),
        }

    if reason.kind == ANSWERED_BELOW:
        if reason.actual is None:
            return _(
                "No question applies, so none is answered; "
                "%(level)s needs at least %(needed)s%% answered."
            ) % {"level": level, "needed": _number(needed)}
        params = {
            "actual": _shown_below(reason.actual, needed),
            "count": count,
            "level": level,
            "needed": _number(needed),
        }
        if needed >= 100:
            return (
                ngettext(
                    "%(actual)s%% of the applicable questions are answered (%(count)d is not); "
                    "%(level)s needs every one answered.",
                    "%(actual)s%% of the applicable questions are answered (%(count)d are not); "
                    "%(level)s needs every one answered.",
                    count,
                )
                % params
            )
        return (
            ngettext(
                "%(actual)s%% of the applicable questions are answered (%(count)d is not); "
                "%(level)s needs at least %(needed)s%%.",
                "%(actual)s%% of the applicable questions are answered (%(count)d are not); "
                "%(level)s needs at least %(needed)s%%.",
                count,
            )
            % params
        )

    if reason.kind == UNMET_CRITICAL:
        params = {
            "count": count,
            "met": met,
            "questions": questions,
            "level": level,
            "allowed": int(needed),
        }
        if needed == 0:
            return (
                ngettext(
                    "%(count)d critical question is not yet %(met)s (%(questions)s); "
                    "%(level)s allows none.",
                    "%(count)d critical questions are not yet %(met)s (%(questions)s); "
                    "%(level)s allows none.",
                    count,
                )
                % params
            )
        return (
            ngettext(
                "%(count)d critical question is not yet %(met)s (%(questions)s); "
                "%(level)s allows at most %(allowed)d.",
                "%(count)d critical questions are not yet %(met)s (%(questions)s); "
                "%(level)s allows at most %(allowed)d.",
                count,
            )
            % params
        )

    raise ValueError(f"unknown reason kind {reason.kind!r}")


# --- What would move the verdict up ----------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One answer to improve: question `key` from `rating` (None: unanswered) to `to` or better.
    `blocking`: the question is a blocking gap, which must be cleared before any score helps."""

    key: str
    rating: str | None
    to: str
    blocking: bool


@dataclass(frozen=True)
class Improvement:
    """The fewest answers to improve for the verdict to reach `level` (the next better one).
    `reaches`: the verdict once every step is taken, which can be better than `level` (clearing
    the last blocking gap of an otherwise strong assessment lifts it past the next level)."""

    level: str
    steps: tuple[Step, ...]
    reaches: str


def next_level_steps(
    rules: Mapping[str, Any],
    questions: Sequence[QuestionInput],
    ratings: Mapping[str, str | None],
    result: Result | None = None,
) -> Improvement | None:
    """The fewest answers to improve so that the verdict reaches the next better level.

    `result`: score_assessment(rules, questions, ratings), when the caller has it already.

    None when the verdict is already the best level, or when no set of improved answers reaches
    the next level (nothing applicable). Only applicable questions below the best rating can
    improve; a not applicable question stays so. Blocking gaps come first: while one is left the
    verdict stays at the cap, so each is in the plan when the level aimed at is better than the
    cap. Then the fewest other questions that together make the level's conditions hold (score,
    answered share, unmet critical questions). Each step names the lowest rating that still
    reaches the level with the other steps taken; ties go to the checklist's order.

    Any level at least as good as the next one will do: levels need not be nested (a better
    level may allow more unmet critical questions than a worse one), so each is tried and the
    shortest list wins, the nearest level on a tie.
    """
    result = result or score_assessment(rules, questions, ratings)
    level_keys = [level["key"] for level in rules["levels"]]
    current = level_keys.index(result.verdict)
    if current == 0:
        return None
    target = current - 1
    if not result.overall.possible_exact:
        return None  # nothing applicable: no answer can change the verdict
    tally = _Planner(rules, questions, ratings, result)
    plans = [plan for index in range(target, -1, -1) if (plan := tally.plan_for(index))]
    if not plans:
        return None
    plan = min(plans, key=len)  # min() keeps the first of equals: the nearest level

    # The scorer has the last word. The tally mirrors its conditions; should the two ever part
    # (a rule this function does not know of), ask for the best rating rather than promise a
    # verdict the scorer would not give, and say nothing rather than something untrue.
    for candidate in (plan, dict.fromkeys(plan, tally.best)):
        verdict = score_assessment(rules, questions, {**ratings, **candidate}).verdict
        if level_keys.index(verdict) <= target:
            break
    else:
        logger.error("next_level_steps: no plan reaches %s; listing none", level_keys[target])
        return None
    blocking = {gap.key for gap in result.blocking_gaps}
    steps = [
        Step(key=key, rating=ratings.get(key) or None, to=to, blocking=key in blocking)
        for key, to in candidate.items()
    ]
    steps.sort(key=lambda step: (not step.blocking, tally.order[step.key]))
    return Improvement(level=level_keys[target], steps=tuple(steps), reaches=verdict)


class _Planner:
    """next_level_steps' arithmetic: the overall tally of an assessment, and the fewest answers
    that make one level's conditions hold, worked out on it rather than by rescoring each try.

    Points are counted in whole units of a common denominator, as score_assessment counts them:
    exact, and the search adds integers thousands of times on a barely answered assessment.
    """

    # Kinds of question that could improve, by what raising one to the best rating brings:
    # (answers an unanswered question, clears an unmet critical question).
    KINDS = ((True, True), (True, False), (False, True), (False, False))

    def __init__(self, rules, questions, ratings, result: Result):
        self.rules, self.questions, self.ratings, self.result = rules, questions, ratings, result
        self.scale = [rating["key"] for rating in rules["scale"]]
        points = {rating["key"]: _exact(rating["points"]) for rating in rules["scale"]}
        best_points = max(points.values())
        self.best = next(key for key in reversed(self.scale) if points[key] == best_points)
        self.met = met_ratings(rules)
        weights = {
            True: _exact(rules["weights"]["critical"]),
            False: _exact(rules["weights"]["standard"]),
        }
        # What raising a question from a rating (None: unanswered) to the best one wins, in units.
        lost = {
            (critical, rating): weight * (best_points - (points[rating] if rating else 0))
            for critical, weight in weights.items()
            for rating in [None, *self.scale]
        }
        # A unit that counts both the gains and what questions have earned in whole numbers.
        earned = [weight * value for weight in weights.values() for value in points.values()]
        self.unit = math.lcm(*(value.denominator for value in [*lost.values(), *earned]))
        self.gains = {key: int(value * self.unit) for key, value in lost.items()}
        self.cap_index = [level["key"] for level in rules["levels"]].index(
            rules["gates"]["verdict_cap"]
        )
        self.order = {question.key: index for index, question in enumerate(questions)}
        self.by_key = {question.key: question for question in questions}
        self.blocking = sorted((gap.key for gap in result.blocking_gaps), key=self.order.get)

    def rating(self, key: str) -> str | None:
        return self.ratings.get(key) or None

    def plan_for(self, index: int) -> dict[str, str] | None:
        """The fewest answers to improve, each with the rating to reach, for the conditions of
        level `index` to hold; None when no answers can make them hold."""
        level = self.rules["levels"][index]
        mandatory = self.blocking if index < self.cap_index else []
        gains = self.gains
        pools: dict[tuple[bool, bool], list[tuple[int, int, str]]] = defaultdict(list)
        for question in self.questions:
            rating = self.rating(question.key)
            if rating == NOT_APPLICABLE or question.key in mandatory:
                continue
            gain = gains[question.critical, rating]
            if not gain:
                continue  # at the best rating already
            kind = (rating is None, question.critical and rating not in self.met)
            pools[kind].append((-gain, self.order[question.key], question.key))
        ordered = [sorted(pools.get(kind, [])) for kind in self.KINDS]

        # Where the mandatory steps leave the overall tally, and what the level asks of it.
        overall = self.result.overall
        earned = (overall.earned_exact or Fraction(0)) * self.unit  # whole, by the unit's choice
        answered, unmet = overall.answered, len(self.result.unmet_critical)
        for key in mandatory:
            rating = self.rating(key)
            earned += gains[self.by_key[key].critical, rating]
            answered += rating is None
            unmet -= 1  # a blocking gap is an unmet critical question
        # Whole units and whole answers: at least the exact figure is at least its ceiling.
        needed_points = math.ceil(
            _exact(level["min_score"]) * overall.possible_exact * self.unit / 100 - earned
        )
        needed_answered = math.ceil(
            _exact(level["min_answered"]) * overall.applicable / 100 - answered
        )
        allowed = level.get("max_unmet_critical")
        needed_cleared = unmet - allowed if allowed is not None else 0
        prefix = [[0] for _kind in self.KINDS]
        for sums, pool in zip(prefix, ordered, strict=True):
            for member in pool:
                sums.append(sums[-1] - member[0])

        def holds(a: int, b: int, c: int, d: int) -> bool:
            gain = prefix[0][a] + prefix[1][b] + prefix[2][c] + prefix[3][d]
            return gain >= needed_points and a + b >= needed_answered and a + c >= needed_cleared

        # Within a kind the questions differ only by gain, so the best n of a kind are its
        # first n: try every mix of counts, fewest in all first. A checklist has some 60
        # questions, so this stays small (at most about (60/4)^4 mixes, far fewer in practice).
        sizes = [len(pool) for pool in ordered]
        counts = next(
            (
                (a, b, c, total - a - b - c)
                for total in range(sum(sizes) + 1)
                for a in range(min(total, sizes[0]) + 1)
                for b in range(min(total - a, sizes[1]) + 1)
                for c in range(min(total - a - b, sizes[2]) + 1)
                if total - a - b - c <= sizes[3] and holds(a, b, c, total - a - b - c)
            ),
            None,
        )
        if counts is None:
            return None
        chosen = [member[2] for pool, n in zip(ordered, counts, strict=True) for member in pool[:n]]
        plan = dict.fromkeys([*mandatory, *chosen], self.best)

        # Ask no more than needed: each step at the lowest better rating that still reaches the
        # level with the others, worked out on the tally (with the plan at the best rating, the
        # conditions hold with `spare` points and cleared critical questions to spare).
        spare_points = sum(prefix[i][n] for i, n in enumerate(counts)) - needed_points
        spare_cleared = counts[0] + counts[2] - needed_cleared
        for key in sorted(plan, key=self.order.__getitem__):
            question, rating = self.by_key[key], self.rating(key)
            start = self.scale.index(rating) + 1 if rating else 0
            for candidate in self.scale[start:]:
                lost = gains[question.critical, candidate]
                uncleared = (
                    question.critical and rating not in self.met and candidate not in self.met
                )
                if key in mandatory and candidate not in self.met:
                    continue  # a blocking gap must be met
                if lost <= spare_points and (not uncleared or spare_cleared >= 1):
                    plan[key] = candidate
                    spare_points -= lost
                    spare_cleared -= uncleared
                    break
        return plan
