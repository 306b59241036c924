{{ stage_source('mimiciv_hosp', 'diagnoses_icd') }}
