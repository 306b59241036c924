{{ stage_source('mimiciv_icu', 'inputevents') }}
