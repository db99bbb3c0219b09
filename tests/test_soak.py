"""How scripts/soak judges what it read back against the saves the server acknowledged.

Plain data in, a verdict out: no server, no database.
"""

from scripts.lib.soak import Ack, Tally, judge

ANSWER = (7, "1.1")  # assessment 7, question 1.1


def _ack(revision: int, note: str, person: int = 0, how: str = "autosave") -> Ack:
    return Ack(ANSWER[0], ANSWER[1], revision, "planned", note, how, person)


def _stored(revision: int, note: str) -> dict:
    return {ANSWER: ("planned", note, revision)}


def test_the_last_acknowledged_save_stored_is_no_loss():
    acks = [_ack(1, "first", 0), _ack(2, "second", 1, "whole-form post"), _ack(3, "third", 0)]
    verdict = judge(Tally(acks=acks), _stored(3, "third"))
    assert verdict.lost == []
    assert verdict.unacknowledged == []
    assert verdict.answers == 1


def test_two_people_told_the_same_revision_for_different_values_is_a_lost_update():
    acks = [_ack(1, "Asha's", 0), _ack(1, "Ben's", 1)]
    verdict = judge(Tally(acks=acks), _stored(1, "Ben's"))
    assert len(verdict.lost) == 1
    assert "2 saves were each told revision 1" in verdict.lost[0]


def test_an_older_value_stored_after_a_newer_acknowledged_save_is_a_lost_update():
    acks = [_ack(1, "first"), _ack(2, "second", 1)]
    verdict = judge(Tally(acks=acks), _stored(1, "first"))
    assert len(verdict.lost) == 1
    assert "person 1 was told revision 2" in verdict.lost[0]


def test_the_same_revision_with_another_value_is_a_lost_update():
    verdict = judge(Tally(acks=[_ack(2, "mine")]), _stored(2, "someone else's"))
    assert len(verdict.lost) == 1


def test_a_stored_value_that_nobody_was_told_of_is_reported_apart():
    verdict = judge(Tally(acks=[_ack(1, "mine")]), _stored(2, "a save whose answer was lost"))
    assert verdict.lost == []
    assert len(verdict.unacknowledged) == 1


def test_an_answer_that_was_not_read_back_counts_as_lost():
    verdict = judge(Tally(acks=[_ack(1, "mine")]), {})
    assert verdict.lost == [f"assessment {ANSWER[0]}, question {ANSWER[1]}: not read back"]
