{{ stage_source('mimiciv_icu', 'procedureevents') }}
