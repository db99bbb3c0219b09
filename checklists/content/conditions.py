"""Conditions: which projects a question applies to, read from the project's profile."""

from __future__ import annotations

from typing import Any

# Project profile fields that a question's `applies_if` may read, with the values they take.
CHANNELS = ("sms", "ivr", "hotline", "smartphone_app", "web", "social_media", "in_person")
STAGES = ("planning", "pilot", "live")
PROFILE_FIELDS: dict[str, dict[str, Any]] = {
    "migrant_workers": {"kind": "bool", "operators": ("equals",)},
    "minorities_present": {"kind": "bool", "operators": ("equals",)},
    "channels": {"kind": "multi", "operators": ("includes",), "choices": CHANNELS},
    "stage": {"kind": "choice", "operators": ("equals", "in"), "choices": STAGES},
}


def evaluate_condition(condition: dict | None, profile: dict) -> bool:
    """Whether a question applies to a project with this profile (no condition: it always does)."""
    if not condition:
        return True
    value = profile.get(condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    if "includes" in condition:
        return condition["includes"] in (value or ())
    if "in" in condition:
        return value in condition["in"]
    raise ValueError(f"unknown condition {condition!r}")
