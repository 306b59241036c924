{{ stage_source('mimiciv_ed', 'diagnosis') }}
