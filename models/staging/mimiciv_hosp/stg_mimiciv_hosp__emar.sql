{{ stage_source('mimiciv_hosp', 'emar') }}
