{{ stage_source('mimiciv_ed', 'medrecon') }}
