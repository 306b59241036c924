{{ stage_source('mimiciv_hosp', 'procedures_icd') }}
