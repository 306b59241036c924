"""The real MIMIC-IV items the synthetic release charts: itemid, exact label, and how its values look.

HAIM matches items by exact label and mimic-code's concepts filter on itemids and on text values (GCS answers,
O2 devices, ventilator modes), so these carry the real itemids and label strings; values are synthetic. Items
read by neither get plausible itemids outside the ranges listed here. `weight` is the item's relative charting
frequency within its table (vital signs hourly, a CRRT setting rarely).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# A text answer and the score MIMIC stores beside it in valuenum (None: valuenum is NULL).
Choice = tuple[str, float | None]


@dataclass(frozen=True)
class IcuItem:
    itemid: int
    label: str
    linksto: str
    category: str
    unit: str | None
    mean: float = 0.0  # value (chartevents valuenum, inputevents amount, outputevents/procedureevents value)
    sd: float = 0.0
    weight: float = 1.0
    choices: tuple[Choice, ...] = ()  # text-valued items: value drawn from these
    rate: tuple[float, float] | None = None  # inputevents: (mean, sd) of the rate
    rateuom: str | None = None
    amountuom: str | None = None
    always: bool = False  # charted at least once for every parent (HAIM's items), not only by chance


@dataclass(frozen=True)
class LabItem:
    itemid: int
    label: str
    fluid: str
    category: str
    unit: str
    mean: float
    sd: float
    lower: float
    upper: float
    weight: float = 1.0
    choices: tuple[str, ...] = ()  # text-valued results (blood gas specimen type): valuenum NULL
    always: bool = False  # measured at least once in every admission (HAIM's labs)


_CE = "chartevents"


def _vital(itemid: int, label: str, unit: str, mean: float, sd: float, weight: float = 6.0) -> IcuItem:
    return IcuItem(itemid, label, _CE, "Routine Vital Signs", unit, mean, sd, weight)


def _resp(itemid: int, label: str, unit: str | None, mean: float, sd: float, weight: float = 1.0) -> IcuItem:
    return IcuItem(itemid, label, _CE, "Respiratory", unit, mean, sd, weight)


def _text(
    itemid: int, label: str, category: str, choices: tuple[Choice, ...], weight: float = 1.0
) -> IcuItem:
    return IcuItem(itemid, label, _CE, category, None, weight=weight, choices=choices)


def _crrt(itemid: int, label: str, unit: str, mean: float, sd: float) -> IcuItem:
    return IcuItem(itemid, label, _CE, "Dialysis", unit, mean, sd, 0.15)


def _names(*values: str) -> tuple[Choice, ...]:
    return tuple((v, None) for v in values)


_HAIM_CHART = {220045, 220179, 220180, 220181, 220210, 220277, 223900, 220739, 223901}
_CHART_ITEMS: list[IcuItem] = [
    _vital(220045, "Heart Rate", "bpm", 85, 15, 10),
    _vital(220179, "Non Invasive Blood Pressure systolic", "mmHg", 120, 18),
    _vital(220180, "Non Invasive Blood Pressure diastolic", "mmHg", 65, 12),
    _vital(220181, "Non Invasive Blood Pressure mean", "mmHg", 80, 12),
    _vital(220210, "Respiratory Rate", "insp/min", 18, 4, 8),
    _vital(220277, "O2 saturation pulseoxymetry", "%", 96, 2, 8),
    _text(
        223900,
        "GCS - Verbal Response",
        "Neurological",
        (
            ("Oriented", 5),
            ("Confused", 4),
            ("Inappropriate Words", 3),
            ("Incomprehensible sounds", 2),
            ("No Response", 1),
            ("No Response-ETT", 1),
        ),
        2,
    ),
    _text(
        220739,
        "GCS - Eye Opening",
        "Neurological",
        (("Spontaneously", 4), ("To Speech", 3), ("To Pain", 2), ("None", 1)),
        2,
    ),
    _text(
        223901,
        "GCS - Motor Response",
        "Neurological",
        (
            ("Obeys Commands", 6),
            ("Localizes Pain", 5),
            ("Flex-withdraws", 4),
            ("Abnormal Flexion", 3),
            ("Abnormal extension", 2),
            ("No response", 1),
        ),
        2,
    ),
    _vital(220050, "Arterial Blood Pressure systolic", "mmHg", 125, 20, 3),
    _vital(220051, "Arterial Blood Pressure diastolic", "mmHg", 62, 12, 3),
    _vital(220052, "Arterial Blood Pressure mean", "mmHg", 80, 12, 3),
    _vital(224690, "Respiratory Rate (Total)", "insp/min", 19, 5, 1.5),
    _vital(223761, "Temperature Fahrenheit", "°F", 98.6, 1.2, 2),
    _vital(223762, "Temperature Celsius", "°C", 37, 0.7, 0.5),
    _text(
        224642, "Temperature Site", "Routine Vital Signs", _names("Oral", "Axillary", "Blood", "Rectal"), 1
    ),
    IcuItem(225664, "Glucose finger stick (range 70-100)", _CE, "Labs", "mg/dL", 135, 35, 1.5),
    IcuItem(220621, "Glucose (serum)", _CE, "Labs", "mg/dL", 130, 30, 0.8),
    IcuItem(226537, "Glucose (whole blood)", _CE, "Labs", "mg/dL", 130, 30, 0.3),
    _text(
        220048,
        "Heart Rhythm",
        "Routine Vital Signs",
        _names(
            "SR (Sinus Rhythm)",
            "ST (Sinus Tachycardia)",
            "AF (Atrial Fibrillation)",
            "SB (Sinus Bradycardia)",
        ),
        2,
    ),
    _text(224650, "Ectopy Type 1", "Routine Vital Signs", _names("None", "PVC's", "PAC's"), 0.5),
    _text(224651, "Ectopy Frequency 1", "Routine Vital Signs", _names("Rare", "Occasional", "Frequent"), 0.5),
    IcuItem(226512, "Admission Weight (Kg)", _CE, "General", "kg", 80, 18, 0.05),
    IcuItem(224639, "Daily Weight", _CE, "General", "kg", 80, 18, 0.15),
    IcuItem(226730, "Height (cm)", _CE, "General", "cm", 170, 10, 0.05),
    IcuItem(226707, "Height", _CE, "General", "Inch", 67, 4, 0.03),
    _resp(223835, "Inspired O2 Fraction", "%", 50, 15, 2),
    _resp(223834, "O2 Flow", "L/min", 4, 2, 1),
    _text(
        226732,
        "O2 Delivery Device(s)",
        "Respiratory",
        _names(
            "Nasal cannula",
            "Endotracheal tube",
            "Tracheostomy tube",
            "Face tent",
            "Non-rebreather",
            "High flow nasal cannula",
            "Bipap mask ",
            "None",
        ),
        2,
    ),
    _text(223848, "Ventilator Type", "Respiratory", _names("Drager", "Hamilton"), 0.5),
    _text(
        223849,
        "Ventilator Mode",
        "Respiratory",
        _names("CMV/ASSIST/AutoFlow", "CPAP/PSV", "SIMV/PSV", "PRVC/AC", "CMV/ASSIST", "Standby"),
        1.5,
    ),
    _text(
        229314, "Ventilator Mode (Hamilton)", "Respiratory", _names("APV (cmv)", "ASV", "(S) CMV", "NIV"), 0.4
    ),
    _resp(220339, "PEEP set", "cmH2O", 6, 2, 1),
    _resp(224700, "Total PEEP Level", "cmH2O", 7, 2, 0.6),
    _resp(224684, "Tidal Volume (set)", "mL", 450, 60, 0.8),
    _resp(224685, "Tidal Volume (observed)", "mL", 460, 80, 0.8),
    _resp(224686, "Tidal Volume (spontaneous)", "mL", 400, 90, 0.4),
    _resp(224687, "Minute Volume", "L/min", 9, 2, 0.8),
    _resp(224688, "Respiratory Rate (Set)", "insp/min", 16, 3, 0.8),
    _resp(224689, "Respiratory Rate (spontaneous)", "insp/min", 6, 4, 0.5),
    _resp(224696, "Plateau Pressure", "cmH2O", 20, 4, 0.5),
    IcuItem(220765, "Intra Cranial Pressure", _CE, "Neurological", "mmHg", 12, 5, 0.1),
    _text(
        223758,
        "Code Status",
        "General",
        _names("Full code", "DNR / DNI", "DNI (do not intubate)", "Comfort measures only"),
        0.2,
    ),
    _text(227290, "CRRT mode", "Dialysis", _names("CVVHDF", "CVVHD", "CVVH", "SCUF"), 0.15),
    _text(
        224146,
        "System Integrity",
        "Dialysis",
        _names("Active", "New Filter", "Clots Present", "Discontinued"),
        0.15,
    ),
    _crrt(224144, "Blood Flow (ml/min)", "ml/min", 200, 30),
    _crrt(224191, "Hourly Patient Fluid Removal", "mL", 80, 40),
    _crrt(224149, "Access Pressure", "mmHg", -90, 20),
    _crrt(224150, "Filter Pressure", "mmHg", 150, 30),
]

CHART_ITEMS = [replace(it, always=it.itemid in _HAIM_CHART) for it in _CHART_ITEMS]

_IE = "inputevents"


def _drug(itemid: int, label: str, rate: float, rateuom: str, weight: float = 1.0) -> IcuItem:
    return IcuItem(
        itemid,
        label,
        _IE,
        "Medications",
        "mg",
        2,
        1.5,
        weight,
        rate=(rate, rate / 3),
        rateuom=rateuom,
        amountuom="mg",
    )


INPUT_ITEMS: list[IcuItem] = [
    IcuItem(
        225158,
        "NaCl 0.9%",
        _IE,
        "Fluids/Intake",
        "mL",
        250,
        150,
        4,
        rate=(75, 40),
        rateuom="mL/hour",
        amountuom="mL",
    ),
    _drug(221906, "Norepinephrine", 0.1, "mcg/kg/min", 2),
    _drug(221289, "Epinephrine", 0.05, "mcg/kg/min"),
    _drug(221662, "Dopamine", 5, "mcg/kg/min"),
    _drug(221653, "Dobutamine", 5, "mcg/kg/min"),
    _drug(221749, "Phenylephrine", 1, "mcg/kg/min"),
    _drug(222315, "Vasopressin", 2.4, "units/hour"),
    _drug(221986, "Milrinone", 0.4, "mcg/kg/min", 0.5),
    _drug(221555, "Cisatracurium", 2, "mcg/kg/min", 0.3),
    _drug(222062, "Vecuronium", 1, "mcg/kg/min", 0.3),
    _drug(221744, "Fentanyl", 50, "mcg/hour"),
    _drug(222168, "Propofol", 30, "mcg/kg/min"),
    _drug(227536, "KCl (CRRT)", 4, "mEq/hour", 0.2),
]

_OE = "outputevents"

OUTPUT_ITEMS: list[IcuItem] = [
    IcuItem(226559, "Foley", _OE, "Output", "mL", 90, 50, 8),
    IcuItem(226560, "Void", _OE, "Output", "mL", 250, 100, 2),
    IcuItem(226561, "Condom Cath", _OE, "Output", "mL", 200, 80, 0.3),
    IcuItem(226567, "Straight Cath", _OE, "Output", "mL", 300, 100, 0.3),
    IcuItem(227488, "GU Irrigant Volume In", _OE, "Output", "mL", 500, 100, 0.1),
    IcuItem(227489, "GU Irrigant/Urine Volume Out", _OE, "Output", "mL", 700, 150, 0.1),
    IcuItem(226583, "Chest Tube #1", _OE, "Output", "mL", 50, 30, 0.5),
]

_PE = "procedureevents"


def _proc(itemid: int, label: str, unit: str, mean: float, sd: float, weight: float = 1.0) -> IcuItem:
    return IcuItem(itemid, label, _PE, "Procedures", unit, mean, sd, weight)


PROCEDURE_ITEMS: list[IcuItem] = [
    _proc(229351, "Foley Catheter", "None", 1, 0, 3),
    _proc(224264, "PICC Line", "None", 1, 0, 2),
    _proc(224385, "Intubation", "None", 1, 0, 1),
    _proc(225805, "Peritoneal Dialysis", "None", 1, 0, 0.3),
    _proc(225400, "Bronchoscopy", "None", 1, 0, 0.5),
    _proc(225459, "EEG", "min", 60, 30, 0.5),
    _proc(225802, "Dialysis - CRRT", "min", 1440, 600, 0.5),
    _proc(224270, "Dialysis Catheter", "None", 1, 0, 0.5),
    _proc(225433, "Chest Tube Removed", "None", 1, 0, 0.5),
    _proc(225441, "Hemodialysis", "min", 240, 60, 0.5),
    _proc(225752, "Arterial Line", "None", 1, 0, 1),
    _proc(224263, "Multi Lumen", "None", 1, 0, 1),
    _proc(225792, "Invasive Ventilation", "min", 2880, 1500, 1),
]

ICU_ITEMS: list[IcuItem] = CHART_ITEMS + INPUT_ITEMS + OUTPUT_ITEMS + PROCEDURE_ITEMS


def _lab(
    itemid: int, label: str, unit: str, mean: float, sd: float, lo: float, hi: float, w: float = 1.0
) -> LabItem:
    return LabItem(itemid, label, "Blood", "Chemistry", unit, mean, sd, lo, hi, w)


def _heme(
    itemid: int, label: str, unit: str, mean: float, sd: float, lo: float, hi: float, w: float = 1.0
) -> LabItem:
    return LabItem(itemid, label, "Blood", "Hematology", unit, mean, sd, lo, hi, w)


def _gas(
    itemid: int, label: str, unit: str, mean: float, sd: float, lo: float, hi: float, w: float = 0.6
) -> LabItem:
    return LabItem(itemid, label, "Blood", "Blood Gas", unit, mean, sd, lo, hi, w)


# Several itemids share one label (HAIM pools them): blood chemistry, blood gas, urine and other fluids.
# The first 22 are HAIM's lab list, in its order.
_LAB_ITEMS: list[LabItem] = [
    _lab(50931, "Glucose", "mg/dL", 125, 35, 70, 100, 4),
    _lab(50971, "Potassium", "mEq/L", 4.2, 0.5, 3.3, 5.1, 4),
    _lab(50983, "Sodium", "mEq/L", 139, 4, 133, 145, 4),
    _lab(50902, "Chloride", "mEq/L", 102, 4, 96, 108, 3),
    _lab(50912, "Creatinine", "mg/dL", 1.2, 0.6, 0.5, 1.2, 4),
    _lab(51006, "Urea Nitrogen", "mg/dL", 22, 10, 6, 20, 3),
    _lab(50882, "Bicarbonate", "mEq/L", 24, 4, 22, 32, 3),
    _lab(50868, "Anion Gap", "mEq/L", 13, 3, 8, 20, 3),
    _heme(51222, "Hemoglobin", "g/dL", 10.5, 2, 12, 16, 3),
    _heme(51221, "Hematocrit", "%", 32, 5, 34, 45, 3),
    _lab(50960, "Magnesium", "mg/dL", 2.0, 0.3, 1.6, 2.6, 2),
    _heme(51265, "Platelet Count", "K/uL", 220, 80, 150, 440, 3),
    _lab(50970, "Phosphate", "mg/dL", 3.5, 0.9, 2.7, 4.5, 2),
    _heme(51301, "White Blood Cells", "K/uL", 10, 4, 4, 11, 3),
    _lab(50893, "Calcium, Total", "mg/dL", 8.6, 0.6, 8.4, 10.3, 2),
    _heme(51248, "MCH", "pg", 30, 2, 26, 32, 2),
    _heme(51279, "Red Blood Cells", "m/uL", 3.6, 0.6, 4.2, 5.4, 2),
    _heme(51249, "MCHC", "%", 33, 1.5, 31, 35, 2),
    _heme(51250, "MCV", "fL", 91, 6, 82, 98, 2),
    _heme(51277, "RDW", "%", 14.5, 1.5, 10.5, 15.5, 2),
    _heme(51256, "Neutrophils", "%", 72, 10, 50, 70, 1),
    _lab(51009, "Vancomycin", "ug/mL", 15, 5, 10, 20, 0.4),
    # the same labels on other fluids or analysers
    _gas(50809, "Glucose", "mg/dL", 130, 35, 70, 105),
    _lab(52569, "Glucose", "mg/dL", 125, 35, 70, 100, 0.2),
    LabItem(51478, "Glucose", "Urine", "Hematology", "mg/dL", 20, 30, 0, 0, 0.3),
    LabItem(51084, "Glucose", "Urine", "Chemistry", "mg/dL", 20, 30, 0, 0, 0.2),
    _gas(50822, "Potassium", "mEq/L", 4.1, 0.5, 3.5, 5.3),
    LabItem(51097, "Potassium", "Urine", "Chemistry", "mEq/L", 40, 15, 0, 0, 0.2),
    LabItem(50833, "Potassium", "Other Body Fluid", "Chemistry", "mEq/L", 4, 1, 0, 0, 0.1),
    LabItem(51100, "Sodium", "Urine", "Chemistry", "mEq/L", 60, 25, 0, 0, 0.2),
    LabItem(51082, "Creatinine", "Urine", "Chemistry", "mg/dL", 90, 40, 0, 0, 0.2),
    _gas(50811, "Hemoglobin", "g/dL", 10.5, 2, 12, 16),
    LabItem(51348, "Hematocrit", "Other Body Fluid", "Hematology", "%", 5, 3, 0, 0, 0.1),
    _heme(51300, "WBC Count", "K/uL", 10, 4, 4, 11, 0.3),
    LabItem(51755, "White Blood Cells", "Urine", "Hematology", "#/hpf", 5, 4, 0, 5, 0.2),
    LabItem(51368, "Neutrophils", "Other Body Fluid", "Hematology", "%", 40, 20, 0, 0, 0.1),
    # blood gas panel (bg.sql pivots these by itemid)
    _gas(50820, "pH", "units", 7.38, 0.06, 7.35, 7.45, 1.5),
    _gas(50821, "pO2", "mm Hg", 110, 40, 85, 105, 1.5),
    _gas(50818, "pCO2", "mm Hg", 41, 7, 35, 45, 1.5),
    _gas(50802, "Base Excess", "mEq/L", 0, 3, -2, 3),
    _gas(50803, "Calculated Bicarbonate, Whole Blood", "mEq/L", 24, 3, 22, 26),
    _gas(50804, "Calculated Total CO2", "mEq/L", 25, 4, 21, 30),
    _gas(50805, "Carboxyhemoglobin", "%", 1.5, 0.8, 0, 3, 0.2),
    _gas(50806, "Chloride, Whole Blood", "mEq/L", 104, 4, 96, 108),
    _gas(50808, "Free Calcium", "mmol/L", 1.12, 0.08, 1.12, 1.32),
    _gas(50810, "Hematocrit, Calculated", "%", 32, 5, 34, 45),
    _gas(50813, "Lactate", "mmol/L", 1.8, 0.9, 0.5, 2, 1.5),
    _gas(50814, "Methemoglobin", "%", 0.8, 0.4, 0, 1, 0.2),
    _gas(50816, "Oxygen", "%", 50, 20, 0, 0, 0.4),
    _gas(50817, "Oxygen Saturation", "%", 96, 3, 0, 0),
    _gas(50824, "Sodium, Whole Blood", "mEq/L", 138, 4, 133, 145),
    _gas(50825, "Temperature", "C", 37, 0.6, 0, 0, 0.3),
    _gas(50801, "Alveolar-arterial Gradient", "mm Hg", 150, 80, 0, 0, 0.2),
    LabItem(
        52033, "Specimen Type", "Blood", "Blood Gas", "", 0, 0, 0, 0, 1.5, ("ART.", "VEN.", "MIX.", "CENTRAL")
    ),
    # other panels the concepts pivot
    _lab(50862, "Albumin", "g/dL", 3.3, 0.6, 3.5, 5.2, 0.8),
    _lab(50930, "Globulin", "g/dL", 2.8, 0.5, 2.6, 4.1, 0.3),
    _lab(50976, "Protein, Total", "g/dL", 6.2, 0.8, 6.4, 8.3, 0.3),
    _lab(50861, "Alanine Aminotransferase (ALT)", "IU/L", 40, 30, 0, 40, 0.8),
    _lab(50878, "Asparate Aminotransferase (AST)", "IU/L", 45, 35, 0, 40, 0.8),
    _lab(50863, "Alkaline Phosphatase", "IU/L", 100, 50, 35, 105, 0.8),
    _lab(50885, "Bilirubin, Total", "mg/dL", 1.0, 0.8, 0, 1.5, 0.8),
    _lab(50883, "Bilirubin, Direct", "mg/dL", 0.4, 0.3, 0, 0.3, 0.2),
    _lab(50910, "Creatine Kinase (CK)", "IU/L", 200, 150, 0, 200, 0.3),
    _lab(50911, "Creatine Kinase, MB Isoenzyme", "ng/mL", 4, 3, 0, 10, 0.2),
    _lab(50954, "Lactate Dehydrogenase (LD)", "IU/L", 250, 100, 94, 250, 0.3),
    _lab(51003, "Troponin T", "ng/mL", 0.05, 0.05, 0, 0.01, 0.3),
    _lab(50889, "C-Reactive Protein", "mg/L", 40, 30, 0, 5, 0.2),
    _heme(51237, "INR(PT)", "", 1.3, 0.3, 0.9, 1.1, 1),
    _heme(51274, "PT", "sec", 14, 3, 9.4, 12.5, 1),
    _heme(51275, "PTT", "sec", 32, 8, 25, 36.5, 1),
    _heme(51214, "Fibrinogen, Functional", "mg/dL", 350, 100, 200, 400, 0.2),
    _heme(51244, "Lymphocytes", "%", 15, 8, 18, 42, 0.8),
    _heme(51254, "Monocytes", "%", 7, 3, 2, 11, 0.8),
    _heme(51200, "Eosinophils", "%", 1.5, 1.2, 0, 4, 0.8),
    _heme(51146, "Basophils", "%", 0.4, 0.3, 0, 2, 0.8),
    _heme(51144, "Bands", "%", 2, 2, 0, 5, 0.2),
    _heme(52075, "Absolute Neutrophil Count", "K/uL", 7, 3, 1.6, 7.5, 0.5),
    _heme(52069, "Absolute Basophil Count", "K/uL", 0.03, 0.02, 0, 0.1, 0.5),
    _heme(52073, "Absolute Eosinophil Count", "K/uL", 0.1, 0.08, 0.04, 0.5, 0.5),
    _heme(52074, "Absolute Monocyte Count", "K/uL", 0.6, 0.3, 0.2, 0.95, 0.5),
    _heme(51133, "Absolute Lymphocyte Count", "K/uL", 1.3, 0.6, 1.2, 3.7, 0.5),
]
_HAIM_LABS = 22
LAB_ITEMS = [replace(it, always=k < _HAIM_LABS) for k, it in enumerate(_LAB_ITEMS)]
