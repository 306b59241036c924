"""The hard cases the linkage must survive, planted as hand-built subjects with exact times.

Each planted subject is small and explicit; its images carry case names (written to the ground truth) and
eye-tracking roles (read by `synth.eyetracking` to build REFLACX cases and EyeGaze sessions around them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from mimic_mm.synth.haim_notes import PlantedNote, lines, note_id, words
from mimic_mm.synth.haim_series import PlantedEvent
from mimic_mm.synth.ids import Ids
from mimic_mm.synth.model import Admission, Image, Stay, Study, Subject

MIN_SUBJECTS = 40  # below this the planted subjects would crowd out the random population

# Eye-tracking roles an image can carry.
REFLACX_PHASE = {1: "reflacx_phase1", 2: "reflacx_phase2", 3: "reflacx_phase3"}
REFLACX_DISCARDED = "reflacx_discarded"
EYE_GAZE = "eye_gaze"
# EyeGaze DICOM_ID defects: role -> (characters cut, valid ID also present in the session)
TRUNCATIONS = {
    "eye_gaze_truncated_5_with_valid": (5, True),
    "eye_gaze_truncated_9_only": (9, False),
    "eye_gaze_truncated_5_only": (5, False),
    "eye_gaze_truncated_9_with_valid": (9, True),
}
EYE_GAZE_AMBIGUOUS = "eye_gaze_unresolved_ambiguous"
# Real-size, textured JPEGs (MIMIC-CXR-JPG's are about 2,500 x 3,000) among the HAIM cohort's images: where
# HAIM's OpenCV decode and a reduced-scale decode differ (the other images are small and smooth).
REAL_SIZE_IMAGES = "haim_real_size_images"


class Planter:
    def __init__(self, ids: Ids, rng: np.random.Generator, cases: dict[str, list[str]]) -> None:
        self.ids, self.rng, self.cases = ids, rng, cases
        self.subjects: list[Subject] = []

    def subject(self, *cases: str, reflacx: bool = False, eye_gaze: bool = False) -> Subject:
        s = Subject(self.ids.subject(), "F" if len(self.subjects) % 2 else "M", 55, 2150)
        s.in_reflacx, s.in_eye_gaze = reflacx, eye_gaze
        for c in cases:
            self.case(c, str(s.subject_id))
            s.cases.append(c)
        self.subjects.append(s)
        return s

    def case(self, name: str, ident: str) -> None:
        self.cases.setdefault(name, []).append(ident)

    def ed(self, s: Subject, intime: datetime, outtime: datetime, hadm: Admission | None = None) -> Stay:
        stay = Stay(self.ids.stay(), hadm.hadm_id if hadm else None, intime, outtime)
        s.ed_stays.append(stay)
        if hadm:
            hadm.edregtime, hadm.edouttime = intime, outtime
        return stay

    def admission(self, s: Subject, admittime: datetime, dischtime: datetime) -> Admission:
        a = Admission(self.ids.hadm(), admittime, dischtime)
        s.admissions.append(a)
        return a

    def icu(self, s: Subject, adm: Admission, intime: datetime, outtime: datetime, *cases: str) -> Stay:
        stay = Stay(self.ids.stay(), adm.hadm_id, intime, outtime, "Medical Intensive Care Unit (MICU)")
        s.icu_stays.append(stay)
        for c in cases:
            self.case(c, str(stay.stay_id))
        return stay

    def real_size(self, im: Image, rows: int, columns: int) -> None:
        """Make `im` a real-size textured JPEG (sizes draw no random numbers: nothing else changes)."""
        im.rows, im.columns = rows, columns
        im.cases.append(REAL_SIZE_IMAGES)
        self.case(REAL_SIZE_IMAGES, im.dicom_id)

    def study(
        self,
        s: Subject,
        time: datetime,
        cases: tuple[str, ...] = (),
        roles: tuple[str, ...] = (),
        n_images: int = 2,
        prefix: str | None = None,
    ) -> Study:
        st = Study(self.ids.study(), time)
        for k in range(n_images):
            im_prefix = prefix if k == 0 else None
            im = Image(self.ids.dicom(im_prefix), ["PA", "LATERAL", "AP"][k], 320, 256)
            if k == 0:  # cases and roles sit on the frontal image; the others are ordinary
                im.cases.extend(cases)
                im.roles.extend(roles)
                for c in cases:
                    self.case(c, im.dicom_id)
            st.images.append(im)
        s.studies.append(st)
        s.studies.sort(key=lambda x: x.time)
        return st


def plant_all(ids: Ids, rng: np.random.Generator, cases: dict[str, list[str]]) -> list[Subject]:
    p = Planter(ids, rng, cases)
    d = datetime
    # StudyTime before 10:00 (written 80556.875) in an ED stay that precedes an admission with an ICU stay.
    s = p.subject(reflacx=True)
    a = p.admission(s, d(2150, 3, 4, 10, 0), d(2150, 3, 9, 12, 0))
    p.ed(s, d(2150, 3, 4, 6, 0), d(2150, 3, 4, 10, 30), a)
    p.icu(s, a, d(2150, 3, 5, 2, 0), d(2150, 3, 7, 9, 0))
    p.study(s, d(2150, 3, 4, 8, 5, 56, 875000), ("studytime_unpadded",), (REFLACX_PHASE[3],))
    p.study(s, d(2150, 3, 6, 12, 0, 1, 250000), ("image_during_icu",))

    # Just after midnight (written 703.0), inside an ED stay that started the evening before.
    s = p.subject(eye_gaze=True)
    p.ed(s, d(2151, 5, 1, 23, 10), d(2151, 5, 2, 4, 0))
    p.study(s, d(2151, 5, 2, 0, 7, 3), ("studytime_after_midnight",), (EYE_GAZE,))

    # Exactly at an ED stay's intime, and exactly at another's outtime.
    s = p.subject()
    p.ed(s, d(2152, 1, 10, 14, 30), d(2152, 1, 10, 20, 0))
    p.ed(s, d(2152, 6, 1, 8, 0), d(2152, 6, 1, 13, 15))
    p.study(s, d(2152, 1, 10, 14, 30), ("image_at_ed_intime",))
    p.study(s, d(2152, 6, 1, 13, 15), ("image_at_ed_outtime",))

    # Inside two overlapping ED stays of one patient.
    s = p.subject()
    p.ed(s, d(2153, 2, 1, 10, 0), d(2153, 2, 1, 18, 0))
    p.ed(s, d(2153, 2, 1, 16, 0), d(2153, 2, 1, 23, 0))
    p.study(s, d(2153, 2, 1, 17, 0, 12, 500000), ("overlapping_ed_stays",))

    # 1 hour, 2 days and 6 days outside the only ED stay (window matches at 168 h), and 8 days away (none).
    s = p.subject()
    p.ed(s, d(2154, 4, 10, 9, 0), d(2154, 4, 10, 15, 0))
    p.study(s, d(2154, 4, 10, 16, 0), ("outside_ed_1h",))
    p.study(s, d(2154, 4, 8, 9, 0), ("outside_ed_2d",))
    p.study(s, d(2154, 4, 16, 15, 0), ("outside_ed_6d",))
    p.study(s, d(2154, 4, 18, 15, 0), ("outside_ed_8d",))

    # CXRs without any ED or ICU stay (also a REFLACX subject and an EyeGaze subject in that situation).
    s = p.subject("cxr_no_ed_no_icu", "reflacx_no_ed_no_icu", reflacx=True)
    p.admission(s, d(2155, 7, 1, 12, 0), d(2155, 7, 4, 12, 0))
    p.study(s, d(2155, 7, 2, 9, 30, 0, 125000), roles=(REFLACX_PHASE[3],))
    s = p.subject("cxr_no_ed_no_icu", "eye_gaze_no_ed_no_icu", eye_gaze=True)
    p.study(s, d(2155, 9, 2, 15, 45, 10), roles=(EYE_GAZE,))

    # ICU stays of a patient without CXRs.
    s = p.subject("icu_no_cxr")
    a = p.admission(s, d(2156, 1, 1, 8, 0), d(2156, 1, 9, 8, 0))
    p.icu(s, a, d(2156, 1, 2, 8, 0), d(2156, 1, 5, 8, 0), "icu_stay_of_subject_without_cxr")

    # Several ICU stays of a CXR subject; the second has no CXR during it.
    s = p.subject("several_icu_stays_with_cxr")
    a = p.admission(s, d(2157, 2, 1, 8, 0), d(2157, 2, 10, 8, 0))
    p.icu(s, a, d(2157, 2, 2, 8, 0), d(2157, 2, 4, 8, 0))
    b = p.admission(s, d(2157, 8, 1, 8, 0), d(2157, 8, 12, 8, 0))
    p.icu(s, b, d(2157, 8, 3, 8, 0), d(2157, 8, 6, 8, 0), "icu_stay_without_cxr_during")
    st = p.study(s, d(2157, 2, 3, 7, 15, 0, 500000), ("image_during_icu",))
    p.real_size(st.images[1], 3056, 2544)  # the usual MIMIC-CXR-JPG size (Rows x Columns)

    # Image files: one listed but missing on disk, one corrupt; both in a HAIM stay.
    s = p.subject()
    a = p.admission(s, d(2158, 3, 1, 8, 0), d(2158, 3, 8, 8, 0))
    p.icu(s, a, d(2158, 3, 2, 8, 0), d(2158, 3, 6, 8, 0))
    missing = p.study(s, d(2158, 3, 3, 11, 0, 0, 1000), ("image_missing_on_disk",))
    unreadable = p.study(s, d(2158, 3, 4, 11, 0, 0, 2000), ("image_unreadable",))
    # their lateral images: real size, odd sides (partial JPEG blocks), beside the missing/unreadable ones
    p.real_size(missing.images[1], 1201, 1003)
    p.real_size(unreadable.images[1], 1000, 1237)

    # Studies without CheXpert/NegBio rows (the HAIM reference cohort drops the subject).
    s = p.subject("no_chexpert_row")
    a = p.admission(s, d(2159, 5, 1, 8, 0), d(2159, 5, 8, 8, 0))
    p.icu(s, a, d(2159, 5, 2, 8, 0), d(2159, 5, 6, 8, 0))
    for st in (p.study(s, d(2159, 5, 3, 9, 0)), p.study(s, d(2159, 5, 4, 9, 0))):
        st.chexpert = False

    # In both REFLACX and EyeGaze (one image read in both).
    s = p.subject("reflacx_and_eye_gaze", reflacx=True, eye_gaze=True)
    a = p.admission(s, d(2160, 1, 5, 8, 0), d(2160, 1, 9, 8, 0))
    p.ed(s, d(2160, 1, 5, 2, 0), d(2160, 1, 5, 8, 30), a)
    p.study(s, d(2160, 1, 5, 5, 0, 0, 750000), roles=(REFLACX_PHASE[3], EYE_GAZE))

    # REFLACX only, with a discarded case (no fixations, gaze or transcription) and a kept one.
    s = p.subject("reflacx_only_discarded", reflacx=True)
    p.ed(s, d(2161, 3, 3, 12, 0), d(2161, 3, 3, 19, 0))
    p.study(s, d(2161, 3, 3, 13, 0), roles=(REFLACX_PHASE[3], REFLACX_DISCARDED))
    p.study(s, d(2161, 3, 3, 18, 0), roles=(REFLACX_PHASE[3],))

    # REFLACX phase 1 (Mass and Nodule both present) and phase 2, each image read by several radiologists.
    s = p.subject(reflacx=True)
    p.ed(s, d(2162, 4, 4, 12, 0), d(2162, 4, 4, 19, 0))
    p.study(s, d(2162, 4, 4, 13, 0), ("reflacx_phase1_mass_and_nodule",), (REFLACX_PHASE[1],))
    s = p.subject(reflacx=True)
    p.study(s, d(2162, 5, 5, 9, 59, 59, 999000), ("reflacx_phase2_merge_groups",), (REFLACX_PHASE[2],))

    # EyeGaze DICOM_ID truncations (EyeGaze-only subjects; one without any stay at all).
    for k, role in enumerate(TRUNCATIONS):
        subject_cases = ("eye_gaze_only_truncated",) if role.endswith("5_only") else ()
        s = p.subject(*subject_cases, eye_gaze=True)
        if k % 2 == 0:
            p.ed(s, d(2163, 1 + k, 2, 12, 0), d(2163, 1 + k, 2, 20, 0))
        p.study(s, d(2163, 1 + k, 2, 14, 0), roles=(EYE_GAZE, role))

    # Two EyeGaze images sharing their first 35 characters: an ID truncated by 9 matches both.
    s = p.subject(eye_gaze=True)
    first = p.study(s, d(2164, 6, 6, 10, 0), roles=(EYE_GAZE, EYE_GAZE_AMBIGUOUS), n_images=1)
    prefix = first.images[0].dicom_id[:35]
    p.study(s, d(2164, 6, 7, 10, 0), roles=(EYE_GAZE,), n_images=1, prefix=prefix)

    plant_haim(p)
    plant_haim_fusion(p)

    # In-hospital deaths (deathtime = dischtime, dod that day): 4 days after admission (a positive of the MEDS
    # tests' ACES in-hospital mortality task, predicted 48 h after admission) and 20 hours after (left out).
    for days, case in ((4, "in_hospital_death_after_48h"), (0, "in_hospital_death_within_48h")):
        s = p.subject(case)
        a = p.admission(
            s, d(2165, 2, 1, 9, 30), d(2165, 2, 1 + days, 5, 15) + timedelta(hours=20 * (days == 0))
        )
        s.dod = a.dischtime
    return p.subjects


def plant_haim(p: Planter) -> None:
    """HAIM embedding edge cases: one admission with two ICU stays and exact chart, lab and procedure series
    (file order differing from time order, NULL values, a value in the image's minute and one 30 s later,
    two values at one time, every item of the three lists), images at admittime, in the discharge minute and
    after dischtime; and a second patient whose ICU stay has no event at all."""
    d = datetime
    s = p.subject("haim_admission_two_icu_stays")
    a = p.admission(s, d(2170, 1, 1, 0, 0), d(2170, 1, 5, 12, 0))
    first = p.icu(s, a, d(2170, 1, 1, 0, 30), d(2170, 1, 3, 0, 0), "haim_stay_every_item")
    second = p.icu(s, a, d(2170, 1, 3, 6, 0), d(2170, 1, 5, 10, 0), "haim_item_only_null_values")
    p.study(s, d(2170, 1, 1, 0, 0), ("haim_image_at_admittime",), n_images=1)
    p.study(s, d(2170, 1, 1, 3, 0, 45, 500000), ("haim_image_bounds_same_minute",), n_images=1)
    p.study(s, d(2170, 1, 5, 12, 0, 40), ("haim_image_in_discharge_minute",), n_images=1)
    p.study(s, d(2170, 1, 5, 12, 1, 0), ("haim_image_after_dischtime",), n_images=1)
    events: list[PlantedEvent] = []

    def chart(label: str, time: datetime, value: float | None, stay: Stay = first) -> None:
        events.append(PlantedEvent("chartevents", s.subject_id, a.hadm_id, stay.stay_id, label, time, value))

    for case in (
        "haim_file_order_not_time_order",
        "haim_value_in_image_minute",
        "haim_two_values_same_time",
        "haim_item_single_value",
        "haim_lab_before_admission",
        "haim_procedure_after_image",
    ):
        p.case(case, str(first.stay_id))  # fmt: skip

    # Heart Rate: file order 95, 80, 70 while time order is 80 (01:00), 95 (02:00), 70 (03:00).
    chart("Heart Rate", d(2170, 1, 1, 2, 0), 95.0)
    chart("Heart Rate", d(2170, 1, 1, 1, 0), 80.0)
    chart("Heart Rate", d(2170, 1, 1, 3, 0), 70.0)
    # Respiratory Rate: one value in the image's floored minute, one 30 s later (only later images count it).
    chart("Respiratory Rate", d(2170, 1, 1, 3, 0), 18.0)
    chart("Respiratory Rate", d(2170, 1, 1, 3, 0, 30), 30.0)
    # O2 saturation: two values at the same time; NIBP mean: a single value among NULL ones.
    chart("O2 saturation pulseoxymetry", d(2170, 1, 1, 2, 30), 80.0)
    chart("O2 saturation pulseoxymetry", d(2170, 1, 1, 2, 30), 100.0)
    chart("Non Invasive Blood Pressure mean", d(2170, 1, 1, 1, 30), None)
    chart("Non Invasive Blood Pressure mean", d(2170, 1, 1, 1, 40), 80.0)
    chart("Non Invasive Blood Pressure mean", d(2170, 1, 1, 1, 45), None)
    chart("GCS - Verbal Response", d(2170, 1, 1, 1, 15), 4.0)
    # The second stay: Heart Rate has only NULL values (no value at all for HAIM).
    chart("Heart Rate", d(2170, 1, 3, 7, 0), None, second)
    chart("Heart Rate", d(2170, 1, 3, 8, 0), None, second)
    for k, label in enumerate(HAIM_CHART_OTHERS):
        chart(label, d(2170, 1, 1, 1, 5 + k), 50.0 + k)
    for k, label in enumerate(HAIM_LAB_LABELS):
        # Every itemid of the label (Glucose in blood and urine, ...): HAIM pools them. One before admission.
        drawn = d(2169, 12, 31, 22, 0) if k == 0 else d(2170, 1, 1, 1, k)
        events.append(PlantedEvent("labevents", s.subject_id, a.hadm_id, None, label, drawn, 10.0 + k))
    for k, label in enumerate(HAIM_PROCEDURE_LABELS):
        # Stored hours after every image of the stay: HAIM still counts them (the strict bound does not).
        events.append(PlantedEvent("procedureevents", s.subject_id, a.hadm_id, first.stay_id, label,
                                   d(2170, 1, 2, 1, k), 60.0 * (k + 1), stored_after_minutes=30))  # fmt: skip
    events.append(PlantedEvent("procedureevents", s.subject_id, a.hadm_id, first.stay_id, "Foley Catheter",
                               d(2170, 1, 1, 0, 40), 15.0))  # fmt: skip
    s.haim_events = events

    s = p.subject()
    a = p.admission(s, d(2171, 2, 1, 8, 0), d(2171, 2, 6, 8, 0))
    p.icu(
        s, a, d(2171, 2, 2, 8, 0), d(2171, 2, 4, 8, 0), "haim_stay_without_events", "haim_stay_without_notes"
    )
    p.study(s, d(2171, 2, 3, 9, 0), n_images=1)
    s.haim_events = []
    s.radiology_notes = []


def plant_haim_fusion(p: Planter) -> None:
    """HAIM image and note embedding cases (marts.haim_fusion): a row whose stay has one image so far, two
    images of one study (one time), images whose mean weighs them; radiology notes over 510 word pieces split
    by lines, with a single line over 510 pieces (HAIM's empty first chunk, then a failure), before admission
    (an ICU stay starting before admittime links it; its weight is negative), and notes whose weights sum
    to 0.
    An image without a time cannot be planted: MIMIC-CXR-JPG's metadata always has StudyDate and StudyTime
    (the rule for one is covered by the dbt unit tests of int_haim_fusion_image_means)."""
    d = datetime
    s = p.subject("haim_fusion_notes")
    a = p.admission(s, d(2172, 3, 1, 8, 0), d(2172, 3, 8, 8, 0))
    p.icu(s, a, d(2172, 3, 1, 6, 0), d(2172, 3, 6, 8, 0), "haim_icu_stay_before_admission")
    p.study(s, d(2172, 3, 1, 10, 0, 12, 500000), ("haim_row_one_image",), n_images=1)
    p.study(s, d(2172, 3, 2, 9, 30, 15), ("haim_two_images_same_time",), n_images=2)
    p.study(s, d(2172, 3, 3, 12, 0), ("haim_row_after_failed_note",), n_images=1)
    s.radiology_notes = [
        PlantedNote(a.hadm_id, d(2172, 3, 1, 7, 0), "EXAMINATION: CHEST PORTABLE\nIMPRESSION: " + words(12)),
        PlantedNote(a.hadm_id, d(2172, 3, 1, 9, 0), "EXAMINATION: CHEST (PA AND LAT)\n" + lines(100, 12)),
        PlantedNote(a.hadm_id, d(2172, 3, 2, 11, 0), words(600) + "\nIMPRESSION: " + words(8)),
    ]
    for case, k in (("haim_note_before_admission", 0), ("haim_note_over_510_pieces", 1),
                    ("haim_note_line_over_510_pieces", 2)):  # fmt: skip
        p.case(case, note_id(s.subject_id, k))

    s = p.subject("haim_note_weights_sum_to_zero")
    a = p.admission(s, d(2173, 4, 2, 8, 0), d(2173, 4, 6, 8, 0))
    p.icu(s, a, d(2173, 4, 2, 6, 0), d(2173, 4, 5, 8, 0))
    p.study(s, d(2173, 4, 3, 10, 0), ("haim_stay_images_all_at_one_time",), n_images=2)
    s.radiology_notes = [
        PlantedNote(a.hadm_id, d(2173, 4, 2, 7, 0), "IMPRESSION: " + words(10)),
        PlantedNote(a.hadm_id, d(2173, 4, 2, 9, 0), "IMPRESSION: " + words(10, 3)),
    ]


# HAIM's labels the planted stay charts besides the special cases above (exact text, as in the dictionaries).
HAIM_CHART_OTHERS = ("Non Invasive Blood Pressure systolic", "Non Invasive Blood Pressure diastolic",
                     "GCS - Eye Opening", "GCS - Motor Response")  # fmt: skip
HAIM_LAB_LABELS = (
    "Glucose", "Potassium", "Sodium", "Chloride", "Creatinine", "Urea Nitrogen", "Bicarbonate", "Anion Gap",
    "Hemoglobin", "Hematocrit", "Magnesium", "Platelet Count", "Phosphate", "White Blood Cells",
    "Calcium, Total", "MCH", "Red Blood Cells", "MCHC", "MCV", "RDW", "Neutrophils", "Vancomycin",
)  # fmt: skip
HAIM_PROCEDURE_LABELS = (
    "Foley Catheter", "PICC Line", "Intubation", "Peritoneal Dialysis", "Bronchoscopy", "EEG",
    "Dialysis - CRRT", "Dialysis Catheter", "Chest Tube Removed", "Hemodialysis",
)  # fmt: skip
