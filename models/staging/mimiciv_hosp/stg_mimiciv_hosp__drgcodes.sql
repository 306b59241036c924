{{ stage_source('mimiciv_hosp', 'drgcodes') }}
