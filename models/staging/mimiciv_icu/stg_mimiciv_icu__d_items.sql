{{ stage_source('mimiciv_icu', 'd_items') }}
