{{ stage_source('mimiciv_hosp', 'prescriptions') }}
