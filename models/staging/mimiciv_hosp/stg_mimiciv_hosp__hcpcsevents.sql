{{ stage_source('mimiciv_hosp', 'hcpcsevents') }}
