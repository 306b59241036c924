{{ mimic_view('mimiciv_hosp', 'diagnoses_icd') }}
