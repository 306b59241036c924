{{ stage_source('mimic_cxr', 'study_list') }}
