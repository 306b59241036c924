{{ stage_source('mimiciv_ed', 'vitalsign') }}
