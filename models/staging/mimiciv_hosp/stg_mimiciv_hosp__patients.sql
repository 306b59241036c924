{{ stage_source('mimiciv_hosp', 'patients') }}
