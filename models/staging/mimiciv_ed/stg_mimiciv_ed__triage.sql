{{ stage_source('mimiciv_ed', 'triage') }}
