{{ stage_source('mimiciv_hosp', 'd_labitems') }}
