{{ mimic_view('mimiciv_hosp', 'd_icd_diagnoses') }}
