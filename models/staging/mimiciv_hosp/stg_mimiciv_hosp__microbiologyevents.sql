{{ stage_source('mimiciv_hosp', 'microbiologyevents') }}
