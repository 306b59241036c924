{{ stage_source('mimic_cxr', 'record_list') }}
