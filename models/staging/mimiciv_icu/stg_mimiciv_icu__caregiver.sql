{{ stage_source('mimiciv_icu', 'caregiver') }}
