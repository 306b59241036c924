{{ stage_source('mimiciv_hosp', 'services') }}
