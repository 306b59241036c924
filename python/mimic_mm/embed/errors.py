"""The errors an embed run reports to the user in one line (anything else is a bug and shows a traceback)."""

from __future__ import annotations

from mimic_mm.embed.device import DeviceError
from mimic_mm.embed.image_model import WeightsError
from mimic_mm.embed.note_model import ModelError
from mimic_mm.embed.store import StoreBusy
from mimic_mm.export.warehouse import WarehouseError

USER_ERRORS: tuple[type[Exception], ...] = (DeviceError, WeightsError, ModelError, StoreBusy, WarehouseError)
