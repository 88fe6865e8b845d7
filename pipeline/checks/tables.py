"""Checks of the form tables (``Document.tables``): scores within weights, totals, group weights,
targets met for full marks, and a budget line's 执行率 and 得分 from its figures."""
from __future__ import annotations

from ..tables import Tables
from .context import FAILS, HOLDS, UNKNOWN, Check, cfg, fmt, short, status


def check_indicators(tables: Tables) -> list[Check]:
    """Scores within weights, totals and group weights, targets met, budget lines' rates and scores."""
    out = []
    for table in tables.forms:
        rows = table.indicators
        for r in rows:
            spans = [s for s in (r.score_span, r.weight_span) if s is not None]
            if r.weight is None or r.score is None:
                out.append(Check("score_within_weight", UNKNOWN,
                                 f"{short(r.indicator.text)}: score or weight missing", [r.indicator] + spans))
                continue
            out.append(Check("score_within_weight", HOLDS if r.score <= r.weight + 1e-9 else FAILS,
                             f"{short(r.indicator.text)}: score {fmt(r.score)} of weight {fmt(r.weight)}", spans))
        out.extend(_check_targets(rows))
        if table.total is not None:
            funds = [line for t in tables.forms if t.kind == "budget" and t.region == table.region
                     and t.start < table.start for line in t.budget_lines[:1]]
            for what, attr, cell, col in (("weights", "weight", table.total.weight, "分值"),
                                          ("scores", "score", table.total.score, "得分")):
                if cell is None or cell.value is None:
                    continue
                vals = [getattr(r, attr) for r in rows if getattr(r, attr) is not None]
                spans = [getattr(r, attr + "_span") for r in rows if getattr(r, attr + "_span") is not None]
                extra = ""
                for line in funds:  # 项目资金 row of the same form: its 分值/得分 count towards 总分
                    v = next((c for k, c in line.cells.items() if col in k and c.value is not None), None)
                    if v is not None:
                        vals.append(v.value)
                        spans.append(v.span)
                        extra = f" (with {line.item.text} {col} {v.span.text})"
                total = sum(vals)
                verdict = status(total - cell.value, 0.05 * len(vals) if any(v % 1 for v in vals) else 0)
                out.append(Check(f"{attr}_total", verdict, f"the rows' {what} add up to {fmt(total)}{extra}; "
                                 f"{table.total.label.text} row says {cell.span.text}", [cell.span] + spans))
        for label, points, idx in table.groups:
            if points is None or not idx:
                continue
            total = sum(rows[i].weight or 0 for i in idx)
            spans = [label] + [rows[i].weight_span for i in idx if rows[i].weight_span is not None]
            out.append(Check("group_weight", status(total - points, 0),
                             f"{short(label.text)}: weights add up to {fmt(total)} of {fmt(points)}分", spans))
        for line in table.budget_lines:
            out.extend(_check_budget_line(line))
    return out


def _check_targets(rows) -> list[Check]:
    """Full marks need the target met: an indicator that missed its target yet scored its whole weight fails."""
    out = []
    lower_is_better = cfg()["lower_is_better"]
    for r in rows:
        t, a = r.target, r.actual
        if t is None or a is None or t.value is None or a.value is None or t.unit != a.unit:
            continue
        cost = any(w in (r.level2.text if r.level2 else "") + r.indicator.text for w in lower_is_better)
        q = t.qualifier or ("lte" if cost else "gte")
        met = {"gte": a.value >= t.value, "gt": a.value > t.value, "lte": a.value <= t.value,
               "lt": a.value < t.value, "approx": abs(a.value - t.value) <= 0.05 * abs(t.value)}.get(q, True)
        full = r.weight is not None and r.score is not None and r.score >= r.weight
        verdict = "met" if met else ("missed, yet scored full marks" if full else "missed, and the score is reduced")
        out.append(Check("target_met", FAILS if not met and full else HOLDS,
                         f"{short(r.indicator.text)}: target {t.span.text}, actual {a.span.text}: {verdict}",
                         [a.span, t.span]))
    return out


def _check_budget_line(line) -> list[Check]:
    out = []
    cells = line.cells
    rate = next((v for k, v in cells.items() if "执行率" in k), None)
    done = next((v for k, v in cells.items() if "执行数" in k), None)
    plan = next((v for k in ("全年预算数", "预算数", "年初预算数") for kk, v in cells.items() if kk == k), None)
    if rate is not None and rate.value is not None:
        if done is not None and plan is not None and plan.value:
            got = done.value / plan.value * 100
            out.append(Check("rate", status(rate.value - got, 0.005 + 0.5 / plan.value * 100),
                             f"{line.item.text}: 执行数 {done.span.text} / 预算数 {plan.span.text} = "
                             f"{got:.2f}%, written {rate.span.text}", [rate.span, done.span, plan.span]))
        weight = next((v for k, v in cells.items() if "分值" in k), None)
        score = next((v for k, v in cells.items() if "得分" in k), None)
        if weight is not None and score is not None and weight.value is not None and score.value is not None:
            got = weight.value * min(rate.value, 100) / 100
            out.append(Check("score_from_rate", status(score.value - got, 0.05 + 1e-9),
                             f"{line.item.text}: 分值 {weight.span.text} × 执行率 "
                             f"{rate.span.text} = {got:.2f}, 得分 written {score.span.text}",
                             [score.span, weight.span, rate.span]))
    return out
