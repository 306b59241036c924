{{ stage_source('mimiciv_icu', 'chartevents') }}
