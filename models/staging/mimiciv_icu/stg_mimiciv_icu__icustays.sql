{{ stage_source('mimiciv_icu', 'icustays') }}
