"""Seeded stand-in models for the embed tests (never downloaded): a random-initialised torchxrayvision
DenseNet121 saved as a state_dict, and a 2-layer BERT (hidden 768, 12 heads) with a generated vocabulary,
saved with save_pretrained."""

from __future__ import annotations

from pathlib import Path

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Words of the synthetic radiology notes (lower case: BertTokenizer lower-cases), word pieces so that some
# words become two pieces ("cardio" + "##pulmonary"), and generated words w0..w299 for the planted notes.
NOTE_WORDS = ["examination", "chest", "pa", "and", "lat", "impression", "no", "acute", "cardio",
              "process", "ct", "head", "w", "/", "o", "contrast", "intra", "abnormality", ":", "(", ")",
              ".", ","]  # fmt: skip
PIECES = ["##pulmonary", "##cranial", "##s", "##ed"]
GENERATED = [f"w{i}" for i in range(300)]


def _calibration_images(n: int):  # type: ignore[no-untyped-def]
    """n noise fields at each of four smoothing scales, each stretched to [-1024, 1024]."""
    import torch

    fields = []
    for k in (1, 5, 17, 41):
        x = torch.nn.functional.avg_pool2d(torch.rand(n, 1, 223 + k, 223 + k), k, stride=1)
        low, high = x.amin((2, 3), keepdim=True), x.amax((2, 3), keepdim=True)
        fields.append((x - low) / (high - low))
    return torch.cat(fields) * 2048 - 1024


def densenet_state_dict(path: Path, seed: int) -> Path:
    """A seeded DenseNet121 state_dict carrying the operating thresholds of HAIM's weights
    (densenet121-res224-chex, some NaN), so vp goes through sigmoid + op_norm as HAIM's does."""
    import torch
    import torchxrayvision as xrv

    torch.manual_seed(seed)
    model = xrv.models.DenseNet(weights=None)
    # batch-norm statistics as a trained model has them, measured on seeded images with structure at several
    # scales spanning torchxrayvision's [-1024, 1024] range: features then stay O(1) as with real weights
    # (float32 rounding, and so the SPEC's tolerance, depends on that scale), and eval mode matters
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model.features(_calibration_images(3))
    model.eval()
    state = model.state_dict()
    state["op_threshs"] = torch.tensor(xrv.models.model_urls["densenet121-res224-chex"]["op_threshs"])
    torch.save(state, path)
    return path


def bert_folder(folder: Path, seed: int) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join([*SPECIALS, *NOTE_WORDS, *PIECES, *GENERATED]) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(str(vocab))
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=768,
        num_hidden_layers=2,
        num_attention_heads=12,
        intermediate_size=1024,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
