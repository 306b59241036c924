{{ stage_source('mimic_cxr', 'report_files') }}
