{{ stage_source('mimiciv_hosp', 'labevents') }}
