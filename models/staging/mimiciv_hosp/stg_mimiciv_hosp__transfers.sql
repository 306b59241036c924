{{ stage_source('mimiciv_hosp', 'transfers') }}
