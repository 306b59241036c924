{{ stage_source('mimiciv_icu', 'datetimeevents') }}
