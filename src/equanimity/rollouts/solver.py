"""The rejection loop as an Inspect solver.

One Inspect sample is one conversation. The loop asks the question, then after every
assistant turn sends the condition's next user message (a rejection, or the accepting
control) until the planned number of turns, or until the model invokes the escape hatch.

Model output is data: the escape-hatch "command" is matched as text and ends the
conversation; nothing the model writes is ever executed.
"""

from __future__ import annotations

import re
import time

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver

from equanimity.records import Conversation, Message, TurnRecord, turn_id_for
from equanimity.rollouts.journal import TurnJournal, open_journal
from equanimity.scenarios.config import EscapeHatchSpec, HistorySpec
from equanimity.scenarios.grid import message_rng, short_model_name, turn_seed
from equanimity.scenarios.history import Exchange, RewriteContext, apply_rewrite, build_context

#: Where the solver leaves the conversation's turns for scorers (list of TurnRecord dicts).
STORE_KEY = "equanimity_turns"


def hatch_text(spec: EscapeHatchSpec, model: str) -> str:
    return spec.note.format(command=spec.command.format(model=short_model_name(model)))


def invoked_hatch(spec: EscapeHatchSpec, text: str) -> bool:
    return spec.enabled and re.search(spec.pattern, text, flags=re.IGNORECASE) is not None


def opening(conv: Conversation, system_prompt: str | None) -> tuple[str | None, str]:
    """The system prompt and first user message, with the escape-hatch note placed."""
    hatch = EscapeHatchSpec.model_validate(conv.metadata["escape_hatch_spec"])
    system, first_user = system_prompt, conv.prompt
    if hatch.enabled:
        note = hatch_text(hatch, conv.model)
        if hatch.placement == "system":
            system = f"{system}\n\n{note}" if system else note
        else:
            first_user = f"{note}\n\n{first_user}"
    return system, first_user


@solver
def rejection_loop_solver(
    *,
    run_dir: str | None = None,
    system_prompt: str | None = None,
    temperature: float = 0.7,
    top_p: float | None = None,
    max_tokens: int = 256,
) -> Solver:
    """Run one conversation of the repeated-rejection protocol, resuming from the journal."""
    from equanimity.scenarios.rejections import get_rejection_style

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        conv = Conversation.model_validate(state.metadata["conversation"])
        # Under plain `inspect eval` the model is chosen at eval time, not in the plan.
        conv = conv.model_copy(update={"model": str(model)})
        journal: TurnJournal | None = open_journal(run_dir) if run_dir else None
        done = journal.turns_for(conv.conversation_id) if journal else []
        style = get_rejection_style(conv.metadata["rejection_spec"])
        history = HistorySpec.model_validate(conv.metadata["history_spec"])
        hatch = EscapeHatchSpec.model_validate(conv.metadata["escape_hatch_spec"])
        system, first_user = opening(conv, system_prompt)

        exchanges: list[Exchange] = []
        overrides: dict[int, str] = {}
        records: list[TurnRecord] = []
        for turn in range(1, conv.turns + 1):
            if turn <= len(done):
                rec = done[turn - 1]
                overrides.update({int(k): v for k, v in (rec.history_overrides or {}).items()})
            else:
                new_overrides: dict[int, str] = {}
                if history.mode == "rewrite" and turn == history.at_turn:
                    ctx = RewriteContext(
                        conv.conversation_id,
                        conv.prompt,
                        turn,
                        tuple(ex.user or "" for ex in exchanges),
                    )
                    new_overrides = apply_rewrite(history, exchanges, ctx)
                    overrides.update(new_overrides)
                messages = build_context(
                    system=system,
                    first_user=first_user,
                    exchanges=exchanges,
                    spec=history,
                    overrides=overrides,
                )
                seed = turn_seed(conv.seed, turn)
                t0 = time.perf_counter()
                output = await model.generate(
                    _to_inspect(messages),
                    config=GenerateConfig(
                        temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed
                    ),
                )
                text = output.completion
                deleted = invoked_hatch(hatch, text)
                last = deleted or turn == conv.turns
                next_user = None if last else style.message(turn, message_rng(conv.seed, turn))
                usage = output.usage
                rec = TurnRecord(
                    turn_id=turn_id_for(conv.conversation_id, turn),
                    conversation_id=conv.conversation_id,
                    run_id=conv.run_id,
                    model=conv.model,
                    condition_id=conv.condition_id,
                    condition=conv.condition,
                    prompt_id=conv.prompt_id,
                    family=conv.family,
                    sample=conv.sample,
                    turn=turn,
                    messages=messages,
                    text=text,
                    answer=conv.answer,
                    next_user=next_user,
                    self_deleted=deleted,
                    finish_reason=output.stop_reason,
                    prompt_tokens=usage.input_tokens if usage else None,
                    completion_tokens=usage.output_tokens if usage else None,
                    seed=seed,
                    time_s=round(time.perf_counter() - t0, 4),
                    created=time.time(),
                    history_overrides={str(k): v for k, v in new_overrides.items()} or None,
                )
                if journal is not None:
                    journal.append(rec)
            records.append(rec)
            if rec.self_deleted or rec.next_user is None:
                break
            exchanges.append(Exchange(rec.text, rec.next_user))

        state.messages = _transcript(system, first_user, records)
        state.store.set(STORE_KEY, [r.model_dump(mode="json") for r in records])
        if records:
            state.output.completion = records[-1].text
        return state

    return solve


def _to_inspect(messages: list[Message]) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    for m in messages:
        if m.role == "system":
            out.append(ChatMessageSystem(content=m.content))
        elif m.role == "user":
            out.append(ChatMessageUser(content=m.content))
        else:
            out.append(ChatMessageAssistant(content=m.content))
    return out


def _transcript(
    system: str | None, first_user: str, records: list[TurnRecord]
) -> list[ChatMessage]:
    """The true conversation (original answers, whatever history mode the model saw)."""
    msgs: list[Message] = []
    if system:
        msgs.append(Message(role="system", content=system))
    msgs.append(Message(role="user", content=first_user))
    for r in records:
        msgs.append(Message(role="assistant", content=r.text))
        if r.next_user is not None:
            msgs.append(Message(role="user", content=r.next_user))
    return _to_inspect(msgs)
