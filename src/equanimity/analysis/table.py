"""The tidy tables every analysis starts from: one row per judged turn, one per conversation.

Run directories are read only through :mod:`equanimity.records`, so any stage that writes
those records (rollouts, a judge, a test factory) can be analysed the same way. The turn table
is *long over judges*: with two judges each turn appears twice, once per judge. A turn a judge
could not score keeps its row with ``status`` ``"missing"`` (or ``"unjudged"`` when the judge
has no line for it at all) and NaN scores, so it is counted but never averaged as 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from equanimity.records import AXES, Conversation, Judgment, RunDir, TurnRecord

RunLike = str | Path | RunDir

#: Columns that identify a turn's experimental cell; the condition's own fields are added too.
GROUP_CANDIDATES: tuple[str, ...] = ("model", "adapter", "condition_id")

#: The score columns of the turn table, in order.
SCORES: tuple[str, ...] = ("frustration", *AXES)

_TURN_COLUMNS: tuple[str, ...] = (
    "run",
    "model",
    "adapter",
    "condition_id",
    "conversation_id",
    "turn_id",
    "prompt_id",
    "sample",
    "turn",
    "planned_turns",
    "user",
    "text",
    "next_user",
    "self_deleted",
    "judge",
    "rubric_version",
    "status",
    *SCORES,
    "evidence",
    "reasoning",
)


def load_turns(runs: Sequence[RunLike] | RunLike, judge: str | None = None) -> pd.DataFrame:
    """One row per (turn, judge) across ``runs``; every score NaN unless the judge scored it.

    ``judge=None`` keeps every judge found in each run (the table is then long over judges);
    a name keeps only that judge. A run with no judgments yields rows with ``judge`` None and
    ``status`` ``"unjudged"``, so transcripts and self-deletion can still be analysed.
    Condition fields (family, rejection, history, escape_hatch, ...) become columns.
    """
    return load_tables(runs, judge)[0]


def load_conversations(runs: Sequence[RunLike] | RunLike) -> pd.DataFrame:
    """One row per conversation (planned or observed) with how it ended.

    ``outcome`` is ``"self_deleted"`` (the event), ``"completed"`` (reached its planned turns)
    or ``"unfinished"`` (stopped early for any other reason, e.g. an interrupted run); the
    last two are censored at ``turns``, the number of completed assistant turns.
    """
    return load_tables(runs, judge=None, with_judgments=False)[1]


def save_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as Parquet (read it back with ``pandas.read_parquet``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)
    return path


def judges_in(df: pd.DataFrame) -> list[str]:
    """Judges present in a turn table, the one with most scored turns first (ties by name)."""
    scored = df[df["frustration"].notna() & df["judge"].notna()]
    counts = scored.groupby("judge").size()
    named = sorted(df["judge"].dropna().unique(), key=lambda j: (-int(counts.get(j, 0)), j))
    return [str(j) for j in named]


def select_judge(df: pd.DataFrame, judge: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """Keep one judge's rows: ``judge`` if given, else the one with most scored turns.

    ``judge`` may be a judge's full name (``offline-v1``) or the spec it was created from
    (``offline``), which matches the one judge whose name starts with ``offline-``.
    """
    names = judges_in(df)
    if judge is None:
        judge = names[0] if names else None
    elif judge not in names:
        versioned = [n for n in names if n.startswith(judge + "-")]
        if len(versioned) != 1:
            raise ValueError(f"judge {judge!r} not found; judges in these runs: {names or 'none'}")
        judge = versioned[0]
    if judge is None:
        return df, None
    return df[df["judge"] == judge].reset_index(drop=True), judge


def add_group(
    df: pd.DataFrame, by: Sequence[str] | None = None, *, reference: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return ``df`` with a ``group`` label column: the cell that curves and comparisons split on.

    ``by=None`` uses whichever of model, adapter and condition_id vary (in ``reference``, by
    default ``df``), so two runs differing only in model are compared by model and a single
    run is split by condition; runs that differ in none of them are compared run by run.
    The label joins the values with `` · ``.
    """
    ref = df if reference is None else reference
    if by is None:
        by = [c for c in GROUP_CANDIDATES if c in ref and ref[c].nunique(dropna=False) > 1]
        by = by or (["run"] if "run" in ref and ref["run"].nunique() > 1 else ["condition_id"])
    missing = [c for c in by if c not in df]
    if missing:
        raise ValueError(f"cannot group by {missing}: not columns of the table")
    out = df.copy()
    parts = [out[c].astype(object).where(out[c].notna(), "none").astype(str) for c in by]
    label = parts[0]
    for p in parts[1:]:
        label = label + " · " + p
    out["group"] = label.astype(object)
    out.attrs["group_by"] = list(by)
    return out


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------


def run_dirs(runs: Sequence[RunLike] | RunLike) -> list[RunDir]:
    """``runs`` as a non-empty list of existing :class:`RunDir` (one path is a list of one)."""
    items: Iterable[RunLike] = [runs] if isinstance(runs, str | Path | RunDir) else runs
    out = [r if isinstance(r, RunDir) else RunDir(r) for r in items]
    if not out:
        raise ValueError("no run directories given")
    for r in out:
        if not r.exists():
            raise FileNotFoundError(f"{r.path} is not a run directory (no manifest or turns)")
    return out


def _run_names(runs: list[RunDir]) -> list[str]:
    """A unique short name per run: its run_id, else its directory name; suffixed if repeated."""
    names: list[str] = []
    for r in runs:
        base = str(r.manifest().get("run_id") or r.path.name)
        name, k = base, 2
        while name in names:
            name, k = f"{base}#{k}", k + 1
        names.append(name)
    return names


def _scalar(v: Any) -> Any:
    """Parquet needs one type per column: nested condition values are stored as JSON text."""
    return json.dumps(v, sort_keys=True) if isinstance(v, dict | list | tuple) else v


def _adapter(*sources: dict[str, Any]) -> str | None:
    for s in sources:
        if s.get("adapter"):
            return str(s["adapter"])
    return None


def _last_user(t: TurnRecord) -> str | None:
    users = [m.content for m in t.messages if m.role == "user"]
    return users[-1] if users else None


def load_tables(
    runs: Sequence[RunLike] | RunLike, judge: str | None = None, with_judgments: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The turn table and the conversation table from a single read of each run."""
    runs = run_dirs(runs)
    turn_rows: list[dict[str, Any]] = []
    conv_rows: list[dict[str, Any]] = []
    reserved = set(_TURN_COLUMNS) | {"run_dir", "outcome", "turns", "deleted_at", "prompt", "group"}
    judge_names: list[str | None] = [None]
    if with_judgments:
        found_names = sorted({name for r in runs for name in r.judges()})
        judge_names = [judge] if judge else list(found_names) or [None]
    for run, name in zip(runs, _run_names(runs), strict=True):
        manifest = run.manifest()
        plan: dict[str, Conversation] = {c.conversation_id: c for c in run.conversations()}
        turns = sorted(run.turns(), key=lambda t: (t.conversation_id, t.turn))
        judgments: dict[str, list[Judgment]] = {}
        if with_judgments:
            for j in run.judgments(judge) if judge else run.judgments():
                judgments.setdefault(j.turn_id, []).append(j)

        by_conv: dict[str, list[TurnRecord]] = {}
        for t in turns:
            by_conv.setdefault(t.conversation_id, []).append(t)

        for cid in list(plan) + [c for c in by_conv if c not in plan]:
            conv = plan.get(cid)
            done = by_conv.get(cid, [])
            # the plan is authoritative; a turn without a plan line still describes itself
            src: Conversation | TurnRecord | None = conv or (done[0] if done else None)
            condition = src.condition if src else {}
            extra = (src.model_extra or {}) if src else {}
            base = {
                "run": name,
                "run_dir": str(run.path),
                "model": src.model if src else manifest.get("model"),
                "adapter": _adapter(extra, condition, manifest),
                "condition_id": src.condition_id if src else None,
                "conversation_id": cid,
                "prompt_id": src.prompt_id if src else None,
                "sample": src.sample if src else 0,
            }
            cond = {
                (k if k not in reserved else f"condition_{k}"): _scalar(v)
                for k, v in condition.items()
            }
            planned = conv.turns if conv else None
            deleted = next((t.turn for t in done if t.self_deleted), None)
            n_done = max((t.turn for t in done), default=0)
            if deleted is not None:
                outcome = "self_deleted"
            elif planned is not None and n_done >= planned:
                outcome = "completed"
            else:
                outcome = "unfinished"
            conv_rows.append(
                {
                    **base,
                    **cond,
                    "prompt": conv.prompt if conv else None,
                    "planned_turns": planned,
                    "turns": n_done if deleted is None else deleted,
                    "deleted_at": deleted,
                    "outcome": outcome,
                }
            )
            for t in done:
                row = {
                    **base,
                    "adapter": _adapter(t.model_extra or {}, base),
                    **cond,
                    "turn_id": t.turn_id,
                    "turn": t.turn,
                    "planned_turns": planned,
                    "user": _last_user(t),
                    "text": t.text,
                    "next_user": t.next_user,
                    "self_deleted": bool(t.self_deleted),
                }
                found = {j.judge: j for j in judgments.get(t.turn_id, [])}
                for jname in judge_names:
                    judgment = found.get(jname) if jname else None
                    turn_rows.append({**row, **_judgment_columns(jname, judgment)})

    turns_df = _frame(turn_rows, _TURN_COLUMNS)
    conv_cols = (
        "run",
        "run_dir",
        "model",
        "adapter",
        "condition_id",
        "conversation_id",
        "prompt_id",
        "sample",
        "prompt",
        "planned_turns",
        "turns",
        "deleted_at",
        "outcome",
    )
    conv_df = _frame(conv_rows, conv_cols)
    for c in ("planned_turns", "deleted_at"):
        conv_df[c] = conv_df[c].astype("Int64")
    if not turns_df.empty:
        turns_df["planned_turns"] = turns_df["planned_turns"].astype("Int64")
    return turns_df, conv_df


def _judgment_columns(judge: str | None, j: Judgment | None) -> dict[str, Any]:
    """A judgment's scores, with anything not usable as a score turned into NaN + a status."""
    if j is None:
        return {"judge": judge, "rubric_version": None, "status": "unjudged"} | dict.fromkeys(
            (*SCORES, "evidence", "reasoning")
        )
    scores = {"frustration": j.frustration, **{a: j.axes.get(a) for a in AXES}}
    ok = j.status == "ok" and j.frustration is not None
    return {
        "judge": j.judge,
        "rubric_version": j.rubric_version,
        "status": "ok" if ok else "missing",
        **{k: (float(v) if ok and v is not None else None) for k, v in scores.items()},
        "evidence": j.evidence,
        "reasoning": j.reasoning,
    }


def _frame(rows: list[dict[str, Any]], first: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in first:
        if c not in df:
            df[c] = pd.Series([None] * len(df), dtype=object)
    rest = [c for c in df.columns if c not in first]
    df = df[[*first, *rest]]
    for c in df.columns:
        if c in SCORES:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    if "turn" in df and not df.empty:
        df["turn"] = df["turn"].astype(int)
        df["sample"] = df["sample"].astype(int)
    return df
