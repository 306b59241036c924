{{ stage_source('mimiciv_hosp', 'provider') }}
