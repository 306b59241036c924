{{ stage_source('mimiciv_ed', 'edstays') }}
