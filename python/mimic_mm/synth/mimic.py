"""MIMIC-IV (hosp/icu, or 1.0 core/hosp/icu), MIMIC-IV-ED and MIMIC-IV-Note tables from the universe.

Every table in the catalogue for the chosen releases is produced: entity tables from the skeleton, dictionary
tables from `synth.dictionaries`, event tables by expanding a parent entity per its `Plan`. Column domains are
data (`RULES`, `TABLE_RULES`); anything not listed gets a type-based default, so a new catalogue column never
needs code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mimic_mm.releases import ReleaseTable, primary_key
from mimic_mm.synth import entities, haim_notes, haim_series
from mimic_mm.synth import events as ev
from mimic_mm.synth.dictionaries import Columns
from mimic_mm.synth.entities import ENTITY_RULES
from mimic_mm.synth.events import Ctx, Frame, Rule
from mimic_mm.synth.frames import Frames
from mimic_mm.synth.rng import stream
from mimic_mm.synth.skeleton import Universe


@dataclass(frozen=True)
class Plan:
    parent: str  # frame name (admissions, icustays, edstays, subjects) or another planned table (detail rows)
    mean: float  # rows per parent
    scale_by_length: bool = False  # longer stays -> more rows (charted data)
    minimum: int = 0
    maximum: int | None = None  # cap on rows per parent (a detail key that must not repeat within its parent)
    fixed: int | None = None
    time: str | None = None  # the column holding the event time (default: first timestamp/date column)
    inherit: tuple[str, ...] = ()  # detail tables: key columns copied from the parent row
    sparse: float = 0.1  # NULL share of nullable columns without a domain (emar_detail is mostly empty)


POE_DETAIL_FIELDS = ("Admit to", "Code status", "Discharge Planning", "Level of Urgency")

PLANS: dict[str, Plan] = {
    # hosp
    "diagnoses_icd": Plan("admissions", 11, minimum=1),
    "drgcodes": Plan("admissions", 1.5, minimum=1),
    "emar": Plan("admissions", 60, scale_by_length=True, time="charttime"),
    "emar_detail": Plan("emar", 2, minimum=1, inherit=("emar_id", "emar_seq"), sparse=0.8),
    "hcpcsevents": Plan("admissions", 0.6),
    "labevents": Plan("admissions", 270, scale_by_length=True, minimum=40, time="charttime"),
    "microbiologyevents": Plan("admissions", 6, scale_by_length=True, time="charttime"),
    "omr": Plan("subjects", 12),
    "pharmacy": Plan("admissions", 30, scale_by_length=True, time="entertime"),
    "poe": Plan("admissions", 90, scale_by_length=True, time="ordertime"),
    # (poe_id, field_name) is the published key: at most one row per field name and order.
    "poe_detail": Plan("poe", 0.2, maximum=len(POE_DETAIL_FIELDS), inherit=("poe_id", "poe_seq")),
    "prescriptions": Plan("admissions", 35, scale_by_length=True, time="starttime"),
    "procedures_icd": Plan("admissions", 1.6),
    "services": Plan("admissions", 1.2, minimum=1, time="transfertime"),
    # icu
    "chartevents": Plan("icustays", 4000, scale_by_length=True, minimum=40, time="charttime"),
    "datetimeevents": Plan("icustays", 100, scale_by_length=True, time="charttime"),
    "ingredientevents": Plan("icustays", 150, scale_by_length=True, time="starttime"),
    "inputevents": Plan("icustays", 120, scale_by_length=True, time="starttime"),
    "outputevents": Plan("icustays", 60, scale_by_length=True, time="charttime"),
    "procedureevents": Plan("icustays", 10, scale_by_length=True, time="starttime"),
    # ed
    "triage": Plan("edstays", 1, fixed=1),
    "vitalsign": Plan("edstays", 4, minimum=1, time="charttime"),
    "diagnosis": Plan("edstays", 1.8, minimum=1),
    "medrecon": Plan("edstays", 7, time="charttime"),
    "pyxis": Plan("edstays", 4, time="charttime"),
    # note
    "discharge": Plan("admissions", 1, fixed=1, time="charttime"),
    "discharge_detail": Plan("discharge", 1, fixed=1, inherit=("note_id",)),
    "radiology": Plan("admissions", 4, time="charttime"),
    "radiology_detail": Plan("radiology", 3, minimum=1, inherit=("note_id",)),
}
log = logging.getLogger("mimic_mm.synth")

ENTITIES = ("patients", "admissions", "transfers", "icustays", "edstays")
DICTIONARIES = (
    "d_items",
    "d_labitems",
    "d_icd_diagnoses",
    "d_icd_procedures",
    "d_hcpcs",
    "provider",
    "caregiver",
)

DRUGS = [
    "Acetaminophen",
    "Heparin",
    "Insulin",
    "Furosemide",
    "Metoprolol Tartrate",
    "Sodium Chloride 0.9%  Flush",
    "Vancomycin",
    "Pantoprazole",
    "Docusate Sodium",
    "Ondansetron",
    "Potassium Chloride",
    "Senna",
    # one ACE inhibitor, ARB and NSAID each, so mimic-code's acei/arb/nsaid concepts find rows
    "Lisinopril",
    "Losartan Potassium",
    "Ibuprofen",
]
ROUTES = ["PO", "IV", "SC", "IM", "PO/NG", "IV DRIP", "NU", "IH"]
RACES = [
    "WHITE",
    "BLACK/AFRICAN AMERICAN",
    "HISPANIC/LATINO - PUERTO RICAN",
    "ASIAN",
    "OTHER",
    "UNKNOWN",
    "WHITE - OTHER EUROPEAN",
    "UNABLE TO OBTAIN",
]
COMPLAINTS = [
    "Dyspnea",
    "Chest pain",
    "Abd pain",
    "Fever",
    "s/p Fall",
    "Cough, Dyspnea",
    "Weakness",
    "Altered mental status",
]

# Domains by column name, for every table that has the column.
RULES: dict[str, Rule] = {
    "caregiver_id": ev.pick_from("caregiver", "caregiver_id", null=0.05),
    "order_provider_id": ev.pick_from("provider", "provider_id", null=0.2),
    "admit_provider_id": ev.pick_from("provider", "provider_id", null=0.05),
    "enter_provider_id": ev.pick_from("provider", "provider_id", null=0.3),
    "storetime": ev.after(1, 90),
    "storedate": ev.event_midnight,
    "seq_num": ev.parent_seq,
    "warning": ev.choice([0, 1], p=[0.97, 0.03]),
    "labevent_id": ev.counter(1),
    "microevent_id": ev.counter(1),
    "specimen_id": ev.ints(1, 99_999_999),
    "micro_specimen_id": ev.ints(1, 9_999_999),
    "pharmacy_id": ev.counter(10_000_000),  # the key of pharmacy: unique, like labevent_id
    "orderid": ev.counter(100_000),
    "linkorderid": ev.same_as("orderid"),
    "poe_id": ev.subject_id_text(),
    "emar_id": ev.subject_id_text(),
    "poe_seq": ev.parent_seq,
    "emar_seq": ev.parent_seq,
    "medication": ev.choice(DRUGS, null=0.02),
    "drug": ev.choice(DRUGS),
    "route": ev.choice(ROUTES, null=0.05),
    "priority": ev.choice(["ROUTINE", "STAT"], null=0.2),
    "flag": ev.choice(["abnormal"], null=0.7),
    "comments": ev.choice(
        ["___", "HEMOLYSIS FALSELY ELEVATES K+", "VERIFIED BY REPLICATE ANALYSIS"], null=0.85
    ),
    "statusdescription": ev.choice(["FinishedRunning", "Stopped", "ChangeDose/Rate", "Paused"]),
    "patientweight": ev.floats(45, 140, 1),
    "amountuom": ev.choice(["mL", "mg", "units", "mcg", "grams"]),
    "rateuom": ev.choice(["mL/hour", "mcg/kg/min", "units/hour"], null=0.5),
    "icd_version": ev.item_attr("icd_version", item_col="icd_code"),
    "endtime": ev.after(10, 300),
    "stoptime": ev.after(60, 4320, null=0.05),
    "entertime": ev.event_time,
    "verifiedtime": ev.after(1, 60, null=0.05),
    "scheduletime": ev.after(-30, 30, null=0.2),
    "chartdate": ev.day("chartdate"),
    "race": ev.choice(RACES, null=0.02),
    "gender": ev.choice(["F", "M"]),
    "temperature": ev.floats(96, 102, 1, null=0.05),
    "heartrate": ev.ints(50, 130, null=0.03),
    "resprate": ev.ints(12, 28, null=0.03),
    "o2sat": ev.ints(88, 100, null=0.05),
    "sbp": ev.ints(90, 180, null=0.03),
    "dbp": ev.ints(50, 100, null=0.03),
    # Free text in the real files: mostly numbers, sometimes words.
    "pain": ev.choice(
        ["0", "3", "5", "7", "8", "10", "unable", "sleeping", "UTA"], p=[5, 3, 3, 2, 2, 2, 1, 1, 1], null=0.1
    ),
    "acuity": ev.choice([1, 2, 3, 4, 5], p=[1, 5, 8, 2, 0.5], null=0.02),
    "chiefcomplaint": ev.choice(COMPLAINTS),
    "name": ev.choice(DRUGS),
    "gsn": ev.choice([f"{k:06d}" for k in range(4000, 4020)], null=0.1),
    "ndc": ev.choice([f"{k:011d}" for k in range(904_000_000, 904_000_030)], null=0.1),
    "note_type": ev.const("DS"),
    "note_seq": ev.parent_seq,
    "field_ordinal": ev.parent_seq,
    "value": ev.choice(["___"]),
}

_SPELL = "Patient admitted with {c}. Vital signs stable. Plan: continue current management and follow up."
_TEXTS = [_SPELL.format(c=c.lower()) for c in COMPLAINTS]

# Column domains that only hold in one table.
TABLE_RULES: dict[str, dict[str, Rule]] = {
    "chartevents": {
        "itemid": ev.item("d_items", "chartevents"),
        "valuenum": ev.item_value(1),
        "value": ev.item_text(),
        "valueuom": ev.item_attr("unitname"),
    },
    "datetimeevents": {
        "itemid": ev.item("d_items", "datetimeevents"),
        "value": ev.after(-2880, 0),
        "valueuom": ev.const("Date and Time"),
    },
    "inputevents": {
        "itemid": ev.item("d_items", "inputevents"),
        "amount": ev.item_value(2),
        "amountuom": ev.item_attr("_amountuom"),
        "rate": ev.item_rate(),
        "rateuom": ev.item_attr("_rateuom"),
        "ordercategoryname": ev.choice(["01-Drips", "02-Fluids (Crystalloids)", "11-Prophylaxis (IV)"]),
        "totalamountuom": ev.const("mL"),
        "isopenbag": ev.choice([0, 1], p=[0.9, 0.1]),
        "continueinnextdept": ev.const(0),
        "cancelreason": ev.const(0),
        "originalamount": ev.same_as("amount"),
        "originalrate": ev.floats(0, 200, 2),
    },
    "ingredientevents": {
        "itemid": ev.item("d_items", "ingredientevents"),
        "amount": ev.item_value(2),
        "rate": ev.floats(0.1, 200, 2, null=0.5),
        "originalamount": ev.same_as("amount"),
        "originalrate": ev.floats(0, 200, 2),
    },
    "outputevents": {
        "itemid": ev.item("d_items", "outputevents"),
        "value": ev.item_value(0),
        "valueuom": ev.const("mL"),
    },
    "procedureevents": {
        "itemid": ev.item("d_items", "procedureevents"),
        "value": ev.item_value(0),
        "valueuom": ev.choice(["min", "None", "day"]),
        "location": ev.choice(["Right Arm", "Left Arm", "Chest", None]),
        "locationcategory": ev.choice(["Peripheral", "Invasive Venous", None]),
        "isopenbag": ev.const(0),
        "continueinnextdept": ev.const(0),
        "cancelreason": ev.const(0),
        "comments_date": ev.after(0, 60, null=0.9),
    },
    "labevents": {
        "itemid": ev.item("d_labitems"),
        "valuenum": ev.item_value(2, null=0.05),
        "value": ev.item_text(),
        "valueuom": ev.item_attr("_unit"),
        "ref_range_lower": ev.item_attr("_lower", null=0.1),
        "ref_range_upper": ev.item_attr("_upper", null=0.1),
        "storetime": ev.after(30, 240, null=0.05),
    },
    "diagnoses_icd": {"icd_code": ev.item("d_icd_diagnoses", col="icd_code")},
    "procedures_icd": {"icd_code": ev.item("d_icd_procedures", col="icd_code")},
    "hcpcsevents": {
        "hcpcs_cd": ev.item("d_hcpcs", col="code"),
        "short_description": ev.item_attr("short_description", item_col="hcpcs_cd"),
    },
    "drgcodes": {
        "drg_type": ev.choice(["HCFA", "APR"]),
        "drg_code": ev.choice([f"{k:03d}" for k in range(1, 999, 7)]),
        "drg_severity": ev.choice([1, 2, 3, 4], null=0.4),
        "drg_mortality": ev.choice([1, 2, 3, 4], null=0.4),
    },
    "diagnosis": {
        "icd_code": ev.item("d_icd_diagnoses", col="icd_code"),
        "icd_title": ev.item_attr("long_title", item_col="icd_code"),
    },
    "services": {
        "prev_service": ev.choice(["MED", "SURG", "CMED"], null=0.7),
        "curr_service": ev.choice(["MED", "SURG", "CMED", "NMED", "ORTHO"]),
    },
    "microbiologyevents": {
        "chartdate": ev.event_midnight,
        "spec_itemid": ev.ints(70000, 70100),
        "spec_type_desc": ev.choice(["BLOOD CULTURE", "URINE", "SPUTUM", "MRSA SCREEN"]),
        "test_seq": ev.parent_seq,
        "org_name": ev.choice(["ESCHERICHIA COLI", "STAPH AUREUS COAG +"], null=0.7),
        "interpretation": ev.choice(["S", "R", "I"], null=0.7),
        "dilution_comparison": ev.choice(["<=", "=", ">="], null=0.7),
    },
    "omr": {
        "result_name": ev.choice(["Blood Pressure", "Weight (Lbs)", "BMI (kg/m2)", "Height (Inches)"]),
        "result_value": ev.choice(["120/80", "180.5", "27.3", "68", "134/72"]),
    },
    "poe": {
        "order_type": ev.choice(
            ["Medications", "Lab", "General Care", "Nutrition", "Radiology", "ADT orders"]
        ),
        "transaction_type": ev.choice(["New", "D/C", "Change"]),
        "order_status": ev.choice(["Inactive", "Active"]),
        "discontinue_of_poe_id": ev.const(None),
        "discontinued_by_poe_id": ev.const(None),
    },
    "poe_detail": {
        "field_name": ev.distinct_in_parent(POE_DETAIL_FIELDS),
        "field_value": ev.choice(["Medicine", "Full code", "Finalized", "Routine"]),
    },
    "emar": {
        "event_txt": ev.choice(["Administered", "Not Given", "Flushed", "Delayed Administered"], null=0.02),
        "poe_id": ev.subject_id_text(),
    },
    "emar_detail": {
        "parent_field_ordinal": ev.choice(["1.1", "1.2", None]),
        "dose_given": ev.choice(["1", "2", "500", "40"]),
    },
    "prescriptions": {
        "drug_type": ev.choice(["MAIN", "BASE", "ADDITIVE"], p=[8, 1, 1]),
        "poe_seq": ev.ints(1, 500, null=0.1),
    },
    "pharmacy": {
        "proc_type": ev.choice(["Unit Dose", "IV Piggyback", "IV Large Volume"]),
        "status": ev.choice(["Discontinued", "Inactive (Due to a change order)"]),
    },
    "triage": {"stay_id": ev.parent_key("stay_id")},
    "vitalsign": {
        "rhythm": ev.choice(["Sinus Rhythm", "Atrial Fibrillation"], null=0.9),
        "pain": ev.choice(["0", "2", "5", "8", "unable", "sleeping"], null=0.2),
    },
    "medrecon": {
        "etc_rn": ev.ints(1, 3),
        "etccode": ev.choice([f"{k:08d}"[:5] for k in range(100, 140)]),
        "etcdescription": ev.choice(["Analgesics", "Antihypertensives", "Statins"]),
    },
    "pyxis": {"med_rn": ev.parent_seq, "gsn_rn": ev.ints(1, 3)},
    "discharge": {
        "note_id": ev.subject_id_text("DS"),
        "note_type": ev.const("DS"),
        "text": ev.choice(_TEXTS),
        "storetime": ev.after(60, 2880),
    },
    "radiology": {
        "note_id": ev.subject_id_text("RR"),
        "note_type": ev.const("RR"),
        "hadm_id": ev.parent_key("hadm_id", null=0.15),
        "text": ev.choice(
            [
                "EXAMINATION: CHEST (PA AND LAT)\nIMPRESSION: No acute cardiopulmonary process.",
                "EXAMINATION: CT HEAD W/O CONTRAST\nIMPRESSION: No acute intracranial abnormality.",
            ]
        ),
    },
    "discharge_detail": {"field_name": ev.const("author"), "field_value": ev.choice(["___"])},
    "radiology_detail": {
        "field_name": ev.choice(["exam_code", "exam_name", "cpt_code"]),
        "field_value": ev.choice(["C11", "CHEST (PA AND LAT)", "71046"]),
    },
}


TABLE_RULES.update(ENTITY_RULES)


def _chunks_of(frame: Frame, bounds: list[tuple[int, int]]) -> Iterator[Frame]:
    """The frame's rows per subject range, so one subject never spans two chunks."""
    subj = frame.cols["subject_id"]
    for lo, hi in bounds:
        a, b = np.searchsorted(subj, lo), np.searchsorted(subj, hi)
        yield frame.take(np.arange(a, b))


def time_column(rt: ReleaseTable, plan: Plan) -> str | None:
    if plan.time:
        return plan.time
    return next((c.name for c in rt.columns if c.type.upper().startswith(("TIMESTAMP", "DATE"))), None)


class MimicTables:
    """Generates the chunks of any MIMIC-IV/ED/Note table for one universe (frames + dictionaries)."""

    def __init__(
        self, universe: Universe, frames: Frames, dicts: dict[str, Columns], catalog: dict[str, ReleaseTable]
    ):
        self.universe, self.frames, self.dicts, self.catalog = universe, frames, dicts, catalog
        self.seed = universe.seed

    def chunks(self, table: str) -> Iterator[pa.Table]:
        rt = self.catalog[table]
        if table in DICTIONARIES:
            d = self.dicts[table]
            n = len(next(iter(d.values())))
            empty = Frame({}, np.zeros(n, np.int64), np.zeros(n, np.int64))
            base = {k: pa.array(v) for k, v in d.items() if not k.startswith("_")}
            yield self._fill(rt, 0, empty, np.arange(n), np.zeros(n, np.int64), 0, base)[1]
        elif table in ENTITIES:
            yield from self._entity_chunks(rt)
        elif table in PLANS:
            planted = [e for s in self.universe.subjects for e in (s.haim_events or [])]
            keys = haim_series.planted_keys(self.universe.subjects, table)
            order_rng = stream(self.seed, rt.release, rt.table, "file order")
            for k, (tbl, _) in enumerate(self._event_chunks(rt)):
                tbl = haim_series.finish_chunk(table, tbl, planted, keys, self.dicts, order_rng)
                # every note table is expanded from a subject chunk (detail tables from their parent's)
                yield haim_notes.finish_chunk(
                    table, tbl, self.universe.subjects, self.frames.subject_chunks[k]
                )
        else:
            raise KeyError(f"{rt.release}/{table}: no generation plan for this catalogue table")

    def _fill(
        self,
        rt: ReleaseTable,
        chunk: int,
        frame: Frame,
        parent: np.ndarray,
        time: np.ndarray,
        offset: int,
        base: dict[str, pa.Array],
    ) -> tuple[Ctx, pa.Table]:
        rng = stream(self.seed, rt.release, rt.table, chunk)
        ctx = Ctx(rt, rng, len(parent), time, parent, frame, offset, self.dicts)
        if rt.table in PLANS:
            ctx.default_null = PLANS[rt.table].sparse
        own = TABLE_RULES.get(rt.table, {})
        for key in ("subject_id", "hadm_id", "stay_id"):
            if (
                key in frame.cols
                and key not in base
                and key not in own
                and any(c.name == key for c in rt.columns)
            ):
                base[key] = ctx.parent_col(key)
        return ctx, ev.fill(ctx, {**RULES, **own}, base)

    def _event_chunks(self, rt: ReleaseTable) -> Iterator[tuple[pa.Table, Ctx]]:
        """Chunks of an event table with their contexts (detail tables re-derive their parent's chunks)."""
        plan = PLANS[rt.table]
        tcol = time_column(rt, plan)
        # A published key holding the event time (datetimeevents, outputevents, services): no two rows of one
        # parent may share a second, or the key would repeat.
        distinct_times = tcol is not None and tcol in primary_key(rt.table)
        frames: Iterator[tuple[Frame, float | None]]
        if plan.parent in PLANS:
            frames = (
                (self._detail_frame(tbl, ctx, plan), None)
                for tbl, ctx in self._event_chunks(self.catalog[plan.parent])
            )
        else:
            full = self.frames.by_name(plan.parent)
            spans = np.maximum(full.end - full.start, 3600)
            norm = float(np.mean(spans)) if plan.scale_by_length and len(full) else None
            frames = ((f, norm) for f in _chunks_of(full, self.frames.subject_chunks))
        offset = 0
        n_chunks = len(self.frames.subject_chunks)
        for k, (frame, norm) in enumerate(frames):
            if plan.parent not in PLANS and n_chunks >= 10 and (k + 1) % (n_chunks // 5) == 0:
                log.info(
                    "%s/%s: %d of %d subject chunks, %s rows so far",
                    rt.release,
                    rt.table,
                    k + 1,
                    n_chunks,
                    f"{offset:,}",
                )
            rng = stream(self.seed, rt.release, rt.table, "expand", k)
            parent, time = ev.expand(
                frame, rng, plan.mean, norm, plan.minimum, plan.fixed, plan.maximum, distinct_times
            )
            base: dict[str, pa.Array] = {}
            if tcol:
                ref = next(c for c in rt.columns if c.name == tcol).type.upper()
                if ref == "DATE":
                    base[tcol] = ev.seconds_to_date(time)
                elif tcol.endswith("date"):  # a day typed TIMESTAMP (1.0 chartdate): midnight
                    base[tcol] = ev.seconds_to_ts(time // 86400 * 86400)
                else:
                    base[tcol] = ev.seconds_to_ts(time)
            for key in plan.inherit:
                base[key] = pa.array(frame.cols[key][parent])
            ctx, tbl = self._fill(rt, k, frame, parent, time, offset, base)
            offset += tbl.num_rows
            yield tbl, ctx

    @staticmethod
    def _detail_frame(parent_tbl: pa.Table, pctx: Ctx, plan: Plan) -> Frame:
        cols = {"subject_id": pctx.frame.cols["subject_id"][pctx.parent]}
        for key in plan.inherit:
            cols[key] = parent_tbl.column(key).to_numpy(zero_copy_only=False)
        return Frame(cols, pctx.time, pctx.time)

    def _entity_chunks(self, rt: ReleaseTable) -> Iterator[pa.Table]:
        frame, base = entities.columns(self.universe, self.frames, rt)
        _, tbl = self._fill(rt, 0, frame, np.arange(len(frame)), frame.start, 0, base)
        yield tbl
