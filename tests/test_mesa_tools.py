"""The model plays well with Mesa's own tools (issue 12): ``running``, ``run_model``, ``batch_run``.

Mesa's ``Model.run_model()`` steps while ``model.running`` is true, and ``mesa.batch_run``
builds the model from keyword arguments, steps it while it runs, and reads its DataCollector.
"""

from __future__ import annotations

import mesa
import pytest

from sim import EscalationModel, UserError, load_scenario


def test_running_turns_false_at_the_end_and_run_model_stops():
    model = EscalationModel("ring", rng=3, months=12)
    assert model.running
    model.run_model()
    assert not model.running
    assert model.month == model.steps == 12
    reference = EscalationModel("ring", rng=3, months=12).run()
    assert model.summary() == reference.summary()


def test_step_may_go_on_after_the_end():
    model = EscalationModel("ring", rng=3, months=2).run()
    assert not model.running
    model.step()
    assert model.month == 3 and not model.running


def test_keyword_overrides_are_scenario_keys():
    model = EscalationModel("ring", rng=1, decision__w_peer=0.9, months=5)
    assert model.config.decision.w_peer == 0.9 and model.config.months == 5
    with pytest.raises(UserError, match="--set"):
        EscalationModel("ring", decision__w_peer=-1.0)
    with pytest.raises(UserError):
        EscalationModel(load_scenario("ring"), decision__w_peer=0.9)


def test_batch_run_gives_one_row_per_run():
    rows = mesa.batch_run(
        EscalationModel,
        {"scenario": "ring", "decision__w_peer": [0.3, 0.9], "months": 12, "engine": "vectorized"},
        rng=[1, 2, 3],
        max_steps=100,
        display_progress=False,
        number_processes=1,
    )
    assert len(rows) == 6, "2 parameter values x 3 seeds"
    for row in rows:
        assert row["Step"] == 12, "batch_run stops when running turns false"
        assert {"ban_notice", "ban_withdrawn", "mean_threat", "total_arms", "wars"} <= set(row)
    # Each row is the run it says it is.
    for row in rows:
        model = EscalationModel(
            "ring", rng=row["rng"], decision__w_peer=row["decision__w_peer"], months=12
        ).run()
        assert row["ban_notice"] == model.timeseries()["ban_notice"].iloc[-1]
        assert row["mean_threat"] == model.timeseries()["mean_threat"].iloc[-1]
    weak = [r["ban_notice"] + r["ban_withdrawn"] for r in rows if r["decision__w_peer"] == 0.3]
    strong = [r["ban_notice"] + r["ban_withdrawn"] for r in rows if r["decision__w_peer"] == 0.9]
    assert sum(strong) >= sum(weak), "more peer weight, no fewer movers"
