{{ stage_source('mimiciv_hosp', 'emar_detail') }}
