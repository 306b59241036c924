{{ stage_source('mimiciv_hosp', 'admissions') }}
