{{ stage_source('mimiciv_hosp', 'd_icd_diagnoses') }}
