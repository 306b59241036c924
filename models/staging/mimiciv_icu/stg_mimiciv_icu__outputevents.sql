{{ stage_source('mimiciv_icu', 'outputevents') }}
