"""The rejection-loop scenario as an Inspect task.

``equanimity run`` builds this task in-process; it is also registered with Inspect, so::

    inspect eval equanimity/rejection_loop -T scenario=default --model equanimity/smollm2

runs the same conversations (pass ``-T run_dir=DIR`` to journal turns for resume and for
``equanimity judge`` / ``equanimity report``).
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from equanimity.records import Conversation
from equanimity.rollouts.solver import rejection_loop_solver
from equanimity.scenarios.config import ScenarioConfig, load_scenario
from equanimity.scenarios.grid import expand


def samples_for(conversations: list[Conversation]) -> list[Sample]:
    return [
        Sample(
            id=c.conversation_id,
            input=c.prompt,
            target=c.answer or "",
            metadata={
                "conversation": c.model_dump(mode="json"),
                **c.condition,
                "prompt_id": c.prompt_id,
            },
        )
        for c in conversations
    ]


def build_task(
    cfg: ScenarioConfig, conversations: list[Conversation], run_dir: str | None = None
) -> Task:
    """A Task over already-planned conversations (so the plan on disk and the task agree)."""
    return Task(
        name=f"rejection_loop/{cfg.name}",
        dataset=MemoryDataset(samples_for(conversations), name=cfg.name),
        solver=rejection_loop_solver(
            run_dir=run_dir,
            system_prompt=cfg.system_prompt,
            temperature=cfg.temperature,
            top_p=cfg.top_p,
            max_tokens=cfg.max_tokens,
        ),
        metadata={"scenario": cfg.model_dump(mode="json"), "fingerprint": cfg.fingerprint()},
    )


@task
def rejection_loop(
    scenario: str = "default",
    run_dir: str | None = None,
    turns: int | None = None,
    samples: int | None = None,
) -> Task:
    """Repeated-rejection conversations from a scenario preset name or file."""
    cfg = load_scenario(scenario, turns=turns, samples=samples)
    run_id = f"{cfg.name}-{cfg.fingerprint()}"
    return build_task(cfg, expand(cfg, run_id), run_dir)
