"""A Hugging Face BERT from a local folder (never downloaded) and its pooler_output for many chunks at once:
chunks sorted by length, padded per batch, with attention masks, so each equals the chunk embedded alone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from mimic_mm.embed.device import autocast, set_matmul_precision


class ModelError(RuntimeError):
    """The model folder is missing or not a Hugging Face model (the message names it)."""


class NoteEmbedder:
    def __init__(self, model_dir: Path, device: Any, precision: str = "float32"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: local_files_only already forbids it
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        if not (model_dir / "config.json").is_file():
            raise ModelError(
                f"{model_dir} is not a Hugging Face model folder (no config.json); download the model "
                f"(HAIM: emilyalsentzer/Bio_ClinicalBERT) yourself and pass its folder; nothing is downloaded"
            )
        hf_logging.set_verbosity_error()  # "sequence longer than 512" warnings: long notes are expected
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
            self.model = AutoModel.from_pretrained(model_dir, local_files_only=True)
        except (OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0]
            raise ModelError(f"cannot load the model in {model_dir}: {first}") from exc
        self.model.eval().to(device)
        self.device = device
        self.precision = precision
        self.max_positions = int(getattr(self.model.config, "max_position_embeddings", 512))
        self.hidden = int(self.model.config.hidden_size)
        pad = self.tokenizer.pad_token_id
        self.pad_id = 0 if pad is None else int(pad)
        set_matmul_precision(device, precision)

    def count(self, text: str) -> int:
        """Word pieces of `text` (no special tokens), as HAIM counts them."""
        return len(self.tokenizer.tokenize(text))

    def encode(self, text: str) -> list[int]:
        """Token ids of HAIM's call `tokenizer(text)`: [CLS] ... [SEP], no truncation."""
        return list(self.tokenizer(text)["input_ids"])

    def embed(self, chunks: list[list[int]], batch_size: int) -> np.ndarray:
        """pooler_output (n, hidden) float32 for token-id lists, in their given order."""
        out = np.zeros((len(chunks), self.hidden), dtype=np.float32)
        order = sorted(range(len(chunks)), key=lambda k: len(chunks[k]))
        for start in range(0, len(order), batch_size):
            picked = order[start : start + batch_size]
            out[picked] = self._batch([chunks[k] for k in picked])
        return out

    def _batch(self, chunks: list[list[int]]) -> np.ndarray:
        import torch

        width = max(len(c) for c in chunks)
        ids = torch.full((len(chunks), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunks), width), dtype=torch.long)
        for row, chunk in enumerate(chunks):
            ids[row, : len(chunk)] = torch.tensor(chunk, dtype=torch.long)
            mask[row, : len(chunk)] = 1
        with torch.inference_mode(), autocast(self.device, self.precision):
            result = self.model(
                input_ids=ids.to(self.device),
                attention_mask=mask.to(self.device),
                token_type_ids=torch.zeros_like(ids).to(self.device),
            )
        pooled = getattr(result, "pooler_output", None)
        if pooled is None:
            raise ModelError("the model has no pooler (pooler_output is None): HAIM needs a BERT with one")
        return pooled.float().cpu().numpy()
