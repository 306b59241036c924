{{ stage_source('mimiciv_note', 'discharge') }}
