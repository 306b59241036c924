{{ stage_source('mimiciv_hosp', 'pharmacy') }}
