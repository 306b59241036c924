{{ stage_source('mimiciv_hosp', 'omr') }}
