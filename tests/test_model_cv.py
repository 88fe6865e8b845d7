"""Cross-validation tables (pipeline/model/cv.py ``fold_table``): every fold with the rules on the
same documents, and the means of the folds."""
from __future__ import annotations

from pipeline.model.cv import fold_table


def result(fold: int, project: float, rules: float) -> dict:
    scores = {"PROJECT_P": project, "PROJECT_R": project, "PROJECT": project, "PROJECT_one_boundary": project,
              "MONEY": 1.0, "QUANTITY": 1.0}
    return {"fold": fold, "overrides": {"threads": 1}, "held": scores, "train_sample": {"PROJECT": 0.9},
            "held_rules_only": {**scores, "PROJECT": rules}}


def test_one_fold_has_its_rules_row():
    rows = fold_table([result(1, 0.4, 0.3)]).splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == ["| configs/train.yaml as is", "| rules-only pipeline"]
    assert "**0.400**" in rows[0] and "**0.300**" in rows[1]


def test_several_folds_end_with_their_means():
    rows = fold_table([result(2, 0.5, 0.2), result(1, 0.4, 0.3)]).splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [
        "| fold 1: configs/train.yaml as is", "| fold 1: rules-only pipeline",
        "| fold 2: configs/train.yaml as is", "| fold 2: rules-only pipeline",
        "| mean of 2 folds: configs/train.yaml as is", "| mean of 2 folds: rules-only pipeline"]
    assert "**0.450**" in rows[4] and "**0.250**" in rows[5]
