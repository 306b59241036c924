{{ stage_source('mimiciv_hosp', 'poe_detail') }}
